import { defineConfig } from "vitest/config";
import { unitProject } from "./vitest.config";

/**
 * Test files left out of mutation runs: they build the lab's components or run index.ts under
 * Pulumi's mocks, which judges components/lab (not mutated) more than the pure code. StrykerJS's
 * vitest runner runs tests in worker threads, where Node has no `trace_events`; Pulumi's closure
 * serialization (of the SshKey dynamic provider) loads it, and these tests hang there.
 */
export const UNDER_PULUMI_MOCKS = ["access", "components", "example", "machines", "names", "program", "secrets"].map((f) => `test/unit/${f}.test.ts`);

/**
 * Test files left out too because they run other programs for seconds: shellcheck over every
 * rendered script (a changed script already differs from its rendered copy, rendered.test.ts),
 * tools/kvm-probe.sh (a QEMU guest per test),
 * and the tests of tools/ (setup, sandbox, requirements, workflow), which no mutant reaches.
 */
export const SLOW_AND_OUTSIDE = ["shellcheck", "kvmProbe", "tools", "sandbox", "hostPackages", "requirements", "workflow"].map((f) => `test/unit/${f}.test.ts`);

// The unit project without those, for StrykerJS (stryker.config.mjs): mutants are judged by unit
// tests only; the engine and VM suites take minutes per run and never see a mutant. Instrumented
// code with per-test coverage runs several times slower, hence the longer limits.
//
// Property tests generate at most MUTATION_PROPERTY_RUNS cases here (test/unit/propertyRuns.ts):
// a case is paid once per mutant that the test covers, and the config's mutants are covered by
// every property test. The CI run keeps the full counts.
export const MUTATION_PROPERTY_RUNS = 20;

export default defineConfig({
    test: {
        ...unitProject.test,
        exclude: [...UNDER_PULUMI_MOCKS, ...SLOW_AND_OUTSIDE],
        // One module graph per worker for all runs: StrykerJS switches mutants on and off at run time.
        isolate: false,
        testTimeout: 180_000,
        hookTimeout: 180_000,
        env: { LVS_LAB_PROPERTY_RUNS: String(MUTATION_PROPERTY_RUNS) },
    },
});
