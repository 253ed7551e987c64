import * as pulumi from "@pulumi/pulumi";
import { secretWhereHeld } from "../remote";
import { Verification, verificationOf } from "../render";
import { LabHostArgs, LabHostComponent } from "./host";

export type { Verification } from "../render";

/** The client that proves the lab: N requests to the VIP, counted per answering server. */
export class LabClient extends LabHostComponent {
    public readonly verification: pulumi.Output<Verification>;

    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:LabClient", name, args, opts);
        const verification = this.host.steps.get("verify")!.stdout.apply((out) => verificationOf(args.lab.spec, out ?? ""));
        this.verification = secretWhereHeld(verification, args.lab.spec.secrets);
        this.registerOutputs({ ...this.hostOutputs(), verification: this.verification });
    }
}
