import * as pulumi from "@pulumi/pulumi";
import { secretWhereHeld } from "../remote";
import { parseVerification } from "../render";
import { LabHostArgs, LabHostComponent } from "./host";

/** Answers per server name for the static page and, with tomcats, for index.jsp. */
export interface Verification {
    realServers: Record<string, number>;
    tomcats?: Record<string, number>;
}

/** The client that proves the lab: N requests to the VIP, counted per answering server. */
export class LabClient extends LabHostComponent {
    public readonly verification: pulumi.Output<Verification>;

    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:LabClient", name, args, opts);
        const verification = this.host.steps.get("verify")!.stdout.apply((out): Verification => {
            // No output at all when an `up --target` left the step out.
            const [realServers = {}, tomcats] = parseVerification(out ?? "");
            return tomcats ? { realServers, tomcats } : { realServers };
        });
        this.verification = secretWhereHeld(verification, args.lab.spec.secrets);
        this.registerOutputs({ ...this.hostOutputs(), verification: this.verification });
    }
}
