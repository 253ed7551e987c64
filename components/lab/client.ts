import * as pulumi from "@pulumi/pulumi";
import { remoteStep } from "../remote";
import { parseVerification, renderClient, renderVerification } from "../render";
import { LabContext, createGuest } from "./guest";

/** Arguments of the client. */
export interface LabClientArgs {
    lab: LabContext;
    /** Requests each verification probe sends through the VIP. */
    requests: number;
    /** What must be in place before the client proves the lab (the director). */
    service: pulumi.Resource[];
    /** Extra values whose change re-runs the verification (e.g. the IPVS rules). */
    verifyTriggers: pulumi.Input<unknown>[];
}

/** Answers per server name for the static page and, with tomcats, for index.jsp. */
export interface Verification {
    realServers: Record<string, number>;
    tomcats?: Record<string, number>;
}

/** The client that proves the lab: N requests to the VIP, counted per answering server. */
export class LabClient extends pulumi.ComponentResource {
    public readonly verification: pulumi.Output<Verification>;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;

    constructor(name: string, args: LabClientArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:LabClient", name, {}, opts);
        const { spec } = args.lab;
        const guest = createGuest(name, args.lab, spec.client, this);
        const triggers = [guest.domain.id];
        const tools = remoteStep(`${name}-tools`, { connection: guest.connection, script: renderClient(spec), triggers }, { parent: this, dependsOn: [guest.ready] });
        const verify = remoteStep(`${name}-verify`, {
            connection: guest.connection,
            script: renderVerification(spec, args.requests),
            triggers: [...triggers, ...args.verifyTriggers],
        }, { parent: this, dependsOn: [tools, ...args.service] });
        this.verification = verify.stdout.apply((out) => {
            const [realServers, tomcats] = parseVerification(out);
            return tomcats ? { realServers, tomcats } : { realServers };
        });
        this.hostKey = pulumi.output(guest.connection.hostKey);
        this.registerOutputs({ verification: this.verification, hostKey: this.hostKey });
    }
}
