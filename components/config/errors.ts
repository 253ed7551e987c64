import { ConfigFix, fixLine } from "./fix";

/**
 * One problem found in the stack config: where it is, what was expected and what was given, and
 * the commands that fix it.
 */
export interface ConfigIssue {
    /** The key path inside the project's config namespace, as `--path` takes it, e.g. `realServers[1].ip`; empty for the whole config. */
    path: string;
    /** What is wrong, in one sentence that says what was expected and what was given. */
    message: string;
    /**
     * The commands that fix it, in order (see `fix.ts`). Run with every other issue's fix, in the
     * order the issues come, they leave a config that passes.
     */
    fix: readonly ConfigFix[];
}

/** The project's config namespace: `pulumi config set` keys default to it. */
export const CONFIG_NAMESPACE = "lvs-lab";

/** How messages name the whole config, whose key path is empty. */
export const WHOLE_CONFIG = "the lvs-lab config";

/**
 * Thrown before any resource is registered when the stack config is invalid.
 * The message lists every issue with its key path and the command that fixes it.
 */
export class LabConfigError extends Error {
    /** Every problem found: the schema's first, then the checks across keys, each once. */
    public readonly issues: readonly ConfigIssue[];

    constructor(issues: ConfigIssue[]) {
        const lines = issues.map((i) => `  - ${i.path || WHOLE_CONFIG}: ${i.message}${i.fix.length ? `\n    fix: ${fixLine(i.fix)}` : ""}`);
        super(`invalid lvs-lab stack config (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
        this.name = "LabConfigError";
        this.issues = issues;
    }
}
