import { defineConfig } from "vitest/config";

// Two projects: fast unit tests (pure renderers, config model, Pulumi mocks) and
// engine tests that drive the real Pulumi CLI, providers and libvirtd in a namespace.
export default defineConfig({
    test: {
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts"],
                    testTimeout: 30_000,
                },
            },
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
