import * as pulumi from "@pulumi/pulumi";

/** One registration as the engine receives it, and the URN the mock monitor answered with. */
export interface Registration {
    /** The RegisterResourceRequest: type, name, parent, dependencies, inputs on the wire, aliases... */
    req: any;
    urn: string;
}

/**
 * Starts Pulumi's mocks for one program (unit tests only): `mocks` answers each resource, and
 * `seen`, when given, is told of each registration the monitor answers, before the program is.
 */
export async function startMockEngine(mocks: pulumi.runtime.Mocks, seen?: (r: Registration) => void, project = "lvs-lab"): Promise<void> {
    await pulumi.runtime.setMocks(mocks, project, "test", false);
    if (!seen) return;
    const monitor = pulumi.runtime.getMonitor() as any;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) =>
        original(req, (err: unknown, res: any) => {
            if (res) seen({ req, urn: res.getUrn() });
            callback(err, res);
        });
}

/**
 * Waits, with no fixed wait, until every registration the program has begun is answered and its
 * outputs resolved: the SDK drains its queue of RPCs, as the language host does when a program
 * ends (`pulumi.runtime.disconnect`), then lets go of the mock monitor. Every resource a program
 * constructs begins its registration in its constructor, so call this once the program's
 * resources are constructed; call `startMockEngine` again before building more.
 */
export function programDone(): Promise<void> {
    return pulumi.runtime.disconnect();
}

/**
 * Mocks for a lab's resources: each dynamic SshKey gets a fixed key pair named after the
 * resource, and each remote step an empty stdout.
 */
export const labMocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.startsWith("pulumi-nodejs:dynamic")) {
            state.privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n";
            state.publicKey = `ssh-ed25519 AAAAmock ${args.name}`;
        }
        if (args.type === "command:remote:Command") state.stdout = "";
        return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
};
