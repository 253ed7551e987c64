import * as pulumi from "@pulumi/pulumi";
import { remoteStep } from "../remote";
import { renderDirector, renderIpvsStep } from "../render";
import { LabContext, createGuest } from "./guest";

/** Arguments of the LVS director. */
export interface DirectorArgs {
    /** The lab's shared pieces; the director's settings come from `lab.spec.director` and `.service`. */
    lab: LabContext;
    /** Real servers whose ARP settings and VIP must be in place before the director adds them. */
    realServers: pulumi.Resource[];
}

/**
 * The LVS director: a VM with the VIP on `<nic>:0`, the mode's sysctls, and the IPVS table.
 * The table is its own step, so a weight or scheduler change edits only the rules.
 */
export class Director extends pulumi.ComponentResource {
    /** `ipvsadm -Ln` as printed after the last apply. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The director's address. */
    public readonly address: pulumi.Output<string>;

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:Director", name, {}, opts);
        const { spec } = args.lab;
        const guest = createGuest(name, args.lab, spec.director, this);
        const triggers = [guest.domain.id];
        const base = remoteStep(`${name}-lvs`, { connection: guest.connection, script: renderDirector(spec), triggers }, { parent: this, dependsOn: [guest.ready] });
        const ipvs = remoteStep(`${name}-ipvs`, { connection: guest.connection, script: renderIpvsStep(spec), triggers }, { parent: this, dependsOn: [base, ...args.realServers] });
        this.ipvsTable = ipvs.stdout;
        this.address = pulumi.output(spec.director.ip);
        this.registerOutputs({ ipvsTable: this.ipvsTable, address: this.address });
    }
}
