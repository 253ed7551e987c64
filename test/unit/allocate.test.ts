import { describe, expect, it } from "vitest";
import { macFor, parseCidr } from "../../components/config";
import { Allocator } from "../../components/config/allocate";

/** The values fixes suggest (components/config/allocate.ts): free, stable per key path, in their ranges. */
describe("the fixes' allocator", () => {
    const in29 = () => new Allocator(parseCidr("10.0.0.0/29")!);

    it("hands out host addresses from the preferred offset up, then down, never one in use, and the same one per key path", () => {
        const a = in29();
        a.takeIp("10.0.0.6");
        a.takeIp("not an address");
        a.takeIp(7);
        expect(a.ip("x", 5, false)).toBe("10.0.0.5");
        expect(a.ip("x", 1, false)).toBe("10.0.0.5");
        expect(a.chosenFor("x")).toBe("10.0.0.5");
        expect(a.ip("y", 5, false)).toBe("10.0.0.4");
        expect(a.ip("z", 0, false)).toBe("10.0.0.1");
        expect(a.ip("w", 100, false)).toBe("10.0.0.3");
        expect(a.ip("v", 2, false)).toBe("10.0.0.2");
        expect(a.ip("u", 2, false)).toBeUndefined();
        expect(a.chosenFor("u")).toBeUndefined();
    });

    it("skips an address whose derived MAC is taken, when the machine derives its MAC", () => {
        const a = in29();
        a.takeMac(macFor("10.0.0.3"));
        expect(a.ip("p", 3, false)).toBe("10.0.0.3");
        const b = in29();
        b.takeMac(macFor("10.0.0.3"));
        expect(b.ip("p", 3, true)).toBe("10.0.0.4");
        // The address taken with its MAC: a MAC-deriving pick skips the next address whose MAC it holds.
        // An address taken without deriving its MAC leaves that MAC free.
        const d = in29();
        d.takeIp("11.0.0.3");
        expect(d.ip("p", 3, true)).toBe("10.0.0.3");
        const c = in29();
        c.takeIp("10.0.0.9", true);
        c.takeMac(42);
        expect(c.ip("p", 1, true)).toBe("10.0.0.1");
        expect(c.mac("m")).toBe("52:54:00:ff:00:01");
    });

    it("cleans a name into a valid one, falls back when nothing is left, and numbers one in use", () => {
        const a = in29();
        a.takeName("web");
        a.takeName(3);
        expect(a.name("n1", "Web", "x")).toBe("web-2");
        expect(a.name("n2", "12 Big_Box!!", "x")).toBe("big-box");
        expect(a.name("n3", "", "client")).toBe("client");
        expect(a.name("n4", 42, "client")).toBe("client-2");
        expect(a.name("n5", "a".repeat(25) + "--b", "x")).toBe("a".repeat(25));
        expect(a.name("n6", "Two  Words", "x")).toBe("two-words");
        expect(a.name("n1", "other", "x")).toBe("web-2");
    });

    it("hands out free MACs 52:54:00:ff:xx:xx in order", () => {
        const a = in29();
        a.takeMac("52:54:00:ff:00:01");
        expect(a.mac("m1")).toBe("52:54:00:ff:00:02");
        for (let n = 3; n < 256; n++) a.takeMac(`52:54:00:ff:00:${n.toString(16).padStart(2, "0")}`);
        expect(a.mac("m2")).toBe("52:54:00:ff:01:00");
        expect(a.mac("m1")).toBe("52:54:00:ff:00:02");
    });

    it("hands out VRRP priorities from the preferred one down in tens, clamped to 1–254, then any free one", () => {
        const a = in29();
        a.takePriority(100);
        a.takePriority("90");
        expect(a.priority("p1", 100)).toBe(90);
        expect(a.priority("p2", 100)).toBe(80);
        expect(a.priority("p3", 300)).toBe(254);
        expect(a.priority("p4", -5)).toBe(1);
        expect(a.priority("p5", 1)).toBe(253);
        expect(a.priority("p6", 4.6)).toBe(5);
        expect(a.priority("p1", 7)).toBe(90);
    });

    it("hands out VRRP router ids from the preferred one up, wrapping after 255, clamped to 1–255", () => {
        const a = in29();
        a.takeRouterId(255);
        a.takeRouterId("1");
        expect(a.routerId("r1", 255)).toBe(1);
        expect(a.routerId("r2", 255)).toBe(2);
        expect(a.routerId("r3", 0)).toBe(3);
        expect(a.routerId("r4", 51.4)).toBe(51);
        expect(a.routerId("r5", 51)).toBe(52);
        expect(a.routerId("r6", 900)).toBe(4);
    });

    it("picks a port: the preferred one when free, else 80, 8080, 8000 and up; never sshd's", () => {
        const a = in29();
        const taken = new Set([443]);
        expect(a.port("s0", 443, taken)).toBe(80);
        expect(a.port("s1", 22, taken)).toBe(8080);
        expect(a.port("s2", undefined, taken)).toBe(8000);
        expect(a.port("s3", 70000, taken)).toBe(65535);
        expect(a.port("s4", 0.4, taken)).toBe(1);
        expect(a.port("s5", Number.NaN, taken)).toBe(8001);
        expect(a.port("s6", 9000, taken)).toBe(9000);
        expect([...taken].sort((x, y) => x - y)).toEqual([1, 80, 443, 8000, 8001, 8080, 9000, 65535]);
        expect(a.port("s6", 1234, taken)).toBe(9000);
    });

    it("makes a value that differs from the rest of its list", () => {
        const a = in29();
        const taken = new Set(["/srv/1"]);
        expect(a.unique("e1", (n) => `/srv/${n}`, taken)).toBe("/srv/2");
        expect(a.unique("e2", (n) => `/srv/${n}`, taken)).toBe("/srv/3");
        expect(a.unique("e1", (n) => `/x/${n}`, taken)).toBe("/srv/2");
    });
});
