import { execFileSync } from "child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";

const REPO = join(__dirname, "..");
/** The example program that builds a lab from code with the package. */
export const EXAMPLE_DIR = join(REPO, "examples", "from-code");
/** The example's own files: the project, the program and its TypeScript settings. */
const EXAMPLE_FILES = ["Pulumi.yaml", "index.ts", "tsconfig.json"];

/**
 * Makes `dir` a consumer project of the package, as another program would have it: its own
 * package.json, the package built by `npm run build`'s script into `dir/node_modules/lvs-lab`
 * (package.json and bin/), and a copy of the example program. Nothing else is installed there, so
 * `@pulumi/pulumi` and the other dependencies resolve to the repo's one copy when `dir` is inside
 * the repo.
 * @param dir the consumer project's directory; created when missing.
 * @returns `dir`.
 */
export function installExample(dir: string): string {
    mkdirSync(dir, { recursive: true });
    // Its own package scope: inside the repo, `lvs-lab` would otherwise self-resolve to the repo's bin/.
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "lvs-lab-consumer", private: true, dependencies: { "lvs-lab": "*" } }, null, 2));
    execFileSync("bash", [join(REPO, "tools", "build-package.sh"), join(dir, "node_modules", "lvs-lab")], { stdio: "pipe" });
    for (const f of EXAMPLE_FILES) copyFileSync(join(EXAMPLE_DIR, f), join(dir, f));
    return dir;
}
