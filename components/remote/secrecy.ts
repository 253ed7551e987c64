import * as pulumi from "@pulumi/pulumi";

/*
 * Secrecy of the config's secret values (`LabSpec.secrets`, what `pulumi config set --secret` set)
 * wherever they flow: a value whose text holds one is a secret, in every resource input, every
 * component and stack output, and every command's text and output.
 */

/** Whether a text holds any of the secret values. */
export function holdsSecret(text: string, secrets: readonly string[] = []): boolean {
    return secrets.some((s) => s !== "" && text.includes(s));
}

/** A value's text, for `holdsSecret`: a string itself, anything else as JSON (every string in a map or list). */
function textOf(value: unknown): string {
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/** Whether a value is, or holds in a map or list, an output or a promise: known only later. */
function pending(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (Array.isArray(value)) return value.some(pending);
    if (value !== null && typeof value === "object") return Object.values(value).some(pending);
    return false;
}

/**
 * The one helper for every value outside the remote steps: `value` as an output that is a secret
 * when its text holds any of `secrets` (decided once it is known), else as it was.
 * @param value a plain value, or an output (e.g. a step's stdout).
 * @param secrets the config's secret values.
 */
export function secretWhereHeld<T>(value: pulumi.Input<T>, secrets: readonly string[] = []): pulumi.Output<T> {
    const live = secrets.filter((s) => s !== "");
    if (live.length === 0) return pulumi.output(value) as pulumi.Output<T>;
    if (!pending(value)) {
        const resolved = pulumi.output(value) as pulumi.Output<T>;
        return holdsSecret(textOf(value), live) ? (pulumi.secret(resolved) as pulumi.Output<T>) : resolved;
    }
    return (pulumi.output(value) as pulumi.Output<T>).apply((v) => (holdsSecret(textOf(v), live) ? pulumi.secret(v) : v)) as pulumi.Output<T>;
}

/**
 * A transformation that keeps every resource input under a component secret when it holds a
 * secret value (through `secretWhereHeld`): libvirt's names, cloud-init documents, network and
 * pool settings, SSH key comments, command text. Inputs the engine adds itself (`__provider`, a
 * dynamic resource's serialised code) hold no config and are left alone.
 * @param secrets the config's secret values.
 */
export function secretInputs(secrets: readonly string[] = []): pulumi.ResourceTransformation {
    return ({ props, opts }) => {
        if (!secrets.some((s) => s !== "")) return undefined;
        const wrapped: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(props)) wrapped[key] = key.startsWith("__") || value === undefined ? value : secretWhereHeld(value as pulumi.Input<unknown>, secrets);
        return { props: wrapped, opts };
    };
}
