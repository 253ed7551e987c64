import { defineConfig } from "vitest/config";

/** Fast unit tests: pure renderers, the config model, components under Pulumi mocks. */
export const unitProject = {
    test: {
        name: "unit",
        include: ["test/unit/**/*.test.ts"],
        testTimeout: 30_000,
    },
};

// Two projects: the unit tests above and engine tests that drive the real Pulumi CLI,
// providers and libvirtd in a namespace.
export default defineConfig({
    test: {
        projects: [
            unitProject,
            {
                test: {
                    name: "engine",
                    include: ["test/engine/**/*.test.ts"],
                    testTimeout: 20 * 60_000,
                    hookTimeout: 20 * 60_000,
                    fileParallelism: false,
                },
            },
        ],
    },
});
