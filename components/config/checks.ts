import { Allocator } from "./allocate";
import { ConfigIssue } from "./errors";
import { ConfigFix, PathSegment, formatKeyPath, rmFix, setFix } from "./fix";
import { Cidr, cidrOf, cidrSize, firstHost, formatCidr, isHostIn, isIpv4, macFor, parseCidr, reservedOverlap } from "./ipv4";
import { CIDR_TEXT, DEFAULT_MODE, DEFAULT_VIRTUAL_ROUTER_ID, MAX_PREFIX, MAX_VRRP3_ADVERT_SECONDS, MIN_PREFIX, RawLabConfig, SSH_PORT, defaultPriority } from "./schema";
import { Loose } from "./schemaIssues";
import { Suggester, ipString, schemaAt, valueAt } from "./suggest";

/** What the schema accepted of a config: the input of the checks across keys. */
export type LooseConfig = Loose<RawLabConfig>;

/** The key paths of every machine a raw config has (or must have), in config order. */
function machineKeys(raw: unknown): { path: PathSegment[] }[] {
    const list = (path: PathSegment[], min: number) => {
        const v = valueAt(raw, path);
        const n = Array.isArray(v) ? Math.max(v.length, min) : min;
        return Array.from({ length: n }, (_, i) => ({ path: [...path, i] }));
    };
    const ha = valueAt(raw, ["ha"]) !== undefined;
    return [
        { path: ["director"] },
        ...(ha ? list(["ha", "peers"], 1) : []),
        ...list(["realServers"], 1),
        ...list(["tomcats"], 0),
        ...(valueAt(raw, ["nfs"]) !== undefined ? [{ path: ["nfs"] }] : []),
        { path: ["client"] },
    ];
}

/** True when the raw config runs NAT with director HA, which needs a floating gateway. */
function natHa(raw: unknown): boolean {
    return valueAt(raw, ["ha"]) !== undefined && valueAt(raw, ["service", "mode"]) === "nat";
}

/** Addresses the lab takes: one per machine, the VIP, the gateway and, for NAT with HA, the floating gateway. */
export function addressesNeeded(raw: unknown): number {
    return machineKeys(raw).length + 2 + (natHa(raw) ? 1 : 0);
}

/**
 * The network the lab will have once its fixes are applied: `network.cidr` when it is valid and
 * has room, else the closest network that is and has: the network of a misaligned address, or
 * the /24 most of the config's addresses are in, or 192.168.168.0/24; widened until every
 * address fits.
 * @param raw the config as given.
 */
export function labCidr(raw: unknown): Cidr {
    const text = valueAt(raw, ["network", "cidr"]);
    // network.cidr, or the network of its address where that has host bits, when its prefix is
    // allowed and it overlaps no reserved block (a valid network.cidr is its own network).
    const m = typeof text === "string" ? CIDR_TEXT.exec(text) : null;
    const prefix = Number(m?.[2]);
    let base: Cidr | undefined = m && isIpv4(m[1]) && prefix >= MIN_PREFIX && prefix <= MAX_PREFIX ? cidrOf(m[1], prefix) : undefined;
    if (base && reservedOverlap(base)) base = undefined;
    if (!base) {
        // Every address the config names votes for its /24: the machines, the VIP, the gateway
        // and the address in network.cidr itself.
        const counts = new Map<string, number>();
        const votes = [
            ...machineKeys(raw).map((m) => valueAt(raw, [...m.path, "ip"])),
            valueAt(raw, ["service", "vip"]),
            valueAt(raw, ["network", "gateway"]),
            typeof text === "string" ? text.split("/")[0] : undefined,
        ];
        for (const ip of votes) {
            if (!ipString(ip)) continue;
            const c = cidrOf(ip, 24);
            if (!reservedOverlap(c)) counts.set(c.network, (counts.get(c.network) ?? 0) + 1);
        }
        const best = [...counts].sort((a, b) => b[1] - a[1])[0];
        base = best ? cidrOf(best[0], 24) : parseCidr("192.168.168.0/24")!;
    }
    const need = addressesNeeded(raw);
    while (cidrSize(base) - 2 < need && base.prefix > MIN_PREFIX) base = cidrOf(base.network, base.prefix - 1);
    return base;
}

/**
 * The allocator for a config's fixes: every address, MAC, name, priority and router id the
 * config uses is taken from the start.
 * @param raw the config as given.
 * @param cidr the network from `labCidr`.
 */
export function allocatorFor(raw: unknown, cidr: Cidr): Allocator {
    const alloc = new Allocator(cidr);
    alloc.takeIp(firstHost(cidr));
    for (const path of [["network", "gateway"], ["service", "vip"], ["ha", "natGateway", "ip"]]) alloc.takeIp(valueAt(raw, path));
    const servers = valueAt(raw, ["realServers"]);
    if (Array.isArray(servers)) servers.forEach((_, i) => alloc.takeIp(valueAt(raw, ["realServers", i, "gateway"])));
    for (const m of machineKeys(raw)) {
        const mac = valueAt(raw, [...m.path, "mac"]);
        alloc.takeIp(valueAt(raw, [...m.path, "ip"]), mac === undefined);
        alloc.takeMac(mac);
        alloc.takeName(valueAt(raw, [...m.path, "name"]));
    }
    if (valueAt(raw, ["ha"]) !== undefined) {
        alloc.takePriority(valueAt(raw, ["director", "priority"]) ?? defaultPriority());
        const peers = valueAt(raw, ["ha", "peers"]);
        if (Array.isArray(peers)) peers.forEach((_, i) => alloc.takePriority(valueAt(raw, ["ha", "peers", i, "priority"]) ?? defaultPriority(i)));
        alloc.takeRouterId(valueAt(raw, ["ha", "virtualRouterId"]) ?? DEFAULT_VIRTUAL_ROUTER_ID);
        alloc.takeRouterId(valueAt(raw, ["ha", "natGateway", "virtualRouterId"]));
    }
    return alloc;
}

/** A machine of a loose config with its key path. */
interface Machine {
    key: string;
    path: PathSegment[];
    role: "director" | "realServer" | "tomcat" | "nfs" | "client";
    name?: string;
    ip?: string;
    mac?: string;
}

/** Every machine the checks can see, in config order. */
function machines(c: LooseConfig): Machine[] {
    const at = (path: PathSegment[], role: Machine["role"], h: { name?: string; ip?: string; mac?: string } | undefined): Machine[] =>
        h ? [{ key: formatKeyPath(path), path, role, name: h.name, ip: h.ip, mac: h.mac }] : [];
    return [
        ...at(["director"], "director", c.director),
        ...(c.ha?.peers ?? []).flatMap((h, i) => at(["ha", "peers", i], "director", h)),
        ...(c.realServers ?? []).flatMap((h, i) => at(["realServers", i], "realServer", h)),
        ...(c.tomcats ?? []).flatMap((h, i) => at(["tomcats", i], "tomcat", h)),
        ...at(["nfs"], "nfs", c.nfs),
        ...at(["client"], "client", c.client),
    ];
}

/**
 * The checks the schema cannot express: addressing, uniqueness, what each mode and HA need.
 * Each check runs on whatever of its keys the schema accepted (after the schema's fixes), so a
 * bad value elsewhere hides nothing. Their fixes take free values from `suggest`.
 * @param c what the schema accepted of the config, with the schema's fixes applied.
 * @param suggest makes the fixes; its network is the lab's once fixed (`labCidr`).
 */
export function semanticIssues(c: LooseConfig, suggest: Suggester): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const add = (path: string, message: string, fix: ConfigFix[]) => issues.push({ path, message, fix });
    /**
     * Reports the entries of the list at `key` that repeat an earlier one, with fixes that remove
     * them; returns each value's first index, in list order.
     * @param noun what an entry is, as the message says it: "a port".
     * @param why what the message adds, or "".
     */
    const reportRepeats = <T>(key: string, list: readonly (T | undefined)[], noun: string, why: string): Map<T, number> => {
        const first = new Map<T, number>();
        const again: number[] = [];
        list.forEach((v, i) => {
            if (v === undefined) return;
            if (first.has(v)) again.push(i);
            else first.set(v, i);
        });
        if (again.length) {
            const detail = again.map((i) => `${key}[${i}] is ${list[i]} again, like ${key}[${first.get(list[i]!)}]`).join("; ");
            add(key, `lists ${noun} twice: ${detail}${why}`, [...again].reverse().map((i) => rmFix(`${key}[${i}]`)));
        }
        return first;
    };
    const alloc = suggest.alloc;
    const cidr = suggest.cidr;
    const cidrText = formatCidr(cidr);
    const configured = c.network?.cidr;
    const where = valueAt(suggest.raw, ["network", "cidr"]) === cidrText ? `network.cidr ${cidrText}` : `${cidrText} (network.cidr once fixed)`;
    const gateway = firstHost(cidr);
    const all = machines(c);
    const maybeSet = (key: string, v: string | number | undefined): ConfigFix[] => (v === undefined ? [] : [setFix(key, v)]);
    const finalIp = (m: Machine): string | undefined => (alloc.chosenFor(`${m.key}.ip`) as string | undefined) ?? m.ip;
    const mode = c.service?.mode ?? DEFAULT_MODE;
    const MODE = mode.toUpperCase();

    // The network itself: room for everything, and libvirt's gateway.
    if (configured !== undefined && configured !== cidrText) {
        const need = addressesNeeded(suggest.raw);
        add("network.cidr", `must have room for ${need} addresses (the gateway, the VIP${natHa(suggest.raw) ? ", the NAT gateway" : ""} and ${all.length} machines); got ${configured}, which has ${Math.max(0, cidrSize(parseCidr(configured)!) - 2)}`, [setFix("network.cidr", cidrText)]);
    }
    const gw = c.network?.gateway;
    if (gw !== undefined && gw !== gateway) {
        add("network.gateway", `libvirt gives the bridge the first host address of network.cidr, so the gateway must be ${gateway}; got ${gw}`, [rmFix("network.gateway")]);
    }

    // Addresses: the VIP, then every machine's.
    const vip = c.service?.vip;
    if (vip !== undefined) {
        const fix = () => maybeSet("service.vip", alloc.ip("service.vip", 100, false));
        if (!isHostIn(vip, cidr)) add("service.vip", `${vip} is not a host address of ${where}`, fix());
        if (vip === gateway) add("service.vip", `${vip} is the segment's gateway (network.gateway); the VIP must be its own address`, fix());
        for (const m of all) if (m.ip === vip) add("service.vip", `${vip} is also the address of ${m.key}; the VIP must be its own address`, fix());
    }
    const finalVip = (alloc.chosenFor("service.vip") as string | undefined) ?? vip;
    const seenIp = new Map<string, string>();
    for (const m of all) {
        if (m.ip === undefined) continue;
        const key = `${m.key}.ip`;
        const fix = () => maybeSet(key, suggest.machineIp(m.path));
        if (!isHostIn(m.ip, cidr)) add(key, `${m.ip} is not a host address of ${where}`, fix());
        else if (m.ip === gateway) add(key, `${m.ip} is the segment's gateway (network.gateway); each machine needs an address of its own`, fix());
        const first = seenIp.get(m.ip);
        if (first) add(key, `address ${m.ip} is already used by ${first}; each machine needs an address of its own`, fix());
        else seenIp.set(m.ip, key);
    }

    // HA's floating gateway for NAT, whose address the real servers route through.
    let natGateway: string | undefined;
    let natGatewayKey = "director.ip";
    if (!c.ha) {
        const director = all.find((m) => m.key === "director");
        natGateway = director && finalIp(director);
    } else {
        natGatewayKey = "ha.natGateway.ip";
        const ng = c.ha.natGateway;
        if (mode === "nat" && !ng) {
            add("ha.natGateway.ip", "NAT real servers send replies through the director, so with two directors they need a floating gateway (set ha.natGateway.ip and ha.natGateway.virtualRouterId)", suggest.fill(["ha", "natGateway"], schemaAt(["ha", "natGateway"])!));
        }
        if (ng && mode !== "nat") {
            add("ha.natGateway", `only NAT routes replies through the directors; remove ha.natGateway in ${MODE} mode`, [rmFix("ha.natGateway")]);
        }
        if (ng?.ip !== undefined && mode === "nat") {
            const fix = () => maybeSet("ha.natGateway.ip", alloc.ip("ha.natGateway.ip", 254, false));
            if (!isHostIn(ng.ip, cidr)) add("ha.natGateway.ip", `${ng.ip} is not a host address of ${where}`, fix());
            const taken = [...all.map((m) => ({ ip: m.ip, what: `${m.key}.ip` })), { ip: vip, what: "service.vip" }, { ip: gateway, what: "the segment's gateway" }].find((t) => t.ip === ng.ip);
            if (taken) add("ha.natGateway.ip", `${ng.ip} is also ${taken.what}; the floating gateway must be its own address`, fix());
        }
        natGateway = (alloc.chosenFor("ha.natGateway.ip") as string | undefined) ?? (mode === "nat" ? ng?.ip : undefined);
    }

    // Names and MACs: one per machine.
    const seenName = new Map<string, string>();
    for (const m of all) {
        if (m.name === undefined) continue;
        const key = `${m.key}.name`;
        const first = seenName.get(m.name);
        if (first) add(key, `name ${m.name} is already used by ${first}; each machine needs a name of its own`, [setFix(key, alloc.name(key, m.name, m.role === "realServer" ? "rs" : m.role))]);
        else seenName.set(m.name, key);
    }
    const seenMac = new Map<string, string>();
    for (const m of all) {
        const ip = finalIp(m);
        const mac = m.mac ?? (ip !== undefined ? macFor(ip) : undefined);
        if (mac === undefined) continue;
        const key = `${m.key}.mac`;
        const first = seenMac.get(mac);
        if (first) add(key, `MAC ${mac}${m.mac ? "" : " (derived from its address)"} is already used by ${first}; each machine needs a MAC of its own`, [setFix(key, alloc.mac(key))]);
        else seenMac.set(mac, key);
    }

    // Ports: each once; none that sshd holds where nginx listens (on the real servers, and with
    // the sorry server on the directors too).
    const firstIndex = reportRepeats("service.ports", c.service?.ports ?? [], "a port", "; each port is one IPVS service");
    const finalPorts: number[] = [];
    for (const [p, i] of firstIndex) {
        const key = `service.ports[${i}]`;
        if (p === SSH_PORT && (mode !== "nat" || finalPorts.length === 0)) {
            const listens = mode === "nat" ? "nginx listens on the first service port" : `in ${MODE} nginx listens on every service port`;
            const fixed = suggest.servicePort(key);
            add(key, `port ${SSH_PORT} is sshd's on every real server, and ${listens}; got ${p}`, [setFix(key, fixed)]);
            finalPorts.push(fixed);
        } else if (p === SSH_PORT && c.service?.sorryServer === true) {
            // Only NAT gets here: its real servers listen on the first service port alone.
            const fixed = suggest.servicePort(key);
            add(key, `port ${SSH_PORT} is sshd's on every director, and the sorry server (service.sorryServer) listens on every service port there; got ${p}`, [setFix(key, fixed)]);
            finalPorts.push(fixed);
        } else {
            finalPorts.push(p);
        }
    }

    // A firewall mark and TLS: DR and TUN real servers answer on every service port as it came;
    // TLS on a service port other than the first, which the verification asks over HTTP.
    if (c.service?.firewallMark !== undefined && mode === "nat") {
        add("service.firewallMark", "in NAT the lab's real servers answer every service port on one port (realServers[].port), and a mark's destinations keep each packet's port, where nginx there does not listen; use DR or TUN, or remove service.firewallMark", [rmFix("service.firewallMark")]);
    }
    const tlsPorts = c.service?.tlsPorts ?? [];
    reportRepeats("service.tlsPorts", tlsPorts, "a port", "");
    tlsPorts.forEach((p, i) => {
        const key = `service.tlsPorts[${i}]`;
        if (p === undefined) return;
        if (mode === "nat") add(key, `in NAT nginx on the real servers listens on one port for every service port, which serves plain HTTP or TLS, not both; use DR or TUN; got ${p}`, [rmFix(key)]);
        else if (!finalPorts.includes(p)) add(key, `must be one of service.ports (${finalPorts.join(", ")}): nginx serves TLS only on a service port; got ${p}`, [rmFix(key)]);
        else if (p === finalPorts[0]) add(key, `is the first of service.ports, which the client's verification asks over plain HTTP; list a plain port first in service.ports; got ${p}`, [rmFix(key)]);
        else if (c.service?.sorryServer === true) add(key, `the sorry server (service.sorryServer) answers plain HTTP on every service port, so no port can be TLS; got ${p}`, [rmFix(key)]);
    });

    // Dual stack: DR only, where a real server needs the VIP on lo and nothing else; TCP ports
    // served by IPVS per port, as the mark's nftables table is IPv4's.
    if (c.network?.ipv6Cidr !== undefined && mode !== "dr") {
        add("network.ipv6Cidr", `the lab's IPv6 services run in DR only: in ${MODE} the real servers would need ${mode === "nat" ? "IPv6 routes back through the director" : "IPv6-in-IPv6 tunnels"}, which the lab does not set up; use service.mode dr or remove network.ipv6Cidr`, [rmFix("network.ipv6Cidr")]);
    }
    if (c.network?.ipv6Cidr !== undefined && c.service?.firewallMark !== undefined) {
        add("service.firewallMark", "marks IPv4 packets only (an nftables ip table), and network.ipv6Cidr adds IPv6 services; remove service.firewallMark or network.ipv6Cidr", [rmFix("service.firewallMark")]);
    }

    // UDP services: each port once; one-packet scheduling only where there is one.
    const udpPorts = c.service?.udpPorts ?? [];
    reportRepeats("service.udpPorts", udpPorts, "a port", "; each port is one IPVS UDP service");
    if (c.service?.ops === true && udpPorts.length === 0) {
        add("service.ops", "one-packet scheduling applies to UDP services, and service.udpPorts lists none; list a UDP port in service.udpPorts or remove service.ops", [rmFix("service.ops")]);
    }

    // Real servers: port remaps, gateways and NFS web roots per mode.
    const directorIps = all.filter((m) => m.role === "director").flatMap((m) => [m.ip, finalIp(m)].filter((ip) => ip !== undefined).map((ip) => ({ ip, key: `${m.key}.ip` })));
    (c.realServers ?? []).forEach((rs, i) => {
        if (!rs) return;
        const path = `realServers[${i}]`;
        if (rs.port !== undefined) {
            const key = `${path}.port`;
            if (mode !== "nat" && !(finalPorts.length === 1 && rs.port === finalPorts[0])) {
                add(key, `${MODE} forwards packets without rewriting the port, so it must equal service.ports (${finalPorts.join(", ")}); got ${rs.port}`, [rmFix(key)]);
            } else if (mode === "nat" && finalPorts.length > 1) {
                add(key, `a port remap needs exactly one service port; service.ports has ${finalPorts.length} (${finalPorts.join(", ")})`, [rmFix(key)]);
            } else if (mode === "nat" && rs.port === SSH_PORT) {
                add(key, `port ${SSH_PORT} is sshd's on the real server, so nginx cannot listen on it; got ${rs.port}`, [rmFix(key)]);
            }
        }
        if (rs.gateway !== undefined) {
            const key = `${path}.gateway`;
            const self = all.find((m) => m.key === path);
            if (mode === "nat") {
                if (natGateway !== undefined && rs.gateway !== natGateway) {
                    add(key, `NAT sends replies back through the director, so the gateway must be ${natGatewayKey} ${natGateway}; got ${rs.gateway}`, [rmFix(key)]);
                }
            } else {
                const director = directorIps.find((d) => d.ip === rs.gateway);
                if (director) add(key, `in ${MODE} mode replies bypass the director, so the gateway must not be ${director.key} ${rs.gateway}`, [rmFix(key)]);
                else if (rs.gateway === vip || rs.gateway === finalVip) add(key, `in ${MODE} mode the real server holds the VIP itself, so the gateway must not be the VIP ${rs.gateway}`, [rmFix(key)]);
                else if (self && (rs.gateway === self.ip || rs.gateway === finalIp(self))) add(key, `a real server cannot route through itself: the gateway must not be its own address ${rs.gateway}`, [rmFix(key)]);
                else if (!isHostIn(rs.gateway, cidr)) add(key, `${rs.gateway} is not a host address of ${where}`, [rmFix(key)]);
            }
        }
        if (rs.nfsExport !== undefined) {
            const key = `${path}.nfsExport`;
            const exports = (c.nfs?.exports ?? []).filter((e): e is string => e !== undefined);
            if (!c.nfs) add(key, `needs an nfs server; set nfs or remove this key (got ${rs.nfsExport})`, [rmFix(key)]);
            else if (!exports.includes(rs.nfsExport)) {
                add(key, `${rs.nfsExport} is not one of nfs.exports (${exports.join(", ")})`, exports.length ? [setFix(key, exports[0])] : [rmFix(key)]);
            }
        }
    });
    reportRepeats("nfs.exports", c.nfs?.exports ?? [], "a path", "");

    // Director HA: distinct priorities and router ids; keys that need it.
    if (!c.ha) {
        if (c.service?.healthCheck) add("service.healthCheck", "health checks run in keepalived, which the lab runs only for director HA; set ha.peers or remove service.healthCheck", [rmFix("service.healthCheck")]);
    } else {
        const prioritised = [
            ...(c.director ? [{ path: "director.priority", priority: c.director.priority ?? defaultPriority() }] : []),
            ...(c.ha.peers ?? []).flatMap((p, i) => (p ? [{ path: `ha.peers[${i}].priority`, priority: p.priority ?? defaultPriority(i) }] : [])),
        ];
        const seen = new Map<number, string>();
        for (const { path, priority } of prioritised) {
            const first = seen.get(priority);
            // Equal priorities make the master the one with the higher address: an accident, not a choice.
            if (first) add(path, `priority ${priority} is already ${first}'s; VRRP priorities must be distinct`, [setFix(path, alloc.priority(path, Math.min(...seen.keys()) - 10))]);
            else seen.set(priority, path);
        }
        const ng = c.ha.natGateway;
        const vrid = c.ha.virtualRouterId ?? DEFAULT_VIRTUAL_ROUTER_ID;
        if (ng?.virtualRouterId !== undefined && mode === "nat" && ng.virtualRouterId === vrid) {
            add("ha.natGateway.virtualRouterId", `${ng.virtualRouterId} is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment`, [setFix("ha.natGateway.virtualRouterId", alloc.routerId("ha.natGateway.virtualRouterId", vrid + 1))]);
        }
        // What each VRRP version's advert carries: v2 whole seconds and a password, v3 centiseconds and no password.
        const { vrrpVersion, advertInterval, authPass } = c.ha;
        if (vrrpVersion === 2 && advertInterval !== undefined && !Number.isInteger(advertInterval)) {
            add("ha.advertInterval", `VRRPv2 adverts carry whole seconds, so with ha.vrrpVersion 2 it must be a whole number from 1 to 255; sub-second adverts need VRRPv3; got ${advertInterval}`, [setFix("ha.vrrpVersion", 3)]);
        }
        if (vrrpVersion === 3 && advertInterval !== undefined && advertInterval > MAX_VRRP3_ADVERT_SECONDS) {
            add("ha.advertInterval", `VRRPv3 adverts carry centiseconds in 12 bits, so with ha.vrrpVersion 3 it must be at most ${MAX_VRRP3_ADVERT_SECONDS}; got ${advertInterval}`, [setFix("ha.advertInterval", MAX_VRRP3_ADVERT_SECONDS)]);
        }
        if (vrrpVersion === 3 && authPass !== undefined) {
            add("ha.authPass", `VRRPv3 has no authentication (RFC 5798 dropped it), so with ha.vrrpVersion 3 there is no password to set`, [rmFix("ha.authPass")]);
        }
    }

    // Direct kernel boot needs both files; its command line is nothing without them (the boot
    // loader's own command line is on the disk).
    const image = c.image;
    if (image && (image.kernel === undefined) !== (image.initrd === undefined)) {
        const present = image.kernel !== undefined ? "image.kernel" : "image.initrd";
        const missing = image.kernel !== undefined ? "image.initrd" : "image.kernel";
        add(present, `direct kernel boot needs both image.kernel and image.initrd (the Debian kernel loads virtio and ext4 from the initrd); got ${present} ${image.kernel ?? image.initrd} without ${missing}`, [rmFix(present)]);
    }
    if (image?.cmdline !== undefined && image.kernel === undefined) {
        add("image.cmdline", `is the command line of direct kernel boot, so it needs image.kernel and image.initrd; without them the disk's boot loader boots with its own, and this one would be dropped; got ${JSON.stringify(image.cmdline)} without image.kernel`, [rmFix("image.cmdline")]);
    }
    return issues;
}
