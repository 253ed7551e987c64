import { readdirSync, readFileSync } from "fs";
import { load } from "js-yaml";
import { join } from "path";
import { CONFIG_NAMESPACE } from "../components/config";

/** Directory of the stack files. */
export const STACKS_DIR = join(__dirname, "..", "stacks");

/** Names of the stacks in stacks/ (Pulumi.<name>.yaml). */
export function stackNames(): string[] {
    return readdirSync(STACKS_DIR)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((n): n is string => n !== undefined)
        .sort();
}

/** A stack file's project config with the namespace stripped, as index.ts reads it. */
export function loadStackConfig(name: string): Record<string, unknown> {
    const doc = load(readFileSync(join(STACKS_DIR, `Pulumi.${name}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const [ns, rest] = key.split(":");
        if (ns === CONFIG_NAMESPACE && rest) out[rest] = value;
    }
    return out;
}
