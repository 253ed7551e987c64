import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { FILE_EOF } from "../components/render";

/** Scripts a rendered script installs as executables (heredoc bodies under /usr/local/sbin). */
export function embeddedScripts(script: string): string[] {
    const re = new RegExp(`lvs_write /usr/local/sbin/\\S+ 0755 <<'${FILE_EOF}'\\n([\\s\\S]*?)${FILE_EOF}`, "g");
    return [...script.matchAll(re)].map((m) => m[1]);
}

/**
 * Runs shellcheck on each script and returns its findings (empty when clean).
 * Fails loudly when shellcheck itself is missing, or did not check every file (exit 2-4: a file
 * it could not read, bad options): that is no pass, and shellcheck prints nothing on stdout then.
 */
export function shellcheck(scripts: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "lvs-lab-shellcheck-"));
    try {
        const files = Object.entries(scripts).map(([name, text], i) => {
            const file = join(dir, `${i}-${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.sh`);
            writeFileSync(file, text);
            return file;
        });
        return shellcheckFindings(["--shell=bash", "--severity=style", ...files]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * shellcheck's findings with these arguments (empty when clean). Exit 1 is findings; any other
 * failure (a missing shellcheck, a file it could not read, bad options) throws with what it said.
 */
export function shellcheckFindings(args: string[]): string {
    try {
        execFileSync("shellcheck", args, { encoding: "utf8" });
        return "";
    } catch (e: any) {
        if (e.code === "ENOENT") throw new Error("prerequisite missing: shellcheck (apt-get install shellcheck)");
        if (e.status === 1 && String(e.stdout) !== "") return String(e.stdout);
        throw new Error(`shellcheck did not check every file (exit ${e.status}): ${String(e.stderr).trim()}`);
    }
}
