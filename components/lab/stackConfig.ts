import * as pulumi from "@pulumi/pulumi";
import { LabSpec, ParseOptions, parseLabConfig, rawConfigFrom, secretConfigValues } from "../config";

/**
 * Whether the engine holds a config key as a secret. `isConfigSecret` is in the SDK's runtime
 * (3.121) but not in its typings; without it secrets would silently lose their secrecy, so its
 * absence is an error.
 */
function isConfigSecret(key: string): boolean {
    const fn = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (typeof fn !== "function") throw new Error("@pulumi/pulumi has no runtime.isConfigSecret: cannot tell which config values are secrets");
    return fn(key);
}

/**
 * The stack's lab: its config validated (see `parseLabConfig`), with the values set as secrets
 * carried in `secrets`, so every step that holds one stays secret.
 * @param options how to check local files.
 */
export function labSpecFromStack(options: ParseOptions = {}): LabSpec {
    const all = pulumi.runtime.allConfig();
    const spec = parseLabConfig(rawConfigFrom(all), options);
    const secrets = secretConfigValues(all, isConfigSecret);
    return secrets.length ? { ...spec, secrets } : spec;
}
