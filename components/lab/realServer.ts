import * as pulumi from "@pulumi/pulumi";
import { RealServerSpec } from "../config";
import { remoteStep } from "../remote";
import { renderNginx, renderRealServer } from "../render";
import { LabContext, createGuest } from "./guest";

/** Arguments of one real server. */
export interface RealServerArgs {
    lab: LabContext;
    /** This server's entry of `lab.spec.realServers`. */
    server: RealServerSpec;
    /** Backends nginx relies on (tomcats, the NFS server): configured before nginx starts. */
    backends: pulumi.Resource[];
    /** Machines that must outlive this one (the NFS server it mounts). */
    outlives?: pulumi.Resource[];
}

/**
 * An LVS real server: the VIP on lo:0 (DR), tunl0 (TUN) or routes via the director (NAT), with
 * the ARP sysctls first, then nginx naming itself and proxying `.jsp` to tomcat.
 */
export class RealServer extends pulumi.ComponentResource {
    /** The server's address. */
    public readonly address: pulumi.Output<string>;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;

    constructor(name: string, args: RealServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:RealServer", name, {}, opts);
        const { spec } = args.lab;
        const guest = createGuest(name, args.lab, args.server, this, args.outlives);
        const triggers = [guest.domain.id];
        const lvs = remoteStep(`${name}-lvs`, { connection: guest.connection, script: renderRealServer(spec, args.server), triggers }, { parent: this, dependsOn: [guest.ready] });
        remoteStep(`${name}-nginx`, { connection: guest.connection, script: renderNginx(spec, args.server), triggers }, { parent: this, dependsOn: [lvs, ...args.backends] });
        this.address = pulumi.output(args.server.ip);
        this.hostKey = pulumi.output(guest.connection.hostKey);
        this.registerOutputs({ address: this.address, hostKey: this.hostKey });
    }
}
