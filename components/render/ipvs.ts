import { readFileSync } from "fs";
import { join } from "path";
import { DirectorSpec, LabSpec, Mode } from "../config";
import { DIRECTOR_BOOT_STEP, IPVS_BOOT_STEP } from "./director";
import { firewallMarkLines } from "./fwmark";
import { HostScript, PACKAGES, install, installBootStep, removeBootStep, script, writeFile } from "./shell";

/** Where the director keeps the desired IPVS table. */
export const IPVS_RULES_PATH = "/etc/lvs-lab/ipvs.rules";
/** The reconciler that makes the kernel's table equal to the rules file. */
export const IPVS_APPLY = "/usr/local/sbin/lvs-lab-ipvs-apply";

/** ipvsadm's forwarding switch for each LVS mode (shown as Route, Masq and Tunnel by `-L`). */
export const FORWARD_FLAG: Record<Mode, string> = { dr: "-g", nat: "-m", tun: "-i" };

/**
 * What ipvsadm-save prints after a destination's weight: a tunnel's type (ipvsadm 1.30 and
 * later), which IPIP is by default. The rules file says it too, so the reconciler finds the
 * table it made equal to the file and edits nothing.
 */
const TUNNEL_TYPE: Record<Mode, string> = { dr: "", nat: "", tun: " --tun-type ipip" };

/** One IPVS virtual service and its real servers: what ipvsadm and keepalived both render. */
export interface VirtualService {
    protocol: "tcp" | "udp";
    vip: string;
    port: number;
    scheduler: string;
    /** Seconds; 0 is off. */
    persistence: number;
    /** One-packet scheduling (UDP services with `service.ops`): every datagram is scheduled on its own. */
    ops: boolean;
    /** nginx serves this port over TLS (`service.tlsPorts`), so an HTTP check must speak TLS. */
    tls: boolean;
    /**
     * The firewall mark that makes this one service of every TCP port (`service.firewallMark`);
     * `port` is then the first port, where keepalived checks the real servers.
     */
    fwmark?: number;
    mode: Mode;
    realServers: { name: string; ip: string; port: number; weight: number }[];
    /**
     * Where IPVS sends new connections while every real server is out (`service.sorryServer`):
     * the director's own address and the service port, where its nginx listens. IPVS delivers to
     * a local address on the director itself: in DR and TUN the packet goes up its stack still
     * addressed to the VIP and port; in NAT it is rewritten to this address and port first (the
     * kernel refuses NAT to 127.0.0.1 for packets from outside, so this is never loopback).
     */
    sorryServer?: { ip: string; port: number };
}

/** The sorry server's IPVS weight: any weight above 0 takes every new connection while the real servers' are all 0. */
export const SORRY_SERVER_WEIGHT = 1;

/**
 * The lab's virtual services: one per TCP port, then one per UDP port, each with every real
 * server. The sorry server is nginx, so only the TCP services have it.
 * @param director the director whose table this is: the sorry server is its own nginx.
 */
export function virtualServices(spec: LabSpec, director: DirectorSpec = spec.director): VirtualService[] {
    const s = spec.service;
    const common = { vip: s.vip, scheduler: s.scheduler, persistence: s.persistence, mode: s.mode };
    // With a firewall mark, one service for every port, named after the first.
    const tcpPorts = s.firewallMark !== undefined ? s.ports.slice(0, 1) : s.ports;
    const tcp = tcpPorts.map((port) => ({
        ...common,
        protocol: s.protocol,
        port,
        ops: false,
        tls: s.tlsPorts.includes(port),
        ...(s.firewallMark !== undefined ? { fwmark: s.firewallMark } : {}),
        // Only NAT rewrites the destination port; DR and TUN deliver the packet as it came.
        realServers: spec.realServers.map((rs) => ({ name: rs.name, ip: rs.ip, port: s.mode === "nat" ? rs.port : port, weight: rs.weight })),
        ...(s.sorryServer ? { sorryServer: { ip: director.ip, port } } : {}),
    }));
    // Dual stack: the TCP services again on the IPv6 VIP, to each real server's IPv6 address (DR).
    const vip6 = s.vip6;
    const tcp6 = vip6
        ? tcp.map((vs) => ({
              ...vs,
              vip: vip6,
              realServers: spec.realServers.map((rs, i) => ({ ...vs.realServers[i], ip: rs.ip6! })),
              ...(vs.sorryServer ? { sorryServer: { ...vs.sorryServer, ip: director.ip6! } } : {}),
          }))
        : [];
    // The UDP responder listens on the service's own port in every mode.
    const udp = s.udpPorts.map((port) => ({
        ...common,
        protocol: "udp" as const,
        port,
        ops: s.ops,
        tls: false,
        realServers: spec.realServers.map((rs) => ({ name: rs.name, ip: rs.ip, port, weight: rs.weight })),
    }));
    return [...tcp, ...tcp6, ...udp];
}

/** `ADDRESS:PORT` as ipvsadm writes and prints it: an IPv6 address in brackets. */
export function addressPort(ip: string, port: number): string {
    return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** ipvsadm's option that names a virtual service: `-t VIP:PORT`, `-u VIP:PORT` or `-f MARK`. */
export function serviceAddress(vs: VirtualService): string {
    if (vs.fwmark !== undefined) return `-f ${vs.fwmark}`;
    return `${vs.protocol === "tcp" ? "-t" : "-u"} ${addressPort(vs.vip, vs.port)}`;
}

/** How `ipvsadm -Ln` begins a virtual service's line: `TCP  VIP:PORT `, `UDP  VIP:PORT ` or `FWM  MARK `. */
export function listedService(vs: VirtualService): string {
    if (vs.fwmark !== undefined) return `FWM  ${vs.fwmark} `;
    return `${vs.protocol.toUpperCase()}  ${addressPort(vs.vip, vs.port)} `;
}

/**
 * The desired IPVS table in `ipvsadm-save -n` form. Re-rendering the same spec gives the same
 * bytes. Nothing checks the real servers on this path, so "every real server out" means every
 * weight is 0: only then does the table hold the sorry server, and the first weight above 0
 * takes it out again.
 */
export function renderIpvsRules(spec: LabSpec): string {
    const lines: string[] = [];
    for (const vs of virtualServices(spec)) {
        const service = serviceAddress(vs);
        // In the order ipvsadm-save prints them, so the reconciler sees no difference in a table it made.
        lines.push(`-A ${service} -s ${vs.scheduler}${vs.persistence > 0 ? ` -p ${vs.persistence}` : ""}${vs.ops ? " -o" : ""}`);
        // A mark's destinations keep each packet's port: ipvsadm-save prints their port as 0.
        const destination = (ip: string, port: number, weight: number) =>
            `-a ${service} -r ${addressPort(ip, vs.fwmark !== undefined ? 0 : port)} ${FORWARD_FLAG[vs.mode]} -w ${weight}${TUNNEL_TYPE[vs.mode]}`;
        for (const rs of vs.realServers) lines.push(destination(rs.ip, rs.port, rs.weight));
        if (vs.sorryServer && vs.realServers.every((rs) => rs.weight === 0)) lines.push(destination(vs.sorryServer.ip, vs.sorryServer.port, SORRY_SERVER_WEIGHT));
    }
    return lines.join("\n") + "\n";
}

/**
 * The reconciler, installed on the director. It compares the rules file with `ipvsadm -Sn` and
 * issues only the difference: -A/-a for what is missing, -E/-e for what differs (a weight or
 * scheduler change edits in place and keeps connections), -d/-D for what the file lacks.
 */
export const IPVS_APPLY_SCRIPT = readFileSync(join(__dirname, "assets", "lvs-lab-ipvs-apply.sh"), "utf8");

/** Lines that take the ipvsadm path off a director: empty its table, remove the boot step and files. */
export function ipvsRemoval(): string[] {
    return [
        // An empty rules file makes the reconciler delete every service it finds.
        `if [[ -x ${IPVS_APPLY} ]]; then ${IPVS_APPLY} /dev/null; fi`,
        ...removeBootStep(IPVS_BOOT_STEP),
        `rm -f ${IPVS_RULES_PATH} ${IPVS_APPLY}`,
    ];
}

/**
 * The director's IPVS step: install the rules file and reconciler, apply now and at boot, and
 * print the resulting table. Its own remote command, so a weight change touches nothing else.
 * @param before lines that run first (e.g. taking the keepalived path off the director).
 */
export function renderIpvsStep(spec: LabSpec, before: string[] = []): HostScript {
    const create = script(`IPVS table for ${spec.service.vip} (${spec.service.mode})`, [
        ...before,
        ...install(PACKAGES.ipvsadm),
        ...firewallMarkLines(spec),
        writeFile(IPVS_RULES_PATH, renderIpvsRules(spec)),
        writeFile(IPVS_APPLY, IPVS_APPLY_SCRIPT, "0755"),
        ...installBootStep({
            name: IPVS_BOOT_STEP,
            description: "lvs-lab: load the IPVS table from " + IPVS_RULES_PATH,
            up: [`${IPVS_APPLY} ${IPVS_RULES_PATH}`],
            after: [`${DIRECTOR_BOOT_STEP}.service`],
        }),
        "ipvsadm -Ln",
    ]);
    const del = script(`remove the IPVS table for ${spec.service.vip}`, ipvsRemoval());
    return { create, delete: del };
}
