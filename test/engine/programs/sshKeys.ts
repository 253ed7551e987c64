// An engine-test program: only SshKey resources, described by a JSON file (`keysFile`: name ->
// { comment, legacy? }), so a test can change them between runs of the real engine. `legacy`
// builds the key with the create-only provider that lvs-lab shipped before keys were replaced
// on a new comment (same resource type, so the same URN): the state existing stacks have.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { SshKey, generateSshKey } from "../../../components/remote";

interface KeySpec {
    comment: string;
    legacy?: boolean;
}

/** The provider before this change: `create` only, so the engine's update stored the inputs alone. */
const legacyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { comment: string }) {
        const key = generateSshKey(inputs.comment);
        return { id: `${inputs.comment}-${key.publicKey.split(" ")[1].slice(-16)}`, outs: { comment: inputs.comment, ...key } };
    },
};

class LegacySshKey extends pulumi.dynamic.Resource {
    declare public readonly privateKey: pulumi.Output<string>;
    declare public readonly publicKey: pulumi.Output<string>;

    constructor(name: string, comment: string) {
        super(legacyProvider, name, { comment, privateKey: undefined, publicKey: undefined }, { additionalSecretOutputs: ["privateKey"] }, "lvs-lab", "SshKey");
    }
}

const keys: Record<string, KeySpec> = JSON.parse(readFileSync(new pulumi.Config().require("keysFile"), "utf8"));
export const publicKeys: Record<string, pulumi.Output<string>> = {};
export const privateKeys: Record<string, pulumi.Output<string>> = {};
for (const [name, spec] of Object.entries(keys)) {
    const key = spec.legacy ? new LegacySshKey(name, spec.comment) : new SshKey(name, spec.comment);
    publicKeys[name] = key.publicKey;
    privateKeys[name] = key.privateKey;
}
