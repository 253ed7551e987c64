import { defineConfig } from "vitest/config";
import { unitProject } from "./vitest.config";

// The unit project alone, for StrykerJS (stryker.config.mjs): mutants are judged by the unit
// tests only; the engine and VM suites take minutes per run and never see a mutant.
// Instrumented code with per-test coverage runs several times slower: the tests that run the
// whole program under mocks need more than the usual limits.
export default defineConfig({
    test: { ...unitProject.test, testTimeout: 180_000, hookTimeout: 180_000 },
});
