import { readFileSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CONFIG_TABLE_END, CONFIG_TABLE_START, configKeyDocs, configTable, readmeWithConfigTable } from "../../components/config/docs";

const README = join(__dirname, "..", "..", "README.md");

describe("the README's config table, generated from the schema", () => {
    it("is what npm run docs:config writes now", () => {
        const readme = readFileSync(README, "utf8");
        expect(readmeWithConfigTable(readme, configTable()) === readme, "stale config table: run `npm run docs:config` and commit README.md").toBe(true);
    });

    it("documents every key: each has a meaning, a type and a default", () => {
        const docs = configKeyDocs();
        expect(docs.length).toBeGreaterThan(80);
        for (const d of docs) {
            expect(d.meaning, `${d.key} has no .describe()`).not.toBe("");
            expect(d.type, d.key).not.toBe("");
            expect(d.default, d.key).not.toBe("");
        }
        expect(new Set(docs.map((d) => d.key)).size).toBe(docs.length);
    });

    it("shows types, defaults and computed defaults as the schema has them", () => {
        const byKey = new Map(configKeyDocs().map((d) => [d.key, d]));
        expect(byKey.get("service.persistence")).toEqual({ key: "service.persistence", type: "integer 0–2678400", default: "`0`", meaning: expect.stringContaining("0 turns persistence off") });
        expect(byKey.get("service.mode")?.type).toBe("`dr` \\| `nat` \\| `tun`");
        expect(byKey.get("service.ports")?.default).toBe("`[80]`");
        expect(byKey.get("network.gateway")?.default).toBe("first host address of `network.cidr`");
        expect(byKey.get("realServers[i].weight")).toMatchObject({ type: "integer 0–65535", default: "`1`" });
        expect(byKey.get("ha.natGateway.virtualRouterId")?.default).toBe("required");
        expect(byKey.get("machines.tomcat.memoryMiB")?.default).toBe("`768`");
        expect(byKey.get("client.mac")?.type).toBe("MAC");
    });

    it("a key without a description shows up empty, so the test above catches it", () => {
        const docs = configKeyDocs(z.object({ a: z.string().describe("A."), b: z.number().default(3) }));
        expect(docs).toEqual([
            { key: "a", type: "string", default: "required", meaning: "A." },
            { key: "b", type: "number", default: "`3`", meaning: "" },
        ]);
    });

    it("tables any schema: types without a registered name from the schema itself, described sections and lists of maps as rows, the root and undescribed maps as none, cells escaped", () => {
        const schema = z
            .object({
                flag: z.boolean().default(false).describe("F."),
                names: z.array(z.string()).default([]).describe("N."),
                mode: z.enum(["x", "y"]).describe("M."),
                fixed: z.literal("z").optional().describe("L."),
                count: z.number().describe("C."),
                section: z.object({ inner: z.string().default("v").describe("I | J\nK.") }).describe("S."),
                plain: z.object({ inner: z.string().describe("P.") }),
                items: z.array(z.object({ k: z.string().describe("K.") })).describe("LM."),
            })
            .describe("Root.");
        expect(configTable(schema).split("\n")).toEqual([
            "| key | type | default | meaning |",
            "|---|---|---|---|",
            "| `flag` | boolean | `false` | F. |",
            "| `names` | list | `[]` | N. |",
            "| `mode` | `x` \\| `y` | required | M. |",
            "| `fixed` | `z` | — | L. |",
            "| `count` | number | required | C. |",
            "| `section` | map | required | S. |",
            "| `section.inner` | string | `v` | I \\| J K. |",
            "| `plain.inner` | string | required | P. |",
            "| `items` | list of maps | required | LM. |",
            "| `items[i].k` | string | required | K. |",
        ]);
    });

    it("replaces only the region between the markers, and refuses a README without them", () => {
        const readme = `before\n${CONFIG_TABLE_START}\nold\n${CONFIG_TABLE_END}\nafter\n`;
        expect(readmeWithConfigTable(readme, "| t |")).toBe(
            `before\n${CONFIG_TABLE_START}\n<!-- generated from components/config/schema.ts by npm run docs:config; edit the schema, not this table -->\n\n| t |\n\n${CONFIG_TABLE_END}\nafter\n`,
        );
        expect(() => readmeWithConfigTable("no markers", "| t |")).toThrow("README.md lacks the config table markers <!-- config-table:start --> ... <!-- config-table:end -->");
        expect(() => readmeWithConfigTable(`a\n${CONFIG_TABLE_START}\nold\n`, "| t |")).toThrow("README.md lacks the config table markers");
        expect(() => readmeWithConfigTable(`a\nold\n${CONFIG_TABLE_END}\n`, "| t |")).toThrow("README.md lacks the config table markers");
        // The end marker counts only after the start marker.
        expect(() => readmeWithConfigTable(`${CONFIG_TABLE_END}\n${CONFIG_TABLE_START}\n`, "| t |")).toThrow("README.md lacks the config table markers");
        expect(readmeWithConfigTable(`${CONFIG_TABLE_START}\n${CONFIG_TABLE_END}\n`, "| t |")).toMatch(/^<!-- config-table:start -->\n/);
    });
});
