import { readFileSync } from "fs";
import { join } from "path";
import { LabSpec, RealServerSpec } from "../config";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

/** The UDP responder's program on a real server: a python3 program, not an executable of its own. */
export const UDP_RESPONDER = "/usr/local/lib/lvs-lab/udp-responder.py";
/** Its systemd unit. */
export const UDP_RESPONDER_UNIT = "lvs-lab-udp-responder.service";
const UNIT_PATH = `/etc/systemd/system/${UDP_RESPONDER_UNIT}`;
/** The real server's boot step that puts the VIP in place (renderRealServer's). */
const REAL_SERVER_BOOT_STEP = "lvs-lab-realserver.service";

/** The responder: answers every datagram on the UDP service ports with the real server's name. */
export const UDP_RESPONDER_SCRIPT = readFileSync(join(__dirname, "assets", "udp-responder.py"), "utf8");
/** The client's UDP probe (a python3 program read from standard input). */
export const UDP_ASK_SCRIPT = readFileSync(join(__dirname, "assets", "udp-ask.py"), "utf8");

/**
 * The addresses the responder answers on: the server's own (where keepalived's UDP_CHECK asks
 * and, in NAT, where the director sends every datagram) and, in DR and TUN, the VIP, which the
 * datagrams arrive addressed to and the client expects the reply from.
 */
export function udpResponderAddresses(spec: LabSpec, rs: RealServerSpec): string[] {
    return spec.service.mode === "nat" ? [rs.ip] : [rs.ip, spec.service.vip];
}

/** The responder's unit: a long-running service, started after the VIP is in place. */
export function renderUdpResponderUnit(spec: LabSpec, rs: RealServerSpec): string {
    return [
        "[Unit]",
        `Description=lvs-lab: UDP responder of ${rs.name} for ${spec.service.vip}`,
        `After=network-online.target ${REAL_SERVER_BOOT_STEP}`,
        "Wants=network-online.target",
        "",
        "[Service]",
        `ExecStart=/usr/bin/python3 ${UDP_RESPONDER} ${rs.name} ${spec.service.udpPorts.join(",")} ${udpResponderAddresses(spec, rs).join(" ")}`,
        "DynamicUser=yes",
        // Ports below 1024 without root.
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "Restart=on-failure",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ].join("\n");
}

/** Lines that stop the responder and remove it; they change nothing where it never ran. */
export function udpResponderRemoval(): string[] {
    return [
        `if systemctl is-active -q ${UDP_RESPONDER_UNIT}; then systemctl stop ${UDP_RESPONDER_UNIT}; fi`,
        `systemctl disable -q ${UDP_RESPONDER_UNIT} 2>/dev/null || true`,
        `lvs_remove ${UNIT_PATH} ${UDP_RESPONDER}`,
        "lvs_systemd_reload",
    ];
}

/**
 * The real server's UDP step, on every real server whether `service.udpPorts` lists ports or
 * not: steps have no delete command, so emptying the list is this step's update, whose script
 * takes the responder off. With ports, it installs the responder and (re)starts it when its
 * program or unit changed.
 * @param rs the real server this step configures.
 */
export function renderUdpResponder(spec: LabSpec, rs: RealServerSpec): HostScript {
    const ports = spec.service.udpPorts;
    const create = ports.length
        ? script(`UDP responder on ${rs.name} (${ports.join(", ")})`, [
              ...install(PACKAGES.python3),
              // Neither file exists on a first run: cat fails, and pipefail would end the script.
              `before=$(cat ${UDP_RESPONDER} ${UNIT_PATH} 2>/dev/null | sha256sum || true)`,
              writeFile(UDP_RESPONDER, UDP_RESPONDER_SCRIPT),
              writeFile(UNIT_PATH, renderUdpResponderUnit(spec, rs)),
              "lvs_systemd_reload",
              `lvs_enable ${UDP_RESPONDER_UNIT}`,
              `if [[ $before != "$(cat ${UDP_RESPONDER} ${UNIT_PATH} | sha256sum)" ]] || ! systemctl is-active -q ${UDP_RESPONDER_UNIT}; then`,
              `    systemctl restart ${UDP_RESPONDER_UNIT}`,
              "fi",
              `systemctl is-active ${UDP_RESPONDER_UNIT}`,
          ])
        : script(`no UDP responder on ${rs.name}`, udpResponderRemoval());
    return { create, delete: script(`remove the UDP responder from ${rs.name}`, udpResponderRemoval()) };
}
