import { execFileSync } from "child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
    ConfigFix,
    applyConfigFix,
    applyFixLines,
    fixCommand,
    fixLine,
    formatKeyPath,
    parseFixLine,
    parseKeyPath,
    printedFixLines,
    shellQuote,
    storedValue,
} from "../../components/config/fix";

/** The engine's top-level reading for these tests: JSON where it parses, else the text. */
const json = (_key: string, text: string): unknown => {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
};

describe("fix commands as printed", () => {
    it("spells set and rm through the lab command, quoting only what the shell would split", () => {
        expect(fixCommand({ kind: "set", key: "service.vip", value: "192.168.168.100" })).toBe("npm run lab -- config set --path service.vip 192.168.168.100");
        expect(fixCommand({ kind: "set", key: "realServers[1].ip", value: "10.0.0.9" })).toBe("npm run lab -- config set --path 'realServers[1].ip' 10.0.0.9");
        expect(fixCommand({ kind: "rm", key: "service.shceduler" })).toBe("npm run lab -- config rm --path service.shceduler");
        expect(fixCommand({ kind: "set", key: "image.cmdline", value: "console=ttyS0 quiet" })).toBe("npm run lab -- config set --path image.cmdline 'console=ttyS0 quiet'");
        expect(fixCommand({ kind: "setup" })).toBe("npm run setup");
        expect(fixLine([{ kind: "rm", key: "service.ports" }, { kind: "set", key: "service.ports[0]", value: "80" }])).toBe(
            "npm run lab -- config rm --path service.ports && npm run lab -- config set --path 'service.ports[0]' 80",
        );
    });

    it("quotes a word with a single quote so the shell gives it back whole", () => {
        expect(shellQuote("it's")).toBe("'it'\\''s'");
        expect(shellQuote("")).toBe("''");
        // bash reads each quoted word back as one argument, unchanged.
        const words = ["it's", "", "a b", "''", "$HOME", "`id`", "$(id)", "a\\b", "*", "x;y", "a\nb", "\"q\"", "~", "#c", ...fc.sample(fc.string(), 50)];
        const back = execFileSync("bash", ["-c", `printf '%s\\0' ${words.map(shellQuote).join(" ")}`], { encoding: "utf8" });
        expect(back.split("\0").slice(0, -1)).toEqual(words);
    });

    it("parses every printed line back into the same commands (property)", () => {
        const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.nat(20));
        const key = fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.array(segment, { maxLength: 4 })).map(([head, rest]) => formatKeyPath([head, ...rest]));
        const fix: fc.Arbitrary<ConfigFix> = fc.oneof(
            fc.record({ kind: fc.constant("set" as const), key, value: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("&&", "it's", "")) }),
            fc.record({ kind: fc.constant("rm" as const), key }),
            fc.constant({ kind: "setup" as const }),
        );
        fc.assert(fc.property(fc.array(fix, { minLength: 1, maxLength: 4 }), (fixes) => {
            expect(parseFixLine(fixLine(fixes))).toEqual(fixes);
        }));
    });

    it("finds the fix lines in an error message", () => {
        const message = "invalid lvs-lab stack config (2 problems):\n  - a: x\n    fix: npm run setup\n  - b: y\n    fix: npm run lab -- config rm --path b";
        expect(printedFixLines(message)).toEqual(["npm run setup", "npm run lab -- config rm --path b"]);
        // Only a line that starts with the indented "fix: " is one.
        expect(printedFixLines("  - a: says    fix: npm run setup\n\tfix: npm run setup\n     fix: x")).toEqual([]);
    });

    it("refuses lines that are no lab config command", () => {
        expect(() => parseFixLine("pulumi config set --path a 1")).toThrow("not a lab config command: pulumi config set --path a 1");
        expect(() => parseFixLine("npm run lab -- config set a 1")).toThrow("expected 'set --path KEY VALUE' or 'rm --path KEY': npm run lab -- config set a 1");
    });

    it.each([
        ["a set without its value", "npm run lab -- config set --path a"],
        ["a set with two values", "npm run lab -- config set --path a 1 2"],
        ["an rm with a value", "npm run lab -- config rm --path a 1"],
        ["a verb the lab never prints", "npm run lab -- config get --path a"],
        ["no key after --path", "npm run lab -- config rm --path"],
        ["another flag", "npm run lab -- config rm --key a"],
        ["the lab command alone", "npm run lab -- config"],
    ])("refuses %s, naming the command", (_what, line) => {
        expect(() => parseFixLine(line)).toThrow(`expected 'set --path KEY VALUE' or 'rm --path KEY': ${line}`);
    });

    it("reads words as the shell does: quotes and backslashes keep spaces and '&&', an empty quoted word is a value, runs of spaces split once", () => {
        expect(parseFixLine("npm run lab -- config set --path a '&&'")).toStrictEqual([{ kind: "set", key: "a", value: "&&" }]);
        expect(parseFixLine("npm run lab -- config set --path a \\&\\&")).toStrictEqual([{ kind: "set", key: "a", value: "&&" }]);
        expect(parseFixLine("npm run lab -- config set --path a ''")).toStrictEqual([{ kind: "set", key: "a", value: "" }]);
        expect(parseFixLine("npm run lab -- config set --path a b\\ c")).toStrictEqual([{ kind: "set", key: "a", value: "b c" }]);
        expect(parseFixLine("npm run lab -- config set --path a x'y z'w")).toStrictEqual([{ kind: "set", key: "a", value: "xy zw" }]);
        expect(parseFixLine("npm  run   setup  &&  npm run lab -- config rm --path 'a[0]'")).toStrictEqual([{ kind: "setup" }, { kind: "rm", key: "a[0]" }]);
        expect(() => parseFixLine("npm run lab -- config set --path a 'b")).toThrow("unterminated quote in npm run lab -- config set --path a 'b");
    });

    it("an '&&' with no command on one side is refused as an empty command", () => {
        expect(() => parseFixLine("npm run setup &&")).toThrow(/^not a lab config command: $/);
        expect(() => parseFixLine("&& npm run setup")).toThrow(/^not a lab config command: $/);
    });
});

describe("key paths as --path takes them", () => {
    it("writes list indices in brackets and odd names quoted", () => {
        expect(formatKeyPath(["realServers", 1, "ip"])).toBe("realServers[1].ip");
        expect(formatKeyPath(["service", "a key"])).toBe('service["a key"]');
        expect(formatKeyPath(["service", 'a"b'])).toBe('service["a\\"b"]');
    });

    it("reads back what it writes (property; a backslash before a quote has no spelling in the CLI's syntax)", () => {
        const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes("\\"));
        const segment = fc.oneof(name, fc.nat(50));
        fc.assert(fc.property(name, fc.array(segment, { maxLength: 5 }), (head, rest) => {
            expect(parseKeyPath(formatKeyPath([head, ...rest]))).toEqual([head, ...rest]);
        }));
    });

    it("refuses what the CLI refuses", () => {
        expect(() => parseKeyPath(".a")).toThrow("invalid config key path .a: it starts with '.'");
        expect(() => parseKeyPath("a.[0]")).toThrow("invalid config key path a.[0]: expected a name after '.'");
        expect(() => parseKeyPath("[0].a")).toThrow("invalid config key path [0].a: it must start with a key name");
    });

    it.each([
        ["a.", "expected a name after '.'"],
        ['a["bc', "missing closing quote"],
        ['a["b\\"', "missing closing quote"],
        ['a["b"', "missing closing bracket"],
        ['a["b"x].c', "missing closing bracket"],
        ["a[x]", "bad list index"],
        ["a[1", "bad list index"],
        ["a[12", "bad list index"],
        ["a[]", "bad list index"],
        ["a[-1]", "bad list index"],
        ["a[1x]", "bad list index"],
        ["", "it must start with a key name"],
        ['[""].a', "it must start with a key name"],
    ])("refuses the key path %s: %s", (key, why) => {
        expect(() => parseKeyPath(key)).toThrow(`invalid config key path ${key}: ${why}`);
    });

    it("reads names, indices and quoted names in any order", () => {
        expect(parseKeyPath("a")).toStrictEqual(["a"]);
        expect(parseKeyPath("a.b.c")).toStrictEqual(["a", "b", "c"]);
        expect(parseKeyPath("a[0][12].b")).toStrictEqual(["a", 0, 12, "b"]);
        expect(parseKeyPath('a["b.c"][1]')).toStrictEqual(["a", "b.c", 1]);
        expect(parseKeyPath('a["b\\"c"]')).toStrictEqual(["a", 'b"c']);
        // A backslash before anything but a quote is kept as it is.
        expect(parseKeyPath('a["b\\x"]')).toStrictEqual(["a", "b\\x"]);
        expect(parseKeyPath('["a b"].c')).toStrictEqual(["a b", "c"]);
    });

    it("writes plain names bare (a dash or $ inside one too) and quotes the rest, the first segment included", () => {
        expect(formatKeyPath(["a-b", "$x", "_y", "1a", "b c"])).toBe('a-b.$x._y["1a"]["b c"]');
        expect(formatKeyPath(["a b", 0])).toBe('["a b"][0]');
        expect(formatKeyPath(["-a"])).toBe('["-a"]');
    });
});

describe("what config set --path stores (the CLI's adjustObjectValue)", () => {
    it("turns true/false and integers into values, and keeps everything else text", () => {
        expect(storedValue("true")).toBe(true);
        expect(storedValue("false")).toBe(false);
        expect(storedValue("80")).toBe(80);
        expect(storedValue("-1")).toBe(-1);
        expect(storedValue("+5")).toBe(5);
        expect(storedValue("0")).toBe(0);
        expect(storedValue("0123")).toBe("0123");
        expect(storedValue("1.5")).toBe("1.5");
        expect(storedValue("[80]")).toBe("[80]");
        expect(storedValue("yes")).toBe("yes");
        expect(storedValue("99999999999999999999")).toBe("99999999999999999999");
    });

    it("converts integers a signed 64-bit int holds, and keeps the first one past either end as text", () => {
        expect(storedValue("9223372036854775807")).toBe(9223372036854775807);
        expect(storedValue("9223372036854775808")).toBe("9223372036854775808");
        expect(storedValue("-9223372036854775808")).toBe(-9223372036854775808);
        expect(storedValue("-9223372036854775809")).toBe("-9223372036854775809");
        expect(storedValue("00")).toBe("00");
        expect(storedValue("-5")).toBe(-5);
        expect(storedValue("")).toBe("");
        expect(storedValue("True")).toBe("True");
        expect(storedValue("1 2")).toBe("1 2");
    });
});

describe("applying a fix the way the CLI changes the stack", () => {
    const set = (key: string, value: string): ConfigFix => ({ kind: "set", key, value });
    const rm = (key: string): ConfigFix => ({ kind: "rm", key });

    it("sets a nested key, creating maps on the way, and leaves the input alone", () => {
        const raw = { service: { vip: "10.0.0.1" } };
        expect(applyConfigFix(raw, set("service.healthCheck.type", "tcp"), json)).toEqual({ service: { vip: "10.0.0.1", healthCheck: { type: "tcp" } } });
        expect(raw).toEqual({ service: { vip: "10.0.0.1" } });
    });

    it("appends at the list's length, and refuses an index past it", () => {
        const raw = { realServers: [{ name: "a" }] };
        expect(applyConfigFix(raw, set("realServers[1].name", "b"), json)).toEqual({ realServers: [{ name: "a" }, { name: "b" }] });
        expect(() => applyConfigFix(raw, set("realServers[3].name", "b"), json)).toThrow("realServers.3: array index out of range");
    });

    it("creates a missing list with empty items before the index", () => {
        expect(applyConfigFix({}, set("tomcats[1].name", "t"), json)).toEqual({ tomcats: [null, { name: "t" }] });
    });

    it("overwrites a scalar at the top level but refuses to index one below it", () => {
        expect(applyConfigFix({ director: "x" }, set("director.name", "d"), json)).toEqual({ director: { name: "d" } });
        expect(() => applyConfigFix({ service: { ports: 80 } }, set("service.ports[0]", "80"), json)).toThrow("service.ports: expected an array");
        expect(() => applyConfigFix({ service: { healthCheck: "yes" } }, set("service.healthCheck.type", "tcp"), json)).toThrow("service.healthCheck: expected a map");
    });

    it("replaces a leaf of any type", () => {
        expect(applyConfigFix({ service: { ports: 80 } }, set("service.ports", "[80]"), json)).toEqual({ service: { ports: "[80]" } });
    });

    it("removes a key, a list item (moving the rest up) and nothing when there is nothing", () => {
        expect(applyConfigFix({ service: { vip: "v", shceduler: "wrr" } }, rm("service.shceduler"), json)).toEqual({ service: { vip: "v" } });
        expect(applyConfigFix({ service: { ports: [80, 81, 82] } }, rm("service.ports[1]"), json)).toEqual({ service: { ports: [80, 82] } });
        expect(applyConfigFix({ service: { ports: [80] } }, rm("service.ports[5]"), json)).toEqual({ service: { ports: [80] } });
        expect(applyConfigFix({}, rm("ha.natGateway"), json)).toEqual({});
        expect(applyConfigFix({ sshUser: "x" }, rm("sshUser"), json)).toEqual({});
    });

    it("stores a top-level key as the text, read back by the program's decoder", () => {
        expect(applyConfigFix({}, set("sshUser", "true"), (_k, text) => text)).toEqual({ sshUser: "true" });
        expect(applyConfigFix({}, set("tomcats", "[]"), json)).toEqual({ tomcats: [] });
    });

    it("refuses a name for a list's item and an index for a map's key, as the CLI does", () => {
        expect(() => applyConfigFix({ realServers: [{}] }, set("realServers.name", "a"), json)).toThrow("realServers.name: key for an array must be an int");
        expect(() => applyConfigFix({ service: {} }, set("service[0]", "a"), json)).toThrow("service.0: key for a map must be a string");
        expect(() => applyConfigFix({ realServers: [{ name: "a" }] }, set("realServers[0][1]", "a"), json)).toThrow("realServers.0.1: key for a map must be a string");
    });

    it("sets below a null or a top-level scalar by making the container the path asks for", () => {
        expect(applyConfigFix({ service: { healthCheck: null } }, set("service.healthCheck.type", "tcp"), json)).toStrictEqual({ service: { healthCheck: { type: "tcp" } } });
        expect(applyConfigFix({ realServers: "x" }, set("realServers[0].name", "a"), json)).toStrictEqual({ realServers: [{ name: "a" }] });
        expect(applyConfigFix({ realServers: [{ name: "a", ip: "1" }] }, set("realServers[0].ip", "10.0.0.2"), json)).toStrictEqual({ realServers: [{ name: "a", ip: "10.0.0.2" }] });
        expect(applyConfigFix({ service: { ports: [80] } }, set("service.ports[0]", "81"), json)).toStrictEqual({ service: { ports: [81] } });
    });

    it("an rm that names nothing there changes nothing and adds no key", () => {
        const cases: [Record<string, unknown>, string][] = [
            [{ service: { ports: [80] } }, "service.ports.x"],
            [{ service: { vip: "v" } }, "service[0]"],
            [{ service: { ports: 80 } }, "service.ports.x"],
            [{ service: { vip: "v" } }, "service.missing.x"],
            [{ service: { vip: "v" } }, "director.name"],
            [{ realServers: [{ name: "a" }] }, "realServers[1].name"],
            [{ service: { "0": "x" } }, "service[0]"],
            [{ service: { "0": { a: 1 } } }, "service[0].a"],
            [{ service: { healthCheck: null } }, "service.healthCheck.type"],
            [{ service: { vip: null } }, "service.vip.x"],
        ];
        for (const [raw, key] of cases) expect(applyConfigFix(raw, rm(key), json), key).toStrictEqual(raw);
    });

    it("an rm inside a list's item keeps the item and the rest of the list", () => {
        expect(applyConfigFix({ realServers: [{ name: "a", weight: 2 }, { name: "b" }] }, rm("realServers[0].weight"), json)).toStrictEqual({ realServers: [{ name: "a" }, { name: "b" }] });
    });

    it("`npm run setup` changes no config", () => {
        const raw = { service: { vip: "v" } };
        expect(applyConfigFix(raw, { kind: "setup" }, json)).toBe(raw);
    });

    it("runs printed lines in order", () => {
        const lines = ["npm run lab -- config rm --path service.ports && npm run lab -- config set --path 'service.ports[0]' 8080", "npm run setup"];
        expect(applyFixLines({ service: { ports: 80 } }, lines, json)).toEqual({ service: { ports: [8080] } });
    });
});
