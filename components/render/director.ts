import { LabSpec } from "../config";
import { HostScript, PACKAGES, Sysctl, install, installBootStep, removeBootStep, script, sysctlConf, sysctlPath, sysctlReset, writeFile } from "./shell";

/**
 * The director's kernel settings. DR and TUN: it never routes (ip_forward=0) and must not tell
 * real servers to bypass it with ICMP redirects. NAT: it routes replies back (ip_forward=1), and
 * still sends no redirects, or real servers would learn to answer the client directly.
 */
export function directorSysctls(spec: LabSpec): Sysctl[] {
    const nic = spec.director.nic;
    return [
        { key: "net.ipv4.ip_forward", value: spec.service.mode === "nat" ? "1" : "0", reset: "0" },
        ...["all", "default", nic].map((dev) => ({ key: `net.ipv4.conf.${dev}.send_redirects`, value: "0", reset: "1" })),
    ];
}

/** The VIP on the NIC alias `<nic>:0`, with the segment's prefix as in the reference ifcfg file. */
export function directorVip(spec: LabSpec): string {
    const d = spec.director;
    return `${spec.service.vip}/${spec.network.prefix} dev ${d.nic} label ${d.nic}:0`;
}

/** Director base: ip_vs, sysctls and the VIP alias, applied now and at every boot. */
export function renderDirector(spec: LabSpec): HostScript {
    const sysctls = directorSysctls(spec);
    const conf = sysctlPath("director");
    const create = script(`director ${spec.director.name} (${spec.service.mode})`, [
        ...install(PACKAGES.ipvsadm),
        writeFile("/etc/modules-load.d/lvs-lab.conf", "ip_vs"),
        writeFile(conf, sysctlConf(sysctls)),
        ...installBootStep({
            name: "lvs-lab-director",
            description: `lvs-lab: director sysctls and VIP ${spec.service.vip}`,
            up: ["modprobe ip_vs", `sysctl -q -p ${conf}`, `ip addr replace ${directorVip(spec)}`],
        }),
    ]);
    const del = script(`undo director ${spec.director.name}`, [
        `ip addr del ${spec.service.vip}/${spec.network.prefix} dev ${spec.director.nic} 2>/dev/null || true`,
        ...removeBootStep("lvs-lab-director"),
        ...sysctlReset("director", sysctls),
        "rm -f /etc/modules-load.d/lvs-lab.conf",
    ]);
    return { create, delete: del };
}
