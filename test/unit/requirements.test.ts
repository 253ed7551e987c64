import { execFileSync, spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { satisfies } from "semver";
import { describe, expect, it } from "vitest";

const REPO = join(__dirname, "..", "..");
const SCRIPT = join(REPO, "tools", "requirements.sh");

/** A machine that has everything: what each case changes one fact of. */
const GOOD: Record<string, string> = {
    node: "v20.19.0",
    npm: "10.8.2",
    go_needed: "no",
    uid: "0",
    apt: "yes",
    os: "debian 12",
    mem_mib: "24000",
    disk_mib: "80000",
    image: "yes",
    kvm: "yes",
    pulumi: "3.121.0",
};

/** requirements.sh's verdict on these facts: its lines and whether setup may go on. */
function verdict(facts: Record<string, string | undefined>): { lines: string[]; ok: boolean } {
    const args = Object.entries(facts)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`);
    const r = spawnSync("bash", ["-c", 'source "$0" && requirements_verdict "$@"', SCRIPT, ...args], { encoding: "utf8" });
    if (r.status !== 0 && r.status !== 1) throw new Error(`requirements_verdict exited ${r.status}: ${r.stderr}`);
    expect(r.stderr).toBe("");
    return { lines: r.stdout.split("\n").filter(Boolean), ok: r.status === 0 };
}
const missing = (facts: Record<string, string | undefined>) => verdict(facts).lines.filter((l) => l.startsWith("missing: "));
const warnings = (facts: Record<string, string | undefined>) => verdict(facts).lines.filter((l) => l.startsWith("warning: "));

describe("setup's requirements check (tools/requirements.sh)", () => {
    it("passes a machine that has everything, saying only whether it has KVM", () => {
        expect(verdict(GOOD)).toEqual({ ok: true, lines: ["note: /dev/kvm is there: the labs use KVM where a guest runs under it (tools/kvm-probe.sh decides when a lab comes up), and emulation (TCG) otherwise"] });
    });

    it("stops at Debian 12's own Node.js 18, naming the version, what the lock needs and what to do", () => {
        const v = verdict({ ...GOOD, node: "v18.19.0" });
        expect(v.ok).toBe(false);
        expect(v.lines).toContain(
            "missing: Node.js 18.19.0 cannot run package-lock.json's tools (vite 8 needs 20.19+ or 22.12+, StrykerJS 22.13+ on 22; vitest 4 does not support 21 or 23): install Node.js 20.19+, 22.13+ or 24+ (Debian 12's own nodejs is 18; e.g. NodeSource's nodejs 22 or nvm), then run 'npm ci && npm run setup'",
        );
    });

    it("stops without Node.js, and says how to get it", () => {
        expect(missing({ ...GOOD, node: undefined, npm: undefined })).toEqual([
            "missing: Node.js (20.19+, 22.13+ or 24+) with npm: install it (Debian 12's own nodejs is 18, too old; e.g. NodeSource's nodejs 22 or nvm), then run 'npm ci && npm run setup'",
        ]);
    });

    it("accepts exactly the Node.js versions package.json's engines allow, and those satisfy every package of the lock", () => {
        const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
        const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8"));
        const ranges = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>)
            .filter(([path, p]) => path && !p.optional && p.engines && !Array.isArray(p.engines) && p.engines.node)
            .map(([path, p]) => [path, (p.engines as { node: string }).node] as const);
        expect(ranges.map(([path]) => path)).toContain("node_modules/vite");
        for (const node of ["18.19.0", "20.0.0", "20.18.1", "20.19.0", "20.20.2", "21.7.3", "22.11.0", "22.12.0", "22.13.0", "23.11.0", "24.0.0", "25.1.0"]) {
            const ok = missing({ ...GOOD, node: `v${node}` }).length === 0;
            expect(ok, `Node.js ${node}`).toBe(satisfies(node, pkg.engines.node));
            if (ok) expect(ranges.filter(([, range]) => !satisfies(node, range)), `Node.js ${node}`).toEqual([]);
        }
        expect(satisfies("20.18.1", pkg.engines.node)).toBe(false);
    });

    it("stops at an npm too old for package.json's overrides, or none", () => {
        expect(missing({ ...GOOD, npm: "8.1.0" })).toEqual(["missing: npm 8.1.0 is too old (package.json's overrides need 8.3.0+): run 'npm install -g npm@10'"]);
        expect(missing({ ...GOOD, npm: undefined })).toEqual([
            "missing: npm (8.3.0+): it comes with Node.js from NodeSource or nvm; Debian's nodejs needs the separate npm package",
        ]);
        expect(missing({ ...GOOD, npm: "8.3.0" })).toEqual([]);
    });

    it("asks for Go only when the toolchain must be built", () => {
        expect(verdict({ ...GOOD, go_needed: "no", go: undefined }).ok).toBe(true);
        const fix =
            "install Go 1.22+ (https://go.dev/dl; Debian 12's golang is 1.19) and put it on PATH, or put the Pulumi CLI v3.121.0 on PATH, which needs no build";
        expect(missing({ ...GOOD, go_needed: "yes", go: undefined })).toEqual([`missing: Go 1.22+, to build the Pulumi toolchain from Go modules: ${fix}`]);
        expect(missing({ ...GOOD, go_needed: "yes", go: "go1.19.8" })).toEqual([`missing: Go 1.19.8 is too old to build the Pulumi toolchain (1.22+): ${fix}`]);
        expect(missing({ ...GOOD, go_needed: "yes", go: "go1.22.0", gotoolchain: "auto", go_wants: "1.26.0" })).toEqual([]);
        expect(missing({ ...GOOD, go_needed: "yes", go: "go1.22.0", gotoolchain: "local", go_wants: "1.26.0" })).toEqual([
            "missing: Go 1.22.0 with GOTOOLCHAIN=local cannot build the plugins (their go.mod asks for go 1.26.0): run 'go env -w GOTOOLCHAIN=auto' so go fetches it, or install Go 1.26.0+",
        ]);
        expect(missing({ ...GOOD, go_needed: "yes", go: "go1.26.0", gotoolchain: "local", go_wants: "1.26.0" })).toEqual([]);
    });

    it("stops when not root, or without apt; warns on another system", () => {
        expect(missing({ ...GOOD, uid: "1000" })).toEqual([
            "missing: root: setup and the labs run apt-get, libvirtd, network namespaces and loop devices; run it as root (e.g. 'sudo -i', then 'npm run setup')",
        ]);
        expect(missing({ ...GOOD, apt: undefined })).toEqual(["missing: apt-get and dpkg-query: setup installs Debian packages; lvs-lab runs on Debian 12 (bookworm)"]);
        const other = verdict({ ...GOOD, os: "ubuntu 24.04" });
        expect(other.ok).toBe(true);
        expect(other.lines).toContain(
            "warning: this is ubuntu 24.04, not Debian 12 (bookworm): setup installs Debian 12's package names and builds a Debian 12 guest image, which may fail here",
        );
    });

    it("warns, without stopping, about too little memory or disk for a lab", () => {
        const small = verdict({ ...GOOD, mem_mib: "3000" });
        expect(small.ok).toBe(true);
        expect(warnings({ ...GOOD, mem_mib: "3000" })).toEqual([
            "warning: 3000 MiB of memory: a lab needs about 1 GiB per machine, 4 GiB for the default lab (4 machines), 6 GiB for dr-tomcat",
        ]);
        expect(warnings({ ...GOOD, mem_mib: "4096" })).toEqual([]);
        expect(warnings({ ...GOOD, disk_mib: "1500" })).toEqual(["warning: 1500 MiB free under /var: a lab's pool need about 2048 MiB; free some space"]);
        expect(warnings({ ...GOOD, disk_mib: "8000", image: undefined, go_needed: "yes", go: "go1.22.0" })).toEqual([
            "warning: 8000 MiB free under /var: a lab's pool, the guest image and its build, the Go caches of the toolchain build need about 12288 MiB; free some space",
        ]);
    });

    it("says whether the guests get KVM or run under emulation", () => {
        expect(verdict({ ...GOOD, kvm: undefined })).toEqual({
            ok: true,
            lines: [
                "note: no /dev/kvm: the guests run under emulation (TCG), several times slower than with KVM; enable virtualization (VT-x/AMD-V, or nested virtualization in a VM) to get it",
            ],
        });
    });

    it("reads the versions of the node and npm on PATH, prints every finding and stops setup", () => {
        const bin = mkdtempSync(join(tmpdir(), "lvs-lab-requirements-"));
        try {
            for (const [cmd, out] of [
                ["node", "v18.19.0"],
                ["npm", "9.2.0"],
            ]) {
                writeFileSync(join(bin, cmd), `#!/bin/sh\necho ${out}\n`);
                chmodSync(join(bin, cmd), 0o755);
            }
            const r = spawnSync("bash", [SCRIPT], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
            expect(r.status).toBe(1);
            expect(r.stdout).toBe("");
            expect(r.stderr).toContain("lvs-lab: missing: Node.js 18.19.0 cannot run package-lock.json's tools");
            expect(r.stderr.trimEnd().split("\n").pop()).toBe("lvs-lab: setup stopped before changing anything: fix what is missing above and run it again");
        } finally {
            rmSync(bin, { recursive: true, force: true });
        }
    });

    it("runs first in setup, before anything is installed; setup --packages needs none of it", () => {
        const setup = readFileSync(join(REPO, "tools", "setup.sh"), "utf8");
        const check = setup.indexOf('bash "$(dirname "$0")/requirements.sh"');
        expect(check).toBeGreaterThan(0);
        for (const later of ["source ", "apt-get", "npm ci", "toolchain.sh", "build-image.sh"]) expect(setup.indexOf(later), later).toBeGreaterThan(check);
        expect(execFileSync("bash", [join(REPO, "tools", "setup.sh"), "--packages"], { encoding: "utf8" })).toMatch(/\blibvirt-daemon-system\b/);
    });
});
