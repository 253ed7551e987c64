import { execFileSync } from "child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, Ran, Workspace, ok } from "./harness";

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

/**
 * The SshKey dynamic resource through the real engine (no VM, no network: the engine runs in an
 * empty network namespace of its own): a changed comment replaces the key with a new pair, the
 * stored key never loses its halves, and stacks made with the create-only provider keep their
 * keys (or, where that provider already lost them, get new ones).
 */
describe("SshKey through the real engine", () => {
    const netns = `lvskey${process.pid}`;
    const ws = new Workspace("sshkey", netns);
    const keysFile = join(ws.dir, "keys.json");
    let project: string;

    interface Stored {
        id: string;
        comment?: string;
        privateKey?: string;
        publicKey?: string;
    }
    /** Each key's id and outputs in the state, secrets decrypted. */
    async function stored(): Promise<Record<string, Stored>> {
        const state = JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--show-secrets", "--stack", "t"]), "stack export").stdout);
        const out: Record<string, Stored> = {};
        for (const r of state.deployment.resources ?? []) {
            if (r.type !== "pulumi-nodejs:dynamic/lvs-lab:SshKey") continue;
            out[r.urn.split("::").pop()] = { id: r.id, comment: r.outputs.comment, privateKey: plain(r.outputs.privateKey), publicKey: r.outputs.publicKey };
        }
        return out;
    }
    /** A value of `stack export --show-secrets`: secrets stay wrapped, with their plaintext as JSON. */
    const plain = (v: unknown) => (v && typeof v === "object" && "plaintext" in v ? JSON.parse((v as { plaintext: string }).plaintext) : v);
    /** The operation `pulumi preview` plans per key that changes (its JSON lists no unchanged resource). */
    async function plan(keys: object): Promise<Record<string, string>> {
        writeFileSync(keysFile, JSON.stringify(keys));
        const r = ok(await ws.pulumi(project, ["preview", "--json", "--stack", "t"]), "preview");
        const steps = JSON.parse(r.stdout).steps as { op: string; urn: string }[];
        return Object.fromEntries(steps.filter((s) => s.op !== "same" && s.urn.split("::")[2] === "pulumi-nodejs:dynamic/lvs-lab:SshKey").map((s) => [s.urn.split("::").pop(), s.op]));
    }
    async function up(keys: object): Promise<Ran> {
        writeFileSync(keysFile, JSON.stringify(keys));
        return ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"]), "pulumi up");
    }
    /** Fails unless the key's halves are a pair OpenSSH reads, with this comment. */
    function expectPair(key: Stored, comment: string): void {
        expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
        expect(key.publicKey).toMatch(new RegExp(`^ssh-ed25519 AAAA\\S+ ${comment}$`));
        const file = join(ws.dir, "id_check");
        writeFileSync(file, key.privateKey!, { mode: 0o600 });
        expect(execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim().split(" ").slice(0, 2)).toEqual(key.publicKey!.split(" ").slice(0, 2));
    }

    beforeAll(async () => {
        // The engine compiles a program with ./tsconfig.json of the program's directory, else as
        // ES6, which is too old for the components: use the repository's.
        process.env.PULUMI_NODEJS_TSCONFIG_PATH = join(REPO, "tsconfig.json");
        execFileSync("ip", ["netns", "add", netns]);
        execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
        writeFileSync(keysFile, "{}");
        project = await ws.initProject(join(REPO, "test", "engine", "programs", "sshKeys.ts"), "t", {});
        ok(await ws.pulumi(project, ["config", "set", "--stack", "t", "keysFile", keysFile]), "config set keysFile");
    });
    afterAll(async () => {
        await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]);
        execFileSync("ip", ["netns", "delete", netns]);
        ws.remove();
    });

    it("a key made by the create-only provider is kept as it is: same id, same halves, nothing to do", async () => {
        await up({ a: { comment: "lvs-lab-one-client", legacy: true } });
        const before = (await stored()).a;
        expectPair(before, "lvs-lab-one-client");
        // The provider's code changed (it is an input of every dynamic resource); the key did not.
        expect(await plan({ a: { comment: "lvs-lab-one-client" } })).toEqual({});
        await up({ a: { comment: "lvs-lab-one-client" } });
        expect((await stored()).a).toEqual(before);
    });

    it("a changed comment replaces the key with a new pair; the state keeps both halves, the private one encrypted", async () => {
        const before = (await stored()).a;
        expect(await plan({ a: { comment: "lvs-lab-two-client" } })).toEqual({ a: "replace" });
        const r = await up({ a: { comment: "lvs-lab-two-client" } });
        expect(r.stdout).toMatch(/\+-\s*1 replaced/);
        const after = (await stored()).a;
        expect(after.id).not.toBe(before.id);
        expect(after.comment).toBe("lvs-lab-two-client");
        expectPair(after, "lvs-lab-two-client");
        expect(after.publicKey).not.toBe(before.publicKey);
        // No state file, checkpoint or backup holds the new private key's body in clear.
        const body = after.privateKey!.split("\n").slice(1, -2);
        expect(body.length).toBeGreaterThan(2);
        for (const file of files(ws.backend)) {
            const text = readFileSync(file, "utf8");
            for (const line of body) expect(text.includes(line), `${file} holds the private key in clear`).toBe(false);
        }
        expect(await plan({ a: { comment: "lvs-lab-two-client" } })).toEqual({});
    });

    it("a key the create-only provider already emptied (its comment changed in place) is replaced with a new pair", async () => {
        await up({ a: { comment: "lvs-lab-two-client" }, b: { comment: "lvs-lab-b1", legacy: true } });
        // The bug as it was: the create-only provider's update stores the inputs alone.
        const r = await up({ a: { comment: "lvs-lab-two-client" }, b: { comment: "lvs-lab-b2", legacy: true } });
        expect(r.stdout).toMatch(/~\s*1 updated/);
        const emptied = (await stored()).b;
        expect(emptied.privateKey).toBeUndefined();
        expect(emptied.publicKey).toBeUndefined();
        expect(await plan({ a: { comment: "lvs-lab-two-client" }, b: { comment: "lvs-lab-b2" } })).toEqual({ b: "replace" });
        await up({ a: { comment: "lvs-lab-two-client" }, b: { comment: "lvs-lab-b2" } });
        const repaired = (await stored()).b;
        expect(repaired.id).not.toBe(emptied.id);
        expectPair(repaired, "lvs-lab-b2");
    });
});
