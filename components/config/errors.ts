/**
 * One problem found in the stack config: where it is, what is wrong, and the command that fixes it.
 */
export interface ConfigIssue {
    /** The key path inside the project's config namespace, e.g. `realServers[1].ip`. */
    path: string;
    /** What is wrong, in one sentence. */
    message: string;
    /** A value that would be accepted, used to print the `pulumi config set --path` fix. */
    example?: string;
}

/** The project's config namespace: `pulumi config set` keys default to it. */
export const CONFIG_NAMESPACE = "lvs-lab";

/** Renders the `pulumi config set --path` command that fixes an issue. */
export function fixCommand(issue: ConfigIssue): string {
    const value = issue.example ?? "<value>";
    return `pulumi config set --path '${CONFIG_NAMESPACE}:${issue.path}' ${value}`;
}

/**
 * Thrown before any resource is registered when the stack config is invalid.
 * The message lists every issue with its key path and the command that fixes it.
 */
export class LabConfigError extends Error {
    /** Every problem found, in config order. */
    public readonly issues: readonly ConfigIssue[];

    constructor(issues: ConfigIssue[]) {
        const lines = issues.map((i) => `  - ${i.path}: ${i.message}\n    fix: ${fixCommand(i)}`);
        super(`invalid lvs-lab stack config (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
        this.name = "LabConfigError";
        this.issues = issues;
    }
}
