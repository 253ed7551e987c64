import { LabSpec, RealServerSpec } from "../config";
import { HostScript, Sysctl, installBootStep, ipv6AddressLines, removeBootStep, script, sysctlConf, sysctlPath, sysctlReset, writeFile } from "./shell";

/**
 * The real server's kernel settings per mode.
 * DR and TUN: the VIP sits on a non-ARP interface; arp_ignore=1 answers ARP only for addresses
 * of the receiving interface and arp_announce=2 sources ARP from the best local address, so the
 * server accepts VIP traffic but never claims the VIP on the segment.
 * TUN: decapsulated packets arrive on tunl0 with the VIP as destination; rp_filter would drop them.
 * NAT: replies must keep going through the director, so ICMP redirects are ignored.
 */
export function realServerSysctls(spec: LabSpec, rs: RealServerSpec): Sysctl[] {
    const arp = ["all", "lo"].flatMap((dev) => [
        { key: `net.ipv4.conf.${dev}.arp_ignore`, value: "1", reset: "0" },
        { key: `net.ipv4.conf.${dev}.arp_announce`, value: "2", reset: "0" },
    ]);
    switch (spec.service.mode) {
        case "dr":
            return arp;
        case "tun":
            return [
                ...arp,
                { key: "net.ipv4.conf.tunl0.rp_filter", value: "0", reset: "0" },
                { key: "net.ipv4.conf.all.rp_filter", value: "0", reset: "0" },
            ];
        case "nat":
            return ["all", "default", rs.nic].map((dev) => ({ key: `net.ipv4.conf.${dev}.accept_redirects`, value: "0", reset: "1" }));
    }
}

/** Commands that put the VIP (or the NAT routes) in place; the sysctls are applied first. */
function upCommands(spec: LabSpec, rs: RealServerSpec): string[] {
    const vip = spec.service.vip;
    switch (spec.service.mode) {
        case "dr":
            return [`ip addr replace ${vip}/32 dev lo label lo:0`, `ip route replace ${vip}/32 dev lo`];
        case "tun":
            return [`ip addr replace ${vip}/32 dev tunl0`, "ip link set tunl0 up"];
        case "nat":
            // The client shares the segment, so without a host route the reply would skip the director.
            // rs.gateway is the director, or with HA the floating gateway the master holds.
            return [`ip route replace default via ${rs.gateway} dev ${rs.nic}`, `ip route replace ${spec.client.ip}/32 via ${rs.gateway} dev ${rs.nic}`];
    }
}

function downCommands(spec: LabSpec, rs: RealServerSpec): string[] {
    const vip = spec.service.vip;
    switch (spec.service.mode) {
        case "dr":
            return [`ip route del ${vip}/32 dev lo 2>/dev/null || true`, `ip addr del ${vip}/32 dev lo 2>/dev/null || true`];
        case "tun":
            return [`ip addr del ${vip}/32 dev tunl0 2>/dev/null || true`];
        case "nat":
            return [`ip route del ${spec.client.ip}/32 via ${rs.gateway} dev ${rs.nic} 2>/dev/null || true`];
    }
}

/**
 * The real server's IPv6 addresses in a dual-stack lab (none otherwise): its own on its NIC and,
 * in DR, the IPv6 VIP on lo as a /128. No sysctl stands in for arp_ignore/arp_announce: Linux
 * answers a neighbour solicitation only for an address of the interface it came in on, so a VIP
 * on lo is never advertised on the segment, and solicitations the server sends itself take their
 * source from the outgoing interface's own addresses.
 */
export function realServerIpv6Lines(spec: LabSpec, rs: RealServerSpec): string[] {
    // Only DR labs are dual stack; NAT and TUN real servers are left as they are.
    if (spec.service.mode !== "dr") return [];
    const vip6 = spec.service.vip6;
    return [
        ...ipv6AddressLines(rs.nic, rs.ip6 && spec.network.ipv6 ? [`${rs.ip6}/${spec.network.ipv6.prefix}`] : []),
        ...ipv6AddressLines("lo", [], vip6 ? [`${vip6}/128`] : []),
    ];
}

/**
 * The real server's LVS side: sysctls BEFORE the VIP goes on lo:0 (or tunl0), in one boot step,
 * so neither a run nor a reboot ever leaves the VIP answering ARP.
 */
export function renderRealServer(spec: LabSpec, rs: RealServerSpec): HostScript {
    const sysctls = realServerSysctls(spec, rs);
    const conf = sysctlPath("realserver");
    const tun = spec.service.mode === "tun";
    const create = script(`real server ${rs.name} (${spec.service.mode}, VIP ${spec.service.vip})`, [
        ...(tun ? [writeFile("/etc/modules-load.d/lvs-lab.conf", "ipip")] : []),
        writeFile(conf, sysctlConf(sysctls)),
        ...installBootStep({
            name: "lvs-lab-realserver",
            description: `lvs-lab: real-server sysctls and VIP ${spec.service.vip}`,
            up: [...(tun ? ["modprobe ipip"] : []), `sysctl -q -p ${conf}`, ...upCommands(spec, rs), ...realServerIpv6Lines(spec, rs)],
            before: ["nginx.service"],
        }),
    ]);
    const del = script(`undo real server ${rs.name}`, [
        ...downCommands(spec, rs),
        ...(spec.service.mode === "dr" ? [...ipv6AddressLines(rs.nic, []), ...ipv6AddressLines("lo", [])] : []),
        ...removeBootStep("lvs-lab-realserver"),
        ...sysctlReset("realserver", sysctls),
        "rm -f /etc/modules-load.d/lvs-lab.conf",
    ]);
    return { create, delete: del };
}
