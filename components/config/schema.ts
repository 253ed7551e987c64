import { z } from "zod";
import { isIpv4 } from "./ipv4";

/** Every scheduler the Linux IPVS code ships (`ipvsadm -s`). */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"] as const;
/** LVS forwarding methods: direct routing, masquerading (NAT) and IP-in-IP tunnelling. */
export const MODES = ["dr", "nat", "tun"] as const;
/** Roles a lab machine can play. */
export const ROLES = ["director", "realServer", "tomcat", "nfs", "client"] as const;

const ipv4 = z.string().refine(isIpv4, { message: "must be a dotted-quad IPv4 address" });
const port = z.number().int().min(1, { message: "must be a port from 1 to 65535" }).max(65535, { message: "must be a port from 1 to 65535" });
const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
    message: "must start with a letter and hold only a-z, 0-9 and '-', at most 31 characters",
});
const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, { message: "must be a lower-case MAC such as 52:54:00:a8:a8:0a" });
const nicName = z.string().regex(/^[a-z][a-z0-9]{1,14}$/, { message: "must be an interface name such as ens33" });
const absPath = z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, { message: "must be an absolute path of plain segments, such as /opt/kgc" })
    .refine((p) => !p.split("/").includes(".."), { message: "must not contain '..'" });

/** Fields every machine shares. */
const host = z.object({
    /** Host name of the VM; also the libvirt domain name suffix. */
    name: hostName,
    /** The machine's address on the lab segment. */
    ip: ipv4,
    /** The NIC's MAC; derived from the address when absent. */
    mac: mac.optional(),
}).strict();

/** VRRP priority; 255 is reserved for the address owner, and the lab's VIP has no owner. */
const vrrpPriority = z.number().int().min(1, { message: "must be a VRRP priority from 1 to 254" }).max(254, { message: "must be a VRRP priority from 1 to 254" });
/** VRRP virtual router id, which also names the instance's virtual MAC (00:00:5e:00:01:<id>). */
const vrrpRouterId = z.number().int().min(1, { message: "must be a VRRP router id from 1 to 255" }).max(255, { message: "must be a VRRP router id from 1 to 255" });

/** A director: the machine that owns (or, with `ha`, may own) the VIP. */
const directorHost = host.extend({
    /** The NIC that carries the VIP alias `<nic>:0`. */
    nic: nicName.default("ens33"),
    /** VRRP priority with `ha`; the highest is the preferred master. Default 150 for `director`, 100, 90, ... for `ha.peers`. */
    priority: vrrpPriority.optional(),
}).strict();

/** keepalived's check of each real server; every field has a default. */
export const healthCheckConfig = z.object({
    /** `http`: GET `path` on the real server's port expecting 200; `tcp`: a TCP connect. */
    type: z.enum(["http", "tcp"]).default("http"),
    /** URL path the HTTP check requests. */
    path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, { message: "must be a URL path such as /" }).default("/"),
    /** Seconds between checks of one server (keepalived `delay_loop`). */
    interval: z.number().int().min(1).max(3600).default(2),
    /** Seconds a check may take (`connect_timeout`). */
    timeout: z.number().int().min(1).max(60).default(2),
    /** Failed checks retried before the server is removed (`retry`). */
    retries: z.number().int().min(0).max(10).default(1),
    /** Seconds between those retries (`delay_before_retry`). */
    retryDelay: z.number().int().min(1).max(60).default(1),
}).strict();

const machineSize = z.object({
    /** Virtual CPUs. */
    vcpus: z.number().int().min(1).max(16).default(1),
    /** Memory in MiB. */
    memoryMiB: z.number().int().min(256).max(65536).default(512),
}).strict();

/** The stack config as users write it, before semantic checks. */
export const rawLabConfig = z.object({
    network: z.object({
        /** Name of the libvirt network; the bridge is `lvs-<name>`, so 11 characters at most. */
        name: z.string().regex(/^[a-z][a-z0-9-]{0,10}$/, { message: "must start with a letter, hold only a-z, 0-9 and '-', at most 11 characters" }),
        /** The one L2 segment every machine lives on, e.g. 192.168.168.0/24. */
        cidr: z.string(),
        /** The segment's gateway (the libvirt bridge's address); defaults to the first host address. */
        gateway: ipv4.optional(),
    }).strict(),
    libvirt: z.object({
        /** libvirt connection URI. */
        uri: z.string().min(1).default("qemu:///system"),
        /** Storage pool the stack creates; defaults to `lvs-<network.name>`. */
        pool: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, { message: "must start with a letter and hold only a-z, 0-9 and '-'" }).optional(),
        /** Directory of that pool; defaults to `/var/lib/libvirt/images/<pool>`. */
        poolPath: absPath.optional(),
    }).strict().default({ uri: "qemu:///system" }),
    image: z.object({
        /** The guest's bootable disk image: a local path or an http(s) URL (qcow2). */
        source: z.string().min(1),
        /** Kernel for direct kernel boot (optional; otherwise the disk's boot loader is used). */
        kernel: absPath.optional(),
        /** Initrd for direct kernel boot; required with `kernel`. */
        initrd: absPath.optional(),
        /** Kernel command line for direct kernel boot. */
        cmdline: z.string().optional(),
    }).strict(),
    /** Per-role VM sizes. */
    machines: z.object({
        director: machineSize.default({ vcpus: 1, memoryMiB: 512 }),
        realServer: machineSize.default({ vcpus: 1, memoryMiB: 512 }),
        tomcat: machineSize.default({ vcpus: 1, memoryMiB: 768 }),
        nfs: machineSize.default({ vcpus: 1, memoryMiB: 512 }),
        client: machineSize.default({ vcpus: 1, memoryMiB: 384 }),
    }).strict().default({
        director: { vcpus: 1, memoryMiB: 512 },
        realServer: { vcpus: 1, memoryMiB: 512 },
        tomcat: { vcpus: 1, memoryMiB: 768 },
        nfs: { vcpus: 1, memoryMiB: 512 },
        client: { vcpus: 1, memoryMiB: 384 },
    }),
    /** The login the lab's SSH key is installed for (with passwordless sudo). */
    sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: "must be a Linux user name" }).default("lab"),
    service: z.object({
        /** The virtual IP clients use. */
        vip: ipv4,
        /** Transport protocol of the virtual service. */
        protocol: z.enum(["tcp", "udp"]).default("tcp"),
        /** Ports of the virtual service; one IPVS service per port. */
        ports: z.array(port).min(1, { message: "must list at least one port" }).default([80]),
        /** Forwarding method. */
        mode: z.enum(MODES).default("dr"),
        /** IPVS scheduler. */
        scheduler: z.enum(SCHEDULERS).default("rr"),
        /** Persistence timeout in seconds; 0 turns persistence off. */
        persistence: z.number().int().min(0).max(31_536_000).default(0),
        /** keepalived's real-server health check (needs `ha`): a failing server leaves the table until it passes again. */
        healthCheck: healthCheckConfig.optional(),
    }).strict(),
    director: directorHost,
    /** Director high availability: keepalived on every director, VRRP for the VIP, health checks, connection sync. */
    ha: z.object({
        /** The other directors; with `director` they share the VIP over unicast VRRP. */
        peers: z.array(directorHost).min(1, { message: "must list at least one peer director" }),
        /** Router id of the VIP's VRRP instance; unique among the segment's VRRP instances. */
        virtualRouterId: vrrpRouterId.default(51),
        /** Seconds between VRRP adverts; a master is declared dead after 3 adverts plus a skew. */
        advertInterval: z.number().int().min(1).max(255).default(1),
        /** Every director starts BACKUP and a recovered master does not take the VIP back (one failover, not two). */
        nopreempt: z.boolean().default(true),
        /** VRRP PASS authentication: keeps stray routers of the same id out, 1-8 characters. */
        authPass: z.string().regex(/^[A-Za-z0-9._-]{1,8}$/, { message: "must be 1 to 8 characters of A-Z, a-z, 0-9, '.', '_' or '-'" }).default("lvslab"),
        /** Send the master's connection table to the backups (lvs_sync_daemon), so connections survive a failover. */
        syncConnections: z.boolean().default(true),
        /** The split-brain guard: a director that loses the gateway, or sees a higher-priority director holding the VIP, drops it. */
        splitBrainGuard: z.boolean().default(true),
        /** NAT only: the real servers' default gateway, a floating address the master holds in a second VRRP instance. */
        natGateway: z.object({
            ip: ipv4,
            /** Router id of the gateway's VRRP instance. */
            virtualRouterId: vrrpRouterId,
        }).strict().optional(),
    }).strict().optional(),
    realServers: z.array(host.extend({
        /** Port nginx listens on; only NAT may differ from the service port. */
        port: port.optional(),
        /** IPVS weight; 0 quiesces the server. */
        weight: z.number().int().min(0, { message: "must be a weight from 0 to 65535" }).max(65535, { message: "must be a weight from 0 to 65535" }).default(1),
        /** Default gateway; NAT requires the director, DR and TUN forbid it. */
        gateway: ipv4.optional(),
        /** Path of an NFS export mounted as this server's web root. */
        nfsExport: absPath.optional(),
    }).strict()).min(1, { message: "must list at least one real server" }),
    tomcats: z.array(host.extend({
        /** nginx upstream weight. */
        weight: z.number().int().min(1, { message: "must be an nginx weight from 1 to 1000" }).max(1000, { message: "must be an nginx weight from 1 to 1000" }).default(1),
    }).strict()).default([]),
    nfs: host.extend({
        /** Directories exported to the lab segment (rw, sync, root_squash). */
        exports: z.array(absPath).min(1, { message: "must list at least one export" }),
    }).strict().optional(),
    client: host,
}).strict();

/** The raw config's type after defaults. */
export type RawLabConfig = z.infer<typeof rawLabConfig>;
