import { execFile } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { dump, load } from "js-yaml";
import { join } from "path";

/** The repository root. */
export const REPO = join(__dirname, "..", "..");
const PULUMI = join(REPO, "tools", "pulumi");
const SANDBOX = join(REPO, "tools", "sandbox.sh");

/** What a finished command printed. */
export interface Ran {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs a command to completion, bounded by `timeoutMs`; never throws on a non-zero exit, so
 * tests can assert on failures and print what was seen.
 */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Ran> {
    return new Promise((resolve) => {
        const child = execFile(cmd, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 10 * 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        // A child that exits without reading its input closes the pipe (EPIPE): what it did is
        // reported through the callback above, so the write's error is not the test's.
        child.stdin?.on("error", () => {});
        child.stdin?.end(opts.input ?? "");
    });
}

/** Fails with everything the command printed when it did not succeed. */
export function ok(r: Ran, what: string): Ran {
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
    return r;
}

/** Whether a libvirt object's name is lab `name`'s: `lvs-<name>` or `lvs-<name>-...` (components/config/spec.ts). */
const ofLab = (name: string) => (object: string) => object === `lvs-${name}` || object.startsWith(`lvs-${name}-`);

/**
 * The sandbox (network and mount namespaces + libvirtd) the engine tests run in. A user's labs
 * may be up in it: a test claims its lab's name first, removes only its own lab (`clean`), and
 * `down` stops the sandbox only when no lab is left in it.
 */
export const sandbox = {
    up: async () => ok(await run("bash", [SANDBOX, "up"], { timeoutMs: 60_000 }), "sandbox up"),
    down: async () => ok(await run("bash", [SANDBOX, "down"], { timeoutMs: 60_000 }), "sandbox down"),
    /** Removes every libvirt object of the labs whose `network.name` is given (`sandbox.sh clean`). */
    clean: async (...names: string[]) => ok(await run("bash", [SANDBOX, "clean", ...names], { timeoutMs: 5 * 60_000 }), `sandbox clean ${names.join(" ")}`),
    /** Runs a command inside the sandbox. */
    exec: (cmd: string, args: string[], timeoutMs?: number, input?: string) => run("bash", [SANDBOX, "exec", cmd, ...args], { timeoutMs, input }),
    virsh: (...args: string[]) => run("bash", [SANDBOX, "exec", "virsh", "-c", "qemu:///system", ...args], { timeoutMs: 60_000 }),
    /** The names of the sandbox's domains, networks and pools of lab `name`. */
    async labObjects(name: string): Promise<string[]> {
        const names = async (list: string) => ok(await sandbox.virsh(list, "--all", "--name"), `virsh ${list}`).stdout.split("\n").map((l) => l.trim()).filter(Boolean);
        return [...await names("list"), ...await names("net-list"), ...await names("pool-list")].filter(ofLab(name));
    },
    /**
     * Fails when the sandbox already holds a lab named `name` (a user's, or one a killed run
     * left): the test would build over it, and its clean-up would remove it.
     */
    async claim(name: string): Promise<void> {
        const found = await sandbox.labObjects(name);
        if (found.length) throw new Error(`the sandbox already holds a lab named ${name} (${found.join(", ")}); this test would remove it: if no one uses it, run 'bash tools/sandbox.sh clean ${name}'`);
    },
};

/**
 * A throwaway Pulumi workspace for one test: its own file backend, and optionally its own
 * project directory inside the repo (so the program resolves the repo's node_modules).
 */
export class Workspace {
    readonly dir: string;
    readonly backend: string;

    /**
     * @param name prefix of the workspace directory.
     * @param netns the network namespace the engine runs in (default: the sandbox's).
     */
    constructor(name: string, private readonly netns?: string) {
        mkdirSync(join(REPO, ".lab", "tmp"), { recursive: true });
        this.dir = mkdtempSync(join(REPO, ".lab", "tmp", `${name}-`));
        this.backend = join(this.dir, "state");
        mkdirSync(this.backend);
    }

    /** Writes a file into the workspace and returns its path. */
    write(rel: string, content: string | object): string {
        const path = join(this.dir, rel);
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, typeof content === "string" ? content : dump(content));
        return path;
    }

    /**
     * Makes a project in the workspace that runs `main` (a program path), with one stack whose
     * config is the raw lab config, and initialises that stack. Returns the project directory.
     */
    async initProject(main: string, stack: string, raw: Record<string, unknown>): Promise<string> {
        const project = join(this.dir, "project");
        this.write("project/Pulumi.yaml", { name: "lvs-lab", runtime: "nodejs", main });
        this.write(`project/Pulumi.${stack}.yaml`, stackFile(raw));
        ok(await this.pulumi(project, ["stack", "init", stack]), "stack init");
        return project;
    }

    /** Replaces the config of a stack made by `initProject` with the raw lab config, keeping the rest of its file. */
    rewriteStackConfig(projectDir: string, stack: string, raw: Record<string, unknown>): void {
        const path = join(projectDir, `Pulumi.${stack}.yaml`);
        const file = load(readFileSync(path, "utf8")) as Record<string, unknown>;
        writeFileSync(path, dump({ ...file, ...stackFile(raw) }));
    }

    /**
     * Runs the repo's engine wrapper inside the sandbox (or `netns`), on the project in
     * `projectDir`. Its programs compile with the repo's tsconfig.json, as `index.ts` does in the
     * repo (the language host's own default targets ES6, which the components outgrew).
     */
    pulumi(projectDir: string, args: string[], timeoutMs = 15 * 60_000): Promise<Ran> {
        const inNamespace = this.netns ? ["ip", ["netns", "exec", this.netns]] as const : ["bash", [SANDBOX, "exec"]] as const;
        return run(inNamespace[0], [...inNamespace[1], "env", `PULUMI_BACKEND_URL=file://${this.backend}`, `PULUMI_NODEJS_TSCONFIG_PATH=${join(REPO, "tsconfig.json")}`, PULUMI, "-C", projectDir, "--non-interactive", ...args], { timeoutMs });
    }

    remove(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A stack file's `config:` section from a raw lab config. */
export function stackFile(raw: Record<string, unknown>): object {
    return { config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`lvs-lab:${k}`, v])) };
}
