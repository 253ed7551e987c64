import * as pulumi from "@pulumi/pulumi";
import { LabHostArgs, LabHostComponent } from "./host";

/** A tomcat behind the real servers' nginx, serving an index.jsp that names it. */
export class TomcatBackend extends LabHostComponent {
    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:TomcatBackend", name, args, opts);
        this.registerOutputs(this.hostOutputs());
    }
}

/** The NFS server whose exports the real servers mount as web roots; they never outlive it. */
export class NfsServer extends LabHostComponent {
    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:NfsServer", name, args, opts);
        this.registerOutputs(this.hostOutputs());
    }
}
