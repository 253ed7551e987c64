import { ChildProcess, spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { ok, run } from "./harness";

/** A key pair made with ssh-keygen. */
export interface KeyPair {
    privateKey: string;
    /** The authorized_keys line: `ssh-ed25519 AAAA… comment`. */
    publicKey: string;
}

/** Makes an ed25519 key pair in `dir` (ssh-keygen, no passphrase). */
export async function makeKey(dir: string, name: string): Promise<KeyPair> {
    const path = join(dir, name);
    ok(await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]), `ssh-keygen ${name}`);
    return { privateKey: readFileSync(path, "utf8"), publicKey: readFileSync(`${path}.pub`, "utf8").trim() };
}

/**
 * A real OpenSSH sshd for the command provider's conformance tests, in a network namespace of
 * its own (so it listens on that namespace's loopback and nothing else), with its own host key,
 * an authorized client key and `AcceptEnv` for the variables the tests pass.
 */
export class TestSshd {
    readonly netns = `lvscmd${process.pid}`;
    readonly dir: string;
    hostKey!: KeyPair;
    clientKey!: KeyPair;
    private readonly daemons = new Map<number, ChildProcess>();

    constructor(dir: string) {
        this.dir = dir;
    }

    /** Creates the namespace and the keys. */
    async setUp(): Promise<void> {
        const sshd = "/usr/sbin/sshd";
        if (!existsSync(sshd)) throw new Error(`prerequisite missing: ${sshd} (openssh-server; run 'npm run setup')`);
        mkdirSync(this.dir, { recursive: true });
        this.hostKey = await makeKey(this.dir, "host_ed25519");
        this.clientKey = await makeKey(this.dir, "client_ed25519");
        writeFileSync(join(this.dir, "authorized_keys"), `${this.clientKey.publicKey}\n`, { mode: 0o600 });
        // sshd's privilege separation needs its empty directory.
        mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        ok(await run("ip", ["netns", "add", this.netns]), "ip netns add");
        ok(await run("ip", ["-n", this.netns, "link", "set", "lo", "up"]), "lo up");
    }

    /** Starts sshd on 127.0.0.1:`port` inside the namespace, after `delayMs`. */
    start(port: number, delayMs = 0): void {
        const config = join(this.dir, `sshd_config_${port}`);
        writeFileSync(config, [
            `ListenAddress 127.0.0.1:${port}`,
            `HostKey ${join(this.dir, "host_ed25519")}`,
            `AuthorizedKeysFile ${join(this.dir, "authorized_keys")}`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "AcceptEnv LVS_* PULUMI_COMMAND_*",
            `PidFile ${join(this.dir, `sshd_${port}.pid`)}`,
            "LogLevel VERBOSE",
            "",
        ].join("\n"));
        const launch = () => {
            const child = spawn("ip", ["netns", "exec", this.netns, "/usr/sbin/sshd", "-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
            let log = "";
            child.stderr?.on("data", (d) => { log += String(d); });
            child.on("exit", () => writeFileSync(join(this.dir, `sshd_${port}.log`), log));
            this.daemons.set(port, child);
        };
        if (delayMs > 0) setTimeout(launch, delayMs); else launch();
    }

    /** Stops every sshd this fixture started (by PID) and removes the namespace. */
    async tearDown(): Promise<void> {
        for (const child of this.daemons.values()) {
            if (child.exitCode === null) child.kill("SIGTERM");
        }
        await new Promise((r) => setTimeout(r, 300));
        await run("ip", ["netns", "delete", this.netns]);
        rmSync(this.dir, { recursive: true, force: true });
    }
}
