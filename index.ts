import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { join } from "path";
import { KvmFact, LvsDrCluster, labSpecFromStack } from "./components";
import { labNetworks } from "./components/infra";
import { secretWhereHeld } from "./components/remote";

/** Whether KVM runs guests here: tools/kvm-probe.sh boots a tiny guest under it (bounded, cached per boot). */
function hostKvm(): KvmFact {
    const probe = spawnSync("bash", [join(__dirname, "tools", "kvm-probe.sh")], { encoding: "utf8", timeout: 30_000 });
    const detail = probe.stdout?.trim() || `not usable: tools/kvm-probe.sh failed (${probe.error?.message ?? `exit ${probe.status}`})`;
    return { usable: probe.status === 0, detail };
}

// Validate the whole stack config (and that a local image exists, KVM for `libvirt.domainType`,
// and that no other lab's network on the sandbox's libvirtd overlaps `network.cidr`) before any
// resource exists: bad input creates nothing. Values set with `--secret` stay secret in every
// resource input and output that holds them (the cluster's outputs are kept so already).
const spec = labSpecFromStack({ exists: existsSync, kvm: hostKvm, networks: labNetworks });
const lab = new LvsDrCluster("lab", { spec });

export const vipUrl = lab.vipUrl;
export const hosts = lab.hosts;
export const mode = secretWhereHeld(spec.service.mode, spec.secrets);
// The machines' libvirt domain type: `kvm`, or `qemu` (TCG); `libvirt.domainType` auto resolved.
export const domainType = secretWhereHeld(spec.libvirt.domainType, spec.secrets);
export const ipvsTable = lab.ipvsTable;
export const verification = lab.verification;
// How `npm run lab -- ...` reaches the lab: machines, SSH user, VIP and directors (`access`), the
// lab's key and the pinned host keys.
export const access = lab.access;
export const clientPrivateKey = lab.clientPrivateKey;
export const hostKeys = lab.hostKeys;
