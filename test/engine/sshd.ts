import { ChildProcess, spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { ok, run } from "./harness";

/** Resolves true once `child` has exited (its other exit listeners run first), false after `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            child.off("exit", done);
            resolve(false);
        }, ms);
        function done() {
            clearTimeout(timer);
            resolve(true);
        }
        child.once("exit", done);
    });
}

/** A key pair made with ssh-keygen. */
export interface KeyPair {
    privateKey: string;
    /** The authorized_keys line: `ssh-ed25519 AAAA… comment`. */
    publicKey: string;
}

/** Makes an ed25519 key pair in `dir` (ssh-keygen), its private half encrypted with `passphrase` if given. */
export async function makeKey(dir: string, name: string, passphrase = ""): Promise<KeyPair> {
    const path = join(dir, name);
    ok(await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", path]), `ssh-keygen ${name}`);
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

    /**
     * Starts sshd on 127.0.0.1:`port` inside the namespace, after `delayMs`. With `rootPassword`,
     * it also takes that password for root: it runs in a mount namespace of its own, where
     * /etc/shadow is a copy that gives root this password (the host's root password is untouched).
     */
    async start(port: number, delayMs = 0, rootPassword?: string): Promise<void> {
        let shadow = "";
        if (rootPassword !== undefined) {
            const hash = ok(await run("openssl", ["passwd", "-6", "-stdin"], { input: rootPassword }), "openssl passwd").stdout.trim();
            shadow = join(this.dir, `shadow_${port}`);
            const lines = readFileSync("/etc/shadow", "utf8").split("\n").map((l) => (l.startsWith("root:") ? l.replace(/^root:[^:]*:/, `root:${hash}:`) : l));
            writeFileSync(shadow, lines.join("\n"), { mode: 0o600 });
        }
        const config = join(this.dir, `sshd_config_${port}`);
        writeFileSync(config, [
            `ListenAddress 127.0.0.1:${port}`,
            `HostKey ${join(this.dir, "host_ed25519")}`,
            `AuthorizedKeysFile ${join(this.dir, "authorized_keys")}`,
            `PermitRootLogin ${shadow ? "yes" : "prohibit-password"}`,
            `PasswordAuthentication ${shadow ? "yes" : "no"}`,
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "AcceptEnv LVS_* PULUMI_COMMAND_*",
            `PidFile ${join(this.dir, `sshd_${port}.pid`)}`,
            "LogLevel VERBOSE",
            "",
        ].join("\n"));
        const launch = () => {
            const sshd = ["/usr/sbin/sshd", "-D", "-e", "-f", config];
            const inMountNs = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /etc/shadow && exec "$@"', shadow, ...sshd];
            const child = spawn("ip", ["netns", "exec", this.netns, ...(shadow ? inMountNs : sshd)], { stdio: ["ignore", "ignore", "pipe"] });
            let log = "";
            child.stderr?.on("data", (d) => { log += String(d); });
            child.on("exit", () => writeFileSync(join(this.dir, `sshd_${port}.log`), log));
            this.daemons.set(port, child);
        };
        if (delayMs > 0) setTimeout(launch, delayMs); else launch();
    }

    /**
     * Stops every sshd this fixture started (by PID), waiting (bounded) until each has exited and
     * written its log, then removes the namespace and the directory. A fixed pause could end first:
     * the exit handler would then write into a removed directory.
     */
    async tearDown(): Promise<void> {
        const running = [...this.daemons.values()].filter((c) => c.exitCode === null && c.signalCode === null);
        await Promise.all(running.map(async (c) => {
            const ended = exited(c, 10_000);
            c.kill("SIGTERM");
            if (await ended) return;
            const killed = exited(c, 10_000);
            c.kill("SIGKILL");
            if (!(await killed)) throw new Error(`sshd (pid ${c.pid}) did not exit after SIGKILL`);
        }));
        await run("ip", ["netns", "delete", this.netns]);
        rmSync(this.dir, { recursive: true, force: true });
    }
}
