import { ChildProcess, spawn } from "child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, Ran, Workspace, ok, run, sandbox } from "./harness";
import { loadStackConfig } from "../stacks";

/*
 * Labs side by side in the sandbox, and the sandbox beside a host libvirtd, with no VM: the
 * stacks hold only the lab's fabric (network, pool, base volume of a 16 MiB image) through
 * test/engine/programs/fabric.ts, which reads the config as index.ts does, other labs' networks
 * included; the overlapping stack runs index.ts itself. Other labs (a user's) may be up in the
 * sandbox: this file claims its own lab names, picks networks of 10.213.0.0/16, which no stack
 * file uses, and removes only its own labs.
 */

const FABRIC = join(REPO, "test", "engine", "programs", "fabric.ts");
const LAB = join(REPO, "tools", "lab.sh");
/** Every run of the engine here is bounded: a fabric's up or destroy takes seconds. */
const ENGINE_MS = 5 * 60_000;

/**
 * The default stack's lab as lab `name` on `net` (the first three octets of a /24): every address
 * 192.168.168.x becomes net.x. Its machines are never built (domain type `qemu`: no KVM probe).
 */
function labOn(name: string, net: string): Record<string, unknown> {
    const raw = JSON.parse(JSON.stringify(loadStackConfig("default")).split("192.168.168.").join(`${net}.`));
    return { ...raw, network: { ...raw.network, name }, libvirt: { domainType: "qemu" } };
}

/** A stack of a project. */
interface Stack {
    project: string;
    /** The engine on the stack `t` of the project, bounded. */
    pulumi(...args: string[]): Promise<Ran>;
}

/** A stack `t` of `program` with `raw` as its config and a 16 MiB image, in the workspace. */
async function stackOf(ws: Workspace, program: string, raw: Record<string, unknown>): Promise<Stack> {
    const image = join(ws.dir, "tiny.qcow2");
    ok(await run("qemu-img", ["create", "-q", "-f", "qcow2", image, "16M"]), "qemu-img create");
    const project = await ws.initProject(program, "t", { ...raw, image: { source: image } });
    return { project, pulumi: (...args: string[]) => ws.pulumi(project, [...args, "--stack", "t"], ENGINE_MS) };
}

/** Whether the sandbox's libvirtd has the network (active) and the pool (running) of lab `name`. */
async function fabricUp(name: string): Promise<{ network: boolean; pool: boolean }> {
    const net = await sandbox.virsh("net-info", `lvs-${name}`);
    const pool = await sandbox.virsh("pool-info", `lvs-${name}`);
    return { network: net.code === 0 && /Active:\s+yes/.test(net.stdout), pool: pool.code === 0 && /State:\s+running/.test(pool.stdout) };
}

describe("labs side by side in the sandbox", () => {
    const names = ["isoa", "isob", "isoc"];
    const [wsA, wsB, wsC] = names.map((n) => new Workspace(n));
    let claimed = false;
    let a: Stack;
    let b: Stack;

    beforeAll(async () => {
        await sandbox.up();
        for (const n of names) await sandbox.claim(n);
        claimed = true;
    });
    afterAll(async () => {
        if (claimed) await sandbox.clean(...names);
        await sandbox.down();
        for (const ws of [wsA, wsB, wsC]) ws.remove();
    });

    it("two stacks whose networks differ are both up; `lab destroy` of one keeps the other's network and pool, and the sandbox; `up` brings the destroyed one back", async () => {
        a = await stackOf(wsA, FABRIC, labOn("isoa", "10.213.71"));
        b = await stackOf(wsB, FABRIC, labOn("isob", "10.213.72"));
        ok(await a.pulumi("up", "--yes", "--skip-preview"), "pulumi up (isoa)");
        ok(await b.pulumi("up", "--yes", "--skip-preview"), "pulumi up (isob)");
        expect(await fabricUp("isoa")).toEqual({ network: true, pool: true });
        expect(await fabricUp("isob")).toEqual({ network: true, pool: true });
        // Each bridge has its own lab's address, in the sandbox only.
        expect(ok(await sandbox.exec("ip", ["-o", "-4", "addr", "show", "dev", "lvs-isoa"]), "isoa's bridge").stdout).toContain("10.213.71.1/24");
        expect(ok(await sandbox.exec("ip", ["-o", "-4", "addr", "show", "dev", "lvs-isob"]), "isob's bridge").stdout).toContain("10.213.72.1/24");
        // The pools' directories are the sandbox's own /var/lib/libvirt, not the host's.
        expect(ok(await sandbox.exec("stat", ["-c", "%F", "/var/lib/libvirt/images/lvs-isoa"]), "isoa's pool directory in the sandbox").stdout.trim()).toBe("directory");
        expect(existsSync("/var/lib/libvirt/images/lvs-isoa")).toBe(false);

        // The lab command, as a user destroys one lab.
        const env = { LVS_LAB_PROJECT: a.project, LVS_LAB_STACK: "t", PULUMI_BACKEND_URL: `file://${wsA.backend}`, PULUMI_NODEJS_TSCONFIG_PATH: join(REPO, "tsconfig.json") };
        const destroyed = ok(await run("bash", [LAB, "destroy"], { env, timeoutMs: ENGINE_MS }), "lab destroy (isoa)");
        expect(destroyed.stderr).toMatch(/lvs-lab: sandbox \S+ stays up: labs are left in it \([^)]*lvs-isob/);
        expect(await fabricUp("isoa")).toEqual({ network: false, pool: false });
        expect(await sandbox.labObjects("isoa")).toEqual([]);
        expect(await fabricUp("isob")).toEqual({ network: true, pool: true });
        expect(ok(await sandbox.virsh("vol-list", "lvs-isob"), "isob's volumes").stdout).toContain("lvs-isob-base.qcow2");
        expect(ok(await run("bash", [join(REPO, "tools", "sandbox.sh"), "status"]), "sandbox status").stdout).toMatch(/^up: /);

        // Destroyed, the same stack comes up again: nothing of the old lab is in the way.
        ok(await a.pulumi("up", "--yes", "--skip-preview"), "pulumi up again (isoa)");
        expect(await fabricUp("isoa")).toEqual({ network: true, pool: true });
    });

    it("a third stack whose network overlaps one that is up fails `pulumi up` naming network.cidr, that network and its CIDR, and creates nothing", async () => {
        // index.ts itself: the real program's check, before any resource.
        const c = await stackOf(wsC, join(REPO, "index.ts"), labOn("isoc", "10.213.72"));
        const up = await c.pulumi("up", "--yes", "--skip-preview");
        expect(up.code).not.toBe(0);
        expect(up.stdout + up.stderr).toContain(
            "network.cidr: must not overlap another lab's network: libvirt network lvs-isob on qemu:///system has 10.213.72.0/24, and two labs whose networks overlap cannot both be up; " +
            "destroy that lab first (npm run lab -- destroy STACK, with the stack whose network.name is isob), or give this stack a network of its own (network.cidr and every address in the config); got 10.213.72.0/24",
        );
        const state = JSON.parse(ok(await c.pulumi("stack", "export"), "stack export").stdout);
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.filter((t: string) => t !== "pulumi:pulumi:Stack")).toEqual([]);
        expect(await sandbox.labObjects("isoc")).toEqual([]);
        expect(await fabricUp("isob")).toEqual({ network: true, pool: true });
    });

    it("its stacks destroyed, nothing of this file's labs is left", async () => {
        ok(await a.pulumi("destroy", "--yes", "--skip-preview"), "pulumi destroy (isoa)");
        ok(await b.pulumi("destroy", "--yes", "--skip-preview"), "pulumi destroy (isob)");
        for (const n of names) expect(await sandbox.labObjects(n)).toEqual([]);
    });
});

/** Where a libvirtd that systemd runs listens, in the host's mount namespace. */
const HOST_SOCKETS = ["/run/libvirt/libvirt-sock", "/run/libvirt/libvirt-sock-ro", "/run/libvirt/libvirt-admin-sock"];

/**
 * A libvirtd as systemd runs it on a host with `libvirt-daemon-system`: its sockets and runtime
 * state in the host's /run/libvirt, where every process of the host's mount namespace reaches it
 * (`qemu:///system` here means it). It runs in a network namespace of the test's own, so the
 * host's network is never touched, and in a mount namespace where only its definitions and
 * state (/etc/libvirt, /var/lib/libvirt, /var/cache/libvirt) are the test's empty directories:
 * it defines no network, pool or domain, and the host's files are never touched.
 */
class HostLibvirtd {
    readonly netns = `lvshost${process.pid}`;
    private child?: ChildProcess;
    private log = "";

    constructor(private readonly dir: string) {}

    /** Fails, touching nothing, where another libvirtd has or had /run/libvirt since boot. */
    static refuseIfTaken(): void {
        const taken = HOST_SOCKETS.filter((s) => existsSync(s));
        const state = ["qemu", "network"].flatMap((d) => (existsSync(`/run/libvirt/${d}`) ? readdirSync(`/run/libvirt/${d}`).filter((f) => f.endsWith(".xml")).map((f) => `/run/libvirt/${d}/${f}`) : []));
        if (taken.length || state.length) {
            throw new Error(`another libvirtd has /run/libvirt (${[...taken, ...state].join(", ")}): the host's own, or a sandbox of an older lvs-lab. ` +
                "This test starts a libvirtd of its own there, which would answer in its place or take its runtime state over: run it where no other libvirtd runs");
        }
    }

    async start(): Promise<void> {
        HostLibvirtd.refuseIfTaken();
        for (const d of ["etc", "lib", "cache"]) mkdirSync(join(this.dir, d), { recursive: true });
        writeFileSync(join(this.dir, "libvirtd.conf"), "# the test's host libvirtd: libvirt's defaults\n");
        ok(await run("ip", ["netns", "add", this.netns]), "ip netns add");
        ok(await run("ip", ["-n", this.netns, "link", "set", "lo", "up"]), "lo up");
        // ip netns exec, unshare and bash exec in turn: the child is libvirtd itself (no -d).
        this.child = spawn("ip", ["netns", "exec", this.netns, "unshare", "--mount", "--propagation", "slave", "bash", "-c",
            'set -euo pipefail; mount --bind "$1/etc" /etc/libvirt; mount --bind "$1/lib" /var/lib/libvirt; mount --bind "$1/cache" /var/cache/libvirt; exec libvirtd -f "$1/libvirtd.conf" -p "$1/libvirtd.pid"',
            "bash", this.dir], { stdio: ["ignore", "ignore", "pipe"] });
        this.child.stderr!.on("data", (d) => (this.log += String(d)));
        for (let i = 0; i < 60; i++) {
            if ((await this.virsh("version")).code === 0) return;
            if (this.child.exitCode !== null) break;
            await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error(`the test's host libvirtd did not answer on /run/libvirt/libvirt-sock within 30 s:\n${this.log}`);
    }

    /** virsh on the host's `qemu:///system`, from the host's namespaces. */
    virsh(...args: string[]): Promise<Ran> {
        return run("virsh", ["-q", "-c", "qemu:///system", ...args], { timeoutMs: 30_000 });
    }

    get running(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** Stops it by its pid, and removes its sockets and the namespace. */
    async stop(): Promise<void> {
        const child = this.child;
        if (child?.pid !== undefined && this.running) {
            const exited = new Promise((r) => child.once("exit", r));
            process.kill(child.pid, "SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
            if (this.running) process.kill(child.pid, "SIGKILL");
        }
        // refuseIfTaken made sure no other libvirtd had these before this one.
        for (const s of HOST_SOCKETS) rmSync(s, { force: true });
        await run("ip", ["netns", "delete", this.netns]);
    }
}

describe("the sandbox beside a host libvirtd that systemd runs", () => {
    const ws = new Workspace("isoh");
    const host = new HostLibvirtd(join(ws.dir, "host-libvirtd"));
    let claimed = false;
    let stack: Stack;

    beforeAll(async () => {
        await host.start();
        // With the host's libvirtd on /run/libvirt/libvirt-sock, the sandbox starts beside it.
        await sandbox.up();
        await sandbox.claim("isoh");
        claimed = true;
        stack = await stackOf(ws, FABRIC, labOn("isoh", "10.213.73"));
    });
    afterAll(async () => {
        try {
            // The case takes the sandbox down itself; a failure may leave the lab behind in it.
            if (claimed) {
                await sandbox.up();
                await sandbox.clean("isoh");
            }
            await sandbox.down();
        } finally {
            await host.stop();
            ws.remove();
        }
    });

    it("a stack goes up and down through the sandbox; the host's libvirtd answers throughout, holds none of it, and outlives sandbox down", async () => {
        ok(await stack.pulumi("up", "--yes", "--skip-preview"), "pulumi up (isoh)");
        expect(await fabricUp("isoh")).toEqual({ network: true, pool: true });
        // The host's qemu:///system is the host's libvirtd: it defines nothing, the lab included.
        for (const list of ["net-list", "pool-list", "list"]) {
            expect(ok(await host.virsh(list, "--all", "--name"), `host virsh ${list}`).stdout.trim()).toBe("");
        }
        // Inside the sandbox, qemu:///system is the sandbox's libvirtd, whose /run/libvirt is its own.
        expect(ok(await sandbox.virsh("net-list", "--all", "--name"), "sandbox net-list").stdout).toContain("lvs-isoh");

        ok(await stack.pulumi("destroy", "--yes", "--skip-preview"), "pulumi destroy (isoh)");
        expect(await sandbox.labObjects("isoh")).toEqual([]);
        await sandbox.down();
        ok(await host.virsh("version"), "the host's libvirtd after sandbox down");
        expect(host.running).toBe(true);
        expect(ok(await host.virsh("net-list", "--all", "--name"), "host net-list").stdout.trim()).toBe("");
    });
});
