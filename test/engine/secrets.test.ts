import { execFileSync } from "child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLabConfig } from "../../components/config";
import { planLab } from "../../components/plan";
import { loadStackConfig } from "../stacks";
import { REPO, Ran, Workspace, ok } from "./harness";
import { TestSshd } from "./sshd";

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

/**
 * A VRRP password set with `pulumi config set --secret --path ha.authPass` through the real CLI,
 * engine and command plugin, with no VM: the ha stack's first director's steps, planned and
 * wrapped as the lab does it (test/engine/programs/secretSteps.ts), run against a real OpenSSH
 * sshd in a network namespace of its own whose authorized_keys forces a command that records
 * what it was sent and runs none of it. So the keepalived step is a real `command:remote:Command`
 * in a real state, its script reaches "the guest" with the password in it, and the test reads
 * what the engine shows and stores: the preview's diff, `up`'s output and every file of the
 * backend (the stack, its checkpoints and backups). Last, a second key, `service.vip`, is set with
 * `--secret --path` too, and held to the same.
 */
describe("secret config values through the real engine", () => {
    const sshd = new TestSshd(join(REPO, ".lab", "tmp", `sshd-secrets-${process.pid}`));
    const ws = new Workspace("secrets", sshd.netns);
    const received = join(sshd.dir, "received");
    let project: string;
    const seen: string[] = [];

    const pulumi = async (args: string[], what: string): Promise<Ran> => {
        const end = args.includes("--") ? args.indexOf("--") : args.length;
        const r = ok(await ws.pulumi(project, [...args.slice(0, end), "--stack", "t", ...args.slice(end)]), what);
        seen.push(r.stdout, r.stderr);
        return r;
    };
    // `--plaintext`: the CLI will not turn a secret into plain text without being told to.
    const setAuthPass = (value: string, secret: boolean) => pulumi(["config", "set", "--path", secret ? "--secret" : "--plaintext", "ha.authPass", value], "config set");
    /** The commands the sshd received since the last call. */
    function commands(): string[] {
        const out = readdirSync(received).sort().map((f) => readFileSync(join(received, f), "utf8"));
        for (const f of readdirSync(received)) execFileSync("rm", [join(received, f)]);
        return out;
    }
    /** The backend's files that hold `text` in clear. */
    const holding = (text: string) => files(ws.backend).filter((f) => readFileSync(f, "utf8").includes(text));
    async function exported(showSecrets: boolean): Promise<Record<string, { inputs: any; outputs: any }>> {
        // Not kept in `seen`: --show-secrets prints the secrets, which is what it is for.
        const state = JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--stack", "t", ...(showSecrets ? ["--show-secrets"] : [])]), "stack export").stdout);
        return Object.fromEntries(state.deployment.resources.map((r: any) => [r.urn.split("::").pop(), r]));
    }
    const ha = parseLabConfig(loadStackConfig("ha"));
    const directorSteps = planLab(ha, { verifyRequests: 1 }).find((p) => p.host.name === ha.director.name)!.steps.length;
    const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

    beforeAll(async () => {
        process.env.PULUMI_NODEJS_TSCONFIG_PATH = join(REPO, "tsconfig.json");
        await sshd.setUp();
        mkdirSync(received, { recursive: true });
        // Every login runs this instead of what it asked for; the command it asked for is kept.
        const record = join(sshd.dir, "record.sh");
        writeFileSync(record, `#!/bin/bash\nprintf '%s' "$SSH_ORIGINAL_COMMAND" > "$(mktemp ${received}/cmd.XXXXXX)"\necho "IP Virtual Server version 1.2.1 (recorded)"\n`, { mode: 0o755 });
        writeFileSync(join(sshd.dir, "authorized_keys"), `command="${record}",no-pty ${sshd.clientKey.publicKey}\n`, { mode: 0o600 });
        await sshd.start(22);
        project = await ws.initProject(join(REPO, "test", "engine", "programs", "secretSteps.ts"), "t", loadStackConfig("ha"));
        await pulumi(["config", "set", "test:hostKey", sshd.hostKey.publicKey], "config set hostKey");
        await pulumi(["config", "set", "--secret", "test:privateKey", "--", sshd.clientKey.privateKey], "config set privateKey");
    });
    afterAll(async () => {
        await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]);
        await sshd.tearDown();
        ws.remove();
    });

    it("a password set with --secret --path: the step's command is [secret] in the preview, the guest gets it, no state file holds it", async () => {
        const PASSWORD = "Kq7.xZ_1";
        await setAuthPass(PASSWORD, true);
        const preview = await pulumi(["preview", "--diff"], "preview --diff");
        // The keepalived step's whole command is a secret, not just the password in it; the
        // sysctl step holds no secret and stays readable.
        expect(preview.stdout).toMatch(/\+ command:remote:Command: \(create\)\s+\[urn=\S+::director1-service\][\s\S]*?create\s*:\s*\[secret\]/);
        expect(preview.stdout).toContain("# lvs-lab machine test-machine");
        expect(preview.stdout).not.toContain("auth_pass");

        const up = await pulumi(["up", "--yes", "--skip-preview"], "pulumi up");
        expect(up.stdout + up.stderr).not.toContain("auth_pass");
        const sent = commands();
        // One command per step of the director, as the lab plans them (lvs, sorry, service).
        expect(sent).toHaveLength(directorSteps);
        expect(sent.filter((c) => c.includes(`auth_pass ${PASSWORD}`))).toHaveLength(1);

        expect(holding(PASSWORD)).toEqual([]);
        const state = await exported(false);
        expect(state["director1-service"].inputs.create).toMatchObject(SECRET_SIG);
        expect(state["director1-service"].outputs.stdout).toMatchObject(SECRET_SIG);
        expect(state["director1-service"].inputs.logging).toBe("none");
        expect(state["director1-lvs"].inputs.create).toContain("# lvs-lab machine test-machine");
        expect(state["director1-lvs"].outputs.stdout).toBe("IP Virtual Server version 1.2.1 (recorded)");
        // The state does hold it, encrypted.
        expect((await exported(true))["director1-service"].inputs.create.plaintext).toContain(`auth_pass ${PASSWORD}`);
    });

    it("a new secret password: the update's diff shows neither password, and no state file holds either", async () => {
        const OLD = "Kq7.xZ_1";
        const NEW = "Wm4-pR.9";
        await setAuthPass(NEW, true);
        const preview = await pulumi(["preview", "--diff"], "preview --diff");
        expect(preview.stdout).toMatch(/~ command:remote:Command: \(update\)\s+\[id=\S+\]\s+\[urn=\S+::director1-service\]/);
        expect(preview.stdout).toMatch(/1 to update/);
        expect(preview.stdout).not.toContain("auth_pass");
        expect(preview.stdout).not.toContain(OLD);
        await pulumi(["up", "--yes", "--skip-preview"], "pulumi up");
        expect(commands().filter((c) => c.includes(`auth_pass ${NEW}`))).toHaveLength(1);
        expect(holding(OLD)).toEqual([]);
        expect(holding(NEW)).toEqual([]);
        for (const out of seen) for (const pw of [OLD, NEW]) expect(out).not.toContain(pw);
    });

    it("the control: a password set without --secret is in the diff and in the state in clear, as every value was before", async () => {
        const PLAIN = "Hn2_tV.5";
        await setAuthPass(PLAIN, false);
        const preview = await pulumi(["preview", "--diff"], "preview --diff");
        expect(preview.stdout).toContain(`auth_pass ${PLAIN}`);
        await pulumi(["up", "--yes", "--skip-preview"], "pulumi up");
        expect(holding(PLAIN).length).toBeGreaterThan(0);
        expect(typeof (await exported(false))["director1-service"].inputs.create).toBe("string");
    });

    it("a second key, service.vip, set with --secret --path: no preview, output or state file holds the VIP in clear, and the guest gets it", async () => {
        // After the control (whose `ha` is in clear now): an unused host address of the ha stack's
        // 192.168.169.0/24, new to this backend (the steps before held the stack's own VIP in
        // clear), so a file that holds it was written after it became a secret.
        const VIP = "192.168.169.123";
        await pulumi(["config", "set", "--path", "--secret", "service.vip", VIP], "config set service.vip");
        const preview = await pulumi(["preview", "--diff"], "preview --diff");
        expect(preview.stdout).not.toContain(VIP);
        const up = await pulumi(["up", "--yes", "--skip-preview"], "pulumi up");
        expect(up.stdout + up.stderr).not.toContain(VIP);
        expect(commands().filter((c) => c.includes(VIP)).length).toBeGreaterThan(0);
        expect(holding(VIP)).toEqual([]);
        for (const out of seen) expect(out).not.toContain(VIP);
        // The steps that hold it are secret in the state; the VIP is in them, encrypted.
        const state = await exported(false);
        const holders = Object.entries(await exported(true)).filter(([, r]) => JSON.stringify(r.inputs ?? {}).includes(VIP)).map(([name]) => name);
        expect(holders.length).toBeGreaterThan(0);
        for (const name of holders) expect(state[name].inputs.create, name).toMatchObject(SECRET_SIG);
    });
});
