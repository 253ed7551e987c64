import { describe, expect, it } from "vitest";
import { pairsFit, splitFits } from "../engine/splits";

describe("splitFits: how a VM test judges a client split", () => {
    const even = { nginx1: 10, nginx2: 10 };

    it("takes the exact split, and one timed-out request missing from one share", () => {
        expect(splitFits({ nginx1: 10, nginx2: 10 }, even)).toBe(true);
        expect(splitFits({ nginx1: 9, nginx2: 10, "error:28": 1 }, even)).toBe(true);
        expect(splitFits({ nginx1: 10, nginx2: 9, "error:28": 1 }, even)).toBe(true);
        expect(splitFits({ director1: 19, "error:28": 1 }, { director1: 20 })).toBe(true);
    });

    it("refuses a second timeout, any other failure, a share too high or too low, and a server not in the split", () => {
        expect(splitFits({ nginx1: 9, nginx2: 9, "error:28": 2 }, even)).toBe(false);
        expect(splitFits({ nginx1: 9, nginx2: 10, "error:7": 1 }, even)).toBe(false);
        expect(splitFits({ nginx1: 9, nginx2: 10, "error:56": 1 }, even)).toBe(false);
        expect(splitFits({ nginx1: 9, nginx2: 11 }, even)).toBe(false);
        expect(splitFits({ nginx1: 9, nginx2: 10 }, even)).toBe(false);
        expect(splitFits({ nginx1: 11, nginx2: 8, "error:28": 1 }, even)).toBe(false);
        expect(splitFits({ nginx2: 19, director1: 1 }, { nginx2: 20 })).toBe(false);
        expect(splitFits({ nginx1: 20 }, even)).toBe(false);
    });

    it("with a shift, takes shares off by that much with the same total, and still one timeout at most", () => {
        expect(splitFits({ nginx1: 9, nginx2: 11 }, even, 1)).toBe(true);
        expect(splitFits({ nginx1: 11, nginx2: 8, "error:28": 1 }, even, 1)).toBe(true);
        expect(splitFits({ nginx1: 8, nginx2: 12 }, even, 1)).toBe(false);
        expect(splitFits({ nginx1: 9, nginx2: 10 }, even, 1)).toBe(false);
        expect(splitFits({ nginx1: 20 }, even, 1)).toBe(false);
    });
});

describe("pairsFit: the two-level split of the tomcat cases", () => {
    const rs = ["nginx1", "nginx2"];
    const w21 = { tomcat1: 2, tomcat2: 1 };
    const counts = (t11: number, t12: number, t21: number, t22: number, s1: number, s2: number) => ({
        "nginx1 tomcat1": t11, "nginx1 tomcat2": t12, "nginx2 tomcat1": t21, "nginx2 tomcat2": t22, "ipvs -> nginx1": s1, "ipvs -> nginx2": s2,
    });

    it("takes the exact split, and a share one off at the director when IPVS's own count agrees", () => {
        expect(pairsFit(counts(20, 10, 20, 10, 30, 30), rs, 60, w21)).toBe(true);
        expect(pairsFit(counts(15, 14, 16, 15, 29, 31), rs, 60, { tomcat1: 1, tomcat2: 1 })).toBe(true);
        expect(pairsFit({ "nginx1 -": 10, "nginx2 -": 10, "ipvs -> nginx1": 10, "ipvs -> nginx2": 10 }, rs, 20, { "-": 1 })).toBe(true);
    });

    it("refuses answers that differ from what the director sent, a share two off, a weight not kept, a failed request, a foreign connection", () => {
        // With 30 each, the upstream's 2:1 is exact: 21/9 is a weight not kept.
        expect(pairsFit(counts(21, 9, 20, 10, 30, 30), rs, 60, w21)).toBe(false);
        expect(pairsFit(counts(20, 10, 20, 10, 31, 29), rs, 60, w21)).toBe(false);
        expect(pairsFit(counts(19, 9, 21, 11, 28, 32), rs, 60, w21)).toBe(false);
        expect(pairsFit({ ...counts(20, 10, 20, 9, 30, 30), "nginx2 -": 1 }, rs, 60, w21)).toBe(false);
        expect(pairsFit({ ...counts(20, 10, 20, 9, 30, 29), " -": 1 }, rs, 60, w21)).toBe(false);
        expect(pairsFit(counts(20, 10, 20, 11, 30, 31), rs, 60, w21)).toBe(false);
    });
});
