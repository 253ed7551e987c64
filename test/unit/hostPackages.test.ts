import { execFileSync, spawnSync } from "child_process";
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from "fs";
import { join, relative } from "path";
import { describe, expect, it } from "vitest";
import { renderSshWait } from "../../components/render";

const REPO = join(__dirname, "..", "..");
const TABLE = join(REPO, "tools", "host-packages.txt");

/** One line of tools/host-packages.txt: a command (or an absolute path) and its Debian package. */
interface HostPackage {
    what: string;
    pkg: string;
    origin: "setup" | "base" | "readme" | "built";
}

/** Parses tools/host-packages.txt, failing on a malformed line. */
function readTable(text: string): HostPackage[] {
    const rows: HostPackage[] = [];
    text.split("\n").forEach((raw, i) => {
        const line = raw.replace(/#.*/, "").trim();
        if (!line) return;
        const [what, pkg, origin = "setup", ...rest] = line.split(/\s+/);
        if (!pkg || rest.length || !["setup", "base", "readme", "built"].includes(origin)) {
            throw new Error(`tools/host-packages.txt:${i + 1}: want "COMMAND PACKAGE [base|readme|built]", got "${raw}"`);
        }
        rows.push({ what, pkg, origin: origin as HostPackage["origin"] });
    });
    return rows;
}

// Bash keywords and builtins: never host commands.
const BASH_WORDS = new Set(
    ("if then else elif fi case esac for select while until do done in function time coproc " +
        "alias bg bind break builtin caller cd command compgen complete continue declare dirs disown echo enable eval " +
        "exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd " +
        "read readarray readonly return set shift shopt source suspend test times trap true type typeset ulimit umask " +
        "unalias unset wait").split(" "),
);

/**
 * Blanks what bash would not run as a command: comments and the insides of quotes (a quoted word
 * becomes the placeholder Q, so it still takes its place), keeping `$(...)` inside double quotes.
 */
function blankQuotes(src: string): string {
    let out = "";
    const modes: string[] = ["n"]; // n: normal, d: double quotes, c: $( ) inside double quotes
    let depth: number[] = [];
    for (let i = 0; i < src.length; i++) {
        const ch = src[i];
        const mode = modes[modes.length - 1];
        if (mode === "d") {
            if (ch === "\\") { out += "  "; i++; continue; }
            if (ch === '"') { modes.pop(); out += " "; continue; }
            if (ch === "$" && src[i + 1] === "(") { modes.push("c"); depth.push(0); out += "$("; i++; continue; }
            out += ch === "\n" ? "\n" : " ";
            continue;
        }
        if (ch === "\\") { out += src.slice(i, i + 2); i++; continue; }
        if (ch === "#" && (i === 0 || /[\s;|&(]/.test(src[i - 1]))) {
            while (i < src.length && src[i] !== "\n") i++;
            out += "\n";
            continue;
        }
        if (ch === "'") {
            const end = src.indexOf("'", i + 1);
            const body = src.slice(i, end < 0 ? src.length : end + 1);
            out += "Q" + body.slice(1).replace(/[^\n]/g, " ");
            i += body.length - 1;
            continue;
        }
        if (ch === '"') { modes.push("d"); out += "Q"; continue; }
        if (mode === "c") {
            if (ch === "(") depth[depth.length - 1]++;
            if (ch === ")") {
                if (depth[depth.length - 1] === 0) { modes.pop(); depth.pop(); out += ")"; continue; }
                depth[depth.length - 1]--;
            }
        }
        out += ch;
    }
    return out;
}

/** Removes heredoc bodies (their text is data or another machine's script, not commands here). */
function dropHeredocs(src: string): string {
    const out: string[] = [];
    let end: string | undefined;
    let tabs = false;
    for (const line of src.split("\n")) {
        if (end !== undefined) {
            if ((tabs ? line.replace(/^\t+/, "") : line) === end) end = undefined;
            continue;
        }
        out.push(line);
        const m = /(?:^|[^<])<<(-?)\s*(['"]?)([A-Za-z_]\w*)\2/.exec(line);
        if (m) [tabs, end] = [m[1] === "-", m[3]];
    }
    return out.join("\n");
}

/** The first word of each simple command in `text` (already without quotes and heredocs). */
function commandWords(text: string): string[] {
    const words: string[] = [];
    const flat = text
        .replace(/\\\n/g, " ")
        .replace(/\$?\(\([^)]*\)\)/g, " A ") // arithmetic
        .replace(/\$\{[^}]*\}/g, "V") // parameter expansions
        .replace(/\b[A-Za-z_]\w*\+?=\([^)]*\)/g, " ") // array assignments
        .replace(/^(\s*)[^\s()$]+\)(?=\s|$)/gm, "$1"); // case patterns
    for (const segment of flat.split(/\|\||&&|[;|&(){}`\n]|\$\(|\b(?:then|do|else|elif|if|while|until)\b|!(?=\s)/)) {
        const w = segment.trim().split(/\s+/).filter(Boolean);
        let i = 0;
        while (i < w.length && /^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(w[i])) i++;
        for (;;) {
            if (w[i] === "exec" || w[i] === "time") i++;
            else if (w[i] === "env" || w[i] === "nohup") { words.push(w[i]); i++; while (i < w.length && (/=/.test(w[i]) || w[i].startsWith("-"))) i++; }
            else if (w[i] === "timeout") { words.push(w[i]); i++; while (i < w.length && /^(-|\d)/.test(w[i])) i++; }
            else if (w[i] === "trap" && w[i + 1] !== undefined) { words.push(w[i + 1]); break; } // trap FUNCTION SIGNAL
            else if (w[i] === "command" && w[i + 1] === "-v") i += 2;
            else if (w[i] === "ip" && w[i + 1] === "netns" && w[i + 2] === "exec") { words.push("ip"); i += 4; }
            else break;
        }
        if (w[i] !== undefined) words.push(w[i]);
    }
    return words;
}

/**
 * The commands a bash script runs, read closely enough for this project's scripts: the first word
 * of each simple command, after assignments and the wrappers exec, env, timeout, `command -v` and
 * `ip netns exec NS`, and a function a trap runs. Heredoc bodies, single-quoted text and a `chroot`'s command (the guest's)
 * are not read, nor are the bodies of functions the script never calls. Functions (the script's
 * and `known`, e.g. lib.sh's) and bash builtins are left out.
 */
function shellCommands(script: string, known: Set<string> = new Set()): Set<string> {
    const text = blankQuotes(dropHeredocs(script));
    // Function bodies: `name() {` to the `}` at the same indentation.
    const bodies = new Map<string, string>();
    let outside = text;
    for (const m of text.matchAll(/^([ \t]*)([A-Za-z_][\w-]*)\s*\(\)\s*\{[ \t]*\n([\s\S]*?)^\1\}[ \t]*$/gm)) {
        bodies.set(m[2], m[3]);
        outside = outside.replace(m[0], "");
    }
    const functions = new Set([...known, ...bodies.keys()]);
    // The functions run: called outside any function, or from a function that is run.
    const run = new Set<string>();
    let pending = commandWords(outside);
    while (pending.length) {
        const next: string[] = [];
        for (const w of pending) {
            if (bodies.has(w) && !run.has(w)) { run.add(w); next.push(...commandWords(bodies.get(w)!)); }
        }
        pending = next;
    }
    const words = [...commandWords(outside), ...[...run].flatMap((f) => commandWords(bodies.get(f)!))];
    return new Set(words.filter((c) => /^[a-z][a-z0-9._+-]*$/.test(c) && !BASH_WORDS.has(c) && !functions.has(c)));
}

/** The names of the functions a bash file defines. */
function shellFunctions(script: string): Set<string> {
    return new Set([...script.matchAll(/^\s*([A-Za-z_][\w-]*)\s*\(\)/gm)].map((m) => m[1]));
}

/**
 * The commands TypeScript code runs: the first string of execFile/execFileSync/spawn/run/exec
 * calls, the command after "exec" in an argument list (the sandbox's `exec CMD`), and literal
 * paths into bin directories ("/usr/sbin/sshd").
 */
function tsCommands(text: string): Set<string> {
    const found = new Set<string>();
    for (const m of text.matchAll(/\b(?:execFileSync|execFile|execSync|spawnSync|spawn|run|exec)\(\s*"([^"\s]+)"/g)) found.add(m[1]);
    for (const m of text.matchAll(/"exec",\s*"([a-z][\w.+-]*)"/g)) found.add(m[1]);
    for (const m of text.matchAll(/"\/(?:usr\/)?s?bin\/([a-z][\w.+-]*)"/g)) found.add(m[1]);
    return found;
}

/**
 * The commands Go code runs: exec.Command, exec.CommandContext and exec.LookPath of a literal, and
 * literal paths into bin directories (the command provider's default interpreter "/bin/sh").
 */
function goCommands(text: string): Set<string> {
    const found = new Set<string>();
    for (const m of text.matchAll(/"\/(?:usr\/)?s?bin\/([a-z][\w.+-]*)"/g)) found.add(m[1]);
    for (const m of text.matchAll(/\bexec\.(?:Command|LookPath)\(\s*"([^"]+)"|\bexec\.CommandContext\(\s*\w+,\s*"([^"]+)"/g)) {
        found.add((m[1] ?? m[2]).replace(/^.*\//, ""));
    }
    return found;
}

/** Files under `dir` (recursively) whose names match `name`, skipping node_modules and dot dirs. */
function filesUnder(dir: string, name: RegExp): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((f) => {
        const path = join(dir, f);
        if (f === "node_modules" || f.startsWith(".")) return [];
        return statSync(path).isDirectory() ? filesUnder(path, name) : name.test(f) ? [path] : [];
    });
}

/** The Debian package that provides each path, as `dpkg -S` resolves it (one dpkg call). */
function dpkgOwners(paths: string[]): Map<string, string[]> {
    const r = spawnSync("dpkg", ["-S", ...paths], { encoding: "utf8" });
    if (r.error) throw new Error(`prerequisite missing: dpkg (${r.error.message})`);
    const owners = new Map<string, string[]>();
    for (const line of r.stdout.split("\n")) {
        const m = /^(.+?): (\/.*)$/.exec(line);
        if (m && !m[1].startsWith("diversion by")) owners.set(m[2], m[1].split(", ").map((p) => p.replace(/:.*$/, "")));
    }
    return owners;
}

/**
 * The paths under which dpkg may know a command's file: the path itself, its /usr-merged twin
 * (/usr/bin/x is /bin/x to dpkg), and the same for where its symlinks (alternatives) lead.
 */
function candidatePaths(path: string): string[] {
    const twins = (p: string) => [p, p.replace(/^\/usr\/(s?bin|lib)\//, "/$1/"), p.replace(/^\/(s?bin|lib)\//, "/usr/$1/")];
    return [...new Set([...twins(path), ...twins(realpathSync(path))])];
}

/** Where `cmd` is on this machine's PATH (plus the sbin directories root has), or undefined. */
function which(cmd: string): string | undefined {
    const r = spawnSync("bash", ["-c", 'PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v "$1"', "which", cmd], { encoding: "utf8" });
    const path = r.stdout.trim();
    return r.status === 0 && path.startsWith("/") ? path : undefined;
}

const table = readTable(readFileSync(TABLE, "utf8"));
/** What the table names: each line's command or path, and for a path into a bin directory its command too (the code runs that very file). */
const named = new Set(table.flatMap((r) => [r.what, ...(/^\/(usr\/)?s?bin\/[^/]+$/.test(r.what) ? [r.what.replace(/^.*\//, "")] : [])]));

describe("host packages (tools/host-packages.txt)", () => {
    it("names every command the project's host scripts, tests and providers run", () => {
        const used = new Map<string, string>(); // command -> where it was seen first
        const note = (cmds: Set<string>, where: string) => cmds.forEach((c) => used.has(c) || used.set(c, where));
        const shell = [...readdirSync(join(REPO, "tools")).filter((f) => f.endsWith(".sh") || f === "pulumi").map((f) => join(REPO, "tools", f)), join(REPO, ".ci", "run")];
        const lib = shellFunctions(readFileSync(join(REPO, "tools", "lib.sh"), "utf8"));
        for (const f of shell) note(shellCommands(readFileSync(f, "utf8"), lib), relative(REPO, f));
        // The host side of the rendered scripts: the SSH wait runs on the engine's host (a local command).
        note(shellCommands(renderSshWait("192.0.2.1", "/tmp/console.log")), "renderSshWait (components/render/cloudInit.ts)");
        const ts = [...filesUnder(join(REPO, "test"), /\.ts$/), ...filesUnder(join(REPO, "tools"), /\.ts$/), ...filesUnder(join(REPO, "components"), /\.ts$/).filter((f) => !f.includes(`${join("components", "render")}`))];
        for (const f of ts) note(tsCommands(readFileSync(f, "utf8")), relative(REPO, f));
        note(providerCommands(), "terraform-provider-libvirt (the libvirt provider's Go source)");
        for (const f of filesUnder(join(REPO, "tools", "command-provider"), /\.go$/).filter((f) => !f.endsWith("_test.go"))) {
            note(goCommands(readFileSync(f, "utf8")), relative(REPO, f));
        }
        // The scan sees the provider's two tools and the sandbox's wrappers; a sanity check that it reads at all.
        for (const c of ["mkisofs", "xsltproc", "virsh", "ip", "ssh-keygen", "shellcheck", "debootstrap"]) expect(used.has(c), `the scan found ${c}`).toBe(true);
        const missing = [...used].filter(([c]) => !named.has(c)).map(([c, where]) => `${c} (run by ${where})`);
        expect(missing, "commands with no line in tools/host-packages.txt").toEqual([]);
    });

    it("maps each command to the package dpkg says provides it, and each command is installed", () => {
        const located = table.filter((r) => r.pkg !== "-").map((r) => ({ ...r, path: r.what.startsWith("/") ? (existsSync(r.what) ? r.what : undefined) : which(r.what) }));
        const absent = located.filter((r) => !r.path).map((r) => `${r.what} (${r.pkg})`);
        expect(absent, "not installed on this machine: run 'npm run setup'").toEqual([]);
        const candidates = new Map(located.map((r) => [r.what, candidatePaths(r.path!)]));
        const owners = dpkgOwners([...new Set([...candidates.values()].flat())]);
        const wrong = located.flatMap((r) => {
            const pkgs = [...new Set(candidates.get(r.what)!.flatMap((p) => owners.get(p) ?? []))];
            return pkgs.includes(r.pkg) ? [] : [`${r.what}: the table says ${r.pkg}, dpkg -S says ${pkgs.join(", ") || "no package"} (${r.path})`];
        });
        expect(wrong).toEqual([]);
        const builtOrOwn = table.filter((r) => r.pkg === "-" && r.origin === "readme").filter((r) => !which(r.what)).map((r) => r.what);
        expect(builtOrOwn, "README requirements not installed").toEqual([]);
        // One `which` and `dpkg -S` per command: 47 s seen on a loaded 2-core host.
    }, 120_000);

    it("setup installs every package of the list that a Debian 12 base system lacks", () => {
        const setupList = setupPackages();
        const notInstalled = table.filter((r) => r.origin === "setup" && !setupList.includes(r.pkg)).map((r) => `${r.what}: ${r.pkg}`);
        expect(notInstalled, "packages tools/setup.sh does not install").toEqual([]);
        const base = [...new Set(table.filter((r) => r.origin === "base").map((r) => r.pkg))];
        const priorities = execFileSync("dpkg-query", ["-W", "-f", "${Package} ${Priority}\\n", ...base], { encoding: "utf8" });
        const notBase = base.filter((p) => !new RegExp(`^${p} required$`, "m").test(priorities));
        expect(notBase, "marked base but not of Priority required: let setup install them").toEqual([]);
        // The README's requirements: a fresh Debian 12 machine, npm (npm ci before setup), Go (the offline toolchain).
        const readme = readFileSync(join(REPO, "README.md"), "utf8");
        expect(readme).toContain("On a fresh Debian 12 machine");
        expect(readme).toContain("npm ci && npm run setup");
        expect(readme).toMatch(/builds everything from Go modules/);
        expect(table.filter((r) => r.origin === "readme").map((r) => r.what).sort()).toEqual(["go", "node", "npm", "npx"]);
    });
});

/**
 * The packages tools/setup.sh installs: what `setup.sh --packages` prints, or, from a setup.sh that
 * has no --packages (one that does not read the list), its literal PACKAGES=( ... ). setup.sh is
 * run only when it has --packages, which exits before doing anything.
 */
function setupPackages(): string[] {
    const setup = join(REPO, "tools", "setup.sh");
    const text = readFileSync(setup, "utf8");
    if (text.includes("[[ ${1:-} == --packages ]]")) {
        return execFileSync("bash", [setup, "--packages"], { encoding: "utf8" }).split(/\s+/).filter(Boolean);
    }
    const literal = /^PACKAGES=\(([^)]*)\)/m.exec(text)?.[1] ?? "";
    return literal.replace(/#.*$/gm, "").split(/\s+/).filter(Boolean);
}

/**
 * The commands the libvirt provider runs, read from the Go source of the terraform-provider-libvirt
 * version tools/libvirt-provider/go.mod pins (in the Go module cache, where setup's build put it).
 */
function providerCommands(): Set<string> {
    const version = /github\.com\/dmacvicar\/terraform-provider-libvirt (v\S+)/.exec(readFileSync(join(REPO, "tools", "libvirt-provider", "go.mod"), "utf8"))?.[1];
    if (!version) throw new Error("tools/libvirt-provider/go.mod pins no terraform-provider-libvirt");
    let modCache: string;
    try {
        modCache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
    } catch (e: any) {
        throw new Error(`prerequisite missing: go (${e.message})`);
    }
    const dir = join(modCache, "github.com", "dmacvicar", `terraform-provider-libvirt@${version}`, "libvirt");
    if (!existsSync(dir)) throw new Error(`prerequisite missing: the libvirt provider's source ${dir} ('npm run setup' builds the provider, or: cd tools/libvirt-provider && go mod download)`);
    const found = new Set<string>();
    // Test helpers (helper/test, *_test.go) run only in the provider's own tests.
    for (const f of filesUnder(dir, /\.go$/).filter((f) => !f.endsWith("_test.go") && !f.includes(join("helper", "test")))) {
        goCommands(readFileSync(f, "utf8")).forEach((c) => found.add(c));
    }
    return found;
}
