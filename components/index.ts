/**
 * lvs-lab's public entry point: the config model, the renderers and the components.
 * Build a lab from code with `new LvsDrCluster(name, { spec: parseLabConfig(raw) })`.
 */
export * from "./config";
export * from "./lab";
export * from "./plan";
export * as render from "./render";
