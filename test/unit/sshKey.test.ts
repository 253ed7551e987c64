import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { expect, it } from "vitest";
import { generateSshKey } from "../../components/remote";

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
