import { z } from "zod";
import { isIpv4, parseCidr, reservedOverlap, toInt, unusableMac } from "./ipv4";
import { ipv6CidrProblem } from "./ipv6";

/**
 * The stack config's schema: the one place each key's meaning (`.describe()`), type, limits and
 * default live. The README's config table is generated from it (`npm run docs:config`), and the
 * error messages take their "must be ..." phrases from it.
 */

/** Every scheduler the Linux IPVS code ships (`ipvsadm -s`); the guest's kernel (6.1) has them all. */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"] as const;
/** LVS forwarding methods: direct routing, masquerading (NAT) and IP-in-IP tunnelling. */
export const MODES = ["dr", "nat", "tun"] as const;
/** libvirt domain types `libvirt.domainType` takes: `auto` picks `kvm` where KVM runs guests, else `qemu` (TCG). */
export const DOMAIN_TYPES = ["auto", "kvm", "qemu"] as const;
/** Roles a lab machine can play. */
export const ROLES = ["director", "realServer", "tomcat", "nfs", "client"] as const;

/** The largest firewall mark: a packet's mark is 32 bits. */
export const MAX_FIREWALL_MARK = 4_294_967_295;

/** ipvsadm's and keepalived's longest persistence timeout: 31 days. */
export const MAX_PERSISTENCE = 2_678_400;
/** The guest image `npm run setup` builds. */
export const DEFAULT_IMAGE = "/var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2";
/** Network prefixes a lab segment may have; see `cidrProblem`. */
export const MIN_PREFIX = 8;
export const MAX_PREFIX = 29;
/** Every guest runs sshd on this port, which the lab's steps use; nginx cannot listen on it too. */
export const SSH_PORT = 22;

/*
 * Defaults other code needs too (the checks, fixes and spec fall back to them when a value is
 * missing or invalid): each written here once and used by the schema below.
 */
/** `libvirt.uri`'s default: the system libvirt of this machine. */
export const DEFAULT_LIBVIRT_URI = "qemu:///system";
/** `service.mode`'s default. */
export const DEFAULT_MODE: (typeof MODES)[number] = "dr";
/** A director's `nic` default, and the NIC name every other machine gets (by MAC, through cloud-init). */
export const DEFAULT_NIC = "ens33";
/** `ha.virtualRouterId`'s default. */
export const DEFAULT_VIRTUAL_ROUTER_ID = 51;
/** VRRPv2's plain-text password when `ha.authPass` is not set (VRRPv3 has no authentication). */
export const DEFAULT_AUTH_PASS = "lvslab";
/**
 * The longest VRRPv3 advert interval: RFC 5798 carries it in centiseconds in 12 bits (4095).
 * VRRPv2 carries whole seconds in 8 bits (255).
 */
export const MAX_VRRP3_ADVERT_SECONDS = 40.95;
/** Where a pool's directory is when `libvirt.poolPath` is not set: `<POOL_PARENT_DIR>/<pool>`. */
export const POOL_PARENT_DIR = "/var/lib/libvirt/images";

/**
 * A director's default VRRP priority: 150 for the first director and 100, 90, 80, ... for its peers.
 * @param peerIndex the director's index in `ha.peers`; absent for `director`.
 */
export function defaultPriority(peerIndex?: number): number {
    return peerIndex === undefined ? 150 : Math.max(1, 100 - 10 * peerIndex);
}

/**
 * The accounts the guest image already has, which `sshUser` must not be: cloud-init leaves an
 * existing account's shell (`/usr/sbin/nologin`) and locked password as they are, so the lab's
 * key could not log in as one. They come from Debian bookworm's base-passwd (its static users,
 * `/usr/share/base-passwd/passwd.master`, root to nobody, and apt's `_apt`) and from the packages
 * tools/build-image.sh installs: systemd (`systemd-network`), dbus (`messagebus`), openssh-server
 * (`sshd`), rpcbind and nfs-common (`_rpc`, `statd`) and tomcat10 (`tomcat`); as read from the
 * image's /etc/passwd. test/engine/vm-dr.test.ts checks every account below uid 1000 of the
 * running guests against this list.
 */
export const GUEST_SYSTEM_ACCOUNTS = [
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "_apt", "nobody",
    "systemd-network", "messagebus", "sshd", "_rpc", "statd", "tomcat",
] as const;

/** What the docs and messages know about a schema besides its description. */
export interface LabMeta {
    /** The phrase after "must be" in a message, e.g. "a port from 1 to 65535". */
    expected?: string;
    /** The short type the README's table shows, e.g. "IPv4 address". */
    type?: string;
    /** A valid example value, as typed on the command line. */
    example?: string;
    /** The default when it is computed from other keys, as the README's table shows it. */
    derivedDefault?: string;
}

/** The lab's schema metadata (`labMeta.get(schema)`); children made by `.describe()` inherit it. */
export const labMeta = z.registry<LabMeta>();

/**
 * An integer key with a range, whose messages say what it is.
 * @param what the noun phrase, e.g. "a port".
 */
function intRange(min: number, max: number, what: string, extra = ""): z.ZodNumber {
    return z.number().int().min(min).max(max).register(labMeta, { expected: `${what} from ${min} to ${max}${extra}`, type: `integer ${min}–${max}` });
}

/** A check beyond the pattern: what passes, and the message for what does not. */
type TextCheck = [ok: (s: string) => boolean, params: Parameters<z.ZodString["refine"]>[1]];

/**
 * A string key matching a pattern, and then any further checks.
 * @param expected the phrase after "must be".
 * @param checks refinements, each with its own message.
 */
function pattern(re: RegExp, expected: string, type: string, example: string, ...checks: TextCheck[]): z.ZodString {
    // A refinement makes a new schema without the metadata, so `.register()` comes last.
    const refined = checks.reduce((s, [ok, params]) => s.refine(ok, params), z.string().regex(re));
    return refined.register(labMeta, { expected, type, example });
}

const ipv4 = z.string().refine(isIpv4)
    .register(labMeta, { expected: "a dotted-quad IPv4 address such as 192.168.168.10", type: "IPv4 address", example: "192.168.168.10" });
const port = intRange(1, 65535, "a port");
const hostName = pattern(/^[a-z]([a-z0-9-]{0,29}[a-z0-9])?$/, "a host name: a-z, 0-9 and '-', starting with a letter, not ending with '-', at most 31 characters", "host name", "web1");
const mac = pattern(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "a lower-case unicast MAC such as 52:54:00:a8:a8:0a", "MAC", "52:54:00:a8:a8:0a",
    [(m) => unusableMac(m) === undefined, { error: (iss) => `must be a MAC libvirt accepts for a NIC: ${unusableMac(String(iss.input))}` }]);
/** NIC names the guest already has. */
const RESERVED_NICS = ["lo", "tunl0"];
const nicName = pattern(/^[a-z][a-z0-9]{1,12}$/, "an interface name such as ens33: a-z and 0-9, at most 13 characters, so its alias labels <nic>:0 and <nic>:1 fit Linux's 15", "interface name", "ens33",
    [(n) => !RESERVED_NICS.includes(n), { error: `must not be ${RESERVED_NICS.join(" or ")}, which the guest already has` }]);
const absPath = pattern(/^(\/[A-Za-z0-9._-]+)+$/, "an absolute path of plain segments, such as /opt/kgc", "absolute path", "/opt/kgc",
    [(p) => !p.split("/").includes(".."), { error: "must not contain '..'" }],
    [(p) => !p.split("/").includes("."), { error: "must not contain '.' segments" }]);

/** @internal An address and a prefix as network.cidr is written: `192.168.168.0/24` (not yet checked). */
export const CIDR_TEXT = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/;

/**
 * Why a network cannot be the lab's segment, or undefined when it can.
 * @param s the configured `network.cidr`.
 */
export function cidrProblem(s: string): string | undefined {
    const m = CIDR_TEXT.exec(s);
    if (!m || !isIpv4(m[1]) || Number(m[2]) > 32) return "must be an IPv4 network in CIDR form such as 192.168.168.0/24";
    const prefix = Number(m[2]);
    const size = 2 ** (32 - prefix);
    if (toInt(m[1]) % size !== 0) {
        return `must be a network address, without host bits: ${m[1]} is a host of a /${prefix}`;
    }
    if (prefix < MIN_PREFIX) return `must have a prefix from /${MIN_PREFIX} to /${MAX_PREFIX}: a machine's MAC comes from its address's last three octets, so a network wider than /${MIN_PREFIX} could give two machines one MAC`;
    if (prefix > MAX_PREFIX) return `must have a prefix from /${MIN_PREFIX} to /${MAX_PREFIX}: a /${prefix} has ${Math.max(0, size - 2)} host addresses, and the smallest lab needs 5 (gateway, VIP, director, a real server, client)`;
    const reserved = reservedOverlap(parseCidr(s)!);
    if (reserved) return `must not overlap ${reserved}: the kernel does not route it on an Ethernet segment`;
    return undefined;
}

const cidr = z.string()
    .superRefine((s, ctx) => {
        const problem = cidrProblem(s);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .register(labMeta, { expected: `an IPv4 network in CIDR form such as 192.168.168.0/24, prefix /${MIN_PREFIX} to /${MAX_PREFIX}`, type: "IPv4 network", example: "192.168.168.0/24" });

const ipv6Cidr = z.string()
    .superRefine((s, ctx) => {
        const problem = ipv6CidrProblem(s);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .register(labMeta, { expected: "a unique local IPv6 network with the prefix /64, such as fd00:25:8::/64", type: "IPv6 network", example: "fd00:25:8::/64" });

/** Fields every machine shares. */
const host = z.object({
    name: hostName.describe("Host name of the VM; its libvirt domain is `lvs-<network.name>-<name>`."),
    ip: ipv4.describe("The machine's address: a host address of `network.cidr`, used by no other machine, the VIP or the gateway."),
    mac: mac.optional().describe("The NIC's MAC; cloud-init names the NIC by it.").register(labMeta, { derivedDefault: "`52:54:00:` + the address's last three octets" }),
}).strict();

/** VRRP priority; 255 is reserved for the address owner, and the lab's VIP has no owner. */
const vrrpPriority = intRange(1, 254, "a VRRP priority", " (255 is the address owner's)");
/** VRRP virtual router id, which also names the instance's virtual MAC (00:00:5e:00:01:<id>). */
const vrrpRouterId = intRange(1, 255, "a VRRP router id");

/** A director: the machine that owns (or, with `ha`, may own) the VIP. */
const directorHost = host.extend({
    nic: nicName.default(DEFAULT_NIC).describe("The NIC that carries the VIP alias `<nic>:0` (and, for NAT with `ha`, the gateway alias `<nic>:1`)."),
    priority: vrrpPriority.optional()
        .describe("VRRP priority with `ha`; the highest is the preferred master. All directors' priorities must differ.")
        .register(labMeta, { derivedDefault: `${defaultPriority()} for \`director\`; ${[0, 1, 2].map(defaultPriority).join(", ")}, ... for \`ha.peers\`` }),
}).strict();

/** keepalived's check of each real server; every field has a default. */
export const healthCheckConfig = z.object({
    type: z.enum(["http", "tcp"]).default("http").describe("`http`: keepalived's HTTP_GET of `path` on the real server's port, expecting 200; `tcp`: a TCP connect (TCP_CHECK)."),
    path: pattern(/^\/[A-Za-z0-9._~/-]*$/, "a URL path such as /", "URL path", "/").default("/").describe("URL path the HTTP check requests."),
    interval: intRange(1, 3600, "a number of seconds").default(2).describe("Seconds between checks of one server (keepalived `delay_loop`)."),
    timeout: intRange(1, 60, "a number of seconds").default(2).describe("Seconds a check may take (`connect_timeout`)."),
    retries: intRange(0, 10, "a number of retries").default(1).describe("Failed checks retried before the server leaves the table (`retry`)."),
    retryDelay: intRange(1, 60, "a number of seconds").default(1).describe("Seconds between those retries (`delay_before_retry`)."),
}).strict();

/**
 * A role's VM size.
 * @param memoryMiB the role's default memory.
 */
function machineSize(memoryMiB: number) {
    return z.object({
        vcpus: intRange(1, 16, "a number of virtual CPUs").default(1).describe("Virtual CPUs."),
        memoryMiB: intRange(256, 65536, "a memory size in MiB").default(memoryMiB).describe("Memory in MiB."),
    }).strict().prefault({});
}

/** The stack config as users write it, before semantic checks. */
export const rawLabConfig = z.object({
    network: z.object({
        name: pattern(/^[a-z][a-z0-9-]{0,10}$/, "a network name: a-z, 0-9 and '-', starting with a letter, at most 11 characters (the bridge lvs-<name> must fit Linux's 15)", "network name", "lab")
            .describe("Name of the lab: the libvirt network and bridge are `lvs-<name>`, and every generated name starts with it."),
        cidr: cidr.describe(`The one L2 segment every machine lives on. Not loopback, multicast or reserved; prefix /${MIN_PREFIX} to /${MAX_PREFIX}, with room for every machine, the VIP and the gateway.`),
        gateway: ipv4.optional()
            .describe("The segment's gateway: libvirt gives the bridge the network's first host address, so only that address is accepted.")
            .register(labMeta, { derivedDefault: "first host address of `network.cidr`" }),
        ipv6Cidr: ipv6Cidr.optional()
            .describe("Dual stack (DR): the directors, real servers and client also get an address in this /64, after their IPv4 host number (172.25.8.11 in a /24 is `<prefix>::11`), and the TCP services answer on an IPv6 VIP made the same way. Absent: IPv4 only."),
    }).strict().describe("The lab's network."),
    libvirt: z.object({
        uri: pattern(/^[a-z][a-z0-9+.-]*:\/\/\S*$/, "a libvirt connection URI such as qemu:///system", "URI", "qemu:///system")
            .default(DEFAULT_LIBVIRT_URI).describe("libvirt connection URI."),
        pool: pattern(/^[a-z][a-z0-9-]{0,30}$/, "a pool name: a-z, 0-9 and '-', starting with a letter, at most 31 characters", "pool name", "lvs-lab").optional()
            .describe("Directory storage pool the stack creates.")
            .register(labMeta, { derivedDefault: "`lvs-<network.name>`" }),
        poolPath: absPath.optional().describe("Directory of that pool.").register(labMeta, { derivedDefault: `\`${POOL_PARENT_DIR}/<pool>\`` }),
        domainType: z.enum(DOMAIN_TYPES).default("auto")
            .describe("The machines' libvirt domain type: `kvm` (hardware virtualisation), `qemu` (TCG: emulated, several times slower) or `auto`: `kvm` when a guest really runs under KVM on this host (`tools/kvm-probe.sh` boots one, as libvirt's QEMU user), else `qemu`. With a remote `libvirt.uri`, `auto` means `qemu` and `kvm` is not checked."),
    }).strict().prefault({}).describe("Where the VMs live."),
    image: z.object({
        source: z.string().min(1)
            .refine((s) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s) || /^https?:\/\//.test(s))
            .register(labMeta, { expected: "a local path or an http(s) URL of a qcow2 image", type: "path or URL", example: DEFAULT_IMAGE })
            .describe(`The guest's bootable qcow2 disk image (cloud-init NoCloud): a local path, checked before anything is created, or an http(s) URL. \`npm run setup\` builds ${DEFAULT_IMAGE}.`),
        kernel: absPath.optional().describe("Kernel for direct kernel boot, on the libvirt host; needs `image.initrd`. Without it the disk's boot loader boots."),
        initrd: absPath.optional().describe("Initrd for direct kernel boot; needs `image.kernel`."),
        cmdline: z.string().register(labMeta, { expected: "a kernel command line", type: "string", example: "console=ttyS0" }).optional()
            .describe("Kernel command line for direct kernel boot."),
    }).strict().describe("The guest image every machine boots."),
    machines: z.object({
        director: machineSize(512).describe("VM size of the directors."),
        realServer: machineSize(512).describe("VM size of the real servers."),
        tomcat: machineSize(768).describe("VM size of the tomcats."),
        nfs: machineSize(512).describe("VM size of the NFS server."),
        client: machineSize(384).describe("VM size of the client."),
    }).strict().prefault({}).describe("Per-role VM sizes."),
    sshUser: pattern(/^[a-z_][a-z0-9_-]{0,31}$/, "a Linux user name: a-z, 0-9, '_' and '-', starting with a letter or '_', at most 32 characters", "user name", "lab",
        [(u) => !(GUEST_SYSTEM_ACCOUNTS as readonly string[]).includes(u), {
            error: (iss) => `must be a user the guest image does not have: ${String(iss.input)} is one of its system accounts, whose shell and locked password cloud-init keeps, so the lab's key could not log in as it`,
        }])
        .default("lab").describe(`The login cloud-init creates on every machine, with the lab's SSH key and passwordless sudo. Not one of the image's system accounts (${GUEST_SYSTEM_ACCOUNTS.join(", ")}).`),
    service: z.object({
        vip: ipv4.describe("The virtual IP clients use: a host address of `network.cidr` of its own."),
        protocol: z.literal("tcp", { error: "must be tcp: nginx on the real servers listens on TCP only; list UDP ports in service.udpPorts" })
            .register(labMeta, { expected: "tcp (nginx on the real servers listens on TCP only; UDP ports go in service.udpPorts)", type: "`tcp`" })
            .default("tcp").describe("Transport protocol of `service.ports`: only `tcp`, since the real servers answer them with nginx over HTTP. UDP services go in `service.udpPorts`."),
        ports: z.array(port)
            .min(1, { error: "must list at least one port" })
            .register(labMeta, { expected: "a list of ports from 1 to 65535", type: "list of ports" })
            .default([80]).describe(`Ports of the virtual service, one IPVS service per port; each at most once, and not ${SSH_PORT} where nginx would listen on it (sshd has it).`),
        firewallMark: intRange(1, MAX_FIREWALL_MARK, "a firewall mark").optional()
            .describe("Serve every port of `service.ports` as one virtual service: nftables on each director marks TCP packets for the VIP on those ports with this mark, and IPVS balances by the mark (`ipvsadm -A -f`, keepalived `virtual_server fwmark`), so with `service.persistence` a client stays on one real server across all of them. DR and TUN, whose real servers answer on every service port."),
        tlsPorts: z.array(port)
            .register(labMeta, { expected: "a list of ports from 1 to 65535", type: "list of ports" })
            .default([]).describe("Ports of `service.ports` that nginx on the real servers serves over TLS, with a self-signed certificate for the VIP made on each real server; each at most once. Not the first port, which the client's verification asks over plain HTTP; DR and TUN, without `service.sorryServer` (its nginx answers plain HTTP)."),
        udpPorts: z.array(port)
            .register(labMeta, { expected: "a list of ports from 1 to 65535", type: "list of ports" })
            .default([]).describe("UDP ports of the virtual service on the same VIP, one IPVS UDP service per port (`ipvsadm -A -u`), with the same scheduler and persistence; each at most once. Every real server runs a UDP responder on them that answers any datagram with the server's name. With `ha`, keepalived checks each real server with UDP_CHECK (a datagram that must be answered), with `service.healthCheck`'s timings."),
        ops: z.boolean().default(false)
            .describe("One-packet scheduling for the UDP services (`ipvsadm -o`, keepalived `ops`): IPVS schedules every datagram on its own and keeps no connection entry, so the datagrams of one client socket spread over the real servers (with `service.persistence`, a client still sticks to one). Needs `service.udpPorts`."),
        mode: z.enum(MODES).default(DEFAULT_MODE).describe("Forwarding method: `dr` direct routing, `nat` masquerading, `tun` IP-in-IP."),
        scheduler: z.enum(SCHEDULERS).default("rr").describe("IPVS scheduler (`ipvsadm -s`)."),
        persistence: intRange(0, MAX_PERSISTENCE, "a number of seconds", " (31 days, ipvsadm's and keepalived's maximum)").default(0)
            .describe("Persistence timeout in seconds (`ipvsadm -p`, keepalived `persistence_timeout`); 0 turns persistence off."),
        healthCheck: healthCheckConfig.optional()
            .describe("keepalived's real-server health check; needs `ha`. A failing server leaves the table until it passes again.")
            .register(labMeta, { derivedDefault: "HTTP check of `/` (with `ha`)" }),
        /**
         * A switch, not a map: `sorryServer: true` says what it does in a stack file and on the
         * command line (`config set --path service.sorryServer true`), and the page it serves
         * names the director that answered, so there is nothing about it to tune.
         */
        sorryServer: z.boolean().default(false)
            .describe("A sorry server on every director: while every real server is out (every weight 0; with `ha`, also failed health checks), IPVS sends new connections to nginx on the director itself, which answers 503 and names the director in `X-Lvs-Real-Server`; as soon as a real server is back, new connections go to it again. It listens on every port of `service.ports`, so none may be 22 (sshd's); the UDP services (`service.udpPorts`) have no sorry server."),
    }).strict().describe("The virtual service."),
    director: directorHost.describe("The director: the machine that holds the VIP (with `ha`, the first of the VRRP routers that share it)."),
    ha: z.object({
        peers: z.array(directorHost)
            .min(1, { error: "must list at least one peer director" })
            .register(labMeta, { expected: "a list of directors, each with name and ip" })
            .describe("The other directors; with `director` they share the VIP over unicast VRRP."),
        virtualRouterId: vrrpRouterId.default(DEFAULT_VIRTUAL_ROUTER_ID).describe("Router id of the VIP's VRRP instance; unique among the segment's VRRP instances."),
        vrrpVersion: z.literal([2, 3]).default(2)
            .describe("VRRP version: `2` (RFC 3768: whole-second adverts, PASS authentication) or `3` (RFC 5798: adverts down to 0.01 s, no authentication), keepalived's `vrrp_version`. Every director runs the same."),
        advertInterval: z.number().min(0.01).max(255).refine((s) => Math.abs(s * 100 - Math.round(s * 100)) < 1e-6)
            .register(labMeta, { expected: "a number of seconds from 0.01 to 255 in hundredths", type: "seconds 0.01–255", example: "1" })
            .default(1)
            .describe(`Seconds between VRRP adverts (keepalived's \`advert_int\`): whole seconds from 1 to 255 with VRRPv2; 0.01 to ${MAX_VRRP3_ADVERT_SECONDS} with VRRPv3. A backup declares the master dead after 3 intervals plus a skew (under 1 interval), so 0.5 takes over in under 2 s; shorter intervals flap on a busy or emulated guest.`),
        nopreempt: z.boolean().default(true)
            .describe("Every director starts BACKUP and a recovered master does not take the VIP back (one failover, not two)."),
        authPass: pattern(/^[A-Za-z0-9._-]{1,8}$/, "1 to 8 characters of A-Z, a-z, 0-9, '.', '_' or '-'", "string", DEFAULT_AUTH_PASS).optional()
            .describe("VRRPv2's PASS authentication: keeps stray routers of the same id out; VRRP carries 8 characters. VRRPv3 has none, so it takes no `ha.authPass`.")
            .register(labMeta, { derivedDefault: `\`${DEFAULT_AUTH_PASS}\` with VRRPv2; none with VRRPv3` }),
        syncConnections: z.boolean().default(true)
            .describe("Send the master's connection table to the backups (`lvs_sync_daemon`), so connections survive a failover."),
        splitBrainGuard: z.boolean().default(true)
            .describe("The split-brain guard: a director that loses the gateway, or sees a higher-priority director holding the VIP, drops it."),
        natGateway: z.object({
            ip: ipv4.describe("The floating gateway's address: a host address of `network.cidr` of its own."),
            virtualRouterId: vrrpRouterId.describe("Router id of the gateway's VRRP instance; must differ from `ha.virtualRouterId`."),
        }).strict().optional()
            .describe("NAT only, and required there: the real servers' default gateway, a floating address the master holds in a second VRRP instance."),
    }).strict().optional()
        .describe("Director high availability: keepalived on every director, VRRP for the VIP, health checks, connection sync."),
    realServers: z.array(host.extend({
        port: port.optional().describe("Port nginx listens on; only NAT may differ from the service port, and only with one service port.")
            .register(labMeta, { derivedDefault: "the first of `service.ports`" }),
        weight: intRange(0, 65535, "a weight").default(1).describe("IPVS weight (`ipvsadm -w`); 0 quiesces the server."),
        gateway: ipv4.optional()
            .describe("Default gateway. NAT: the director (or `ha.natGateway.ip`), the default. DR and TUN: any host address but a director's, the VIP or the server's own.")
            .register(labMeta, { derivedDefault: "the segment's gateway; NAT: the director or `ha.natGateway.ip`" }),
        nfsExport: absPath.optional().describe("One of `nfs.exports`, mounted as this server's web root (`_netdev`); needs `nfs`."),
    }).strict())
        .min(1, { error: "must list at least one real server" })
        .register(labMeta, { expected: "a list of real servers, each with name and ip" })
        .describe("The real servers: nginx behind the VIP."),
    tomcats: z.array(host.extend({
        weight: intRange(1, 1000, "an nginx weight").default(1).describe("nginx upstream weight."),
    }).strict())
        .register(labMeta, { expected: "a list of tomcats, each with name and ip" })
        .default([]).describe("Tomcat backends (port 8080) that the real servers' nginx proxies `.jsp` to."),
    nfs: host.extend({
        exports: z.array(absPath)
            .min(1, { error: "must list at least one export" })
            .register(labMeta, { expected: "a list of absolute paths", type: "list of paths" })
            .describe("Directories exported to the lab's network only (rw, sync, root_squash), created root-owned 0755; each at most once."),
    }).strict().optional().describe("An NFS server whose exports real servers mount as web roots."),
    client: host.describe("The client that proves the lab by asking the VIP who answers."),
}).strict();

/** The raw config's type after defaults. */
export type RawLabConfig = z.infer<typeof rawLabConfig>;
