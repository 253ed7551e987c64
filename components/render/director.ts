import { DirectorSpec, LabSpec } from "../config";
import { HostScript, PACKAGES, Sysctl, install, installBootStep, ipv6AddressLines, removeBootStep, script, sysctlConf, sysctlPath, sysctlReset, writeFile } from "./shell";

/**
 * The director's kernel settings. DR and TUN: it never routes (ip_forward=0) and must not tell
 * real servers to bypass it with ICMP redirects. NAT: it routes replies back (ip_forward=1), and
 * still sends no redirects, or real servers would learn to answer the client directly.
 * With HA: backup_only=1 turns a backup's director function off while its sync daemon is in
 * backup mode, so synced connections can never bounce packets between two directors (DR/TUN).
 * @param director the director these settings are for (its NIC).
 */
export function directorSysctls(spec: LabSpec, director: DirectorSpec = spec.director): Sysctl[] {
    return [
        { key: "net.ipv4.ip_forward", value: spec.service.mode === "nat" ? "1" : "0", reset: "0" },
        ...["all", "default", director.nic].map((dev) => ({ key: `net.ipv4.conf.${dev}.send_redirects`, value: "0", reset: "1" })),
        ...(spec.ha ? [{ key: "net.ipv4.vs.backup_only", value: "1", reset: "0" }] : []),
    ];
}

/** The VIP on the NIC alias `<nic>:0`, with the segment's prefix as in the reference ifcfg file. */
export function directorVip(spec: LabSpec, director: DirectorSpec = spec.director): string {
    return `${spec.service.vip}/${spec.network.prefix} dev ${director.nic} label ${director.nic}:0`;
}

/**
 * The director's IPv6 addresses in a dual-stack lab (none otherwise): its own and, for a single
 * director, the IPv6 VIP; with HA keepalived adds and removes that VIP, so it is left alone.
 */
export function directorIpv6Lines(spec: LabSpec, director: DirectorSpec = spec.director): string[] {
    const { ipv6 } = spec.network;
    const vip6 = spec.service.vip6;
    if (!ipv6 || !director.ip6 || !vip6) return ipv6AddressLines(director.nic, []);
    const vip = `${vip6}/${ipv6.prefix}`;
    return ipv6AddressLines(director.nic, [`${director.ip6}/${ipv6.prefix}`], spec.ha ? [] : [vip], spec.ha ? [vip] : []);
}

/** The director's boot step: ip_vs, its sysctls and, without HA, the VIP. */
export const DIRECTOR_BOOT_STEP = "lvs-lab-director";
/** The director's boot step that loads the IPVS table (the ipvsadm path). */
export const IPVS_BOOT_STEP = "lvs-lab-ipvs";

/**
 * Director base: ip_vs and sysctls, applied now and at every boot, and the VIP alias for a single
 * director. With HA keepalived owns the VIP, so the base never adds it.
 * @param director which director (default: the first).
 */
export function renderDirector(spec: LabSpec, director: DirectorSpec = spec.director): HostScript {
    const sysctls = directorSysctls(spec, director);
    const conf = sysctlPath("director");
    const create = script(`director ${director.name} (${spec.service.mode}${spec.ha ? ", HA" : ""})`, [
        ...install(PACKAGES.ipvsadm),
        writeFile("/etc/modules-load.d/lvs-lab.conf", "ip_vs"),
        writeFile(conf, sysctlConf(sysctls)),
        ...installBootStep({
            name: DIRECTOR_BOOT_STEP,
            description: spec.ha ? "lvs-lab: director sysctls" : `lvs-lab: director sysctls and VIP ${spec.service.vip}`,
            // ip_vs first: net.ipv4.vs.* exists only once the module is loaded.
            up: ["modprobe ip_vs", `sysctl -q -p ${conf}`, ...(spec.ha ? [] : [`ip addr replace ${directorVip(spec, director)}`]), ...directorIpv6Lines(spec, director)],
            ...(spec.ha ? { before: ["keepalived.service"] } : {}),
        }),
    ]);
    const del = script(`undo director ${director.name}`, [
        `ip addr del ${spec.service.vip}/${spec.network.prefix} dev ${director.nic} 2>/dev/null || true`,
        ...ipv6AddressLines(director.nic, []),
        ...removeBootStep(DIRECTOR_BOOT_STEP),
        ...sysctlReset("director", sysctls),
        "rm -f /etc/modules-load.d/lvs-lab.conf",
    ]);
    return { create, delete: del };
}
