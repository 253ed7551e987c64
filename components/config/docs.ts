import { z } from "zod";
import { formatKeyPath, PathSegment } from "./fix";
import { rawLabConfig } from "./schema";
import { optionsOf, unwrap } from "./suggest";

/** One row of the README's config table. */
export interface ConfigKeyDoc {
    /** The key path, with `[i]` for any list item, e.g. `realServers[i].weight`. */
    key: string;
    /** The short type, e.g. `integer 0–65535` or `dr` \| `nat` \| `tun`. */
    type: string;
    /** The default: a value, a rule (`first host address of network.cidr`), `required` or `—`. */
    default: string;
    /** What the key means, from the schema's `.describe()`. */
    meaning: string;
}

type Schema = z.core.$ZodType;

const code = (v: string) => `\`${v}\``;

/** How a default value reads in the table. */
function defaultText(schema: Schema): string {
    const value = z.safeParse(schema, undefined).data;
    return code(typeof value === "string" ? value : JSON.stringify(value));
}

/** The short type of a schema that is no map. */
function typeText(schema: Schema): string {
    const { inner, meta } = unwrap(schema);
    if (meta.type) return meta.type;
    const def = inner._zod.def as { type: string };
    if (def.type === "enum" || def.type === "literal") return optionsOf(inner).map(code).join(" \\| ");
    if (def.type === "boolean") return "boolean";
    if (def.type === "number") return "number";
    if (def.type === "array") return "list";
    return "string";
}

/**
 * Every key of the config, in schema order, with its type, default and meaning: sections (maps
 * with a description) and lists get a row, and so does every key inside them.
 * @param schema the schema to walk; the whole config by default.
 */
export function configKeyDocs(schema: Schema = rawLabConfig, path: PathSegment[] = []): ConfigKeyDoc[] {
    const rows: ConfigKeyDoc[] = [];
    const { inner, omittable, hasDefault, meta, description } = unwrap(schema);
    const def = inner._zod.def as { type: string; shape?: Record<string, Schema>; element?: Schema };
    const key = formatKeyPath(path).replace(/\[-1\]/g, "[i]");
    const isMap = def.type === "object";
    const listOfMaps = def.type === "array" && unwrap(def.element!).inner._zod.def.type === "object";
    if (path.length > 0 && (description || !isMap)) {
        const dflt = !omittable ? "required" : meta.derivedDefault ?? (hasDefault ? (isMap ? "each key's default" : defaultText(schema)) : "—");
        rows.push({ key, type: isMap ? "map" : listOfMaps ? "list of maps" : typeText(schema), default: dflt, meaning: description ?? "" });
    }
    // Only a map has a shape.
    for (const [k, s] of Object.entries(def.shape ?? {})) rows.push(...configKeyDocs(s, [...path, k]));
    if (listOfMaps) rows.push(...configKeyDocs(def.element!, [...path, -1]));
    return rows;
}

/**
 * The README's config table, generated from the schema (`npm run docs:config`).
 * @param schema the schema to table; the whole config by default.
 */
export function configTable(schema: Schema = rawLabConfig): string {
    const escape = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    const lines = configKeyDocs(schema).map((r) => `| ${code(r.key)} | ${r.type} | ${r.default} | ${escape(r.meaning)} |`);
    return ["| key | type | default | meaning |", "|---|---|---|---|", ...lines].join("\n");
}

/** The markers around the generated table in README.md. */
export const CONFIG_TABLE_START = "<!-- config-table:start -->";
export const CONFIG_TABLE_END = "<!-- config-table:end -->";

/**
 * README.md with the region between the config table markers replaced by `table`.
 * @param readme the current README text; must hold both markers.
 * @param table the table, e.g. `configTable()`.
 */
export function readmeWithConfigTable(readme: string, table: string): string {
    const start = readme.indexOf(CONFIG_TABLE_START);
    const end = readme.indexOf(CONFIG_TABLE_END, start);
    if (start < 0 || end < 0) throw new Error(`README.md lacks the config table markers ${CONFIG_TABLE_START} ... ${CONFIG_TABLE_END}`);
    return `${readme.slice(0, start)}${CONFIG_TABLE_START}\n<!-- generated from components/config/schema.ts by npm run docs:config; edit the schema, not this table -->\n\n${table}\n\n${readme.slice(end)}`;
}
