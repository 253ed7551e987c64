/**
 * How many cases a property test generates: `runs` normally, at most `LVS_LAB_PROPERTY_RUNS`
 * when that is set. The mutation run sets it (vitest.mutation.config.ts): there each case is paid
 * once per mutant the test covers, and the config's thousands of mutants made the property tests
 * most of a run's time.
 * @internal
 */
export function propertyRuns(runs: number): number {
    const cap = Number(process.env.LVS_LAB_PROPERTY_RUNS);
    return Number.isInteger(cap) && cap > 0 ? Math.min(runs, cap) : runs;
}
