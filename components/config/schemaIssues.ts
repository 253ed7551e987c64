import { z } from "zod";
import { ConfigIssue, WHOLE_CONFIG } from "./errors";
import { PathSegment, formatKeyPath, rmFix } from "./fix";
import { rawLabConfig } from "./schema";
import { Suggester, closest, expectedOf, given, schemaAt, shapeOf, unwrap } from "./suggest";

/**
 * The schema's issues with a raw config, each with what was expected, what was given and its
 * fix: one issue per key path, and one per unknown key.
 * @param raw the config as given.
 * @param suggest makes the fixes.
 */
export function schemaIssues(raw: unknown, suggest: Suggester): ConfigIssue[] {
    const parsed = rawLabConfig.safeParse(raw, { reportInput: true });
    if (parsed.success) return [];
    const issues: ConfigIssue[] = [];
    const seen = new Set<string>();
    const add = (issue: ConfigIssue) => {
        if (seen.has(issue.path)) return;
        seen.add(issue.path);
        issues.push(issue);
    };
    for (const issue of parsed.error.issues) {
        const path = issue.path.map((k) => (typeof k === "number" ? k : String(k))) as PathSegment[];
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) add(unknownKey(path, key));
            continue;
        }
        const key = formatKeyPath(path);
        // The schema reports issues only at its own keys (unknown keys are handled above).
        const expected = expectedOf(schemaAt(path)!);
        const input = (issue as { input?: unknown }).input;
        const message = input === undefined
            ? `is required (${expected})`
            : `${issue.message.startsWith("must") ? issue.message : `must be ${expected}`}; got ${given(input)}`;
        // The whole config is no map only when built in code (the engine's config always is one):
        // no `config` command fixes that.
        add({ path: key, message, fix: path.length ? suggest.fixFor(path, input) : [] });
    }
    return issues;
}

/** An unknown (often misspelt) key: what the map takes, the likely meant key, and its removal. */
function unknownKey(parent: PathSegment[], key: string): ConfigIssue {
    // The schema reports unknown keys only inside its own maps.
    const keys = Object.keys(shapeOf(schemaAt(parent)!));
    const meant = closest(key, keys);
    const where = parent.length ? formatKeyPath(parent) : WHOLE_CONFIG;
    return {
        path: formatKeyPath([...parent, key]),
        message: `is not a key of ${where}${meant ? ` (did you mean ${meant}?)` : ""}; its keys are ${keys.join(", ")}`,
        fix: [rmFix(formatKeyPath([...parent, key]))],
    };
}

/** A config with parts left out: what the schema accepted of a config that fails it. */
export type Loose<T> = T extends readonly (infer E)[] ? (Loose<E> | undefined)[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;

/**
 * What the schema accepts of a config, key by key: every valid value (defaults applied) is kept,
 * every invalid one left out, so the checks across keys still see everything valid.
 * @param schema the schema of this part.
 * @param value the raw value of this part.
 */
export function salvage(schema: z.core.$ZodType, value: unknown): unknown {
    const whole = z.safeParse(schema, value);
    if (whole.success) return whole.data;
    const { inner } = unwrap(schema);
    const def = inner._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    if (def.type === "object" && typeof value === "object" && value !== null && !Array.isArray(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(def.shape ?? {})) {
            const v = salvage(s, (value as Record<string, unknown>)[k]);
            if (v !== undefined) out[k] = v;
        }
        return out;
    }
    if (def.type === "array" && Array.isArray(value) && def.element) return value.map((v) => salvage(def.element!, v));
    return undefined;
}
