import * as pulumi from "@pulumi/pulumi";
import { LabSpec, Role, allHosts } from "../config";
import { planLab } from "../plan";
import { secretInputs, secretWhereHeld } from "../remote";
import { LabAccess, labAccess } from "./access";
import { NfsServer, TomcatBackend } from "./backends";
import { LabClient, Verification } from "./client";
import { Director } from "./director";
import { createLabContext } from "./guest";
import { LabHostArgs, LabHostComponent, LabRegistry } from "./host";
import { RealServer } from "./realServer";

/** Arguments of a whole lab. */
export interface LvsDrClusterArgs {
    /** The validated lab (see `parseLabConfig`); the mode may be DR, NAT or TUN. */
    spec: LabSpec;
    /** Requests the client sends through the VIP to verify the lab. Default 20. */
    verifyRequests?: number;
}

/** The component each role is built as. */
const ROLE_COMPONENT: Record<Role, new (name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) => LabHostComponent> = {
    nfs: NfsServer,
    tomcat: TomcatBackend,
    realServer: RealServer,
    director: Director,
    client: LabClient,
};

/**
 * A complete LVS lab on one libvirt segment, built from the plan of each host's steps
 * (`planLab`): NFS server and tomcats first, then the real servers, then the directors (which
 * add them only once their VIP and ARP settings are in place), and last the client that proves
 * the lab through the VIP.
 *
 * Every resource's name starts with the cluster's: `<name>-network`, `<name>-client-key`, and per
 * host `<name>-<host>` (the role component) with `<name>-<host>-domain`, `<name>-<host>-service`
 * and so on, so several clusters live in one program. Stacks made when the hosts' resources were
 * named `<host>-<what>` keep them: those names are aliases.
 */
export class LvsDrCluster extends pulumi.ComponentResource {
    /** `http://VIP:port/`. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Every machine's address by name. */
    public readonly hosts: pulumi.Output<Record<string, string>>;
    /** The first director's `ipvsadm -Ln`. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The lab's SSH client key (secret): logs in as `spec.sshUser` on every machine. */
    public readonly clientPrivateKey: pulumi.Output<string>;
    /** Every machine's pinned SSH host key by name, for a known_hosts file. */
    public readonly hostKeys: pulumi.Output<Record<string, string>>;
    /** How many of the client's requests each server answered. */
    public readonly verification: pulumi.Output<Verification>;
    /** What the lab command needs to reach the lab (see `labAccess`): machines, SSH user, VIP. */
    public readonly access: pulumi.Output<LabAccess>;

    constructor(name: string, args: LvsDrClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Every resource input under the cluster that holds a secret config value is a secret.
        super("lvs-lab:index:LvsDrCluster", name, {}, { ...opts, transformations: [...(opts.transformations ?? []), secretInputs(args.spec.secrets)] });
        const { spec } = args;
        // And so is every output that holds one.
        const kept = <T>(value: pulumi.Input<T>) => secretWhereHeld(value, spec.secrets);
        const lab = createLabContext(name, spec, this);
        const registry = new LabRegistry();
        const components = new Map<string, LabHostComponent>();
        for (const plan of planLab(spec, { verifyRequests: args.verifyRequests ?? 20 })) {
            // `<cluster>-<host>`, so clusters with the same host names live in one program; the
            // host's name alone was the component's name before, and stays an alias.
            const component = new ROLE_COMPONENT[plan.host.role](`${name}-${plan.host.name}`, { lab, plan, registry, previousName: plan.host.name }, { parent: this });
            components.set(plan.host.name, component);
        }

        this.vipUrl = kept(`http://${spec.service.vip}:${spec.service.ports[0]}/`);
        this.hosts = kept(Object.fromEntries(allHosts(spec).map((h) => [h.name, h.ip])));
        // The role components' outputs are kept secret where they hold a secret already.
        this.ipvsTable = (components.get(spec.director.name) as Director).ipvsTable;
        this.verification = (components.get(spec.client.name) as LabClient).verification;
        this.clientPrivateKey = pulumi.secret(lab.clientKey.privateKey);
        this.hostKeys = pulumi.all(Object.fromEntries(allHosts(spec).map((h) => [h.name, components.get(h.name)!.hostKey])));
        this.access = kept(labAccess(spec));
        this.registerOutputs({ vipUrl: this.vipUrl, hosts: this.hosts, ipvsTable: this.ipvsTable, verification: this.verification, clientPrivateKey: this.clientPrivateKey, hostKeys: this.hostKeys, access: this.access });
    }
}
