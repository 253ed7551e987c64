import * as pulumi from "@pulumi/pulumi";

/** An ed25519 key pair in OpenSSH formats. */
export interface SshKeyMaterial {
    /** `-----BEGIN OPENSSH PRIVATE KEY-----` block (unencrypted). */
    privateKey: string;
    /** `ssh-ed25519 AAAA... comment` line. */
    publicKey: string;
}

/**
 * Generates an ed25519 key pair in OpenSSH formats with Node's crypto, no external tool.
 * Kept self-contained (it requires its own modules) because a dynamic provider's functions are
 * serialised into the stack state.
 * @param comment the comment stored in both halves.
 */
export function generateSshKey(comment: string): SshKeyMaterial {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("crypto") as typeof import("crypto");
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const jwkPub = publicKey.export({ format: "jwk" }) as { x: string };
    const jwkPriv = privateKey.export({ format: "jwk" }) as { d: string };
    const pub = Buffer.from(jwkPub.x, "base64url");
    const seed = Buffer.from(jwkPriv.d, "base64url");
    const u32 = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(n);
        return b;
    };
    const str = (b: Buffer | string) => {
        const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
        return Buffer.concat([u32(buf.length), buf]);
    };
    const pubBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
    const check = crypto.randomBytes(4);
    let secret = Buffer.concat([check, check, str("ssh-ed25519"), str(pub), str(Buffer.concat([seed, pub])), str(comment)]);
    // openssh-key-v1 pads the private section to the cipher block size (8 for "none") with 1, 2, 3...
    const pad = (8 - (secret.length % 8)) % 8;
    secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
    const body = Buffer.concat([Buffer.from("openssh-key-v1\0"), str("none"), str("none"), str(""), u32(1), str(pubBlob), str(secret)]);
    const b64 = body.toString("base64").replace(/.{1,70}/g, "$&\n");
    return {
        privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
        publicKey: `ssh-ed25519 ${pubBlob.toString("base64")} ${comment}`,
    };
}

/** What the stack state holds for a key: the comment it was made with and both halves. */
interface SshKeyState extends Partial<SshKeyMaterial> {
    comment?: string;
}

/** Whether a stored key still has both halves (an earlier in-place update could drop them). */
function hasKeyMaterial(olds: SshKeyState): boolean {
    return typeof olds.privateKey === "string" && olds.privateKey !== "" && typeof olds.publicKey === "string" && olds.publicKey !== "";
}

/**
 * The key's provider. A key is never edited: its comment is part of both halves, so a new
 * comment is a new key (a replacement), and nothing else about it can change. `update` exists
 * only so that an update the engine still asks for (a `diff` from code before this one) keeps
 * the stored key: without it the dynamic provider stores the inputs alone and the key is lost.
 */
export const sshKeyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { comment: string }) {
        const key = generateSshKey(inputs.comment);
        return { id: `${inputs.comment}-${key.publicKey.split(" ")[1].slice(-16)}`, outs: { comment: inputs.comment, ...key } };
    },
    async diff(_id: string, olds: SshKeyState, news: { comment: string }) {
        // A state whose halves were lost (by the create-only provider this replaces) is replaced too.
        const replaces = olds.comment !== news.comment || !hasKeyMaterial(olds) ? ["comment"] : [];
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async update(_id: string, olds: SshKeyState, news: { comment: string }) {
        if (!hasKeyMaterial(olds)) throw new Error("the stored key has no key material; it must be replaced, not updated");
        return { outs: { comment: olds.comment ?? news.comment, privateKey: olds.privateKey, publicKey: olds.publicKey } };
    },
};

/**
 * An ed25519 key pair kept in the stack state: generated once, stable across runs, the private
 * half a secret. Used for the lab's client key and every guest's host key, so SSH host keys are
 * pinned from the first connection (no trust on first use). Needs no provider plugin. A changed
 * comment replaces the key (a new pair); nothing updates a key in place.
 */
export class SshKey extends pulumi.dynamic.Resource {
    // `declare`: a plain field declaration would reset what super() set (ES2022 define semantics).
    declare public readonly privateKey: pulumi.Output<string>;
    declare public readonly publicKey: pulumi.Output<string>;

    /**
     * @param name resource name.
     * @param comment the key comment (changing it replaces the key with a new pair).
     * @param secretComment the comment holds a secret value: it and the public key, which holds
     *   it, are secrets too (the private key always is).
     */
    constructor(name: string, comment: string, opts?: pulumi.CustomResourceOptions, secretComment = false) {
        const secretOutputs = ["privateKey", ...(secretComment ? ["publicKey", "comment"] : [])];
        super(sshKeyProvider, name, { comment: secretComment ? pulumi.secret(comment) : comment, privateKey: undefined, publicKey: undefined }, { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretOutputs] }, "lvs-lab", "SshKey");
    }
}
