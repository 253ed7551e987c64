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
    }).strict(),
    director: host.extend({
        /** The NIC that carries the VIP alias `<nic>:0`. */
        nic: nicName.default("ens33"),
    }).strict(),
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
