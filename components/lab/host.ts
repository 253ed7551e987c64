import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostPlan, StepRef } from "../plan";
import { remoteStep, secretWhereHeld } from "../remote";
import { Guest, LabContext, createGuest } from "./guest";

/**
 * Where the lab's machines and steps are, by host name: how a host's steps find the steps on
 * other hosts they wait for. Hosts are built in plan order, so every reference is already here.
 * @internal
 */
export class LabRegistry {
    private readonly machines = new Map<string, pulumi.Resource>();
    private readonly steps = new Map<string, pulumi.Resource>();

    addMachine(host: string, machine: pulumi.Resource): void {
        this.machines.set(host, machine);
    }

    addStep(ref: StepRef, step: pulumi.Resource): void {
        this.steps.set(`${ref.host}/${ref.step}`, step);
    }

    machine(host: string): pulumi.Resource {
        const found = this.machines.get(host);
        if (!found) throw new Error(`machine ${host} is used before it is created`);
        return found;
    }

    step(ref: StepRef): pulumi.Resource {
        const found = this.steps.get(`${ref.host}/${ref.step}`);
        if (!found) throw new Error(`step ${ref.step} of ${ref.host} is used before it is created`);
        return found;
    }
}

/** Arguments of every role component: the lab, this host's plan, and where the other hosts are. */
export interface LabHostArgs {
    /** The lab's shared pieces (spec, libvirt fabric, client key). */
    lab: LabContext;
    /** This host's entry of `planLab(spec)`: its machine and its steps in order. */
    plan: HostPlan;
    /** The machines and steps of the hosts built before this one. */
    registry: LabRegistry;
    /**
     * The component's name in stacks made before it was named after its cluster: the host's
     * name alone, its resources `<previousName>-<what>`. Given, the component answers to that
     * name and each of its resources to its old name too (aliases), so such a stack keeps them.
     */
    previousName?: string;
}

/** A configured host: its guest and its steps by name. */
export interface LabHost {
    guest: Guest;
    steps: Map<string, command.remote.Command>;
}

/**
 * Builds one host of the plan: the guest (boot, SSH, cloud-init), then each planned step after
 * the one before it and after the other hosts' steps it waits for.
 * @param parent the role component that owns the host's resources.
 */
export function createLabHost(name: string, args: LabHostArgs, parent: pulumi.Resource): LabHost {
    const { plan, registry } = args;
    const guest = createGuest(name, args.lab, plan.host, parent, plan.outlives.map((h) => registry.machine(h)));
    registry.addMachine(plan.host.name, guest.domain);
    const steps = new Map<string, command.remote.Command>();
    let previous: pulumi.Resource = guest.ready;
    for (const step of plan.steps) {
        const resource = remoteStep(`${name}-${step.name}`, { connection: guest.connection, machineId: guest.domain.id, script: step.script, secrets: args.lab.spec.secrets }, {
            parent,
            dependsOn: [previous, ...step.after.map((ref) => registry.step(ref))],
        });
        registry.addStep({ host: plan.host.name, step: step.name }, resource);
        steps.set(step.name, resource);
        previous = resource;
    }
    return { guest, steps };
}

/**
 * What every role component is: one host of the plan, with its address and pinned host key as
 * outputs. Subclasses add their role's outputs and call `registerOutputs`.
 */
export abstract class LabHostComponent extends pulumi.ComponentResource {
    /** The machine's address on the lab segment. */
    public readonly address: pulumi.Output<string>;
    /** The SSH host key the lab pinned for this machine (`ssh-ed25519 ...`). */
    public readonly hostKey: pulumi.Output<string>;
    /** The guest and its steps. */
    protected readonly host: LabHost;

    constructor(type: string, name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, withPreviousNames(name, args.previousName, opts));
        this.host = createLabHost(name, args, this);
        this.address = secretWhereHeld(args.plan.host.ip, args.lab.spec.secrets);
        this.hostKey = secretWhereHeld(this.host.guest.connection.hostKey, args.lab.spec.secrets);
    }

    /** The outputs every host has, for `registerOutputs`. */
    protected hostOutputs(): pulumi.Inputs {
        return { address: this.address, hostKey: this.hostKey };
    }
}

/**
 * A host component's options with aliases to its previous names: the component answers to
 * `previous`, and each resource under it named `<name>-<what>` to `<previous>-<what>`. Only the
 * names change, not the types of the resources or their parents, so the engine finds each old
 * resource under its old name and keeps it.
 */
export function withPreviousNames(name: string, previous: string | undefined, opts: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions {
    if (previous === undefined || previous === name) return opts;
    const prefix = `${name}-`;
    const childAliases: pulumi.ResourceTransformation = (child) =>
        child.name.startsWith(prefix)
            ? { props: child.props, opts: pulumi.mergeOptions(child.opts, { aliases: [{ name: `${previous}-${child.name.slice(prefix.length)}` }] }) }
            : undefined;
    return { ...opts, aliases: [...(opts.aliases ?? []), { name: previous }], transformations: [...(opts.transformations ?? []), childAliases] };
}
