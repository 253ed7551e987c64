import * as pulumi from "@pulumi/pulumi";
import { LabSpec, allHosts } from "../config";
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
    /** The director's `ipvsadm -Ln`. */
    public readonly ipvsTable: pulumi.Output<string>;
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
        const director = new Director(spec.director.name, { lab, realServers }, { parent: this });
        const client = new LabClient(spec.client.name, {
            lab,
            requests: args.verifyRequests ?? 20,
            service: [director],
            verifyTriggers: [scriptHash(renderIpvsRules(spec))],
        }, { parent: this });

        this.vipUrl = pulumi.output(`http://${spec.service.vip}:${spec.service.ports[0]}/`);
        this.hosts = pulumi.output(Object.fromEntries(allHosts(spec).map((h) => [h.name, h.ip])));
        this.ipvsTable = director.ipvsTable;
        this.verification = client.verification;
        this.registerOutputs({ vipUrl: this.vipUrl, hosts: this.hosts, ipvsTable: this.ipvsTable, verification: this.verification });
    }
}
