import { CONFIG_NAMESPACE } from "./errors";

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
        raw[name] = parseValue(text);
    }
    return raw;
}

/** Structured values arrive as JSON text, plain values as the string itself. */
function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
