import { existsSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, Ran, Workspace, ok } from "./harness";
import { KeyPair, TestSshd, makeKey } from "./sshd";
import { waitUntil } from "./vmLab";

/**
 * Conformance of the command plugin the lab runs on (`command:local:Command` and
 * `command:remote:Command` 1.2.1), through the real engine and a real OpenSSH sshd: the
 * behaviour the lab's components rely on, as the official plugin has it.
 */
describe("the command plugin through the real engine and sshd", () => {
    const sshd = new TestSshd(join(REPO, ".lab", "tmp", `sshd-${process.pid}`));
    const ws = new Workspace("commands", sshd.netns);
    const stepsFile = join(ws.dir, "steps.json");
    const eventsFile = join(ws.dir, "events");
    let project: string;
    let strangerKey: KeyPair;
    let encryptedKey: KeyPair;
    // Test-only secrets: root's password exists only in the test sshd's own copy of /etc/shadow.
    const ROOT_PASSWORD = `lvs-root-${process.pid}-pw`;
    const KEY_PASSPHRASE = `lvs-key-${process.pid}-pass`;
    const seen: string[] = [];

    /** Runs `pulumi up` with these steps; everything it printed is kept for the secrecy check. */
    async function up(steps: object[]): Promise<Ran> {
        writeFileSync(stepsFile, JSON.stringify(steps));
        const r = await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"]);
        seen.push(r.stdout, r.stderr);
        return r;
    }
    async function upOk(steps: object[]): Promise<Ran> {
        return ok(await up(steps), "pulumi up");
    }
    /** Lines the commands appended to the events file since the last call. */
    function events(): string[] {
        const lines = existsSync(eventsFile) ? readFileSync(eventsFile, "utf8").split("\n").filter(Boolean) : [];
        writeFileSync(eventsFile, "");
        return lines;
    }
    async function outputs(): Promise<{ stdout: Record<string, string>; stderr: Record<string, string> }> {
        return JSON.parse(ok(await ws.pulumi(project, ["stack", "output", "--json", "--show-secrets", "--stack", "t"]), "stack output").stdout);
    }
    async function state(): Promise<{ urn: string; type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[]> {
        return JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--show-secrets", "--stack", "t"]), "stack export").stdout).deployment.resources;
    }
    const log = (what: string) => `echo "${what}" >> ${eventsFile}`;
    const remote = (name: string, extra: object) => ({ name, kind: "remote", ...extra });
    const local = (name: string, extra: object) => ({ name, kind: "local", ...extra });

    beforeAll(async () => {
        await sshd.setUp();
        await sshd.start(2222);
        await sshd.start(2224, 0, ROOT_PASSWORD);
        strangerKey = await makeKey(sshd.dir, "stranger_ed25519");
        encryptedKey = await makeKey(sshd.dir, "encrypted_ed25519", KEY_PASSPHRASE);
        writeFileSync(join(sshd.dir, "authorized_keys"), `${sshd.clientKey.publicKey}\n${encryptedKey.publicKey}\n`, { mode: 0o600 });
        project = await ws.initProject(join(REPO, "test", "engine", "programs", "commands.ts"), "t", { stepsFile, hostKey: sshd.hostKey.publicKey });
        for (const [key, value] of Object.entries({ privateKey: sshd.clientKey.privateKey, encryptedKey: encryptedKey.privateKey, keyPassphrase: KEY_PASSPHRASE, rootPassword: ROOT_PASSWORD })) {
            ok(await ws.pulumi(project, ["config", "set", "--secret", "--stack", "t", key, "--", value]), `config set ${key}`);
        }
    });
    afterAll(async () => {
        await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]);
        await sshd.tearDown();
        ws.remove();
    });

    // The steps every case starts from: A remote with environment and stdin, B local, C with no
    // create against a closed port (so it must never dial).
    const A = remote("A", { create: `printf 'A:%s:%s\\n\\n' "$LVS_X" "$(cat)"; ${log("create A")}`, environment: { LVS_X: "x1" }, stdin: "in1" });
    const B = local("B", { create: `printf 'B:%s:%s\\n' "$LVS_X" "$(cat)"; ${log("create B")}`, environment: { LVS_X: "x2" }, stdin: "in2", delete: log("delete B") });
    const C = remote("C", { port: 2299, dialErrorLimit: 0, delete: "" });

    it("create runs `create` with environment and stdin, trims one trailing newline, and a command without `create` never dials", async () => {
        await upOk([A, B, C]);
        expect(events().sort()).toEqual(["create A", "create B"]);
        const out = await outputs();
        expect(out.stdout).toEqual({ A: "A:x1:in1\n", B: "B:x2:in2", C: "" });
        expect(out.stderr).toEqual({ A: "", B: "", C: "" });
        const ids = (await state()).filter((r) => r.type.startsWith("command:")).map((r) => (r as any).id as string);
        for (const id of ids) expect(id).toMatch(/^[ABC][0-9a-f]{8}$/);
    });

    it("preview runs nothing and shows stdout unknown where an input changed", async () => {
        const A2 = { ...A, environment: { LVS_X: "x1b" } };
        writeFileSync(stepsFile, JSON.stringify([A2, B, C]));
        const preview = ok(await ws.pulumi(project, ["preview", "--diff", "--stack", "t"]), "preview");
        expect(events()).toEqual([]);
        expect(preview.stdout).toMatch(/~ command:remote:Command: \(update\)\s+\[id=A/);
        expect(preview.stdout).toContain("stdout of A known: false");
        expect(preview.stdout).toContain("stdout of B known: true");
        expect(preview.stdout).toMatch(/1 to update\s+3 unchanged/);
        // A new command's stdout is unknown too, and its create does not run.
        writeFileSync(stepsFile, JSON.stringify([A, B, C, local("N", { create: log("create N") })]));
        const withNew = ok(await ws.pulumi(project, ["preview", "--stack", "t"]), "preview");
        expect(withNew.stdout).toContain("stdout of N known: false");
        expect(events()).toEqual([]);
        writeFileSync(stepsFile, JSON.stringify([A, B, C]));
    });

    it("update runs `update` (else `create`) in place, with the previous stdout in PULUMI_COMMAND_STDOUT", async () => {
        const A2 = { ...A, environment: { LVS_X: "x1b" }, update: `printf 'prev=%s|' "$PULUMI_COMMAND_STDOUT" | tr '\\n' '/' >> ${eventsFile}; echo >> ${eventsFile}; echo updated` };
        const B2 = { ...B, environment: { LVS_X: "x2b" } };
        await upOk([A2, B2, C]);
        expect(events().sort()).toEqual(["create B", "prev=A:x1:in1/|"]);
        const out = await outputs();
        expect(out.stdout.A).toBe("updated");
        expect(out.stdout.B).toBe("B:x2b:in2");
        ok(await ws.pulumi(project, ["preview", "--expect-no-changes", "--stack", "t"]), "no changes after update");
    });

    // After the update case: A carries `update`; D is replaced through its triggers, E depends on D.
    const A2 = { ...A, environment: { LVS_X: "x1b" }, update: `printf 'prev=%s|' "$PULUMI_COMMAND_STDOUT" | tr '\\n' '/' >> ${eventsFile}; echo >> ${eventsFile}; echo updated` };
    const B2 = { ...B, environment: { LVS_X: "x2b" } };
    const D = (v: string, extra: object = {}) => remote("D", { create: `${log(`create D ${v}`)}; echo D${v}`, delete: `${log(`delete D old=$LVS_V stdout=$PULUMI_COMMAND_STDOUT`)}`, environment: { LVS_V: v }, triggers: [v], ...extra });
    const E = (v: string) => local("E", { create: log(`create E ${v}`), dependsOn: ["D"] });

    it("a changed trigger replaces: the new create runs, and the old delete runs after every create and update, with the old inputs", async () => {
        await upOk([A2, B2, C, D("v1"), E("v1")]);
        expect(events()).toEqual(["create D v1", "create E v1"]);
        const r = await upOk([A2, B2, C, D("v2"), E("v2")]);
        expect(r.stdout).toMatch(/\+-\s*1 replaced/);
        expect(events()).toEqual(["create D v2", "create E v2", "delete D old=v1 stdout=Dv1"]);
    });

    it("with deleteBeforeReplace the old delete runs first", async () => {
        await upOk([A2, B2, C, D("v3", { deleteBeforeReplace: true }), E("v3")]);
        expect(events()).toEqual(["delete D old=v2 stdout=Dv2", "create D v3", "create E v3"]);
    });

    it("a removed command runs its old delete against its old connection; without `delete` nothing dials", async () => {
        // A changed delete text is an update: `create` runs again in place and the new text is kept.
        await upOk([A2, B2, C, { ...D("v3", { deleteBeforeReplace: true }), delete: log("delete D changed old=$LVS_V") }, E("v3")]);
        expect(events()).toEqual(["create D v3"]);
        await upOk([A2, B2]);
        expect(events().sort()).toEqual(["delete D changed old=v3"]);
    });

    it("a failing command fails with the command and its output, whatever `logging` says, and the state keeps what it had", async () => {
        const failing = `echo partial-out; echo partial-err >&2; exit 3`;
        const r = await up([{ ...A2, update: failing, logging: "none" }, B2]);
        expect(r.code).not.toBe(0);
        const out = r.stdout + r.stderr;
        expect(out).toContain("Process exited with status 3: running \"echo partial-out; echo partial-err >&2; exit 3\"");
        // Both streams follow the command, each line as it arrived. Over SSH stdout and stderr are
        // two channels, so which of the two lines comes first is not fixed (both orders were seen).
        expect(out).toMatch(/exit 3":\n\s*(partial-out\n\s*partial-err|partial-err\n\s*partial-out)\n/);
        const a = (await state()).find((x) => x.urn.endsWith("::A"))!;
        expect(a.outputs.stdout).toBe("updated");
        expect(a.inputs.update).toBe(A2.update);
        // A failed create records nothing, so the next `up` creates again.
        const created = await up([A2, B2, local("G", { create: `${log("create G")}; exit 1` })]);
        expect(created.code).not.toBe(0);
        expect((await state()).some((x) => x.urn.endsWith("::G"))).toBe(false);
        expect(events()).toEqual(["create G"]);
        await upOk([A2, B2]);
    });

    it("logging selects the progress lines only: `none` shows nothing, the outputs still hold everything", async () => {
        const r = await upOk([A2, B2,
            local("H", { create: "echo hidden-out; echo hidden-err >&2", logging: "none" }),
            local("I", { create: "echo shown-out; echo hidden-err-i >&2", logging: "stdout" })]);
        const progress = (name: string) => r.stdout.split("\n").filter((l) => l.includes(`command:local:Command ${name} `)).join("\n");
        expect(progress("H")).toContain("created");
        expect(progress("H")).not.toMatch(/hidden-(out|err)/);
        expect(progress("I")).toContain("shown-out");
        expect(progress("I")).not.toContain("hidden-err-i");
        const out = await outputs();
        expect(out.stdout.H).toBe("hidden-out");
        expect(out.stderr.H).toBe("hidden-err");
        expect(out.stderr.I).toBe("hidden-err-i");
        await upOk([A2, B2]);
    });

    it("a wrong host key is refused on every try and never trusted", async () => {
        const r = await up([A2, B2, remote("K", { create: log("create K"), hostKey: strangerKey.publicKey, dialErrorLimit: 2 })]);
        expect(r.code).not.toBe(0);
        const out = r.stdout + r.stderr;
        expect(out).toContain("Dial 1/2 failed: retrying");
        expect(out).toContain("Dial 2/2 failed: retrying");
        expect(out).toMatch(/after 2 failed attempts: .*host key mismatch/);
        expect(events()).toEqual([]);
        expect((await state()).some((x) => x.urn.endsWith("::K"))).toBe(false);
    });

    it("dials again with backoff until a late sshd answers, and fails after dialErrorLimit on a port that stays closed", async () => {
        // L dials only after T has run; its sshd starts 6 s after that, whatever the engine's start-up took.
        const dialing = join(sshd.dir, "dialing");
        const upRun = up([A2, B2, local("T", { create: `touch ${dialing}` }), remote("L", { create: log("create L"), port: 2223, dependsOn: ["T"] })]);
        await waitUntil(`${dialing} to exist`, 5 * 60_000, async () => existsSync(dialing) || undefined, 200);
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        await sshd.start(2223);
        const r = ok(await upRun, "pulumi up");
        // The progress display may repeat a line; the tries it names count up from 1 without a gap.
        const failedDials = [...new Set([...r.stdout.matchAll(/Dial (\d+)\/10 failed: retrying/g)].map((m) => Number(m[1])))];
        expect(failedDials.length).toBeGreaterThan(0);
        expect(failedDials).toEqual(failedDials.map((_, i) => i + 1));
        expect(events()).toEqual(["create L"]);
        const closed = await up([A2, B2, remote("M", { create: log("create M"), port: 2299, dialErrorLimit: 3 })]);
        expect(closed.code).not.toBe(0);
        expect(closed.stdout + closed.stderr).toMatch(/after 3 failed attempts: .*connection refused/);
        expect(closed.stdout).toContain("Dial 3/3 failed: retrying");
        expect(closed.stdout).not.toContain("Dial 4/3");
        expect(events()).toEqual([]);
    });

    it("logs in with a passphrase-protected key and its passphrase, and with a password", async () => {
        await upOk([A2, B2, remote("P", { create: `${log("create P")}; echo key-ok`, auth: "encryptedKey" }), remote("Q", { create: `${log("create Q")}; echo password-ok`, port: 2224, auth: "password" })]);
        expect(events().sort()).toEqual(["create P", "create Q"]);
        const out = await outputs();
        expect([out.stdout.P, out.stdout.Q]).toEqual(["key-ok", "password-ok"]);
        // A wrong password is refused like any failed login: the dial error names the authentication.
        ok(await ws.pulumi(project, ["config", "set", "--secret", "--stack", "t", "rootPassword", "--", "not-the-password"]), "config set rootPassword");
        const wrong = await up([A2, B2, remote("R", { create: log("create R"), port: 2224, auth: "password", dialErrorLimit: 1 })]);
        expect(wrong.code).not.toBe(0);
        expect(wrong.stdout + wrong.stderr).toMatch(/unable to authenticate/);
        expect(events()).toEqual([]);
        ok(await ws.pulumi(project, ["config", "set", "--secret", "--stack", "t", "rootPassword", "--", ROOT_PASSWORD]), "config set rootPassword");
        await upOk([A2, B2]);
    });

    it("never writes a private key, passphrase or password in clear: not in the state file, not in anything the engine printed", async () => {
        const body = [sshd.clientKey.privateKey, encryptedKey.privateKey].flatMap((k) => k.split("\n").filter((l) => l && !l.startsWith("-----")));
        const stateDir = join(ws.backend, ".pulumi", "stacks");
        const files = readdirSync(stateDir, { recursive: true }).map(String).filter((f) => f.endsWith(".json"));
        expect(files.length).toBeGreaterThan(0);
        const texts = [...files.map((f) => readFileSync(join(stateDir, f), "utf8")), ...seen];
        for (const text of texts) {
            expect(text).not.toContain("PRIVATE KEY");
            expect(text).not.toContain(ROOT_PASSWORD);
            expect(text).not.toContain(KEY_PASSPHRASE);
            for (const line of body) expect(text).not.toContain(line);
        }
        const stateText = readFileSync(join(stateDir, files.find((f) => !f.includes(".bak"))!), "utf8");
        expect(stateText).toContain("\"connection\"");
        expect(stateText).toContain("4dabf18193072939515e22adb298388d");
    });
});
