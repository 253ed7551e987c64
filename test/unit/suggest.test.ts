import { describe, expect, it } from "vitest";
import { z } from "zod";
import { labMeta } from "../../components/config/schema";
import { allocatorFor } from "../../components/config/checks";
import { PathSegment, fixLine } from "../../components/config/fix";
import { macFor, parseCidr } from "../../components/config/ipv4";
import { Suggester, boundsOf, closest, editDistance, expectedOf, given, machineField, optionsOf, schemaAt, valueAt } from "../../components/config/suggest";
import { loadStackConfig } from "../stacks";

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
        expect(boundsOf(schemaAt(["realServers", 0, "weight"])!)).toEqual({ minimum: 0, maximum: 65535 });
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

describe("the fix printed for a bad or missing value (Suggester)", () => {
    /** The ha stack with an NFS server whose second export is no path, and ports 80, 8080 and one that is no number. */
    const raw = (): Record<string, any> => {
        const r = structuredClone(loadStackConfig("ha")) as Record<string, any>;
        r.nfs = { name: "nfs", ip: "192.168.169.70", exports: ["/srv/export1", 7] };
        r.service.ports = [80, 8080, "x"];
        return r;
    };
    const cidr = parseCidr("192.168.169.0/24")!;
    const fixOf = (path: PathSegment[], input: unknown) => {
        const r = raw();
        return fixLine(new Suggester(r, cidr, allocatorFor(r, cidr)).fixFor(path, input));
    };
    const set = (key: string, value: string) => `npm run lab -- config set --path ${key} ${value}`;
    const rm = (key: string) => `npm run lab -- config rm --path ${key}`;

    it.each<[PathSegment[], unknown, string]>([
        // Options: the same but for case, else removed where a default applies.
        [["service", "mode"], "DR", set("service.mode", "dr")],
        [["service", "mode"], "zz", rm("service.mode")],
        [["service", "scheduler"], "WRR", set("service.scheduler", "wrr")],
        [["service", "protocol"], 5, rm("service.protocol")],
        [["service", "healthCheck", "type"], "HTTPS", set("service.healthCheck.type", "http")],
        // Booleans: the words people write for them.
        ...(["yes", "On", "1", "TRUE"] as const).map((w): [PathSegment[], unknown, string] => [["ha", "nopreempt"], w, set("ha.nopreempt", "true")]),
        ...(["no", "OFF", "0", "false"] as const).map((w): [PathSegment[], unknown, string] => [["ha", "nopreempt"], w, set("ha.nopreempt", "false")]),
        [["ha", "syncConnections"], 1, set("ha.syncConnections", "true")],
        [["ha", "nopreempt"], "maybe", rm("ha.nopreempt")],
        // Numbers: rounded into range; what is no finite number goes, where a default applies.
        [["service", "persistence"], -5, set("service.persistence", "0")],
        [["service", "persistence"], Infinity, rm("service.persistence")],
        [["realServers", 0, "weight"], "x", rm("'realServers[0].weight'")],
        [["ha", "virtualRouterId"], 900, set("ha.virtualRouterId", "255")],
        [["ha", "virtualRouterId"], "x", set("ha.virtualRouterId", "52")],
        [["ha", "natGateway", "virtualRouterId"], 51, set("ha.natGateway.virtualRouterId", "52")],
        [["ha", "peers", 0, "priority"], "x", set("'ha.peers[0].priority'", "140")],
        // Machines' fields, and the keys with values of their own.
        [["ha", "peers", 0, "name"], "Director 2", set("'ha.peers[0].name'", "director-2")],
        [["tomcats", 0, "name"], 5, set("'tomcats[0].name'", "tomcat")],
        [["client", "mac"], "x", set("client.mac", "52:54:00:ff:00:01")],
        [["service", "vip"], 5, set("service.vip", "192.168.169.101")],
        [["ha", "natGateway", "ip"], 5, set("ha.natGateway.ip", "192.168.169.254")],
        [["network", "cidr"], 5, set("network.cidr", "192.168.169.0/24")],
        [["image", "source"], 5, set("image.source", "/var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2")],
        [["network", "name"], "My  Lab!", set("network.name", "my-lab-")],
        [["network", "name"], "12ab", set("network.name", "ab")],
        [["network", "name"], 7, set("network.name", "lab")],
        // List items: a port or an export that no other item has (80 and 8080 are taken).
        [["service", "ports", 2], "x", set("'service.ports[2]'", "8000")],
        [["nfs", "exports", 1], 7, set("'nfs.exports[1]'", "/srv/export2")],
        // Maps and lists of the wrong kind, and missing ones with what they require.
        [["service", "healthCheck"], "yes", rm("service.healthCheck")],
        [["realServers", 1], "x", rm("'realServers[1]'")],
        [["service", "ports"], 80, `${rm("service.ports")} && ${set("'service.ports[0]'", "80")}`],
        [["service", "ports"], "x", rm("service.ports")],
        [["service", "ports"], [], set("'service.ports[0]'", "8000")],
        [["director"], 5, `${rm("director")} && ${set("director.name", "director")} && ${set("director.ip", "192.168.169.200")}`],
        [["ha", "peers"], undefined, `${set("'ha.peers[0].name'", "director")} && ${set("'ha.peers[0].ip'", "192.168.169.200")}`],
        [["tomcats"], undefined, ""],
        [["nfs"], {}, `${set("nfs.name", "nfs-2")} && ${set("nfs.ip", "192.168.169.200")} && ${set("'nfs.exports[0]'", "/srv/export2")}`],
        [["ha"], null, rm("ha")],
        [["service", "healthCheck"], [], rm("service.healthCheck")],
        [["realServers", 2], undefined, `${set("'realServers[2].name'", "rs")} && ${set("'realServers[2].ip'", "192.168.169.200")}`],
        // A map where a list of maps belongs: the CLI cannot make it the first item, so it is built again.
        [["realServers"], { name: "rs1", ip: "192.168.169.10" }, `${rm("realServers")} && ${set("'realServers[0].name'", "rs")} && ${set("'realServers[0].ip'", "192.168.169.200")}`],
        [["nope"], 1, rm("nope")],
    ])("%j given %j: %s", (path, input, fix) => {
        expect(fixOf(path, input)).toBe(fix);
    });

    it("a machine's address: one whose derived MAC another machine has is skipped only for a machine that derives its MAC", () => {
        const r = raw();
        r.client.mac = macFor("192.168.169.200");
        const fix = (machine: string) => fixLine(new Suggester(r, cidr, allocatorFor(r, cidr)).fixFor([machine, "ip"], 5));
        expect(fix("director")).toBe(set("director.ip", "192.168.169.201"));
        r.director.mac = "52:54:00:aa:bb:cc";
        expect(fix("director")).toBe(set("director.ip", "192.168.169.200"));
    });

    it("the VIP and the NAT gateway have no MAC: another machine's MAC never rules an address out for them", () => {
        const r = raw();
        r.client.mac = macFor("192.168.169.101");
        r.realServers[0].mac = macFor("192.168.169.254");
        const fix = (path: PathSegment[]) => fixLine(new Suggester(r, cidr, allocatorFor(r, cidr)).fixFor(path, 5));
        expect(fix(["service", "vip"])).toBe(set("service.vip", "192.168.169.101"));
        expect(fix(["ha", "natGateway", "ip"])).toBe(set("ha.natGateway.ip", "192.168.169.254"));
    });

    it("for a key no default covers: the lowest number, the first option, true, or the schema's example", () => {
        const s = new Suggester({}, cidr, allocatorFor({}, cidr));
        expect(fixLine(s.leafFix(["x"], "no", z.number().min(3).max(9)))).toBe(set("x", "3"));
        expect(fixLine(s.leafFix(["x"], "no", z.number()))).toBe(set("x", "0"));
        expect(fixLine(s.leafFix(["x"], "zz", z.enum(["b", "a"])))).toBe(set("x", "b"));
        expect(fixLine(s.leafFix(["x"], "maybe", z.boolean()))).toBe(set("x", "true"));
        expect(fixLine(s.leafFix(["x"], 5, z.string().register(labMeta, { example: "web1" })))).toBe(set("x", "web1"));
        expect(fixLine(s.leafFix(["x"], 5, z.string()))).toBe(set("x", "x"));
        expect(fixLine(s.leafFix(["x"], 5, z.string().optional()))).toBe(rm("x"));
        // null allowed is not the key left out.
        expect(fixLine(s.leafFix(["x"], 5, z.string().nullable()))).toBe(set("x", "x"));
    });
});
