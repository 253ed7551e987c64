import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { generateSshKey, sshKeyProvider } from "../../components/remote";

it("generates ed25519 keys that OpenSSH reads, with matching halves", () => {
    const dir = mkdtempSync(join(tmpdir(), "lvs-lab-key-"));
    try {
        for (const comment of ["lvs-lab-client", "a", "lvs-lab-a-much-longer-comment-to-vary-padding"]) {
            const key = generateSshKey(comment);
            const file = join(dir, "id");
            writeFileSync(file, key.privateKey, { mode: 0o600 });
            // ssh-keygen -y derives the public key from the private file: both halves must agree.
            const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
            expect(derived.split(" ").slice(0, 2)).toEqual(key.publicKey.split(" ").slice(0, 2));
            expect(key.publicKey.endsWith(` ${comment}`)).toBe(true);
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

it("never returns the same key twice", () => {
    expect(generateSshKey("x").publicKey).not.toBe(generateSshKey("x").publicKey);
});

describe("the SshKey provider", () => {
    const key = generateSshKey("lvs-lab-a");
    const stored = { comment: "lvs-lab-a", ...key };

    it("replaces a key whose comment changed, and never updates one in place", async () => {
        expect(await sshKeyProvider.diff!("id", stored, { comment: "lvs-lab-b" })).toEqual({ changes: true, replaces: ["comment"], deleteBeforeReplace: false });
        expect(await sshKeyProvider.diff!("id", stored, { comment: "lvs-lab-a" })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("replaces a stored key that lost its halves", async () => {
        expect((await sshKeyProvider.diff!("id", { comment: "lvs-lab-a" }, { comment: "lvs-lab-a" })).replaces).toEqual(["comment"]);
    });

    it("keeps the stored pair through an update, and refuses an update that has no pair to keep", async () => {
        expect((await sshKeyProvider.update!("id", stored, { comment: "lvs-lab-a" })).outs).toEqual(stored);
        await expect(sshKeyProvider.update!("id", { comment: "lvs-lab-a" }, { comment: "lvs-lab-a" })).rejects.toThrow("no key material");
    });
});
