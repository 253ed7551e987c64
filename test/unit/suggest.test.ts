import { describe, expect, it } from "vitest";
import { z } from "zod";
import { labMeta } from "../../components/config/schema";
import { boundsOf, closest, editDistance, expectedOf, given, machineField, optionsOf, schemaAt, valueAt } from "../../components/config/suggest";

/** The pieces the config's messages and fixes are made of (components/config/suggest.ts). */
describe("what a value must be (expectedOf)", () => {
    it("says it from the schema's type, or the schema's own phrase", () => {
        expect(expectedOf(z.object({ a: z.string(), b: z.number().optional(), c: z.string().default("x") }))).toBe("a map with a and optionally b, c");
        expect(expectedOf(z.object({ a: z.string(), b: z.string() }))).toBe("a map with a, b");
        expect(expectedOf(z.object({ b: z.number().optional() }))).toBe("a map of b");
        expect(expectedOf(z.object({}))).toBe("a map");
        expect(expectedOf(z.enum(["dr", "nat"]))).toBe("one of dr, nat");
        expect(expectedOf(z.literal("tcp").optional())).toBe("one of tcp");
        expect(expectedOf(z.boolean())).toBe("true or false");
        expect(expectedOf(z.number())).toBe("a number");
        expect(expectedOf(z.array(z.string()))).toBe("a list");
        expect(expectedOf(z.string())).toBe("a string");
        expect(expectedOf(z.string().register(labMeta, { expected: "a host name" }).optional())).toBe("a host name");
    });

    it("knows an enum's options, a number's bounds and the schema at a key path", () => {
        expect(optionsOf(z.enum(["a", "b"]).default("a"))).toEqual(["a", "b"]);
        expect(optionsOf(z.literal(7))).toEqual(["7"]);
        expect(optionsOf(z.string())).toEqual([]);
        expect(boundsOf(z.number().min(1).max(5).optional())).toEqual({ minimum: 1, maximum: 5 });
        expect(schemaAt(["realServers", 0, "weight"])).toBeDefined();
        for (const path of [["nope"], ["realServers", "ip"], ["service", "vip", "deeper"], ["service", "vip", "deeper", "still"]]) expect(schemaAt(path), path.join(".")).toBeUndefined();
    });
});

describe("how a given value reads (given)", () => {
    it("quotes text, shows maps and lists as JSON, cuts long ones at 60 characters, and names nothing", () => {
        expect(given(undefined)).toBe("nothing");
        expect(given("DR")).toBe('"DR"');
        expect(given(3)).toBe("3");
        expect(given({ a: [1] })).toBe('{"a":[1]}');
        expect(given(() => 1)).toBe("() => 1");
        const long = "x".repeat(70);
        expect(given(long)).toBe(`"${"x".repeat(56)}...`);
        expect(given(long)).toHaveLength(60);
        expect(given("y".repeat(58))).toBe(`"${"y".repeat(58)}"`);
    });
});

describe("did you mean (editDistance, closest)", () => {
    it("counts insertions, deletions and substitutions", () => {
        expect(editDistance("kitten", "sitting")).toBe(3);
        expect(editDistance("", "abc")).toBe(3);
        expect(editDistance("abc", "")).toBe(3);
        expect(editDistance("abc", "abc")).toBe(0);
        expect(editDistance("ab", "ba")).toBe(2);
    });

    it("suggests the same word in another case, or one at most 2 edits (and half its length) away", () => {
        expect(closest("DR", ["dr", "nat"])).toBe("dr");
        expect(closest("servce", ["network", "service"])).toBe("service");
        expect(closest("sevrice", ["service"])).toBe("service");
        expect(closest("zzzzzz", ["service"])).toBeUndefined();
        expect(closest("ab", ["xy"])).toBeUndefined();
        expect(closest("rr", ["wrr", "lc"])).toBe("wrr");
        expect(closest("a", [])).toBeUndefined();
    });
});

describe("key paths in a raw config (machineField, valueAt)", () => {
    it("finds the machine a key is a field of, with the name a new one would get", () => {
        expect(machineField(["director", "ip"])).toEqual({ machine: ["director"], field: "ip", fallbackName: "director" });
        expect(machineField(["ha", "peers", 1, "name"])).toEqual({ machine: ["ha", "peers", 1], field: "name", fallbackName: "director" });
        expect(machineField(["realServers", 1, "ip"])).toEqual({ machine: ["realServers", 1], field: "ip", fallbackName: "rs" });
        expect(machineField(["tomcats", 0, "weight"])).toEqual({ machine: ["tomcats", 0], field: "weight", fallbackName: "tomcat" });
        expect(machineField(["nfs", "ip"])).toEqual({ machine: ["nfs"], field: "ip", fallbackName: "nfs" });
        expect(machineField(["client", "mac"])).toEqual({ machine: ["client"], field: "mac", fallbackName: "client" });
        for (const path of [["realServers", 1], ["director", "ip", "x"], ["service", "vip"], ["ha", "peers", "x", "ip"], ["realServers", "x", "ip"], ["nfs", 0], ["director"]]) {
            expect(machineField(path), path.join(".")).toBeUndefined();
        }
    });

    it("reads a value through maps and lists, and nothing through anything else", () => {
        const raw = { a: { b: [{ c: 1 }, null] }, s: "text" };
        expect(valueAt(raw, ["a", "b", 0, "c"])).toBe(1);
        expect(valueAt(raw, [])).toBe(raw);
        for (const path of [["a", "x", "c"], ["a", "b", 1, "c"], ["s", "length"], ["a", "b", 0, "c", "d"]]) expect(valueAt(raw, path), path.join(".")).toBeUndefined();
        expect(valueAt(null, ["a"])).toBeUndefined();
    });
});
