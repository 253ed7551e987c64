import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installExample } from "../example";
import { Workspace, ok, sandbox } from "./harness";

/**
 * The from-code example in a consumer project (the package installed into its node_modules) run
 * by the real CLI and language host: its TypeScript compiles against the package, its input is
 * validated before anything exists, and the only thing between it and a lab is the command plugin
 * these machines cannot get.
 */
describe("the from-code example through the real engine", () => {
    const ws = new Workspace("example");
    let project: string;
    beforeAll(async () => {
        await sandbox.up();
        project = installExample(join(ws.dir, "project"));
        ok(await ws.pulumi(project, ["stack", "init", "t"]), "stack init");
    });
    afterAll(async () => {
        ws.remove();
        await sandbox.down();
    });

    it("a bad knob fails `pulumi up` with the key path and creates nothing", async () => {
        ok(await ws.pulumi(project, ["config", "set", "webServers", "0", "--stack", "t"]), "config set");
        const up = await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"]);
        expect(up.code).not.toBe(0);
        expect(up.stdout + up.stderr).toContain("realServers: must list at least one real server");
        const state = JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--stack", "t"]), "stack export").stdout);
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.filter((t: string) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("with good knobs, `pulumi preview` stops only for the missing command plugin", async () => {
        ok(await ws.pulumi(project, ["config", "rm", "webServers", "--stack", "t"]), "config rm");
        const preview = await ws.pulumi(project, ["preview", "--stack", "t"]);
        const out = preview.stdout + preview.stderr;
        expect(preview.code, out).not.toBe(0);
        // The program compiled and ran: the engine planned the example's segment and machines...
        expect(out).toMatch(/\+\s+libvirt:index:Network code-network create/);
        expect(out).toMatch(/\+\s+libvirt:index:Domain web\d-domain create/);
        // ...and every error is the missing plugin, none from the program or the libvirt provider.
        const errors = out.split("\n").filter((l) => /error/i.test(l));
        expect(errors.length, out).toBeGreaterThan(0);
        expect(errors.filter((l) => !/pulumi-resource-command|pulumi:providers:command/.test(l)), out).toEqual([]);
    });
});
