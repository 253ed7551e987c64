import { LooseConfig, allocatorFor, labCidr, semanticIssues } from "./checks";
import { ConfigIssue, LabConfigError } from "./errors";
import { ConfigFix, PathSegment, applyConfigFix, formatKeyPath, rmFix, setFix } from "./fix";
import { decodeConfigValue } from "./fromPulumi";
import { cidrOf, firstHost, formatCidr, isIpv4, macFor, overlaps, parseCidr, toInt } from "./ipv4";
import { IPV6_PREFIX, ipv6Host, nearestIpv6Cidr } from "./ipv6";
import { DEFAULT_AUTH_PASS, DEFAULT_IMAGE, DEFAULT_LIBVIRT_URI, DEFAULT_NIC, POOL_PARENT_DIR, RawLabConfig, defaultPriority, healthCheckConfig, rawLabConfig } from "./schema";
import { salvage, schemaIssues } from "./schemaIssues";
import { Suggester, kindOf, schemaAt } from "./suggest";
import { DomainType, HostSpec, LabSpec, Role, TOMCAT_PORT } from "./spec";

/** Formats a zod path as a `config set --path` key: `realServers[1].ip`. */
export function formatPath(path: readonly PropertyKey[]): string {
    return formatKeyPath(path);
}

/** Options of `parseLabConfig`. */
export interface ParseOptions {
    /**
     * Tells whether a local file exists. When given, a local `image.source` is checked (the
     * lab uploads it before any machine exists) and, for a libvirt URI on this machine,
     * `image.kernel` and `image.initrd`; pass `fs.existsSync` in a program, a stand-in in tests.
     * Without it nothing is read: the parse is pure.
     */
    exists?: (path: string) => boolean;
    /**
     * Whether KVM runs guests on this machine: in a program, the answer of `tools/kvm-probe.sh`,
     * which boots a tiny guest under KVM as libvirt's QEMU user (an openable /dev/kvm is not
     * enough: on the test bed the guest hangs); a stand-in in tests. Asked at most once, and only
     * when `libvirt.domainType` is `auto` or `kvm` and `libvirt.uri` is a libvirt on this machine.
     * Without it nothing is probed: `auto` means `qemu`, and `kvm` is taken as given.
     */
    kvm?: () => KvmFact;
    /**
     * The labs' libvirt networks at a libvirt URI: in a program, what libvirt says (`labNetworks`
     * in components/infra, `virsh net-dumpxml` of every `lvs-*` network); a stand-in in tests.
     * Asked once, and only for a config with no other problem whose `libvirt.uri` is a libvirt on
     * this machine (the sandbox's, where the engine runs). A network of another lab whose address
     * range overlaps `network.cidr` fails the parse: two such labs cannot both be up. The stack's
     * own network (`lvs-<network.name>`) is not another lab's. Without it nothing is asked.
     */
    networks?: (uri: string) => LabNetwork[];
}

/** A lab's libvirt network, as `ParseOptions.networks` finds it. */
export interface LabNetwork {
    /** The libvirt network: `lvs-<network.name>` of its lab. */
    name: string;
    /** Its IPv4 addresses with their prefix, as libvirt holds them: the bridge's, e.g. `192.168.168.1/24`. */
    cidrs: string[];
}

/** What the KVM probe found. */
export interface KvmFact {
    /** True when a guest ran under KVM. */
    usable: boolean;
    /** The probe's one-line answer, e.g. `not usable: a guest under kvm did not reach its boot sector within 5 s (it hangs)`. */
    detail: string;
}

/** True for a libvirt URI of this machine (`qemu:///system`), whose files and KVM this machine can check. */
export function isLocalUri(uri: string): boolean {
    return /^[A-Za-z0-9+]+:\/\/\//.test(uri);
}

/**
 * The domain type the machines get.
 * @param type `libvirt.domainType` as configured.
 * @param uri `libvirt.uri`: only a local libvirt's KVM is probed.
 * @param kvm the probe (see `ParseOptions.kvm`).
 */
export function resolveDomainType(type: "auto" | DomainType, uri: string, kvm?: () => KvmFact): DomainType {
    if (type !== "auto") return type;
    return kvm && isLocalUri(uri) && kvm().usable ? "kvm" : "qemu";
}

/** Decimal text such as `0.5`: a number `config set --path` stores as text (see `storedValue`). */
const DECIMAL_TEXT = /^\d+\.\d+$/;

/**
 * The config with decimal text read as numbers where the schema takes a number (such as
 * `ha.advertInterval`): `config set --path ha.advertInterval 0.5` stores the text "0.5", and
 * the fixes print such commands. Everything else is left as given.
 * @internal
 */
export function decimalsAsNumbers(raw: unknown, path: PathSegment[] = []): unknown {
    if (typeof raw === "string") {
        const schema = schemaAt(path);
        return DECIMAL_TEXT.test(raw) && schema && kindOf(schema) === "number" ? Number(raw) : raw;
    }
    if (Array.isArray(raw)) return raw.map((v, i) => decimalsAsNumbers(v, [...path, i]));
    if (typeof raw === "object" && raw !== null) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decimalsAsNumbers(v, [...path, k])]));
    return raw;
}

/**
 * Validates raw stack config and returns the lab spec. Pure unless `options.exists` reads files.
 * @param given the project's config values, keyed as in the stack file (`network`, `service`, ...).
 * @param options how to check local files.
 * @throws LabConfigError naming every bad key path, what it must be, and its fix.
 */
export function parseLabConfig(given: unknown, options: ParseOptions = {}): LabSpec {
    const raw = decimalsAsNumbers(given);
    // The probe runs at most once: the issues ask it only for `kvm`, the domain type only for `auto`.
    const issues = issuesOf(raw, options);
    if (issues.length > 0) throw new LabConfigError(issues);
    const c = rawLabConfig.parse(raw);
    // Other labs are asked about last, and only for a config that could be built.
    const overlapping = options.networks ? overlapIssues(c, options.networks) : [];
    if (overlapping.length > 0) throw new LabConfigError(overlapping);
    return toSpec(c, resolveDomainType(c.libvirt.domainType, c.libvirt.uri, options.kvm));
}

/**
 * Every problem of a raw config at once: the schema's issues, then the checks across keys on
 * everything the schema accepted (with the schema's fixes applied, so each check sees the
 * config its fixes lead to), then the local files. Empty when the config is valid.
 * @param given the project's config values.
 * @param options how to check local files.
 */
export function labConfigIssues(given: unknown, options: ParseOptions = {}): ConfigIssue[] {
    return issuesOf(decimalsAsNumbers(given), options);
}

/** `labConfigIssues` of a config whose decimal text is already read as numbers. */
function issuesOf(raw: unknown, options: ParseOptions): ConfigIssue[] {
    const input = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const cidr = labCidr(input);
    const suggest = new Suggester(input, cidr, allocatorFor(input, cidr));
    const fromSchema = schemaIssues(raw, suggest);
    let fixed = input;
    for (const fix of fromSchema.flatMap((i) => i.fix)) {
        // A removed list item would shift the items after it; the checks keep the given indices.
        if (removesItem(fix)) continue;
        try {
            fixed = applyConfigFix(fixed, fix, decodeConfigValue);
        } catch {
            // A fix the CLI would refuse leaves the key as it is; its issue is reported anyway.
        }
    }
    const loose = (salvage(rawLabConfig, fixed) ?? {}) as LooseConfig;
    const fromChecks = semanticIssues(loose, suggest);
    const fromFiles = options.exists ? fileIssues(loose, options.exists) : [];
    const fromHost = options.kvm ? kvmIssues(loose, options.kvm) : [];
    return inFixOrder([...fromSchema, ...fromChecks, ...fromFiles, ...fromHost]);
}

/** True when a fix command removes a list item (which moves the items after it). */
function removesItem(fix: ConfigFix): boolean {
    return fix.kind === "rm" && /\]$/.test(fix.key);
}

/**
 * Orders issues so their fixes can run one after another as printed: issues whose fixes remove
 * list items come last, higher indices first, so no removal moves an item another fix names.
 */
function inFixOrder(issues: ConfigIssue[]): ConfigIssue[] {
    const index = (i: ConfigIssue) => Math.max(...i.fix.filter(removesItem).map((f) => Number(/\[(\d+)\]$/.exec((f as { key: string }).key)![1])));
    const keep = issues.filter((i) => !i.fix.some(removesItem));
    const removals = issues.filter((i) => i.fix.some(removesItem)).sort((a, b) => index(b) - index(a));
    return [...keep, ...removals];
}

/** Files the lab reads from this machine: the image it uploads, and a local libvirt's kernel and initrd. */
function fileIssues(c: LooseConfig, exists: (path: string) => boolean): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const source = c.image?.source;
    if (source !== undefined && !/^https?:\/\//.test(source) && !exists(source)) {
        const useDefault: ConfigFix[] = source === DEFAULT_IMAGE ? [] : [setFix("image.source", DEFAULT_IMAGE)];
        const fix: ConfigFix[] = exists(DEFAULT_IMAGE) ? useDefault : [{ kind: "setup" }, ...useDefault];
        issues.push({ path: "image.source", message: `must be an existing qcow2 image, which the lab uploads as every machine's base volume before anything else; got ${source}, which does not exist on this machine`, fix });
    }
    const uri = c.libvirt?.uri ?? DEFAULT_LIBVIRT_URI;
    if (isLocalUri(uri)) {
        for (const key of ["kernel", "initrd"] as const) {
            const path = c.image?.[key];
            if (path !== undefined && !exists(path)) {
                issues.push({ path: `image.${key}`, message: `must be a file on the libvirt host (${uri}); got ${path}, which does not exist`, fix: [rmFix("image.kernel"), rmFix("image.initrd")] });
            }
        }
    }
    return issues;
}

/** `libvirt.domainType: kvm` for a libvirt on this machine, where a guest does not run under KVM. */
function kvmIssues(c: LooseConfig, kvm: () => KvmFact): ConfigIssue[] {
    const uri = c.libvirt?.uri ?? DEFAULT_LIBVIRT_URI;
    if (c.libvirt?.domainType !== "kvm" || !isLocalUri(uri)) return [];
    const fact = kvm();
    if (fact.usable) return [];
    return [{
        path: "libvirt.domainType",
        message: `must be auto or qemu on this machine: a guest does not run under KVM here (tools/kvm-probe.sh: ${fact.detail}); got kvm`,
        fix: [rmFix("libvirt.domainType")],
    }];
}

/** The libvirt network of the lab whose `network.name` is `name` (the spec's `network.libvirtName`). */
function libvirtNetworkName(name: string): string {
    return `lvs-${name}`;
}

/**
 * `network.cidr` overlapping another lab's network on this stack's libvirt (on this machine): its
 * bridge would share addresses with that lab's, and libvirt would refuse to start the second
 * network only after the first resources exist. Empty for the stack's own network.
 */
function overlapIssues(c: RawLabConfig, networks: (uri: string) => LabNetwork[]): ConfigIssue[] {
    if (!isLocalUri(c.libvirt.uri)) return [];
    const mine = parseCidr(c.network.cidr)!;
    const own = libvirtNetworkName(c.network.name);
    const issues: ConfigIssue[] = [];
    for (const net of networks(c.libvirt.uri)) {
        if (net.name === own) continue;
        for (const held of net.cidrs) {
            const [address, prefix] = held.split("/");
            if (!isIpv4(address) || !/^\d{1,2}$/.test(prefix ?? "") || Number(prefix) > 32) continue;
            const theirs = cidrOf(address, Number(prefix));
            if (!overlaps(mine, theirs)) continue;
            const lab = net.name.replace(/^lvs-/, "");
            issues.push({
                path: "network.cidr",
                message: `must not overlap another lab's network: libvirt network ${net.name} on ${c.libvirt.uri} has ${formatCidr(theirs)}, and two labs whose networks overlap cannot both be up; destroy that lab first (npm run lab -- destroy STACK, with the stack whose network.name is ${lab}), or give this stack a network of its own (network.cidr and every address in the config); got ${c.network.cidr}`,
                fix: [],
            });
        }
    }
    return issues;
}

/**
 * The spec of a config that passed every check.
 * @param domainType the machines' domain type, `auto` resolved.
 */
function toSpec(c: RawLabConfig, domainType: DomainType): LabSpec {
    const cidr = parseCidr(c.network.cidr)!;
    const gateway = c.network.gateway ?? firstHost(cidr);
    const pool = c.libvirt.pool ?? `lvs-${c.network.name}`;
    const { ipv6Cidr } = c.network;
    /** An IPv4 address's IPv6 twin in a dual-stack lab, as the key `ip6`; nothing otherwise. */
    const ip6 = <K extends string>(key: K, ip: string): Partial<Record<K, string>> =>
        ipv6Cidr ? ({ [key]: ipv6Host(ipv6Cidr, toInt(ip) - toInt(cidr.network)) } as Record<K, string>) : {};
    const host = <R extends Role>(role: R, h: { name: string; ip: string; mac?: string }, extra: { nic?: string; gateway?: string } = {}) => {
        const domainName = `lvs-${c.network.name}-${h.name}`;
        return {
            role,
            name: h.name,
            ip: h.ip,
            mac: h.mac ?? macFor(h.ip),
            nic: extra.nic ?? DEFAULT_NIC,
            gateway: extra.gateway ?? gateway,
            ...ip6("ip6", h.ip),
            ...c.machines[role],
            domainName,
            diskVolume: `${domainName}.qcow2`,
            seedVolume: `${domainName}-seed.iso`,
        };
    };
    /** VRRPv2 carries a password (the default unless set); VRRPv3 none. */
    const haSpec = ({ authPass, ...ha }: NonNullable<RawLabConfig["ha"]>) => ({
        ...ha,
        ...(ha.vrrpVersion === 2 ? { authPass: authPass ?? DEFAULT_AUTH_PASS } : {}),
        peers: ha.peers.map((p, i) => director(p, p.priority ?? defaultPriority(i))),
    });
    const natGateway = c.ha ? c.ha.natGateway?.ip : c.director.ip;
    const rsGateway = c.service.mode === "nat" ? natGateway : undefined;
    const director = (d: RawLabConfig["director"], priority: number) => ({ ...host("director", d, { nic: d.nic }), priority });
    return {
        network: {
            name: c.network.name,
            cidr: c.network.cidr,
            prefix: cidr.prefix,
            netmask: cidr.netmask,
            gateway,
            libvirtName: libvirtNetworkName(c.network.name),
            bridge: `lvs-${c.network.name}`,
            ...(ipv6Cidr ? { ipv6: { cidr: nearestIpv6Cidr(ipv6Cidr)!, prefix: IPV6_PREFIX } } : {}),
        },
        libvirt: { uri: c.libvirt.uri, pool, poolPath: c.libvirt.poolPath ?? `${POOL_PARENT_DIR}/${pool}`, baseVolume: `${pool}-base.qcow2`, domainType },
        image: { ...c.image },
        sshUser: c.sshUser,
        service: { ...c.service, ...ip6("vip6", c.service.vip), healthCheck: c.service.healthCheck ?? healthCheckConfig.parse({}) },
        director: director(c.director, c.director.priority ?? defaultPriority()),
        ...(c.ha ? { ha: haSpec(c.ha) } : {}),
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
