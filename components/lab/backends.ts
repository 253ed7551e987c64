import * as pulumi from "@pulumi/pulumi";
import { NfsSpec, TomcatSpec } from "../config";
import { remoteStep } from "../remote";
import { renderNfsServer, renderTomcat } from "../render";
import { LabContext, createGuest } from "./guest";

/** Arguments of a tomcat backend. */
export interface TomcatBackendArgs {
    lab: LabContext;
    /** This backend's entry of `lab.spec.tomcats`. */
    backend: TomcatSpec;
}

/** A tomcat behind the real servers' nginx, serving an index.jsp that names it. */
export class TomcatBackend extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;

    constructor(name: string, args: TomcatBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:TomcatBackend", name, {}, opts);
        const guest = createGuest(name, args.lab, args.backend, this);
        remoteStep(`${name}-tomcat`, { connection: guest.connection, script: renderTomcat(args.backend), triggers: [guest.domain.id] }, { parent: this, dependsOn: [guest.ready] });
        this.address = pulumi.output(args.backend.ip);
        this.hostKey = pulumi.output(guest.connection.hostKey);
        this.registerOutputs({ address: this.address, hostKey: this.hostKey });
    }
}

/** Arguments of the NFS server. */
export interface NfsServerArgs {
    lab: LabContext;
    /** `lab.spec.nfs`. */
    server: NfsSpec;
}

/** The NFS server whose exports the real servers mount as web roots. */
export class NfsServer extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;
    /** The VM, which the servers that mount it must not outlive. */
    public readonly machine: pulumi.Resource;

    constructor(name: string, args: NfsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:NfsServer", name, {}, opts);
        const guest = createGuest(name, args.lab, args.server, this);
        remoteStep(`${name}-exports`, { connection: guest.connection, script: renderNfsServer(args.lab.spec, args.server), triggers: [guest.domain.id] }, { parent: this, dependsOn: [guest.ready] });
        this.machine = guest.domain;
        this.address = pulumi.output(args.server.ip);
        this.hostKey = pulumi.output(guest.connection.hostKey);
        this.registerOutputs({ address: this.address, hostKey: this.hostKey });
    }
}
