import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installExample } from "../example";
import { Workspace, ok, sandbox } from "./harness";

/**
 * The from-code example in a consumer project (the package installed into its node_modules) run
 * by the real CLI and language host: its TypeScript compiles against the package, its input is
 * validated before anything exists, and with good knobs it brings a working lab up and down.
 */
describe("the from-code example through the real engine", () => {
    const ws = new Workspace("example");
    let project: string;
    let claimed = false;
    beforeAll(async () => {
        await sandbox.up();
        // The example's lab is `code` (examples/from-code: network.name).
        await sandbox.claim("code");
        claimed = true;
        project = installExample(join(ws.dir, "project"));
        ok(await ws.pulumi(project, ["stack", "init", "t"]), "stack init");
    });
    afterAll(async () => {
        ws.remove();
        if (claimed) await sandbox.clean("code");
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

    it("with good knobs, `pulumi up` brings the lab up and the client proves it through the VIP", async () => {
        ok(await ws.pulumi(project, ["config", "set", "webServers", "2", "--stack", "t"]), "config set");
        const preview = ok(await ws.pulumi(project, ["preview", "--stack", "t"]), "preview");
        expect(preview.stdout).toMatch(/\+\s+libvirt:index:Network code-network create/);
        expect(preview.stdout).toMatch(/\+\s+command:remote:Command code-lb-service create/);
        ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"], 30 * 60_000), "pulumi up");
        const outputs = JSON.parse(ok(await ws.pulumi(project, ["stack", "output", "--json", "--stack", "t"]), "stack output").stdout);
        // wlc with weights 1 and 2: both answer, web2 about twice as often.
        expect(Object.keys(outputs.verification.realServers).sort()).toEqual(["web1", "web2"]);
        expect(outputs.verification.realServers.web1 + outputs.verification.realServers.web2).toBe(30);
        expect(outputs.ipvsTable).toMatch(/-> 10\.77\.0\.12:80\s+Route\s+2/);
        ok(await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]), "pulumi destroy");
    });
});
