import { z } from "zod";
import { Allocator } from "./allocate";
import { ConfigFix, PathSegment, formatKeyPath, rmFix, setFix } from "./fix";
import { Cidr, formatCidr, isIpv4 } from "./ipv4";
import { nearestIpv6Cidr } from "./ipv6";
import { DEFAULT_IMAGE, DEFAULT_VIRTUAL_ROUTER_ID, LabMeta, labMeta, rawLabConfig } from "./schema";

type Schema = z.core.$ZodType;
type Def = { type: string; innerType?: Schema; shape?: Record<string, Schema>; element?: Schema; entries?: Record<string, string>; values?: unknown[] };

const defOf = (s: Schema): Def => s._zod.def as unknown as Def;
const WRAPPERS = ["optional", "default", "prefault", "nullable"];

/** A schema under its wrappers, and what the wrappers say. */
export interface Unwrapped {
    /** The schema under `.optional()`, `.default()`, `.prefault()` and `.nullable()`, which keep the value's type. */
    inner: Schema;
    /** The key may be absent: it is optional or has a default. */
    omittable: boolean;
    /** The key has a default (so removing it restores a value). */
    hasDefault: boolean;
    /** The lab's metadata, the outermost wrapper's first. */
    meta: LabMeta;
    /** The `.describe()` text, if any. */
    description?: string;
}

/** Looks under a schema's wrappers. */
export function unwrap(schema: Schema): Unwrapped {
    let s = schema;
    let omittable = false;
    let hasDefault = false;
    let meta: LabMeta = {};
    let description: string | undefined;
    for (;;) {
        meta = { ...(labMeta.get(s) ?? {}), ...meta };
        description ??= z.globalRegistry.get(s)?.description;
        const def = defOf(s);
        if (!WRAPPERS.includes(def.type) || !def.innerType) break;
        if (def.type === "optional") omittable = true;
        if (def.type === "default" || def.type === "prefault") omittable = hasDefault = true;
        s = def.innerType;
    }
    return { inner: s, omittable, hasDefault, meta, description };
}

/** The type name of a schema under its wrappers: `object`, `array`, `string`, `number`, `enum`, ... */
export function kindOf(schema: Schema): string {
    return defOf(unwrap(schema).inner).type;
}

/** An object schema's keys and their schemas. */
export function shapeOf(schema: Schema): Record<string, Schema> {
    return defOf(unwrap(schema).inner).shape ?? {};
}

/** A list schema's element schema. */
export function elementOf(schema: Schema): Schema | undefined {
    return defOf(unwrap(schema).inner).element;
}

/** The values an enum or literal schema takes. */
export function optionsOf(schema: Schema): string[] {
    const def = defOf(unwrap(schema).inner);
    if (def.entries) return Object.values(def.entries);
    if (def.values) return def.values.map(String);
    return [];
}

/** A number or list schema's bounds (`minimum`/`maximum` of zod's bag). */
export function boundsOf(schema: Schema): { minimum?: number; maximum?: number } {
    const bag = unwrap(schema).inner._zod.bag as { minimum?: number; maximum?: number };
    return { minimum: bag.minimum, maximum: bag.maximum };
}

/**
 * The schema of a key path, or undefined when the schema has no such key.
 * @param path e.g. `["realServers", 1, "ip"]`.
 */
export function schemaAt(path: readonly PathSegment[], root: Schema = rawLabConfig): Schema | undefined {
    let s: Schema | undefined = root;
    for (const seg of path) {
        if (!s) return undefined;
        s = typeof seg === "number" ? elementOf(s) : shapeOf(s)[seg];
    }
    return s;
}

/** What a value must be, after "must be": the schema's own phrase, or one made from its type. */
export function expectedOf(schema: Schema): string {
    const { inner, meta } = unwrap(schema);
    if (meta.expected) return meta.expected;
    const def = defOf(inner);
    switch (def.type) {
        case "object": {
            const keys = Object.entries(def.shape ?? {});
            const required = keys.filter(([, s]) => !unwrap(s).omittable).map(([k]) => k);
            const optional = keys.filter(([, s]) => unwrap(s).omittable).map(([k]) => k);
            const req = required.length ? `a map with ${required.join(", ")}` : "a map";
            return optional.length ? `${req}${required.length ? " and optionally" : " of"} ${optional.join(", ")}` : req;
        }
        case "enum":
        case "literal":
            return `one of ${optionsOf(inner).join(", ")}`;
        case "boolean":
            return "true or false";
        case "number":
            return "a number";
        case "array":
            return "a list";
        default:
            return "a string";
    }
}

/** How a given value reads in a message: strings quoted, maps and lists as JSON, long ones cut. */
export function given(value: unknown): string {
    if (value === undefined) return "nothing";
    // JSON quotes a string; a function or a symbol has no JSON.
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Edit distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = cur;
        }
    }
    return row[b.length];
}

/** The option closest to a mistyped value: the same but for case, or at most 2 edits away. */
export function closest(value: string, options: readonly string[]): string | undefined {
    // The same but for case is 0 edits away from the lowercased value.
    const lower = value.toLowerCase();
    const ranked = options.map((o) => ({ o, d: editDistance(lower, o.toLowerCase()) })).sort((x, y) => x.d - y.d);
    return ranked.length && ranked[0].d <= Math.min(2, Math.floor(ranked[0].o.length / 2)) ? ranked[0].o : undefined;
}

/** The keys of the config that hold one machine, with the name a new one of them would get. */
const MACHINE_KEYS: { match: (p: readonly PathSegment[]) => number; name: string }[] = [
    { match: (p) => (p[0] === "director" ? 1 : 0), name: "director" },
    { match: (p) => (p[0] === "ha" && p[1] === "peers" && typeof p[2] === "number" ? 3 : 0), name: "director" },
    { match: (p) => (p[0] === "realServers" && typeof p[1] === "number" ? 2 : 0), name: "rs" },
    { match: (p) => (p[0] === "tomcats" && typeof p[1] === "number" ? 2 : 0), name: "tomcat" },
    { match: (p) => (p[0] === "nfs" ? 1 : 0), name: "nfs" },
    { match: (p) => (p[0] === "client" ? 1 : 0), name: "client" },
];

/** The machine a key path is a field of: its key path and the field, e.g. `realServers[1]` and `ip`. */
export function machineField(path: readonly PathSegment[]): { machine: PathSegment[]; field: string; fallbackName: string } | undefined {
    for (const m of MACHINE_KEYS) {
        const n = m.match(path);
        if (n && path.length === n + 1 && typeof path[n] === "string") return { machine: path.slice(0, n), field: path[n] as string, fallbackName: m.name };
    }
    return undefined;
}

/** Reads a key path from a raw config; undefined when any step is missing. */
export function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
    let v: unknown = raw;
    for (const seg of path) {
        if (typeof v !== "object" || v === null) return undefined;
        v = (v as Record<PropertyKey, unknown>)[seg];
    }
    return v;
}

const asNumber = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, "1": true, false: false, no: false, off: false, "0": false };

/**
 * Makes the fixes: for any key path, commands that put a valid value there which no other key
 * uses (see `Allocator`), written as the CLI needs them (a list or map is built key by key).
 */
export class Suggester {
    private readonly ports = new Set<number>();
    private readonly exports = new Set<string>();

    /**
     * @param raw the config as given.
     * @param cidr the network the lab has once its fixes are applied.
     * @param alloc hands out the free values.
     */
    constructor(public readonly raw: Record<string, unknown>, public readonly cidr: Cidr, public readonly alloc: Allocator) {
        const ports = valueAt(raw, ["service", "ports"]);
        if (Array.isArray(ports)) for (const p of ports) if (typeof p === "number") this.ports.add(p);
        const exports = valueAt(raw, ["nfs", "exports"]);
        if (Array.isArray(exports)) for (const e of exports) if (typeof e === "string") this.exports.add(e);
    }

    /** True when the machine at that key path takes its MAC from its address (it sets none). */
    derivesMac(machine: readonly PathSegment[]): boolean {
        return valueAt(this.raw, [...machine, "mac"]) === undefined;
    }

    /** A free address for a machine. */
    machineIp(machine: readonly PathSegment[]): string | undefined {
        return this.alloc.ip(formatKeyPath([...machine, "ip"]), 200, this.derivesMac(machine));
    }

    /** A free service port for a `service.ports[i]` key: not sshd's and not in the list. */
    servicePort(key: string): number {
        return this.alloc.port(key, undefined, this.ports);
    }

    /**
     * The fix for a key whose value the schema rejects, or which is missing.
     * @param path the key path.
     * @param input the value given; undefined when the key is missing.
     */
    fixFor(path: readonly PathSegment[], input: unknown): ConfigFix[] {
        const key = formatKeyPath(path);
        const schema = schemaAt(path);
        if (!schema) return [rmFix(key)];
        const { inner, omittable } = unwrap(schema);
        const kind = defOf(inner).type;
        if (kind !== "object" && kind !== "array") return this.leafFix(path, input, schema);
        const present = input !== undefined;
        const rightKind = kind === "array" ? Array.isArray(input) : typeof input === "object" && input !== null && !Array.isArray(input);
        if (present && !rightKind && typeof path[path.length - 1] === "number") {
            // A list item that is no map: the CLI cannot turn it into one, so it goes.
            return [rmFix(key)];
        }
        if (kind === "array" && present && !rightKind) {
            const element = elementOf(schema)!;
            if (z.safeParse(element, input).success && typeof input !== "object") return [rmFix(key), setFix(formatKeyPath([...path, 0]), String(input))];
        }
        const clear = present && !rightKind ? [rmFix(key)] : [];
        if (omittable && present && !rightKind) return clear;
        return [...clear, ...this.fill(path, schema)];
    }

    /** Commands that create a missing key with everything it requires. */
    fill(path: readonly PathSegment[], schema: Schema): ConfigFix[] {
        const { inner } = unwrap(schema);
        const def = defOf(inner);
        if (def.type === "object") {
            return Object.entries(def.shape ?? {}).filter(([, s]) => !unwrap(s).omittable).flatMap(([k, s]) => this.fill([...path, k], s));
        }
        if (def.type === "array") {
            return (boundsOf(inner).minimum ?? 0) >= 1 && def.element ? this.fill([...path, 0], def.element) : [];
        }
        return this.leafFix(path, undefined, schema);
    }

    /** The fix of one value (not a map or list). */
    leafFix(path: readonly PathSegment[], input: unknown, schema: Schema): ConfigFix[] {
        const key = formatKeyPath(path);
        const { inner, omittable, meta } = unwrap(schema);
        const machine = machineField(path);
        if (machine?.field === "ip") return this.setOrNothing(key, this.machineIp(machine.machine));
        if (machine?.field === "name") return [setFix(key, this.alloc.name(key, input, machine.fallbackName))];
        if (machine?.field === "mac") return [setFix(key, this.alloc.mac(key))];
        if (machine?.field === "priority") return [setFix(key, this.alloc.priority(key, asNumber(input) ?? 140))];
        if (key === "service.vip") return this.setOrNothing(key, this.alloc.ip(key, 100, false));
        if (key === "ha.natGateway.ip") return this.setOrNothing(key, this.alloc.ip(key, 254, false));
        if (key === "network.cidr") return [setFix(key, formatCidr(this.cidr))];
        if (key === "network.ipv6Cidr") {
            // Optional: with nothing to go on, the lab goes IPv4 only.
            const near = nearestIpv6Cidr(input);
            return near ? [setFix(key, near)] : [rmFix(key)];
        }
        if (key === "network.name") {
            const clean = (typeof input === "string" ? input : "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 11);
            return [setFix(key, clean || (meta.example as string))];
        }
        if (key === "image.source") return [setFix(key, DEFAULT_IMAGE)];
        if (key === "ha.virtualRouterId" || key === "ha.natGateway.virtualRouterId") return [setFix(key, this.alloc.routerId(key, asNumber(input) ?? DEFAULT_VIRTUAL_ROUTER_ID))];
        if (path[0] === "service" && path[1] === "ports" && typeof path[2] === "number") return [setFix(key, this.alloc.port(key, asNumber(input), this.ports))];
        if (path[0] === "nfs" && path[1] === "exports" && typeof path[2] === "number") {
            return [setFix(key, this.alloc.unique(key, (n) => `/srv/export${n}`, this.exports))];
        }
        const def = defOf(inner);
        if (def.type === "number") {
            const n = asNumber(input);
            const { minimum = 0, maximum = Number.MAX_SAFE_INTEGER } = boundsOf(inner);
            if (n !== undefined) {
                // The nearest value the key takes: whole, or in hundredths where it takes those
                // (only ha.advertInterval does, and only with VRRPv3; rounding to hundredths is
                // never further than rounding to a whole number).
                const whole = Math.min(Math.max(Math.round(n), Math.ceil(minimum)), Math.floor(maximum));
                const hundredths = Math.min(Math.max(Math.round(n * 100) / 100, minimum), maximum);
                const fine = valueAt(this.raw, ["ha", "vrrpVersion"]) === 3 && z.safeParse(inner, hundredths).success;
                return [setFix(key, fine ? hundredths : whole)];
            }
            return omittable ? [rmFix(key)] : [setFix(key, minimum)];
        }
        if (def.type === "enum" || def.type === "literal") {
            const options = optionsOf(inner);
            const near = typeof input === "string" ? closest(input, options) : undefined;
            if (near) return [setFix(key, near)];
            return omittable ? [rmFix(key)] : [setFix(key, options[0])];
        }
        if (def.type === "boolean") {
            const word = BOOLEAN_WORDS[String(input).toLowerCase()];
            if (word !== undefined) return [setFix(key, word)];
            return omittable ? [rmFix(key)] : [setFix(key, true)];
        }
        if (omittable) return [rmFix(key)];
        return [setFix(key, meta.example ?? "x")];
    }

    private setOrNothing(key: string, value: string | undefined): ConfigFix[] {
        return value === undefined ? [] : [setFix(key, value)];
    }
}

/** True when a value is a valid IPv4 address string. */
export const ipString = (v: unknown): v is string => typeof v === "string" && isIpv4(v);
