import { z } from "zod";
import { ConfigIssue, LabConfigError } from "./errors";
import { fromInt, isHostIn, macFor, parseCidr, toInt } from "./ipv4";
import { healthCheckConfig, rawLabConfig, RawLabConfig } from "./schema";
import { HostSpec, LabSpec, Role, TOMCAT_PORT } from "./spec";

/** Formats a zod path as a `pulumi config set --path` key: `realServers[1].ip`. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/**
 * Validates raw stack config and returns the lab spec. Pure: no Pulumi, no I/O.
 * @param raw the project's config values, keyed as in the stack file (`network`, `service`, ...).
 * @throws LabConfigError naming every bad key path and its fix.
 */
export function parseLabConfig(raw: unknown): LabSpec {
    const parsed = rawLabConfig.safeParse(raw);
    if (!parsed.success) {
        throw new LabConfigError(parsed.error.issues.map(zodIssue));
    }
    const issues = semanticIssues(parsed.data);
    if (issues.length > 0) throw new LabConfigError(issues);
    return toSpec(parsed.data);
}

function zodIssue(issue: z.core.$ZodIssue): ConfigIssue {
    const path = formatPath(issue.path);
    if (issue.code === "unrecognized_keys") {
        return { path: path || "(top level)", message: `unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}` };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
        return { path, message: "is required" };
    }
    return { path, message: issue.message };
}

interface Located { path: string; name: string; ip: string; mac: string }

/** Every machine with the key path its settings live under. */
function located(c: RawLabConfig): Located[] {
    const at = (path: string, h: { name: string; ip: string; mac?: string }) => ({ path, name: h.name, ip: h.ip, mac: h.mac ?? macFor(h.ip) });
    return [
        at("director", c.director),
        ...(c.ha?.peers ?? []).map((h, i) => at(`ha.peers[${i}]`, h)),
        ...c.realServers.map((h, i) => at(`realServers[${i}]`, h)),
        ...c.tomcats.map((h, i) => at(`tomcats[${i}]`, h)),
        ...(c.nfs ? [at("nfs", c.nfs)] : []),
        at("client", c.client),
    ];
}

/** The checks zod cannot express: addressing, uniqueness and per-mode rules. */
export function semanticIssues(c: RawLabConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const cidr = parseCidr(c.network.cidr);
    if (!cidr) {
        return [{ path: "network.cidr", message: `'${c.network.cidr}' is not a network in CIDR form`, example: "192.168.168.0/24" }];
    }
    const firstHost = fromInt(toInt(cidr.network) + 1);
    const example = (offset: number) => fromInt(toInt(cidr.network) + offset);
    const inside = (path: string, ip: string) => {
        if (!isHostIn(ip, cidr)) issues.push({ path, message: `${ip} is not a host address of network.cidr ${c.network.cidr}`, example: example(200) });
    };
    const hosts = located(c);
    const gateway = c.network.gateway ?? firstHost;
    if (c.network.gateway !== undefined && c.network.gateway !== firstHost) {
        // libvirt gives the bridge the network's first host address; that is the segment's gateway.
        issues.push({ path: "network.gateway", message: `libvirt gives the bridge the first host address of network.cidr, so the gateway must be ${firstHost}`, example: firstHost });
    }
    inside("service.vip", c.service.vip);
    for (const h of hosts) inside(`${h.path}.ip`, h.ip);

    const seen = new Map<string, string>();
    const unique = (kind: string, key: string, path: string) => {
        const first = seen.get(`${kind}:${key}`);
        if (first) issues.push({ path, message: `${kind} ${key} is already used by ${first}` });
        else seen.set(`${kind}:${key}`, path);
    };
    for (const h of hosts) {
        unique("name", h.name, `${h.path}.name`);
        unique("address", h.ip, `${h.path}.ip`);
        unique("MAC", h.mac, `${h.path}.mac`);
    }
    for (const h of hosts) {
        if (h.ip === c.service.vip) issues.push({ path: "service.vip", message: `${c.service.vip} is also the address of ${h.path}; the VIP must be its own address`, example: example(100) });
    }
    if (c.service.vip === gateway) issues.push({ path: "service.vip", message: `${c.service.vip} is the segment's gateway`, example: example(100) });
    for (const h of hosts) {
        if (h.ip === gateway) issues.push({ path: `${h.path}.ip`, message: `${h.ip} is the segment's gateway (network.gateway)`, example: example(200) });
    }
    if (new Set(c.service.ports).size !== c.service.ports.length) {
        issues.push({ path: "service.ports", message: "lists a port twice", example: "'[80]'" });
    }

    const mode = c.service.mode;
    const natGateway = natGatewayOf(c);
    const natGatewayKey = c.ha ? "ha.natGateway.ip" : "director.ip";
    c.realServers.forEach((rs, i) => {
        const path = `realServers[${i}]`;
        if (mode === "nat" && rs.gateway !== undefined && rs.gateway !== natGateway) {
            issues.push({ path: `${path}.gateway`, message: `NAT sends replies back through the director, so the gateway must be ${natGatewayKey} ${natGateway}`, example: natGateway });
        }
        if (mode !== "nat" && rs.gateway === c.director.ip) {
            issues.push({ path: `${path}.gateway`, message: `in ${mode.toUpperCase()} mode replies bypass the director, so the gateway must not be director.ip ${c.director.ip}`, example: gateway });
        }
        if (rs.gateway !== undefined && mode !== "nat") inside(`${path}.gateway`, rs.gateway);
        if (rs.port !== undefined) {
            if (mode !== "nat" && !(c.service.ports.length === 1 && rs.port === c.service.ports[0])) {
                issues.push({ path: `${path}.port`, message: `${mode.toUpperCase()} forwards packets without rewriting the port, so it must equal service.ports (${c.service.ports.join(", ")})`, example: String(c.service.ports[0]) });
            }
            if (mode === "nat" && c.service.ports.length > 1) {
                issues.push({ path: `${path}.port`, message: "a port remap needs exactly one service port", example: String(c.service.ports[0]) });
            }
        }
        if (rs.nfsExport !== undefined) {
            if (!c.nfs) issues.push({ path: `${path}.nfsExport`, message: "needs an nfs server; set nfs or remove this key" });
            else if (!c.nfs.exports.includes(rs.nfsExport)) {
                issues.push({ path: `${path}.nfsExport`, message: `${rs.nfsExport} is not one of nfs.exports (${c.nfs.exports.join(", ")})`, example: c.nfs.exports[0] });
            }
        }
    });
    if (c.nfs && new Set(c.nfs.exports).size !== c.nfs.exports.length) {
        issues.push({ path: "nfs.exports", message: "lists a path twice" });
    }
    issues.push(...haIssues(c, hosts, gateway, inside, example));
    if ((c.image.kernel === undefined) !== (c.image.initrd === undefined)) {
        issues.push({ path: c.image.kernel ? "image.initrd" : "image.kernel", message: "direct kernel boot needs both image.kernel and image.initrd (the Debian kernel loads virtio and ext4 from the initrd)", example: "/boot/initrd.img" });
    }
    return issues;
}

/**
 * A director's VRRP priority: as configured, or by default 150 for the first director and 100,
 * 90, 80, ... for its peers.
 * @param peerIndex the director's index in `ha.peers`; absent for `director`.
 */
function priorityOf(d: { priority?: number }, peerIndex?: number): number {
    return d.priority ?? (peerIndex === undefined ? 150 : Math.max(1, 100 - 10 * peerIndex));
}

/** Where NAT real servers send replies: the director, or with HA the floating gateway. */
function natGatewayOf(c: RawLabConfig): string | undefined {
    return c.ha ? c.ha.natGateway?.ip : c.director.ip;
}

/** The director-HA checks: priorities, router ids, the NAT gateway, and keys that need `ha`. */
function haIssues(c: RawLabConfig, hosts: Located[], gateway: string, inside: (path: string, ip: string) => void, example: (offset: number) => string): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (!c.ha) {
        if (c.service.healthCheck) issues.push({ path: "service.healthCheck", message: "health checks run in keepalived, which the lab runs only for director HA; set ha.peers or remove service.healthCheck" });
        return issues;
    }
    const priorities = new Map<number, string>();
    const prioritised = [
        { path: "director.priority", priority: priorityOf(c.director) },
        ...c.ha.peers.map((p, i) => ({ path: `ha.peers[${i}].priority`, priority: priorityOf(p, i) })),
    ];
    for (const { path, priority } of prioritised) {
        const first = priorities.get(priority);
        // Equal priorities make the master the one with the higher address: an accident, not a choice.
        if (first) issues.push({ path, message: `priority ${priority} is already ${first}'s; VRRP priorities must be distinct`, example: String(Math.max(1, Math.min(...priorities.keys()) - 10)) });
        else priorities.set(priority, path);
    }
    const gw = c.ha.natGateway;
    if (c.service.mode === "nat" && !gw) {
        issues.push({ path: "ha.natGateway.ip", message: "NAT real servers send replies through the director, so with two directors they need a floating gateway (set ha.natGateway.ip and ha.natGateway.virtualRouterId)", example: example(254) });
    }
    if (gw && c.service.mode !== "nat") {
        issues.push({ path: "ha.natGateway", message: `only NAT routes replies through the directors; remove ha.natGateway in ${c.service.mode.toUpperCase()} mode` });
    }
    if (gw) {
        inside("ha.natGateway.ip", gw.ip);
        const taken = [...hosts.map((h) => ({ ip: h.ip, what: h.path })), { ip: c.service.vip, what: "service.vip" }, { ip: gateway, what: "the segment's gateway" }].find((t) => t.ip === gw.ip);
        if (taken) issues.push({ path: "ha.natGateway.ip", message: `${gw.ip} is also ${taken.what}; the floating gateway must be its own address`, example: example(254) });
        if (gw.virtualRouterId === c.ha.virtualRouterId) {
            issues.push({ path: "ha.natGateway.virtualRouterId", message: `${gw.virtualRouterId} is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment`, example: String((c.ha.virtualRouterId % 255) + 1) });
        }
    }
    return issues;
}

function toSpec(c: RawLabConfig): LabSpec {
    const cidr = parseCidr(c.network.cidr)!;
    const gateway = c.network.gateway ?? fromInt(toInt(cidr.network) + 1);
    const pool = c.libvirt.pool ?? `lvs-${c.network.name}`;
    const host = <R extends Role>(role: R, h: { name: string; ip: string; mac?: string }, extra: { nic?: string; gateway?: string } = {}) => ({
        role,
        name: h.name,
        ip: h.ip,
        mac: h.mac ?? macFor(h.ip),
        nic: extra.nic ?? "ens33",
        gateway: extra.gateway ?? gateway,
        ...c.machines[role],
    });
    const rsGateway = c.service.mode === "nat" ? natGatewayOf(c) : undefined;
    const director = (d: RawLabConfig["director"], priority: number) => ({ ...host("director", d, { nic: d.nic }), priority });
    return {
        network: { name: c.network.name, cidr: c.network.cidr, prefix: cidr.prefix, netmask: cidr.netmask, gateway, bridge: `lvs-${c.network.name}` },
        libvirt: { uri: c.libvirt.uri, pool, poolPath: c.libvirt.poolPath ?? `/var/lib/libvirt/images/${pool}` },
        image: { ...c.image },
        sshUser: c.sshUser,
        service: { ...c.service, healthCheck: c.service.healthCheck ?? healthCheckConfig.parse({}) },
        director: director(c.director, priorityOf(c.director)),
        ...(c.ha ? { ha: { ...c.ha, peers: c.ha.peers.map((p, i) => director(p, priorityOf(p, i))) } } : {}),
        realServers: c.realServers.map((rs) => ({
            ...host("realServer", rs, { gateway: rs.gateway ?? rsGateway }),
            role: "realServer" as const,
            port: rs.port ?? c.service.ports[0],
            weight: rs.weight,
            ...(rs.nfsExport ? { nfsExport: rs.nfsExport } : {}),
        })),
        tomcats: c.tomcats.map((t) => ({ ...host("tomcat", t), role: "tomcat" as const, port: TOMCAT_PORT, weight: t.weight })),
        ...(c.nfs ? { nfs: { ...host("nfs", c.nfs), role: "nfs" as const, exports: [...c.nfs.exports] } } : {}),
        client: host("client", c.client) as HostSpec & { role: "client" },
    };
}
