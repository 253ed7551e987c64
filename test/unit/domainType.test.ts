import { describe, expect, it } from "vitest";
import { KvmFact, LabConfigError, parseLabConfig, rawLabConfig, resolveDomainType } from "../../components/config";
import { configKeyDocs } from "../../components/config/docs";
import { loadStackConfig } from "../stacks";

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
