// @ts-check
// Mutation testing of the pure code (`npm run test:mutation`, never part of CI): StrykerJS changes
// one expression at a time in config, render, diagram and the plan of steps and runs the unit
// tests that cover it; a mutant no test notices is a gap in the tests. Scores per file:
// docs/mutation.md. Runs are incremental: a second run re-tests only mutants whose code or
// covering tests changed since the last report.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    testRunner: "vitest",
    vitest: { configFile: "vitest.mutation.config.ts" },
    plugins: ["@stryker-mutator/vitest-runner"],
    mutate: [
        "components/config/**/*.ts",
        "components/render/**/*.ts",
        "components/diagram/**/*.ts",
        "components/plan/**/*.ts",
        // Curated re-exports: nothing to mutate.
        "!components/*/index.ts",
    ],
    coverageAnalysis: "perTest",
    // A static mutant (module-level code: the schema's descriptions, script constants) is active
    // from import on, so StrykerJS would run every unit test for each: days on 2 cores. They are
    // left out (reported as Ignored, outside the score); docs/mutation.md says how many.
    ignoreStatic: true,
    incremental: true,
    incrementalFile: "reports/mutation/incremental.json",
    reporters: ["progress", "clear-text", "html", "json"],
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    // The lab's state and engine home are large and no unit test reads them.
    ignorePatterns: [".lab", "reports", "bin"],
    concurrency: 2,
    thresholds: { high: 90, low: 85, break: null },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
};
