import { existsSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace, REPO, ok, run, sandbox } from "./harness";
import { loadStackConfig } from "../stacks";

const pkg = require("../../package.json");

// The fabric test's lab; other labs (a user's) may be up in the sandbox beside it, and only a
// lab this file claimed is cleaned up.
const FABRIC = "fabric";
let claimed = false;

beforeAll(async () => {
    await sandbox.up();
    await sandbox.claim(FABRIC);
    claimed = true;
});
afterAll(async () => {
    if (claimed) await sandbox.clean(FABRIC);
    await sandbox.down();
});

describe("toolchain", () => {
    it("runs the pinned Pulumi CLI", async () => {
        const r = ok(await run("bash", [join(REPO, "tools", "pulumi"), "version"]), "pulumi version");
        expect(r.stdout.trim()).toBe(`v${pkg.dependencies["@pulumi/pulumi"]}`);
    });

    it("has the libvirt plugin at the SDK's version", async () => {
        const r = ok(await run("bash", [join(REPO, "tools", "pulumi"), "plugin", "ls", "--json"]), "pulumi plugin ls");
        const plugins = JSON.parse(r.stdout) as { name: string; kind: string; version: string }[];
        expect(plugins).toContainEqual(expect.objectContaining({ name: "libvirt", kind: "resource", version: require("../../sdks/libvirt/package.json").version }));
    });
});

describe("invalid config through the real engine", () => {
    const ws = new Workspace("invalid");
    afterAll(() => ws.remove());

    it("fails `pulumi up` with the key path and the fix, and creates nothing", async () => {
        const raw = structuredClone(loadStackConfig("default")) as any;
        raw.service.vip = "192.168.168.10";
        // The real program, in a project copy whose stack file lives in the workspace.
        const project = await ws.initProject(join(REPO, "index.ts"), "invalid", raw);
        const up = await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "invalid"]);
        expect(up.code).not.toBe(0);
        expect(up.stdout + up.stderr).toContain("service.vip: 192.168.168.10 is also the address of realServers[0]; the VIP must be its own address");
        expect(up.stdout + up.stderr).toContain("npm run lab -- config set --path service.vip 192.168.168.100");
        const state = JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--stack", "invalid"]), "stack export").stdout);
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.filter((t: string) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});

describe("lab fabric on a real libvirtd (real engine, real provider)", () => {
    const ws = new Workspace("fabric");
    afterAll(() => ws.remove());

    it("up creates the network, pool and base volume; a second preview has no changes; destroy removes them", async () => {
        const image = join(ws.dir, "tiny.qcow2");
        ok(await run("qemu-img", ["create", "-q", "-f", "qcow2", image, "16M"]), "qemu-img create");
        const raw = structuredClone(loadStackConfig("default")) as any;
        raw.network.name = FABRIC;
        raw.image = { source: image };
        raw.libvirt = { pool: "lvs-fabric-test", poolPath: join(ws.dir, "pool") };
        const project = await ws.initProject(join(REPO, "test", "engine", "programs", "fabric.ts"), "t", raw);

        ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"]), "pulumi up");
        const net = ok(await sandbox.virsh("net-info", "lvs-fabric"), "virsh net-info").stdout;
        expect(net).toMatch(/Active:\s+yes/);
        expect(net).toMatch(/Bridge:\s+lvs-fabric/);
        const bridge = ok(await sandbox.exec("ip", ["-o", "-4", "addr", "show", "dev", "lvs-fabric"]), "bridge address").stdout;
        expect(bridge).toContain("192.168.168.1/24");
        expect(ok(await sandbox.virsh("pool-info", "lvs-fabric-test"), "virsh pool-info").stdout).toMatch(/State:\s+running/);
        expect(ok(await sandbox.virsh("vol-list", "lvs-fabric-test"), "virsh vol-list").stdout).toContain("lvs-fabric-test-base.qcow2");
        // The bridge lives in the sandbox only, never in the host's namespace.
        expect(existsSync("/sys/class/net/lvs-fabric")).toBe(false);

        ok(await ws.pulumi(project, ["preview", "--expect-no-changes", "--stack", "t"]), "preview --expect-no-changes");

        ok(await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]), "pulumi destroy");
        expect((await sandbox.virsh("net-info", "lvs-fabric")).code).not.toBe(0);
        expect((await sandbox.virsh("pool-info", "lvs-fabric-test")).code).not.toBe(0);
        expect(await sandbox.labObjects(FABRIC)).toEqual([]);
    });
});
