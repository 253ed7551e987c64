import { DirectorSpec, HaSpec, HealthCheckSpec, LabSpec, directors } from "../config";
import { VirtualService, listedService, serviceAddress, virtualServices } from "./ipvs";
import { directorVip } from "./director";
import { firewallMarkLines } from "./fwmark";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

/** keepalived's configuration file. */
export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";
/** The split-brain guard keepalived runs as a VRRP track script. */
export const VRRP_GUARD = "/usr/local/sbin/lvs-lab-vrrp-guard";
/** keepalived's notify script: records the VIP instance's state for the guard and the tests. */
export const VRRP_NOTIFY = "/usr/local/sbin/lvs-lab-vrrp-notify";
/** Runtime directory of the notify script's record. */
const VRRP_STATE_DIR = "/run/lvs-lab";
/** Where the notify script records the VIP instance's VRRP state (MASTER, BACKUP, FAULT, STOP). */
export const VRRP_STATE = `${VRRP_STATE_DIR}/vrrp-state`;
/** Present while this director yields the VIP to a higher-priority director (the guard's split-brain verdict). */
export const VRRP_YIELDED = `${VRRP_STATE_DIR}/yielded`;
/**
 * keepalived's systemd drop-in: every start forgets the recorded VRRP state and the guard's
 * yield, so a yield lasts until keepalived restarts, whether or not its STOP notify ran.
 */
export const KEEPALIVED_DROP_IN = "/etc/systemd/system/keepalived.service.d/lvs-lab.conf";

/** Name of the VRRP instance that holds the VIP. */
export const VIP_INSTANCE = "VI_VIP";
/** Name of the VRRP instance that holds the NAT real servers' gateway. */
export const GATEWAY_INSTANCE = "VI_GW";

/** One VRRP instance: a router id and the address the master holds. */
interface VrrpInstance {
    name: string;
    routerId: number;
    /** The address with its prefix, e.g. 192.168.169.100/24. */
    address: string;
    /** keepalived's `virtual_ipaddress` line: the address on the director's NIC alias. */
    line: string;
}

/** The lab's VRRP instances: the VIP (on `<nic>:0`, as without HA), and in NAT the real servers' floating gateway. */
function vrrpInstances(spec: LabSpec, ha: HaSpec, director: DirectorSpec): VrrpInstance[] {
    const prefix = spec.network.prefix;
    const vip = { name: VIP_INSTANCE, routerId: ha.virtualRouterId, address: `${spec.service.vip}/${prefix}`, line: directorVip(spec, director) };
    if (!ha.natGateway) return [vip];
    const gateway = `${ha.natGateway.ip}/${prefix}`;
    return [vip, { name: GATEWAY_INSTANCE, routerId: ha.natGateway.virtualRouterId, address: gateway, line: `${gateway} dev ${director.nic} label ${director.nic}:1` }];
}

/** The lab's HA settings; keepalived renders nothing without them. */
function haOf(spec: LabSpec): HaSpec {
    if (!spec.ha) throw new Error("keepalived renders only for a lab with an `ha` section");
    return spec.ha;
}

function block(head: string, body: string[], indent = ""): string[] {
    return [`${indent}${head} {`, ...body.map((l) => `${indent}    ${l}`), `${indent}}`];
}

/**
 * keepalived's check of one real server, from the service's health-check settings. A UDP
 * service gets UDP_CHECK whatever the type: a datagram the responder must answer
 * (`require_reply`), since without a reply only an ICMP error would fail it, and a server that
 * is powered off sends none.
 */
function healthCheck(vs: VirtualService, check: HealthCheckSpec): string[] {
    // A mark's real servers have no port (keepalived clears one, and --config-test fails on
    // the warning), so the check names the port it asks: the first, plain HTTP.
    const timing = [...(vs.fwmark !== undefined ? [`connect_port ${vs.port}`] : []), `connect_timeout ${check.timeout}`, `retry ${check.retries}`, `delay_before_retry ${check.retryDelay}`];
    if (vs.protocol === "udp") return block("UDP_CHECK", [...timing, "require_reply"]);
    if (check.type === "tcp") return block("TCP_CHECK", timing);
    // A TLS port answers plain HTTP with 400: its check is HTTP over TLS.
    return block(vs.tls ? "SSL_GET" : "HTTP_GET", [...block("url", [`path ${check.path}`, "status_code 200"]), ...timing]);
}

/** A real or sorry server as keepalived names it: its address and port, or for a mark its address alone. */
function address(vs: VirtualService, server: { ip: string; port: number }): string {
    return vs.fwmark !== undefined ? server.ip : `${server.ip} ${server.port}`;
}

/** A `virtual_server` block: the same service model the ipvsadm path renders. */
function virtualServer(vs: VirtualService, check: HealthCheckSpec): string[] {
    return block(`virtual_server ${vs.fwmark !== undefined ? `fwmark ${vs.fwmark}` : `${vs.vip} ${vs.port}`}`, [
        `delay_loop ${check.interval}`,
        `lb_algo ${vs.scheduler}`,
        `lb_kind ${vs.mode.toUpperCase()}`,
        ...(vs.persistence > 0 ? [`persistence_timeout ${vs.persistence}`] : []),
        // A mark names packets of any protocol: keepalived ignores (and warns about) one given.
        ...(vs.fwmark !== undefined ? [] : [`protocol ${vs.protocol.toUpperCase()}`]),
        ...(vs.ops ? ["ops"] : []),
        // keepalived adds it when the live real servers' weights add up to less than its quorum
        // (1), and takes it out when they reach it again. Its forwarding method is the virtual
        // server's as read so far, so this comes after lb_kind.
        ...(vs.sorryServer ? [`sorry_server ${address(vs, vs.sorryServer)}`] : []),
        ...vs.realServers.flatMap((rs) => block(`real_server ${address(vs, rs)}`, [`weight ${rs.weight}`, ...healthCheck(vs, check)])),
    ]);
}

/**
 * keepalived.conf for one director: unicast VRRP for the VIP (and the NAT gateway), the
 * split-brain guard, connection sync, and one virtual_server per service port with health checks.
 * @param director the director this file is for: its address is the unicast source, the others are peers.
 */
export function renderKeepalivedConf(spec: LabSpec, director: DirectorSpec): string {
    const ha = haOf(spec);
    const peers = directors(spec).filter((d) => d.name !== director.name);
    const top = Math.max(...directors(spec).map((d) => d.priority));
    const instances = vrrpInstances(spec, ha, director);
    const global = [
        `router_id ${director.name}`,
        "enable_script_security",
        "script_user root",
        // RFC 3768's whole-second adverts with a password, or RFC 5798's centiseconds without one.
        `vrrp_version ${ha.vrrpVersion}`,
        // The master streams its connection table to the backups, so connections survive a failover.
        ...(ha.syncConnections ? [`lvs_sync_daemon ${director.nic} ${VIP_INSTANCE} id ${ha.virtualRouterId}`] : []),
    ];
    // Three failures in a row, and 10 s per run: a busy (emulated) guest can stall one run past
    // 5 s, and a master that drops to FAULT for that costs the clients a failover.
    const guard = block("vrrp_script lvs_lab_guard", [`script "${VRRP_GUARD}"`, "interval 2", "timeout 10", "fall 3", "rise 2"]);
    const group = instances.length > 1 ? block("vrrp_sync_group VG_LVS", block("group", instances.map((i) => i.name))) : [];
    const vrrp = instances.flatMap((inst) => block(`vrrp_instance ${inst.name}`, [
        // nopreempt needs every router to start BACKUP; otherwise the highest priority starts MASTER.
        `state ${!ha.nopreempt && director.priority === top ? "MASTER" : "BACKUP"}`,
        ...(ha.nopreempt ? ["nopreempt"] : []),
        `interface ${director.nic}`,
        `virtual_router_id ${inst.routerId}`,
        `priority ${director.priority}`,
        `advert_int ${ha.advertInterval}`,
        // Re-announce the VIP while master: clients whose ARP cache still names a director that
        // has dropped the VIP (after a split brain) learn the master's MAC within 5 s.
        "garp_master_refresh 5",
        // Unicast: the adverts reach exactly the peers, never another lab's routers.
        `unicast_src_ip ${director.ip}`,
        ...block("unicast_peer", peers.map((p) => p.ip)),
        ...(ha.authPass !== undefined ? block("authentication", ["auth_type PASS", `auth_pass ${ha.authPass}`]) : []),
        ...block("virtual_ipaddress", [inst.line]),
        // The IPv6 VIP moves with the IPv4 one; an IPv4 instance's adverts cannot carry it, so it is excluded from them.
        ...(inst.name === VIP_INSTANCE && spec.service.vip6 && spec.network.ipv6 ? block("virtual_ipaddress_excluded", [`${spec.service.vip6}/${spec.network.ipv6.prefix} dev ${director.nic}`]) : []),
        ...(inst.name === VIP_INSTANCE && ha.splitBrainGuard ? block("track_script", ["lvs_lab_guard"]) : []),
        ...(inst.name === VIP_INSTANCE ? [`notify ${VRRP_NOTIFY}`] : []),
    ]));
    const servers = virtualServices(spec, director).flatMap((vs) => virtualServer(vs, spec.service.healthCheck));
    return [
        `# lvs-lab: keepalived on ${director.name} (priority ${director.priority}, ${spec.service.mode.toUpperCase()})`,
        ...block("global_defs", global),
        ...(ha.splitBrainGuard ? guard : []),
        ...group,
        ...vrrp,
        ...servers,
    ].join("\n") + "\n";
}

/**
 * The split-brain guard, a VRRP track script: failing puts the VIP instance in FAULT, which
 * drops the VIP. It fails when this director cannot reach the segment's gateway (it is the one
 * cut off), and, while this director holds the VIP, when a higher-priority director answers ARP
 * for the VIP (VRRP between them is cut and both think they are master). A director that
 * yielded so stays in FAULT while that director holds the VIP; a director in FAULT for any
 * other reason passes once the gateway answers, and the adverts decide again.
 * @param director the director the guard runs on.
 */
export function renderVrrpGuard(spec: LabSpec, director: DirectorSpec): string {
    const higher = directors(spec).filter((d) => d.priority > director.priority).map((d) => d.mac);
    return [
        "#!/usr/bin/env bash",
        `# lvs-lab: split-brain guard for ${spec.service.vip} on ${director.name} (priority ${director.priority})`,
        "set -euo pipefail",
        // 2 s: a busy emulated guest can take longer than 1 s to see the reply.
        `ping -n -c 1 -W 2 ${spec.network.gateway} >/dev/null || { echo "gateway ${spec.network.gateway} unreachable"; exit 1; }`,
        `state=$(cat ${VRRP_STATE} 2>/dev/null || echo BACKUP)`,
        // In BACKUP the adverts decide; checking there would only slow a failover down.
        `if [[ $state != MASTER && $state != FAULT ]]; then rm -f ${VRRP_YIELDED}; exit 0; fi`,
        `if [[ $state == FAULT && ! -e ${VRRP_YIELDED} ]]; then exit 0; fi`,
        `higher='${higher.join(" ")}'`,
        '[[ -n $higher ]] || exit 0',
        `answers=$(arping -c 2 -w 2 -I ${director.nic} -s ${director.ip} ${spec.service.vip} 2>/dev/null | grep -o '\\[[0-9A-Fa-f:]*\\]' | tr -d '[]' | tr 'A-F' 'a-f') || true`,
        "for mac in $higher; do",
        '    if grep -qx "$mac" <<<"$answers"; then',
        `        echo "higher-priority director $mac holds ${spec.service.vip}"`,
        // Beside the state file, which exists: the state read was MASTER or FAULT.
        `        touch ${VRRP_YIELDED}`,
        "        exit 1",
        "    fi",
        "done",
        `rm -f ${VRRP_YIELDED}`,
    ].join("\n") + "\n";
}

/** keepalived's notify script (TYPE NAME STATE PRIORITY): records the VIP instance's state. */
export function renderVrrpNotify(): string {
    return [
        "#!/usr/bin/env bash",
        "# lvs-lab: keepalived notify script, called as TYPE NAME STATE PRIORITY",
        "set -euo pipefail",
        `if [[ \${1:-} == INSTANCE && \${2:-} == ${VIP_INSTANCE} ]]; then`,
        `    mkdir -p ${VRRP_STATE_DIR}`,
        `    echo "\${3:-UNKNOWN}" >${VRRP_STATE}.tmp`,
        `    mv ${VRRP_STATE}.tmp ${VRRP_STATE}`,
        `    logger -t lvs-lab "VRRP ${VIP_INSTANCE} is \${3:-UNKNOWN}"`,
        "fi",
    ].join("\n") + "\n";
}

/** Lines that take keepalived off a director; it removes its addresses and virtual servers as it stops. */
export function keepalivedRemoval(): string[] {
    return [
        "systemctl disable -q --now keepalived.service 2>/dev/null || true",
        `rm -f ${KEEPALIVED_CONF} ${VRRP_GUARD} ${VRRP_NOTIFY} ${VRRP_STATE} ${VRRP_YIELDED}`,
        `lvs_remove ${KEEPALIVED_DROP_IN}`,
        "lvs_systemd_reload",
    ];
}

/**
 * keepalived on one director: installs the configuration, the guard and the notify script,
 * checks the file, then starts keepalived, or reloads it when the file changed (a reload edits
 * the IPVS table in place: the virtual servers and their connections stay). Prints the VRRP
 * state and `ipvsadm -Ln`.
 * @param director the director this step configures.
 * @param before commands that run first: the plan passes the ipvsadm path's removal, for a
 *   director that served without keepalived before.
 */
export function renderKeepalived(spec: LabSpec, director: DirectorSpec, before: readonly string[]): HostScript {
    const ha = haOf(spec);
    const services = virtualServices(spec);
    const firstService = listedService(services[0]);
    const create = script(`keepalived on ${director.name} for ${spec.service.vip} (${spec.service.mode})`, [
        ...before,
        ...install(PACKAGES.keepalived, PACKAGES.arping, PACKAGES.ipvsadm),
        ...firewallMarkLines(spec),
        `conf_before=$(sha256sum ${KEEPALIVED_CONF} 2>/dev/null || true)`,
        writeFile(VRRP_NOTIFY, renderVrrpNotify(), "0755"),
        writeFile(VRRP_GUARD, renderVrrpGuard(spec, director), "0755"),
        writeFile(KEEPALIVED_CONF, renderKeepalivedConf(spec, director)),
        writeFile(KEEPALIVED_DROP_IN, ["[Service]", `ExecStartPre=/bin/rm -f ${VRRP_STATE} ${VRRP_YIELDED}`].join("\n")),
        "lvs_systemd_reload",
        `keepalived --config-test -f ${KEEPALIVED_CONF}`,
        "lvs_enable keepalived.service",
        "if ! systemctl is-active -q keepalived.service; then",
        "    systemctl start keepalived.service",
        `elif [[ $conf_before != "$(sha256sum ${KEEPALIVED_CONF})" ]]; then`,
        "    systemctl reload keepalived.service",
        "fi",
        // keepalived fills the table a moment after it starts: wait for it, bounded.
        "for _ in $(seq 30); do",
        `    [[ $(ipvsadm -Ln) == *'${firstService}'* ]] && break`,
        "    sleep 1",
        "done",
        `echo "vrrp ${VIP_INSTANCE} $(cat ${VRRP_STATE} 2>/dev/null || echo UNKNOWN)"`,
        "ipvsadm -Ln",
    ]);
    const del = script(`remove keepalived from ${director.name}`, [
        ...keepalivedRemoval(),
        // keepalived removes its addresses and virtual servers when it stops; these catch a killed one.
        ...services.map((vs) => `ipvsadm -D ${serviceAddress(vs)} 2>/dev/null || true`),
        ...vrrpInstances(spec, ha, director).map((i) => `ip addr del ${i.address} dev ${director.nic} 2>/dev/null || true`),
    ]);
    return { create, delete: del };
}
