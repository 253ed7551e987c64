import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostScript, renderSshWait } from "../render";
import { holdsSecret } from "./secrecy";

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

/** Arguments of one remote step. */
export interface RemoteStepArgs {
    connection: GuestConnection;
    /**
     * The machine the step configures (its libvirt domain id). It is part of the command text, so
     * a new machine in the same place re-runs the step on it as an update.
     */
    machineId: pulumi.Input<string>;
    /** The rendered script; its `create` is what runs (see `remoteStep` for why `delete` does not). */
    script: HostScript;
    /** Hide stdout and stderr from logs and state (for steps that print secrets). */
    secretOutput?: boolean;
    /**
     * Secret values (the config's, see `LabSpec.secrets`). A script that holds any of them is a
     * secret step: its command is a secret in the state and the preview, and its output too.
     */
    secrets?: readonly string[];
}

/** The first line of every step's command: which machine it ran on (a shell comment). */
export function machineLine(machineId: string): string {
    return `# lvs-lab machine ${machineId}`;
}

/** A command headed by its machine's line, so a new machine changes the command's text. */
function onMachine(machineId: pulumi.Input<string>, command: string): pulumi.Output<string> {
    return pulumi.output(machineId).apply((id) => `${machineLine(id)}\n${command}`);
}

/**
 * How a command that runs `script` keeps the config's secrets: when the script holds one, its
 * text is a secret (`[secret]` in the preview's diff, encrypted in the state) and its output is
 * hidden (a secret, and never logged), since a script may echo what it writes.
 * @param text the command's text, as the resource gets it.
 * @param secretOutput hide the output anyway.
 */
function commandSecrecy(script: string, text: pulumi.Output<string>, secrets?: readonly string[], secretOutput?: boolean): { create: pulumi.Output<string>; hideOutput: boolean } {
    const secret = holdsSecret(script, secrets);
    return { create: secret ? pulumi.secret(text) : text, hideOutput: secret || secretOutput === true };
}

/** What hides a command's output from the engine's progress lines (its state is hidden by `additionalSecretOutputs`). */
const hidden = { logging: "none" as const };

/**
 * The one SSH-command wrapper: every remote step goes through here.
 * - pinned host key and the lab key from state (no trust on first use); bounded dial retries;
 * - the command's text is the re-run trigger: a changed script, or a new machine, is an update
 *   that runs the script again in place (no `triggers`, which would replace the step and run the
 *   old one's delete at the end of the deployment);
 * - no `delete`: a step's work lives and dies with its machine, so neither `pulumi destroy` nor a
 *   removed machine ever dials a host that is going away (the director's service step, the one
 *   step that can change path on a living machine, takes the old path off itself);
 * - no previous output in the environment: the guests' sshd accepts no such variables;
 * - a script that holds a secret value is a secret step: its command is a secret (`[secret]` in
 *   the preview's diff, encrypted in the state), and its output is a secret and never logged,
 *   since a script may echo what it writes.
 */
export function remoteStep(name: string, args: RemoteStepArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const { create, hideOutput } = commandSecrecy(args.script.create, onMachine(args.machineId, asRoot(args.script.create)), args.secrets, args.secretOutput);
    return new command.remote.Command(
        name,
        {
            connection: {
                host: args.connection.host,
                user: args.connection.user,
                privateKey: args.connection.privateKey,
                hostKey: args.connection.hostKey,
                // Ten retries with backoff (about 11 s) ride out an sshd restart.
                dialErrorLimit: 10,
                perDialTimeout: 15,
            },
            create,
            addPreviousOutputInEnv: false,
            ...(hideOutput ? hidden : {}),
        },
        { ...opts, ...(hideOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) },
    );
}

/**
 * Waits, from where the engine runs, until the guest's SSH port answers (bounded; see
 * `renderSshWait`). Every remote step of a machine depends on this, so no step burns its dial
 * retries on a VM that is still booting. A new machine re-runs it, as for remote steps, and a
 * script that holds a secret value (the address, the console log's path) is kept secret as theirs.
 * @param secrets the config's secret values (`LabSpec.secrets`).
 */
export function waitForSsh(name: string, host: string, consoleLog: string, machineId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions, secrets?: readonly string[]): command.local.Command {
    const script = renderSshWait(host, consoleLog);
    const { create, hideOutput } = commandSecrecy(script, onMachine(machineId, script), secrets);
    return new command.local.Command(
        name,
        { create, interpreter: ["/bin/bash", "-c"], ...(hideOutput ? hidden : {}) },
        { ...opts, ...(hideOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) },
    );
}
