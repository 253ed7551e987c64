import { execFileSync, spawnSync } from "child_process";
import { readdirSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";

const REPO = join(__dirname, "..", "..");

it("the project's own shell tools pass shellcheck", () => {
    const tools = readdirSync(join(REPO, "tools"))
        .filter((f) => f.endsWith(".sh") || f === "pulumi")
        .map((f) => join(REPO, "tools", f));
    const files = [...tools, join(REPO, ".ci", "run"), join(REPO, "components", "render", "assets", "lvs-lab-ipvs-apply.sh")];
    expect(tools.length).toBeGreaterThan(5);
    let findings = "";
    try {
        execFileSync("shellcheck", ["-x", "-P", "SCRIPTDIR", "--shell=bash", ...files], { encoding: "utf8" });
    } catch (e: any) {
        if (e.code === "ENOENT") throw new Error("prerequisite missing: shellcheck (apt-get install shellcheck)");
        findings = String(e.stdout);
    }
    expect(findings).toBe("");
});

describe("lab.sh: help and unknown commands", () => {
    const lab = (...args: string[]) => spawnSync("bash", [join(REPO, "tools", "lab.sh"), ...args], { encoding: "utf8" });

    it.each([[], ["help"], ["-h"], ["--help"]])("%j prints the help on stdout and exits 0", (...args: string[]) => {
        const r = lab(...args);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("lab.sh [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]");
        expect(r.stdout).toMatch(/^ {2}config ARGS\.\.\. /m);
        expect(r.stderr).toBe("");
    });

    it("names an unknown command and exits 2 with the help on stderr", () => {
        const r = lab("frobnicate");
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.split("\n")[0]).toBe("lvs-lab: unknown command 'frobnicate'");
        expect(r.stderr).toContain("lab.sh [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]");
    });
});
