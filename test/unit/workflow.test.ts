import { execFileSync } from "child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { load } from "js-yaml";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { describe, expect, it } from "vitest";
import { shellcheck } from "../shellcheck";
import { stackNames } from "../stacks";

const REPO = join(__dirname, "..", "..");
const WORKFLOW = join(REPO, ".github", "workflows", "preview.yml");
const ENGINE_SHIM = join(REPO, ".github", "sandboxed-engine", "pulumi");

interface Step {
    name?: string;
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    "runs-on": string[] | string;
    "timeout-minutes"?: number;
    container?: string;
    strategy: { matrix: { stack: string[] } };
    env?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    on: { pull_request?: unknown; push?: { branches: string[] } };
    permissions: Record<string, string>;
    env: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflow = load(readFileSync(WORKFLOW, "utf8")) as Workflow;
const job = workflow.jobs.stack;
const unitJob = workflow.jobs.unit;

function step(predicate: (s: Step) => boolean, what: string): Step {
    const found = job.steps.filter(predicate);
    if (found.length !== 1) throw new Error(`expected one ${what} step, found ${found.length}`);
    return found[0];
}
const pulumiStep = (command: string) => step((s) => /^pulumi\/actions@/.test(s.uses ?? "") && s.with?.command === command, `pulumi ${command}`);
const inputsStep = step((s) => s.id === "inputs", "'inputs'");

/** actionlint's path, as tools/lib.sh pins it and tools/setup.sh builds it. */
function actionlint(): string {
    const path = execFileSync("bash", ["-c", 'source tools/lib.sh && printf %s "$ACTIONLINT"'], { cwd: REPO, encoding: "utf8" });
    try {
        accessSync(path, constants.X_OK);
    } catch {
        throw new Error(`prerequisite missing: ${path} (npm run setup builds actionlint from Go modules)`);
    }
    return path;
}

/** actionlint's findings on a workflow text (empty when clean), with the repo's actionlint.yaml. */
function lint(text: string): string {
    const args = ["-no-color", "-config-file", ".github/actionlint.yaml", "-stdin-filename", ".github/workflows/preview.yml", "-"];
    try {
        execFileSync(actionlint(), args, { cwd: REPO, input: text, encoding: "utf8" });
        return "";
    } catch (e: any) {
        if (e.status === 1) return String(e.stdout);
        throw e;
    }
}

describe("the pull-request workflow", () => {
    it("passes actionlint (expressions, action inputs, runner labels, shellcheck of every run script)", () => {
        expect(lint(readFileSync(WORKFLOW, "utf8"))).toBe("");
    });

    it("actionlint would catch a wrong pulumi/actions input", () => {
        const broken = readFileSync(WORKFLOW, "utf8").replace("edit-pr-comment: true", "edit-pr-comments: true");
        expect(lint(broken)).toMatch(/input "edit-pr-comments" is not defined in action "pulumi\/actions@v\d+"/);
    });

    it("runs on pull requests and on pushes to main, on a self-hosted runner with libvirt, never for forks", () => {
        expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
        expect(workflow.on.push?.branches).toEqual(["main"]);
        expect(job["runs-on"]).toEqual(["self-hosted", "libvirt"]);
        expect(job.if).toBe("github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository");
        expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    });

    it("has one matrix leg per stack in stacks/", () => {
        expect([...job.strategy.matrix.stack].sort()).toEqual(stackNames());
    });

    it("sets up with the project's own setup and runs the engine through tools/pulumi in the sandbox", () => {
        const names = job.steps.map((s) => s.run ?? s.uses ?? "");
        const setup = names.indexOf("npm run setup");
        const sandbox = names.findIndex((r) => r.includes("bash tools/sandbox.sh up") && r.includes(".github/sandboxed-engine"));
        expect(setup).toBeGreaterThan(0);
        expect(sandbox).toBeGreaterThan(setup);
        expect(job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"))).toBeGreaterThan(sandbox);
        expect(readFileSync(ENGINE_SHIM, "utf8")).toContain('exec bash "$repo/tools/sandbox.sh" exec bash "$repo/tools/pulumi" "$@"');
        accessSync(ENGINE_SHIM, constants.X_OK);
        expect(shellcheck({ pulumi: readFileSync(ENGINE_SHIM, "utf8") })).toBe("");
    });

    it("previews every changed stack with --diff and keeps one PR comment per stack", () => {
        const preview = pulumiStep("preview");
        expect(preview.uses).toMatch(/^pulumi\/actions@v\d+$/);
        expect(preview.if).toBe("github.event_name == 'pull_request' && steps.inputs.outputs.changed == 'true'");
        expect(preview.with).toEqual({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            "work-dir": ".",
            "cloud-url": "${{ env.PULUMI_BACKEND_URL }}",
            upsert: true,
            diff: true,
            "comment-on-pr": true,
            "edit-pr-comment": true,
        });
        // State outside the checkout, which actions/checkout cleans on a self-hosted runner.
        expect(job.env?.PULUMI_BACKEND_URL).toMatch(/^file:\/\/~\//);
    });

    it("runs up only on pushes, only for changed stacks that opted in through UP_STACKS", () => {
        const up = pulumiStep("up");
        expect(up.uses).toBe(pulumiStep("preview").uses);
        expect(up.if).toBe("github.event_name == 'push' && steps.inputs.outputs.changed == 'true' && contains(fromJSON(env.UP_STACKS), matrix.stack)");
        expect(up.with).not.toHaveProperty("comment-on-pr");
        // The last job's sandbox went down with the machines: refresh before building them again.
        expect(up.with?.refresh).toBe(true);
        const optedIn = JSON.parse(workflow.env.UP_STACKS) as string[];
        expect(optedIn.length).toBeGreaterThan(0);
        expect(new Set(optedIn).size).toBe(optedIn.length);
        for (const stack of optedIn) expect(stackNames()).toContain(stack);
    });
});

describe("the workflow's jobs end and clean up", () => {
    it("bounds every job with timeout-minutes", () => {
        expect(Object.keys(workflow.jobs).sort()).toEqual(["stack", "unit"]);
        for (const [name, j] of Object.entries(workflow.jobs)) {
            expect(j["timeout-minutes"], name).toBeGreaterThan(0);
            expect(j["timeout-minutes"], name).toBeLessThanOrEqual(120);
        }
    });

    it("keeps the sandbox's pid files outside the checkout, where tools/sandbox.sh reads them", () => {
        const dir = job.env?.LVS_LAB_SANDBOX_DIR ?? "";
        expect(dir).toMatch(/^\/[^$]/);
        expect(dir).not.toContain("github.workspace");
        expect(dir).not.toContain("_work");
        expect(readFileSync(join(REPO, "tools", "sandbox.sh"), "utf8")).toMatch(/^SANDBOX_DIR=\$\{LVS_LAB_SANDBOX_DIR:-\/var\/lib\/lvs-lab\/sandbox\}$/m);
    });

    it("takes the sandbox down in an always-run last step of every job that brought it up", () => {
        const down = step((s) => /\bsandbox\.sh down\b/.test(s.run ?? ""), "sandbox down");
        // --force: the job's lab goes too, as a plain `down` keeps a sandbox that labs are left in.
        expect(down.run?.trim()).toBe("bash tools/sandbox.sh down --force");
        expect(down.if).toBe("always() && steps.inputs.outputs.changed == 'true'");
        expect(job.steps[job.steps.length - 1]).toBe(down);
        const up = job.steps.findIndex((s) => (s.run ?? "").includes("bash tools/sandbox.sh up"));
        expect(up).toBeGreaterThan(0);
        expect(job.steps[up].if).toBe("steps.inputs.outputs.changed == 'true'");
    });

    it("runs the unit tests on a GitHub-hosted runner, in Debian 12, for every pull request (forks too)", () => {
        expect(unitJob["runs-on"]).toBe("ubuntu-latest");
        expect(unitJob.container).toBe("debian:12");
        expect(unitJob.if).toBeUndefined();
        expect(unitJob.steps[unitJob.steps.length - 1].run).toBe("npx vitest run --project unit");
        expect(unitJob.steps.some((s) => /^actions\/checkout@/.test(s.uses ?? ""))).toBe(true);
        // The unit tests need actionlint and the host packages setup installs.
        const prepare = unitJob.steps.map((s) => s.run ?? "").join("\n");
        expect(prepare).toContain("bash tools/setup.sh --packages");
        expect(prepare).toContain("github.com/rhysd/actionlint/cmd/actionlint@v");
        expect(prepare).toContain("npm ci");
    });
});

describe("the workflow's 'did the stack's inputs change' step", () => {
    /**
     * Runs the step's script, as GitHub runs `run:` (bash -eo pipefail), for every stack, in a
     * fresh repository whose last commit touches `files`; returns the stacks it marks changed.
     */
    function changedStacks(files: string[], base = "HEAD^1"): string[] {
        const dir = mkdtempSync(join(tmpdir(), "lvs-lab-workflow-"));
        try {
            const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, stdio: "pipe" });
            const write = (file: string, text: string) => {
                mkdirSync(dirname(join(dir, file)), { recursive: true });
                writeFileSync(join(dir, file), text);
            };
            git("init", "-q");
            for (const f of [...stackNames().map((s) => `stacks/Pulumi.${s}.yaml`), ...files]) write(f, "first\n");
            git("add", "-A");
            git("commit", "-qm", "first");
            for (const f of files) write(f, "second\n");
            git("add", "-A");
            git("commit", "-qm", "second");
            const script = join(dir, "..", `${dir.split("/").pop()}-step.sh`);
            writeFileSync(script, inputsStep.run!);
            return stackNames().filter((stack) => {
                const output = join(dir, ".output");
                writeFileSync(output, "");
                execFileSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
                    cwd: dir,
                    env: { ...process.env, STACK: stack, BASE: base, GITHUB_OUTPUT: output },
                });
                const said = readFileSync(output, "utf8");
                expect(said).toMatch(/^changed=(true|false)\n$/);
                return said === "changed=true\n";
            });
        } finally {
            rmSync(dir, { recursive: true, force: true });
            rmSync(`${dir}-step.sh`, { force: true });
        }
    }

    it("is fed the PR's base or the commit before the push", () => {
        expect(inputsStep.env).toEqual({
            STACK: "${{ matrix.stack }}",
            BASE: "${{ github.event_name == 'pull_request' && 'HEAD^1' || github.event.before }}",
        });
    });

    it("marks a stack whose stack file changed, and only that one", () => {
        expect(changedStacks(["stacks/Pulumi.nat.yaml"])).toEqual(["nat"]);
        expect(changedStacks(["stacks/Pulumi.dr-nfs.yaml", "stacks/Pulumi.tun.yaml"])).toEqual(["dr-nfs", "tun"]);
    });

    it("marks every stack when the program, components, dependencies, provider or workflow changed", () => {
        for (const shared of ["components/render/ipvs.ts", "index.ts", "package.json", "package-lock.json", "Pulumi.yaml", "tsconfig.json", "sdks/libvirt/index.ts", "tools/libvirt-provider/main.go", ".github/workflows/preview.yml"]) {
            expect(changedStacks([shared]), shared).toEqual(stackNames());
        }
    });

    it("marks every stack when what the job sets up or runs the engine with changed: toolchain, image, sandbox, engine wrappers, command plugin", () => {
        for (const shared of [
            "tools/build-image.sh",
            "tools/sandbox.sh",
            "tools/kvm-probe.sh",
            "tools/pulumi",
            "tools/lib.sh",
            "tools/toolchain.sh",
            "tools/setup.sh",
            "tools/requirements.sh",
            "tools/host-packages.txt",
            "tools/command-provider/main.go",
            "tools/command-provider/go.sum",
            "tools/libvirt-provider/go.mod",
            ".github/sandboxed-engine/pulumi",
        ]) {
            expect(changedStacks([shared]), shared).toEqual(stackNames());
        }
    });

    it("marks nothing for documentation, diagrams, examples, tests or tools the job does not run", () => {
        expect(changedStacks(["README.md", "docs/testing.md", "LICENSE", "stacks/default.mmd", "stacks/default.svg", "examples/index.ts", "test/unit/x.test.ts"])).toEqual([]);
        expect(changedStacks(["tools/lab.sh", "tools/diagrams.ts", "tools/pulumi-notes.md", "tools/sandbox.sh.orig"])).toEqual([]);
    });

    it("marks every stack when the base is not in the history (a force push)", () => {
        expect(changedStacks(["README.md"], "0123456789abcdef0123456789abcdef01234567")).toEqual(stackNames());
    });
});
