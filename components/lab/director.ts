import * as pulumi from "@pulumi/pulumi";
import { secretWhereHeld } from "../remote";
import { LabHostArgs, LabHostComponent } from "./host";

/**
 * An LVS director: a VM with the mode's sysctls (and the VIP on `<nic>:0` without HA), then the
 * service: the IPVS table from ipvsadm, in a step of its own so a weight change edits only the
 * rules, or with `ha`, keepalived owning the VIP (VRRP) and the health-checked table.
 */
export class Director extends LabHostComponent {
    /** `ipvsadm -Ln` as printed after the service step's last run. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The step that starts the service (ipvsadm rules, or keepalived with HA). */
    public readonly serviceStep: pulumi.Resource;

    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:Director", name, args, opts);
        const service = this.host.steps.get("service")!;
        this.serviceStep = service;
        this.ipvsTable = secretWhereHeld(service.stdout, args.lab.spec.secrets);
        this.registerOutputs({ ...this.hostOutputs(), ipvsTable: this.ipvsTable });
    }
}
