import { z } from "zod";
import { CONFIG_NAMESPACE } from "./errors";
import { rawLabConfig } from "./schema";
import { kindOf } from "./suggest";

/**
 * How the program reads one top-level key's text from the engine. A key whose schema is a
 * string (`sshUser`) is the text itself: `pulumi config set lvs-lab:sshUser true` is the user
 * `true`. Any other key's value arrives as JSON text (a map or list set in the stack file or with
 * `--path`) and is parsed; text that is not JSON stays text, for the schema to reject.
 * @param key a top-level key, e.g. `service`.
 * @param text the engine's value.
 */
export function decodeConfigValue(key: string, text: string): unknown {
    const schema = (rawLabConfig.shape as Record<string, z.core.$ZodType>)[key];
    if (schema && kindOf(schema) === "string") return text;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Turns the engine's flat config map (`lvs-lab:service` → JSON text) into the raw object that
 * `parseLabConfig` validates. Every key of the namespace is kept, so typos are reported too.
 * @param all `pulumi.runtime.allConfig()`.
 */
export function rawConfigFrom(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(all)) {
        const [ns, name] = key.split(":", 2);
        if (ns !== CONFIG_NAMESPACE || !name) continue;
        raw[name] = decodeConfigValue(name, text);
    }
    return raw;
}

/**
 * The text of the namespace's secret config values: what `pulumi config set --secret` (with or
 * without `--path`) set, as the program must keep it out of clear text. The engine says only
 * which top-level keys hold a secret (`ha`, for `--secret --path ha.authPass`), so every string in
 * such a key counts: a secret key's whole text when it is a string or a number, else each string
 * in it. Numbers and booleans inside a map or list are left out: a value set with `--secret
 * --path` always arrives as a string, and a port or a flag would hide every step. Empty strings
 * hide nothing and are left out too.
 * @param all `pulumi.runtime.allConfig()`.
 * @param isSecret whether the engine holds a full key (`lvs-lab:ha`) as a secret.
 */
export function secretConfigValues(all: Record<string, string>, isSecret: (key: string) => boolean): string[] {
    const found = new Set<string>();
    const strings = (v: unknown): void => {
        if (typeof v === "string") found.add(v);
        // A list's values are its items.
        else if (v && typeof v === "object") Object.values(v).forEach(strings);
    };
    for (const [key, text] of Object.entries(all)) {
        const [ns, name] = key.split(":", 2);
        if (ns !== CONFIG_NAMESPACE || !name || !isSecret(key)) continue;
        const value = decodeConfigValue(name, text);
        if (value !== null && typeof value === "object") strings(value);
        else found.add(text);
    }
    found.delete("");
    return [...found];
}
