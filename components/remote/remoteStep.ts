import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { HostScript, renderSshWait } from "../render";

/** How every remote step reaches its guest. */
export interface GuestConnection {
    /** The guest's address on the lab segment. */
    host: pulumi.Input<string>;
    /** Login with passwordless sudo. */
    user: pulumi.Input<string>;
    /** The lab's client key (secret). */
    privateKey: pulumi.Input<string>;
    /** The guest's injected host key (`ssh-ed25519 AAAA...`); any other key is refused. */
    hostKey: pulumi.Input<string>;
}

/** Terminates the heredoc that carries a script to `sudo bash -s`. */
const SCRIPT_EOF = "LVSLAB_SCRIPT_EOF";

/** The remote command line that runs a script as root, fed through a heredoc (readable in diffs). */
export function asRoot(script: string): string {
    if (script.split("\n").includes(SCRIPT_EOF)) throw new Error(`script contains the heredoc terminator ${SCRIPT_EOF}`);
    const body = script.endsWith("\n") ? script : `${script}\n`;
    return `sudo -n bash -s <<'${SCRIPT_EOF}'\n${body}${SCRIPT_EOF}`;
}

/** sha256 of the rendered script, the re-run trigger. */
export function scriptHash(script: string): string {
    return createHash("sha256").update(script).digest("hex");
}

/** Arguments of one remote step. */
export interface RemoteStepArgs {
    connection: GuestConnection;
    /** The rendered create and delete scripts. */
    script: HostScript;
    /**
     * Values whose change re-runs the step, besides the script itself (e.g. the VM's id, so a
     * replaced VM is configured again).
     */
    triggers?: pulumi.Input<unknown>[];
    /** Hide stdout and stderr from logs and state (for steps that print secrets). */
    secretOutput?: boolean;
}

/**
 * The one SSH-command wrapper: every remote step goes through here.
 * - pinned host key and the lab key from state (no TOFU); bounded dial retries;
 * - re-runs when the rendered script changes (hash in triggers) by running it again in place
 *   (`update` = `create`, so a change never runs the old delete script against the new state);
 * - the delete script runs on `pulumi destroy` or when the step leaves the program.
 */
export function remoteStep(name: string, args: RemoteStepArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const create = asRoot(args.script.create);
    return new command.remote.Command(
        name,
        {
            connection: {
                host: args.connection.host,
                user: args.connection.user,
                privateKey: args.connection.privateKey,
                hostKey: args.connection.hostKey,
                // Each failed dial is retried at once; ten tries ride out an sshd restart.
                dialErrorLimit: 10,
                perDialTimeout: 15,
            },
            create,
            update: create,
            delete: asRoot(args.script.delete),
            triggers: [scriptHash(args.script.create), ...(args.triggers ?? [])],
            ...(args.secretOutput ? { logging: "none" as const } : {}),
        },
        { ...opts, ...(args.secretOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) },
    );
}

/**
 * Waits, from where the engine runs, until the guest's SSH port answers (bounded; see
 * `renderSshWait`). Every remote step of a machine depends on this, so no step burns its dial
 * retries on a VM that is still booting.
 */
export function waitForSsh(name: string, host: string, consoleLog: string, triggers: pulumi.Input<unknown>[], opts: pulumi.CustomResourceOptions): command.local.Command {
    return new command.local.Command(name, { create: renderSshWait(host, consoleLog), interpreter: ["/bin/bash", "-c"], triggers }, opts);
}
