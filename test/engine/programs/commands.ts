// An engine-test program for the command plugin's conformance tests: the `command:local:Command`
// and `command:remote:Command` resources described by a JSON file (`stepsFile`), so a test can
// change them between runs of the real engine.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";

interface Step {
    name: string;
    kind: "local" | "remote";
    create?: string;
    update?: string;
    delete?: string;
    triggers?: unknown[];
    environment?: Record<string, string>;
    stdin?: string;
    logging?: "stdout" | "stderr" | "stdoutAndStderr" | "none";
    addPreviousOutputInEnv?: boolean;
    deleteBeforeReplace?: boolean;
    dependsOn?: string[];
    /** Remote: the port on 127.0.0.1 and the connection's retry settings. */
    port?: number;
    /** Remote: how it logs in: the key (default), the passphrase-protected key with its passphrase, or root's password. */
    auth?: "key" | "encryptedKey" | "password";
    hostKey?: string;
    dialErrorLimit?: number;
    perDialTimeout?: number;
}

const config = new pulumi.Config();
const steps: Step[] = JSON.parse(readFileSync(config.require("stepsFile"), "utf8"));
const privateKey = config.requireSecret("privateKey");
/** Each way of logging in, from secret config (the test sets the ones it uses). */
const logins = {
    key: () => ({ privateKey }),
    encryptedKey: () => ({ privateKey: config.requireSecret("encryptedKey"), privateKeyPassword: config.requireSecret("keyPassphrase") }),
    password: () => ({ password: config.requireSecret("rootPassword") }),
};
const defaultHostKey = config.require("hostKey");

const made = new Map<string, command.local.Command | command.remote.Command>();
for (const step of steps) {
    const common = {
        create: step.create,
        update: step.update,
        delete: step.delete,
        triggers: step.triggers,
        environment: step.environment,
        stdin: step.stdin,
        logging: step.logging,
        addPreviousOutputInEnv: step.addPreviousOutputInEnv,
    };
    const opts: pulumi.CustomResourceOptions = {
        deleteBeforeReplace: step.deleteBeforeReplace,
        dependsOn: (step.dependsOn ?? []).map((n) => made.get(n)!),
    };
    made.set(step.name, step.kind === "local"
        ? new command.local.Command(step.name, common, opts)
        : new command.remote.Command(step.name, {
            ...common,
            connection: {
                host: "127.0.0.1",
                port: step.port ?? 2222,
                user: "root",
                ...logins[step.auth ?? "key"](),
                hostKey: step.hostKey ?? defaultHostKey,
                dialErrorLimit: step.dialErrorLimit,
                perDialTimeout: step.perDialTimeout,
            },
        }, opts));
}

export const stdout = Object.fromEntries([...made].map(([name, c]) => [name, c.stdout]));
export const stderr = Object.fromEntries([...made].map(([name, c]) => [name, c.stderr]));

// Whether each stdout is known, printed as a diagnostic: a preview shows stdout unknown where
// the plugin will run a command.
for (const [name, c] of made) {
    void (c.stdout as unknown as { isKnown: Promise<boolean> }).isKnown.then((known) => pulumi.log.info(`stdout of ${name} known: ${known}`));
}
