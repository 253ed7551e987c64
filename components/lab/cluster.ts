import * as pulumi from "@pulumi/pulumi";
import { LabSpec, allHosts, directors } from "../config";
import { scriptHash } from "../remote";
import { renderIpvsRules } from "../render";
import { NfsServer, TomcatBackend } from "./backends";
import { LabClient, Verification } from "./client";
import { Director } from "./director";
import { createLabContext } from "./guest";
import { RealServer } from "./realServer";

/** Arguments of a whole lab. */
export interface LvsDrClusterArgs {
    /** The validated lab (see `parseLabConfig`); the mode may be DR, NAT or TUN. */
    spec: LabSpec;
    /** Requests the client sends through the VIP to verify the lab. Default 20. */
    verifyRequests?: number;
}

/**
 * A complete LVS lab on one libvirt segment: NFS server and tomcats first, then the real
 * servers, then the director (which adds them only once their VIP and ARP settings are in
 * place), and last the client that proves the lab through the VIP.
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

    constructor(name: string, args: LvsDrClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:LvsDrCluster", name, {}, opts);
        const { spec } = args;
        const lab = createLabContext(name, spec, this);

        const nfs = spec.nfs ? new NfsServer(spec.nfs.name, { lab, server: spec.nfs }, { parent: this }) : undefined;
        const tomcats = spec.tomcats.map((t) => new TomcatBackend(t.name, { lab, backend: t }, { parent: this }));
        const backends = [...(nfs ? [nfs] : []), ...tomcats];
        const realServers = spec.realServers.map(
            (rs) => new RealServer(rs.name, { lab, server: rs, backends, outlives: nfs ? [nfs.machine] : [] }, { parent: this }),
        );
        // With HA every director gets keepalived, started in priority order so that the
        // preferred master wins the first election.
        const directorNodes = new Map<string, Director>();
        let startAfter: pulumi.Resource[] = [];
        for (const d of [...directors(spec)].sort((a, b) => b.priority - a.priority)) {
            const node = new Director(d.name, { lab, director: d, realServers, startAfter }, { parent: this });
            directorNodes.set(d.name, node);
            startAfter = [node.serviceStep];
        }
        const client = new LabClient(spec.client.name, {
            lab,
            requests: args.verifyRequests ?? 20,
            service: [...directorNodes.values()],
            verifyTriggers: [scriptHash(renderIpvsRules(spec))],
        }, { parent: this });

        this.vipUrl = pulumi.output(`http://${spec.service.vip}:${spec.service.ports[0]}/`);
        this.hosts = pulumi.output(Object.fromEntries(allHosts(spec).map((h) => [h.name, h.ip])));
        this.ipvsTable = directorNodes.get(spec.director.name)!.ipvsTable;
        this.verification = client.verification;
        this.clientPrivateKey = pulumi.secret(lab.clientKey.privateKey);
        const hostKeyOf = (host: { name: string }, machine: { hostKey: pulumi.Output<string> }) => [host.name, machine.hostKey] as const;
        this.hostKeys = pulumi.all(Object.fromEntries([
            ...(nfs && spec.nfs ? [hostKeyOf(spec.nfs, nfs)] : []),
            ...spec.tomcats.map((t, i) => hostKeyOf(t, tomcats[i])),
            ...spec.realServers.map((rs, i) => hostKeyOf(rs, realServers[i])),
            ...directors(spec).map((d) => hostKeyOf(d, directorNodes.get(d.name)!)),
            hostKeyOf(spec.client, client),
        ]));
        this.registerOutputs({ vipUrl: this.vipUrl, hosts: this.hosts, ipvsTable: this.ipvsTable, verification: this.verification, clientPrivateKey: this.clientPrivateKey, hostKeys: this.hostKeys });
    }
}
