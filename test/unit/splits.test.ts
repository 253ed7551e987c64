import { describe, expect, it } from "vitest";
import { splitFits } from "../engine/splits";

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
