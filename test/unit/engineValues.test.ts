import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeConfigValue, secretConfigValues } from "../../components/config";
import { unwrap } from "../../components/config/suggest";
import { holdsSecret } from "../../components/remote";

/** The engine's config values as the program reads them (components/config/fromPulumi.ts); rawConfigFrom: config.test.ts. */
describe("a key's schema under its wrappers (unwrap), and how the engine's text is read", () => {
    it("looks through optional, default, prefault and nullable, which keep the value's type", () => {
        const text = z.string();
        for (const wrapped of [text.optional(), text.default("x"), text.prefault("x"), text.nullable(), text.optional().default("x")]) expect(unwrap(wrapped).inner).toBe(text);
        expect(unwrap(text).inner).toBe(text);
    });

    it("stops at a wrapper that changes what is accepted (catch), so its key's text is parsed as JSON", () => {
        const caught = z.string().catch("x");
        expect(unwrap(caught).inner).toBe(caught);
    });

    it("reads the one string key as text, whatever it looks like, and every other key as JSON", () => {
        expect(decodeConfigValue("sshUser", "123")).toBe("123");
        expect(decodeConfigValue("service", "123")).toBe(123);
        expect(decodeConfigValue("service", "not json")).toBe("not json");
        expect(decodeConfigValue("noSuchKey", '{"a":1}')).toEqual({ a: 1 });
    });
});

describe("secret config values (secretConfigValues)", () => {
    const secretKeys = (...keys: string[]) => (key: string) => keys.includes(key);

    it("takes each string of a key the engine holds as a secret, and nothing from other keys or namespaces", () => {
        const all = {
            "lvs-lab:ha": JSON.stringify({ authPass: "s3cr3t", virtualRouterId: 51, nopreempt: true, peers: [{ name: "director2", ip: "10.0.0.51", priority: 100 }] }),
            "lvs-lab:service": JSON.stringify({ vip: "10.0.0.100", ports: [80] }),
            "other:password": "not-ours",
        };
        expect(secretConfigValues(all, secretKeys("lvs-lab:ha", "other:password")).sort()).toEqual(["10.0.0.51", "director2", "s3cr3t"]);
        expect(secretConfigValues(all, secretKeys())).toEqual([]);
    });

    it("takes a secret key's whole text when it is no map or list, number-like or not", () => {
        expect(secretConfigValues({ "lvs-lab:sshUser": "labuser", "lvs-lab:x": "1234" }, secretKeys("lvs-lab:sshUser", "lvs-lab:x")).sort()).toEqual(["1234", "labuser"]);
    });

    it("takes a secret key set to null or to a map holding null as what it says, and never fails on it", () => {
        expect(secretConfigValues({ "lvs-lab:ha": "null" }, secretKeys("lvs-lab:ha"))).toEqual(["null"]);
        expect(secretConfigValues({ "lvs-lab:ha": JSON.stringify({ authPass: "s3cr3t", peers: null, x: [null, "y"] }) }, secretKeys("lvs-lab:ha"))).toEqual(["s3cr3t", "y"]);
    });

    it("skips a key of the namespace with no name", () => {
        expect(secretConfigValues({ "lvs-lab:": "s3cr3t", "lvs-lab": "t0p" }, () => true)).toEqual([]);
    });

    it("leaves out empty strings, which would hide everything and reveal nothing", () => {
        expect(secretConfigValues({ "lvs-lab:ha": JSON.stringify({ authPass: "" }) }, secretKeys("lvs-lab:ha"))).toEqual([]);
    });

    it("a script holds a secret when its text contains one", () => {
        expect(holdsSecret("auth_pass s3cr3t", ["s3cr3t"])).toBe(true);
        expect(holdsSecret("auth_pass lvslab", ["s3cr3t"])).toBe(false);
        expect(holdsSecret("anything", [])).toBe(false);
        expect(holdsSecret("anything", undefined)).toBe(false);
    });
});

