import * as pulumi from "@pulumi/pulumi";
import { DirectorSpec } from "../config";
import { remoteStep } from "../remote";
import { renderDirector, renderIpvsStep, renderKeepalived } from "../render";
import { LabContext, createGuest } from "./guest";

/** Arguments of one LVS director. */
export interface DirectorArgs {
    /** The lab's shared pieces; the service comes from `lab.spec.service`. */
    lab: LabContext;
    /** This director: `lab.spec.director` or, with HA, one of `lab.spec.ha.peers`. */
    director: DirectorSpec;
    /** Real servers whose ARP settings and VIP must be in place before the director adds them. */
    realServers: pulumi.Resource[];
    /**
     * With HA: the higher-priority directors' service steps. keepalived starts here only after
     * them, so the preferred master wins the first election even with nopreempt.
     */
    startAfter?: pulumi.Resource[];
}

/**
 * An LVS director: a VM with the mode's sysctls, then the service. A single director holds the
 * VIP on `<nic>:0` and its IPVS table comes from ipvsadm, in a step of its own so a weight change
 * edits only the rules. With `ha`, keepalived owns both the VIP (VRRP) and the table (health-
 * checked), and the ipvsadm path stays off.
 */
export class Director extends pulumi.ComponentResource {
    /** `ipvsadm -Ln` as printed after the last apply. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The director's address. */
    public readonly address: pulumi.Output<string>;
    /** The step that starts the service (ipvsadm rules, or keepalived with HA). */
    public readonly serviceStep: pulumi.Resource;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:Director", name, {}, opts);
        const { spec } = args.lab;
        const guest = createGuest(name, args.lab, args.director, this);
        const triggers = [guest.domain.id];
        const base = remoteStep(`${name}-lvs`, { connection: guest.connection, script: renderDirector(spec, args.director), triggers }, { parent: this, dependsOn: [guest.ready] });
        const dependsOn = [base, ...args.realServers, ...(args.startAfter ?? [])];
        const service = spec.ha
            ? remoteStep(`${name}-keepalived`, { connection: guest.connection, script: renderKeepalived(spec, args.director), triggers }, { parent: this, dependsOn })
            : remoteStep(`${name}-ipvs`, { connection: guest.connection, script: renderIpvsStep(spec), triggers }, { parent: this, dependsOn });
        this.serviceStep = service;
        this.ipvsTable = service.stdout;
        this.address = pulumi.output(args.director.ip);
        this.hostKey = pulumi.output(guest.connection.hostKey);
        this.registerOutputs({ ipvsTable: this.ipvsTable, address: this.address, hostKey: this.hostKey });
    }
}
