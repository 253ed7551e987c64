import { describe, expect, it } from "vitest";
import { KvmFact, parseLabConfig } from "../../components/config";
import { loadStackConfig } from "../stacks";
import { labMocks, programDone, startMockEngine } from "./mockEngine";

// The lab's machines under Pulumi mocks: what the resolved libvirt.domainType (see
// domainType.test.ts for the resolution) becomes on the wire.
const base = () => structuredClone(loadStackConfig("default")) as any;
const HANGS: KvmFact = { usable: false, detail: "not usable: a guest under kvm did not reach its boot sector within 5 s (it hangs)" };
const RUNS: KvmFact = { usable: true, detail: "usable" };

describe("the machines' domain type", () => {
    /** Each domain's type on the wire, and the `access` output's (what `lab status` reads). */
    async function domainTypes(kvm: KvmFact): Promise<Map<string, unknown>> {
        const types = new Map<string, unknown>();
        await startMockEngine(labMocks, ({ req }) => {
            if (req.getType() === "libvirt:index/domain:Domain") types.set(req.getName(), req.getObject()?.toJavaScript().type);
        });
        const { LvsDrCluster } = await import("../../components/lab");
        const lab = new LvsDrCluster("lab", { spec: parseLabConfig(base(), { kvm: () => kvm }) });
        types.set("access", (await new Promise<any>((resolve) => lab.access.apply(resolve))).domainType);
        await programDone();
        return types;
    }

    const names = ["nginx1", "nginx2", "director", "client"].map((h) => `lab-${h}-domain`);

    it("is kvm on every domain and in the access output where KVM runs", async () => {
        expect(parseLabConfig(base()).realServers.length + 2).toBe(names.length);
        const kvm = await domainTypes(RUNS);
        expect([...kvm.keys()].sort()).toEqual([...names, "access"].sort());
        for (const n of [...names, "access"]) expect(kvm.get(n), n).toBe("kvm");
    });

    it("is qemu on every domain and in the access output where KVM does not run guests", async () => {
        const tcg = await domainTypes(HANGS);
        expect([...tcg.keys()].sort()).toEqual([...names, "access"].sort());
        for (const n of [...names, "access"]) expect(tcg.get(n), n).toBe("qemu");
    });
});
