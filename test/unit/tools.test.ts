import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { dump, load } from "js-yaml";
import { tmpdir } from "os";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_NAMESPACE, parseLabConfig, printedFixLines } from "../../components/config";
import { shellcheckFindings } from "../shellcheck";
import { loadStackConfig } from "../stacks";

const REPO = join(__dirname, "..", "..");
const LAB = join(REPO, "tools", "lab.sh");

it("the project's own shell tools pass shellcheck", () => {
    const tools = readdirSync(join(REPO, "tools"))
        .filter((f) => f.endsWith(".sh") || f === "pulumi")
        .map((f) => join(REPO, "tools", f));
    const files = [...tools, join(REPO, ".ci", "run"), join(REPO, "components", "render", "assets", "lvs-lab-ipvs-apply.sh")];
    expect(tools.length).toBeGreaterThan(5);
    expect(shellcheckFindings(["-x", "-P", "SCRIPTDIR", "--shell=bash", ...files])).toBe("");
});

/** The environment without the lab command's own variables, so a developer's shell cannot leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const k of ["LVS_LAB_PROJECT", "LVS_LAB_STACK", "LVS_LAB_STATE_HOME", "PULUMI_BACKEND_URL"]) delete env[k];
    return { ...env, ...extra };
}

/** Runs the lab command (tools/lab.sh) as `npm run lab --` does. */
const labIn = (env: NodeJS.ProcessEnv) => (...args: string[]) => spawnSync("bash", [LAB, ...args], { encoding: "utf8", env });

/**
 * A project of its own for the lab command: Pulumi.yaml (stack files in stacks/), the given
 * stack files, its own file backend and state home. Never the clone's .lab.
 */
function tempProject(stacks: Record<string, object>, under = tmpdir()) {
    mkdirSync(under, { recursive: true });
    const dir = mkdtempSync(join(under, "lvs-lab-cli-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: lvs-lab\nruntime: nodejs\nmain: index.js\nstackConfigDir: stacks\n");
    mkdirSync(join(dir, "stacks"));
    mkdirSync(join(dir, "state"));
    for (const [name, doc] of Object.entries(stacks)) writeFileSync(join(dir, "stacks", `Pulumi.${name}.yaml`), dump(doc));
    const env = cleanEnv({ LVS_LAB_PROJECT: dir, LVS_LAB_STATE_HOME: join(dir, "lab-state"), PULUMI_BACKEND_URL: `file://${join(dir, "state")}` });
    return { dir, env, lab: labIn(env), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stack file of a raw lab config, keys under the project's namespace. */
const stackFile = (raw: Record<string, unknown>) => ({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, v])) });

/** Every command the main help lists. */
const COMMANDS = ["use", "status", "config", "up", "preview", "stop", "start", "destroy", "curl", "follow", "ipvs", "logs", "ssh", "help", "exec"];

describe("lab: help, arguments and exit codes", () => {
    const lab = labIn(cleanEnv());

    it.each([[], ["help"], ["-h"], ["--help"], ["-s", "ha", "--help"]])("%j prints the help on stdout and exits 0", (...args: string[]) => {
        const r = lab(...args);
        expect(r.status).toBe(0);
        expect(r.stdout.split("\n")[0]).toBe("usage: npm run lab -- [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]");
        expect(r.stdout).toMatch(/^ {2}config ARGS\.\.\. /m);
        expect(r.stderr).toBe("");
    });

    it("the help lists every command, and no other", () => {
        const listed = [...lab("help").stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
        expect(listed.sort()).toEqual([...COMMANDS].sort());
    });

    it.each(COMMANDS)("per-command help of %s: `help CMD`, `CMD --help` and `CMD -h` print its usage on stdout and exit 0", (cmd) => {
        for (const args of [["help", cmd], [cmd, "--help"], [cmd, "-h"]]) {
            const r = lab(...args);
            expect(r.status, args.join(" ")).toBe(0);
            expect(r.stdout.split("\n")[0], args.join(" ")).toMatch(new RegExp(`^usage: npm run lab -- ${cmd}( |$)`));
            expect(r.stdout.split("\n").length, args.join(" ")).toBeGreaterThan(3);
            expect(r.stderr, args.join(" ")).toBe("");
        }
    });

    it.each([["frobnicate"], ["help", "frobnicate"]])("%j: names the unknown command and exits 2 with the usage on stderr", (...args: string[]) => {
        const r = lab(...args);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.split("\n")[0]).toBe("lab: unknown command 'frobnicate'");
        expect(r.stderr).toContain("usage: npm run lab -- [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]");
    });

    it.each([
        [["-x", "status"], "lab: unknown option -x"],
        [["-s"], "lab: option -s needs a value"],
        [["-s", "no such", "status"], "lab: not a stack name: 'no such' (letters, digits, '_', '.', '-')"],
    ])("%j: a mistake in the options exits 2 with the message and the usage", (args, message) => {
        const r = lab(...args);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.split("\n")[0]).toBe(message);
        expect(r.stderr).toContain("usage: npm run lab -- [-C PROJECT_DIR]");
    });

    it.each([
        [["follow", "abc"], "follow", "follow: N must be a positive number, not 'abc'"],
        [["follow", "0"], "follow", "follow: N must be a positive number, not '0'"],
        [["follow", "2", "3"], "follow", "follow: too many arguments"],
        [["ssh"], "ssh", "ssh: name a machine"],
        [["logs"], "logs", "logs: name one machine"],
        [["logs", "-n", "x", "director"], "logs", "logs: -n needs a number of lines, not 'x'"],
        [["logs", "-z", "director"], "logs", "logs: unknown option -z"],
        [["up", "a", "b"], "up", "up: too many arguments"],
        [["status", "now"], "status", "status: too many arguments"],
        [["stop", "now"], "stop", "stop: too many arguments"],
        [["ipvs", "x"], "ipvs", "ipvs: too many arguments"],
        [["exec"], "exec", "exec: name a command"],
        [["use", "a", "b"], "use", "use: name one stack"],
    ])("%j: exits 2 naming the mistake, with that command's usage on stderr, before touching any lab", (args, cmd, message) => {
        const r = lab(...args);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        const lines = r.stderr.split("\n").filter((l) => !l.startsWith("lab: stack "));
        expect(lines[0]).toBe(`lab: ${message}`);
        expect(lines[1]).toMatch(new RegExp(`^usage: npm run lab -- ${cmd}( |$)`));
    });
});

describe("lab use: the stack is chosen once, and every command names it", () => {
    let p: ReturnType<typeof tempProject>;
    beforeAll(() => {
        p = tempProject({ a: { config: {} }, b: { config: {} } });
    });
    afterAll(() => p.remove());
    const current = () => join(p.dir, "lab-state", "current-stack");

    it("without a choice, the stack is `default`, and `use` says where that came from", () => {
        const r = p.lab("use");
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "default\n", "lab: stack default (the default)\n"]);
        expect(existsSync(current())).toBe(false);
    });

    it("`use b` records b in LVS_LAB_STATE_HOME/current-stack, and later commands act on it", () => {
        const r = p.lab("use", "b");
        expect(r.status).toBe(0);
        expect(r.stderr).toBe(`lab: commands act on stack b from now on (recorded in ${current()})\n`);
        expect(readFileSync(current(), "utf8")).toBe("b\n");
        const again = p.lab("use");
        expect([again.stdout, again.stderr]).toEqual(["b\n", "lab: stack b (chosen by 'lab use' or the last 'lab up')\n"]);
    });

    it("-s and LVS_LAB_STACK win over the recorded stack, and `use` warns while LVS_LAB_STACK is set", () => {
        expect(p.lab("-s", "a", "use").stdout).toBe("a\n");
        expect(p.lab("-s", "a", "use").stderr).toBe("lab: stack a (-s)\n");
        const env = labIn({ ...p.env, LVS_LAB_STACK: "a" });
        expect(env("use").stderr).toBe("lab: stack a (LVS_LAB_STACK)\n");
        expect(env("use", "b").stderr).toContain("lab: but LVS_LAB_STACK=a wins while it is set\n");
    });

    it("refuses a stack with no config file (exit 1) or a bad name (exit 2), and keeps the recorded one", () => {
        p.lab("use", "b");
        const r = p.lab("use", "nosuch");
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`lab: no stack 'nosuch' in ${p.dir}: no stacks/Pulumi.nosuch.yaml; its stacks: a b\n`);
        expect(p.lab("use", "a b").status).toBe(2);
        expect(readFileSync(current(), "utf8")).toBe("b\n");
    });

    it("without LVS_LAB_STATE_HOME, the choice is the project's own (PROJECT/.lab/current-stack)", () => {
        const env = { ...p.env };
        delete env.LVS_LAB_STATE_HOME;
        expect(labIn(env)("use", "a").status).toBe(0);
        expect(readFileSync(join(p.dir, ".lab", "current-stack"), "utf8")).toBe("a\n");
    });

    it("a command that needs the lab's outputs before any up names the stack and says how to bring it up", () => {
        p.lab("use", "b");
        for (const args of [["logs", "director"], ["ipvs"], ["stop"]]) {
            const r = p.lab(...args);
            expect(r.status, args.join(" ")).toBe(1);
            expect(r.stderr, args.join(" ")).toBe("lab: stack b (chosen by 'lab use' or the last 'lab up')\nlab: no lab 'b' is up: run npm run lab -- up b\n");
        }
        const named = p.lab("-C", p.dir, "ipvs");
        expect(named.stderr).toContain(`lab: no lab 'b' is up: run npm run lab -- -C ${p.dir} up b\n`);
    });
});

describe("lab config: every fix line a config error prints works exactly as printed", () => {
    let p: ReturnType<typeof tempProject>;
    const raw = structuredClone(loadStackConfig("default")) as any;
    raw.realServers[1].ip = "192.168.169.20";
    raw.service.shceduler = "rr";
    raw.service.mode = "DR";
    raw.sshUser = "Lab User";
    beforeAll(() => {
        p = tempProject({ t: stackFile(raw) });
        expect(p.lab("use", "t").status).toBe(0);
    });
    afterAll(() => p.remove());
    const stackConfig = (): Record<string, unknown> => {
        const doc = load(readFileSync(join(p.dir, "stacks", "Pulumi.t.yaml"), "utf8")) as { config: Record<string, unknown> };
        return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.slice(CONFIG_NAMESPACE.length + 1), v]));
    };

    it("pasted into a shell in the clone, the lines fix the chosen stack's config", () => {
        let lines: string[] = [];
        try {
            parseLabConfig(raw, { exists: () => true });
        } catch (e: any) {
            lines = printedFixLines(e.message);
        }
        expect(lines).toHaveLength(4);
        for (const line of lines) {
            const r = spawnSync("bash", ["-c", line], { cwd: REPO, encoding: "utf8", env: p.env });
            expect(r.status, `${line}\n${r.stderr}`).toBe(0);
            expect(r.stderr, line).toContain("lab: stack t (chosen by 'lab use' or the last 'lab up')\n");
        }
        const fixed = parseLabConfig(stackConfig(), { exists: () => true });
        expect([fixed.sshUser, fixed.service.mode, fixed.realServers[1].ip]).toEqual(["lab", "dr", "192.168.168.200"]);
    }, 120_000);

    it("`config set KEY VALUE` without --path sets a key path, and `config get` reads it back", () => {
        expect(p.lab("config", "set", "service.scheduler", "wrr").status).toBe(0);
        expect(p.lab("config", "set", "realServers[1].weight", "3").status).toBe(0);
        expect((stackConfig().service as any).scheduler).toBe("wrr");
        expect((stackConfig().realServers as any)[1].weight).toBe(3);
        const get = p.lab("config", "get", "service.scheduler");
        expect([get.status, get.stdout]).toEqual([0, "wrr\n"]);
    }, 60_000);
});

describe("lab logs and status read the stack's access output", () => {
    // A stack whose program only exports an `access` output (no resources, no sandbox), under the
    // clone so the program finds @pulumi/pulumi in its node_modules.
    let p: ReturnType<typeof tempProject>;
    let env: NodeJS.ProcessEnv;
    const lab = (...args: string[]) => labIn(env)(...args);
    beforeAll(() => {
        p = tempProject({ t: { config: {} } }, join(REPO, ".lab", "tmp"));
        env = { ...p.env, LVS_LAB_STACK: "t" };
        const log = (name: string) => join(p.dir, `${name}-console.log`);
        writeFileSync(log("d1"), "boot\ncloud-init done\nd1 login: \n");
        const access = {
            sshUser: "lab", libvirtUri: "qemu:///system", network: "unit", mode: "dr", vip: "10.9.0.100", ports: [80], directors: ["d1"], client: "c",
            machines: [
                { name: "d1", role: "director", ip: "10.9.0.2", domainName: "lvs-unit-cli-d1", consoleLog: log("d1") },
                { name: "c", role: "client", ip: "10.9.0.3", domainName: "lvs-unit-cli-c", consoleLog: log("c") },
            ],
        };
        writeFileSync(join(p.dir, "index.js"), `exports.access = ${JSON.stringify(access)};\n`);
        const pulumi = (...args: string[]) => execFileSync("bash", [join(REPO, "tools", "pulumi"), "-C", p.dir, "--non-interactive", ...args, "--stack", "t"], { encoding: "utf8", env });
        execFileSync("bash", [join(REPO, "tools", "pulumi"), "-C", p.dir, "--non-interactive", "stack", "init", "t"], { encoding: "utf8", env });
        pulumi("up", "--yes", "--skip-preview");
    }, 120_000);
    afterAll(() => p?.remove());

    it("logs HOST prints the machine's console log from the path in the output; -n the last lines", () => {
        const r = lab("logs", "d1");
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "boot\ncloud-init done\nd1 login: \n", "lab: stack t (LVS_LAB_STACK)\n"]);
        expect(lab("logs", "-n", "1", "d1").stdout).toBe("d1 login: \n");
    });

    it("logs of an unknown machine names the lab's machines; of one with no log yet says so (exit 1)", () => {
        const r = lab("logs", "nosuch");
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("lab: no machine nosuch in stack t; its machines: d1 c\n");
        const none = lab("logs", "c");
        expect(none.status).toBe(1);
        expect(none.stderr).toContain(`lab: no console log of c at ${join(p.dir, "c-console.log")}`);
    });

    it("status lists the stacks, the lab's machines with their domains and state, the engine and the command plugin", () => {
        // The plugin setup recorded is read from PULUMI_HOME: one of the test's own, so each record is
        // named as it is (a clone without setup has none, and status then says so and exits 1).
        const home = join(p.dir, "pulumi-home");
        mkdirSync(home, { recursive: true });
        const status = (plugin?: string) => {
            if (plugin) writeFileSync(join(home, "command-plugin"), `${plugin}\n`);
            else rmSync(join(home, "command-plugin"), { force: true });
            return labIn({ ...env, LVS_LAB_PULUMI_HOME: home })("status");
        };
        const command = require("../../package.json").dependencies["@pulumi/command"];
        const r = status("official");
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain(`project: ${p.dir}\n`);
        expect(r.stdout).toContain("stacks (* = the one commands act on: t, LVS_LAB_STACK):\n");
        expect(r.stdout).toMatch(/^\* t +config stacks\/Pulumi\.t\.yaml; state, 1 resources \(last update [^)]+\)$/m);
        expect(r.stdout).toMatch(/^sandbox: (up|down)/m);
        expect(r.stdout).toContain("lab t: dr mode, VIP 10.9.0.100:80, SSH user lab, directors d1\n");
        expect(r.stdout).toMatch(/^ {2}d1 +director +10\.9\.0\.2 +lvs-unit-cli-d1 +(not defined|\(sandbox down\))$/m);
        expect(r.stdout).toMatch(/^ {2}c +client +10\.9\.0\.3 +lvs-unit-cli-c +(not defined|\(sandbox down\))$/m);
        expect(r.stdout).toMatch(/^engine: pulumi v\d+\.\d+\.\d+$/m);
        expect(r.stdout).toContain(`\ncommand plugin: the official pulumi-resource-command v${command}\n`);
        const own = status("lvs-lab");
        expect(own.status, own.stderr).toBe(0);
        expect(own.stdout).toContain(`\ncommand plugin: lvs-lab's own pulumi-resource-command v${command} (tools/command-provider)\n`);
        const none = status();
        expect(none.status).toBe(1);
        expect(none.stdout).toContain("\ncommand plugin: none installed (run 'npm run setup')\n");
    }, 60_000);
});

describe("toolchain.sh with a system pulumi of the pinned version", () => {
    const pinned = require("../../package.json").dependencies["@pulumi/pulumi"];
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "lvs-toolchain-"));
        mkdirSync(join(dir, "bin"));
        // A stand-in pulumi, unit tests only: prints the pinned version; `plugin install` exits $INSTALL.
        writeFileSync(join(dir, "bin", "pulumi"), `#!/bin/sh\nif [ "$1" = version ]; then echo v${pinned}; exit 0; fi\necho "$PULUMI_HOME $*" >>"${dir}/calls"\nexit "$INSTALL"\n`, { mode: 0o755 });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs toolchain.sh with the stand-in first on PATH, a cache and a PULUMI_HOME (`home`) of the test's own. */
    const toolchain = (install: string, home = "home") => spawnSync("bash", [join(REPO, "tools", "toolchain.sh")], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}`, LVS_LAB_CACHE: join(dir, "cache"), LVS_LAB_PULUMI_HOME: join(dir, home), LVS_LAB_TOOLCHAIN: "auto", INSTALL: install },
    });

    it("installs the official command plugin the ordinary way and records it for lab status; builds nothing", () => {
        const r = toolchain("0");
        expect(r.status).toBe(0);
        expect(readFileSync(join(dir, "home", "command-plugin"), "utf8")).toBe("official\n");
        const pinnedCommand = require("../../package.json").dependencies["@pulumi/command"];
        expect(readFileSync(join(dir, "calls"), "utf8")).toBe(`${join(dir, "home")} plugin install resource command ${pinnedCommand}\n`);
        expect(existsSync(join(dir, "cache", "toolchain", `pulumi-v${pinned}`))).toBe(false);
    });

    it("installs it once: a second setup finds it recorded and asks for nothing", () => {
        writeFileSync(join(dir, "calls"), "");
        expect(toolchain("1").status).toBe(0);
        expect(readFileSync(join(dir, "home", "command-plugin"), "utf8")).toBe("official\n");
        expect(readFileSync(join(dir, "calls"), "utf8")).toBe("");
    });

    it("where that fails, records no plugin and says that pulumi up installs it", () => {
        const r = toolchain("1", "home-offline");
        expect(r.status).toBe(0);
        expect(existsSync(join(dir, "home-offline", "command-plugin"))).toBe(false);
        expect(r.stderr).toContain("the official command plugin could not be installed now");
    });
});

describe("toolchain.sh's stamp of a plugin's sources", () => {
    /** Runs toolchain.sh's own plugin_stamp on `src` the way the script does: under errexit and pipefail, as a condition. */
    const stamp = (src: string) => spawnSync("bash", ["-c", `set -euo pipefail; eval "$(sed -n '/^plugin_stamp() {/,/^}/p' "$1")"; if out=$(plugin_stamp "$2"); then echo "$out"; else echo "failed: $?"; exit 1; fi`, "bash", join(REPO, "tools", "toolchain.sh"), src], { encoding: "utf8" });

    it("succeeds for a module without .json files (a failed stamp made setup skip a command plugin it had just built)", () => {
        const src = mkdtempSync(join(tmpdir(), "lvs-stamp-"));
        try {
            for (const f of ["go.mod", "go.sum", "main.go"]) writeFileSync(join(src, f), `${f}\n`);
            const first = stamp(src);
            expect(first.status, first.stdout + first.stderr).toBe(0);
            expect(first.stdout).toMatch(/^[0-9a-f]{16}\n$/);
            expect(stamp(src).stdout).toBe(first.stdout);
            writeFileSync(join(src, "main.go"), "changed\n");
            expect(stamp(src).stdout).not.toBe(first.stdout);
            const changed = stamp(src).stdout;
            writeFileSync(join(src, "schema.json"), "{}\n");
            const withSchema = stamp(src);
            expect(withSchema.status).toBe(0);
            expect(withSchema.stdout).not.toBe(changed);
        } finally {
            rmSync(src, { recursive: true, force: true });
        }
    });

    it("is the stamp of both plugins' sources as they are (each module holds go.mod, go.sum and .go files)", () => {
        for (const plugin of ["command-provider", "libvirt-provider"]) expect(stamp(join(REPO, "tools", plugin)).status, plugin).toBe(0);
    });
});
