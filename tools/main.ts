/**
 * Runs a tool's `main` when its file is run as a program (not imported by a test): a failure
 * prints its message alone and exits 1.
 * @param module the tool's own `module`.
 * @param main the tool's work; may be async.
 */
export function runMain(module: NodeModule, main: () => void | Promise<void>): void {
    if (require.main !== module) return;
    const fail = (e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    };
    try {
        Promise.resolve(main()).catch(fail);
    } catch (e) {
        fail(e);
    }
}
