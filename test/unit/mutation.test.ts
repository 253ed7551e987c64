import { readFileSync, readdirSync } from "fs";
import { join } from "path";
import { afterEach, describe, expect, it } from "vitest";
import { scoreTable, score, tallyReport } from "../../tools/mutation-scores";
import mutationConfig, { MUTATION_PROPERTY_RUNS, SLOW_AND_OUTSIDE, UNDER_PULUMI_MOCKS } from "../../vitest.mutation.config";
import { propertyRuns } from "./propertyRuns";

const UNIT = join(__dirname);

describe("the mutation run's test files (vitest.mutation.config.ts)", () => {
    it("leaves out exactly the unit test files that start Pulumi's mock engine, which hang in StrykerJS's worker threads", () => {
        const mocked = readdirSync(UNIT)
            .filter((f) => f.endsWith(".test.ts") && /\b(startMockEngine|setMocks)\(/.test(readFileSync(join(UNIT, f), "utf8")))
            .map((f) => `test/unit/${f}`)
            .sort();
        expect([...UNDER_PULUMI_MOCKS].sort()).toEqual(mocked);
    });

    it("leaves out only files that exist, and keeps the tests of the pure code", () => {
        for (const f of [...UNDER_PULUMI_MOCKS, ...SLOW_AND_OUTSIDE]) expect(readdirSync(UNIT), f).toContain(f.replace("test/unit/", ""));
        for (const kept of ["config", "config-faults", "render", "rendered", "diagram", "plan"]) expect([...UNDER_PULUMI_MOCKS, ...SLOW_AND_OUTSIDE]).not.toContain(`test/unit/${kept}.test.ts`);
    });
});

describe("property test cases under mutation (test/unit/propertyRuns.ts)", () => {
    const saved = process.env.LVS_LAB_PROPERTY_RUNS;
    afterEach(() => {
        if (saved === undefined) delete process.env.LVS_LAB_PROPERTY_RUNS;
        else process.env.LVS_LAB_PROPERTY_RUNS = saved;
    });

    it("keeps the full count unless capped, and the mutation run caps it", () => {
        delete process.env.LVS_LAB_PROPERTY_RUNS;
        expect(propertyRuns(500)).toBe(500);
        process.env.LVS_LAB_PROPERTY_RUNS = "20";
        expect(propertyRuns(500)).toBe(20);
        expect(propertyRuns(5)).toBe(5);
        process.env.LVS_LAB_PROPERTY_RUNS = "none";
        expect(propertyRuns(500)).toBe(500);
        expect(mutationConfig.test?.env).toEqual({ LVS_LAB_PROPERTY_RUNS: String(MUTATION_PROPERTY_RUNS) });
    });
});

describe("tools/mutation-scores.ts", () => {
    const report = {
        files: {
            "components/config/a.ts": { mutants: [{ status: "Killed" }, { status: "Killed" }, { status: "Timeout" }, { status: "Survived" }, { status: "Ignored" }] },
            "components/render/b.ts": { mutants: [{ status: "NoCoverage" }, { status: "Killed" }, { status: "CompileError" }] },
            "components/diagram/c.ts": { mutants: [{ status: "Ignored" }] },
        },
    };

    it("counts killed and timed-out mutants as detected, survived and uncovered ones as not, and leaves the rest out", () => {
        const t = tallyReport(report);
        expect(t.get("components/config/a.ts")).toEqual({ killed: 2, timeout: 1, survived: 1, noCoverage: 0 });
        expect(score(t.get("components/config/a.ts")!)).toBe(75);
        expect(score(t.get("components/render/b.ts")!)).toBe(50);
        expect(score(t.get("components/diagram/c.ts")!)).toBeUndefined();
    });

    it("tables each file, each folder and config with render together", () => {
        expect(scoreTable(tallyReport(report)).split("\n")).toEqual([
            "| File | Killed | Timeout | Survived | No coverage | Score |",
            "|---|---:|---:|---:|---:|---:|",
            "| `components/config/a.ts` | 2 | 1 | 1 | 0 | 75.0% |",
            "| `components/diagram/c.ts` | 0 | 0 | 0 | 0 | – |",
            "| `components/render/b.ts` | 1 | 0 | 0 | 1 | 50.0% |",
            "| **`components/config/`** | 2 | 1 | 1 | 0 | 75.0% |",
            "| **`components/diagram/`** | 0 | 0 | 0 | 0 | – |",
            "| **`components/render/`** | 1 | 0 | 0 | 1 | 50.0% |",
            "| **config and render** | 3 | 1 | 1 | 1 | 66.7% |",
        ]);
    });
});
