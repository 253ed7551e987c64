import { execFileSync } from "child_process";
import { readdirSync } from "fs";
import { join } from "path";
import { expect, it } from "vitest";

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
