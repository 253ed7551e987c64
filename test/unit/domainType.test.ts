import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { KvmFact, LabConfigError, parseLabConfig, rawLabConfig, resolveDomainType } from "../../components/config";
import { configKeyDocs } from "../../components/config/docs";
import { loadStackConfig } from "../stacks";

const PROBE = join(__dirname, "..", "..", "tools", "kvm-probe.sh");
const base = () => structuredClone(loadStackConfig("default")) as any;
const withType = (domainType: string, uri?: string) => {
    const raw = base();
    raw.libvirt = { ...raw.libvirt, domainType, ...(uri ? { uri } : {}) };
    return raw;
};
const HANGS: KvmFact = { usable: false, detail: "not usable: a guest under kvm did not reach its boot sector within 5 s (it hangs)" };
const RUNS: KvmFact = { usable: true, detail: "usable" };

/** A probe stand-in that counts how often it is asked. */
function probe(fact: KvmFact) {
    const asked = { count: 0 };
    return { asked, kvm: () => (asked.count++, fact) };
}

describe("libvirt.domainType in the schema", () => {
    it("defaults to auto and takes only auto, kvm or qemu", () => {
        expect(rawLabConfig.parse(base()).libvirt.domainType).toBe("auto");
        for (const t of ["auto", "kvm", "qemu"]) expect(rawLabConfig.parse(withType(t)).libvirt.domainType).toBe(t);
        const issues = (() => {
            try {
                parseLabConfig(withType("tcg"));
            } catch (e) {
                return (e as LabConfigError).issues;
            }
            throw new Error("tcg was accepted");
        })();
        expect(issues.map((i) => i.path)).toEqual(["libvirt.domainType"]);
    });

    it("is documented: its meaning, the three values and the default auto", () => {
        const doc = configKeyDocs().find((d) => d.key === "libvirt.domainType");
        expect(doc).toMatchObject({ type: "`auto` \\| `kvm` \\| `qemu`", default: "`auto`" });
        expect(doc?.meaning).toContain("`kvm` when a guest really runs under KVM on this host");
    });
});

describe("resolving auto", () => {
    it("auto takes kvm where a guest runs under KVM, and qemu (TCG) where it does not", () => {
        expect(parseLabConfig(base(), { kvm: () => RUNS }).libvirt.domainType).toBe("kvm");
        expect(parseLabConfig(base(), { kvm: () => HANGS }).libvirt.domainType).toBe("qemu");
    });

    it("qemu is taken as set, without asking the probe, even where KVM runs", () => {
        const p = probe(RUNS);
        expect(parseLabConfig(withType("qemu"), { kvm: p.kvm }).libvirt.domainType).toBe("qemu");
        expect(p.asked.count).toBe(0);
    });

    it("kvm is taken where a guest runs under KVM; the probe is asked once", () => {
        const p = probe(RUNS);
        expect(parseLabConfig(withType("kvm"), { kvm: p.kvm }).libvirt.domainType).toBe("kvm");
        expect(p.asked.count).toBe(1);
    });

    it("without a probe (a pure parse) auto means qemu and kvm is taken as given", () => {
        expect(parseLabConfig(base()).libvirt.domainType).toBe("qemu");
        expect(parseLabConfig(withType("kvm")).libvirt.domainType).toBe("kvm");
    });

    it("a remote libvirt's KVM is not probed: auto means qemu, kvm is taken as given", () => {
        const p = probe(HANGS);
        expect(parseLabConfig(withType("auto", "qemu+ssh://lab@kvmhost/system"), { kvm: p.kvm }).libvirt.domainType).toBe("qemu");
        expect(parseLabConfig(withType("kvm", "qemu+ssh://lab@kvmhost/system"), { kvm: p.kvm }).libvirt.domainType).toBe("kvm");
        expect(p.asked.count).toBe(0);
        expect(resolveDomainType("auto", "qemu+ssh://lab@kvmhost/system", () => RUNS)).toBe("qemu");
        expect(resolveDomainType("auto", "qemu:///system", () => RUNS)).toBe("kvm");
    });
});

describe("kvm where KVM does not run guests", () => {
    it("is a config error naming the key, what the probe saw and the fix, before anything is built", () => {
        expect(() => parseLabConfig(withType("kvm"), { kvm: () => HANGS })).toThrow(
            "invalid lvs-lab stack config (1 problem):\n" +
            "  - libvirt.domainType: must be auto or qemu on this machine: a guest does not run under KVM here (tools/kvm-probe.sh: not usable: a guest under kvm did not reach its boot sector within 5 s (it hangs)); got kvm\n" +
            "    fix: npm run lab -- config rm --path libvirt.domainType",
        );
    });

    it("comes with the other config errors, and the probe is asked once", () => {
        const raw = withType("kvm");
        raw.service.scheduler = "nope";
        const p = probe(HANGS);
        let error: LabConfigError | undefined;
        try {
            parseLabConfig(raw, { kvm: p.kvm });
        } catch (e) {
            error = e as LabConfigError;
        }
        expect(error?.issues.map((i) => i.path)).toEqual(["service.scheduler", "libvirt.domainType"]);
        expect(p.asked.count).toBe(1);
    });
});

describe("tools/kvm-probe.sh", () => {
    const runProbe = (...args: string[]) => {
        const started = Date.now();
        const r = spawnSync("bash", [PROBE, ...args], { encoding: "utf8", timeout: 20_000 });
        return { ...r, seconds: (Date.now() - started) / 1000 };
    };

    it("its guest runs under TCG: SeaBIOS boots the boot sector, which exits QEMU through isa-debug-exit", () => {
        const r = runProbe("--accel", "tcg");
        expect(r.stdout).toBe("usable\n");
        expect(r.status).toBe(0);
    });

    // The test bed's facts: /dev/kvm is root 0600, which libvirt's QEMU user cannot open, and a
    // guest under KVM hangs in SeaBIOS even as root. Where KVM does run guests (a hosted runner),
    // these tests still hold the probe to its bound.
    const qemuUserOpensKvm = () => {
        if (process.getuid?.() !== 0 || spawnSync("getent", ["passwd", "libvirt-qemu"]).status !== 0) return undefined;
        return spawnSync("setpriv", ["--reuid", "libvirt-qemu", "--regid", "libvirt-qemu", "--init-groups", "test", "-r", "/dev/kvm", "-a", "-w", "/dev/kvm"]).status === 0;
    };

    it("says, within its bound, that KVM does not run guests where the QEMU user cannot open /dev/kvm", () => {
        const r = runProbe("--no-cache");
        expect(r.error, `kvm-probe.sh did not end within 20 s (its bound is 5 s + 1 s to kill): ${r.error?.message}`).toBeUndefined();
        expect(r.seconds, "kvm-probe.sh took longer than its bound").toBeLessThan(10);
        expect(r.stdout).toMatch(/^(usable|not usable: .+)\n$/);
        expect(r.status).toBe(r.stdout === "usable\n" ? 0 : 1);
        if (qemuUserOpensKvm() === false) {
            expect(r.stdout).toMatch(/^not usable: .*Permission denied\n$/);
            expect(r.status).toBe(1);
        }
    });

    it("ends within its bound when the guest hangs under KVM (as root on the test bed), and says so", () => {
        const started = Date.now();
        const r = spawnSync("bash", [PROBE, "--no-cache"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, LVS_LAB_QEMU_USER: "" } });
        const seconds = (Date.now() - started) / 1000;
        expect(r.error, `kvm-probe.sh did not end within 20 s (its bound is 5 s + 1 s to kill): ${r.error?.message}`).toBeUndefined();
        // The 20 s above only keeps a hung probe from hanging the test: the bound is 5 s + 1 s to kill.
        expect(seconds, "kvm-probe.sh took longer than its bound").toBeLessThan(10);
        expect(r.stdout).toMatch(/^(usable|not usable: .+)\n$/);
        if (existsSync("/dev/kvm") && r.status === 1 && !r.stdout.includes("exited")) {
            expect(r.stdout).toBe("not usable: a guest under kvm did not reach its boot sector within 5 s (it hangs)\n");
        }
    });

    it("refuses unknown arguments with exit 2", () => {
        const r = runProbe("--accel", "hvf");
        expect(r.status).toBe(2);
        expect(r.stderr).toContain("usage:");
    });
});
