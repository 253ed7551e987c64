import { z } from "zod";
import { DOMAIN_TYPES, MODES, ROLES, SCHEDULERS, healthCheckConfig } from "./schema";

/*
 * The validated lab. A config key's meaning, type and default are documented once, in the
 * schema (schema.ts, `.describe()`); these types say only what validation adds: derived values
 * (MACs, gateways, priorities) and the names generated from the config.
 */

/** LVS forwarding method. */
export type Mode = (typeof MODES)[number];
/** IPVS scheduler name. */
export type Scheduler = (typeof SCHEDULERS)[number];
/** A libvirt domain type the machines get: `libvirt.domainType` with `auto` resolved. */
export type DomainType = Exclude<(typeof DOMAIN_TYPES)[number], "auto">;
/** What a machine does in the lab. */
export type Role = (typeof ROLES)[number];

/** A validated machine: everything the infrastructure and the renderers need. */
export interface HostSpec {
    role: Role;
    name: string;
    ip: string;
    /** The configured MAC, or the one derived from the address. */
    mac: string;
    /** NIC name inside the guest, set by MAC through cloud-init. */
    nic: string;
    /** Default gateway of this machine. */
    gateway: string;
    /** The machine's IPv6 address in `network.ipv6`, when the lab is dual stack. */
    ip6?: string;
    vcpus: number;
    memoryMiB: number;
    /** The libvirt domain: `lvs-<network.name>-<name>`, unique per lab on one host. */
    domainName: string;
    /** The machine's copy-on-write disk volume in the pool: `<domainName>.qcow2`. */
    diskVolume: string;
    /** The machine's cloud-init seed volume in the pool: `<domainName>-seed.iso`. */
    seedVolume: string;
}

export interface RealServerSpec extends HostSpec {
    role: "realServer";
    /** Port nginx listens on (the service port except in NAT with a remap). */
    port: number;
    weight: number;
    /** NFS export mounted as the web root, when any. */
    nfsExport?: string;
}

/** Tomcat's stock HTTP connector port, which the lab keeps. */
export const TOMCAT_PORT = 8080;

export interface TomcatSpec extends HostSpec {
    role: "tomcat";
    port: number;
    weight: number;
}

export interface NfsSpec extends HostSpec {
    role: "nfs";
    exports: string[];
}

/** A director: the VIP's holder, or with HA one of the VRRP routers that share it. */
export interface DirectorSpec extends HostSpec {
    role: "director";
    /** VRRP priority (used with `ha`): the highest is the preferred master. */
    priority: number;
}

/** keepalived's check of each real server, per virtual service (`service.healthCheck`, defaults filled in). */
export type HealthCheckSpec = z.output<typeof healthCheckConfig>;

/** Director high availability through keepalived (`ha`; see the schema for each key). */
export interface HaSpec {
    /** Directors besides `LabSpec.director`, with their priorities filled in. */
    peers: DirectorSpec[];
    virtualRouterId: number;
    vrrpVersion: 2 | 3;
    /** Seconds; whole with VRRPv2, hundredths with VRRPv3. */
    advertInterval: number;
    nopreempt: boolean;
    /** VRRPv2's PASS authentication; none with VRRPv3. */
    authPass?: string;
    syncConnections: boolean;
    splitBrainGuard: boolean;
    natGateway?: { ip: string; virtualRouterId: number };
}

/** The virtual service (`service`; see the schema for each key). */
export interface ServiceSpec {
    vip: string;
    /** The IPv6 VIP, when the lab is dual stack: the TCP services answer on it too. */
    vip6?: string;
    /** The protocol of `ports`: always `tcp` (the schema accepts nothing else). */
    protocol: "tcp";
    ports: number[];
    /** One virtual service for every port of `ports`, by this mark; absent: one service per port. */
    firewallMark?: number;
    /** Ports of `ports` nginx serves over TLS. */
    tlsPorts: number[];
    /** Ports of the UDP services on the same VIP; empty for none. */
    udpPorts: number[];
    /** One-packet scheduling of the UDP services. */
    ops: boolean;
    mode: Mode;
    scheduler: Scheduler;
    persistence: number;
    /** keepalived's real-server check (used with `ha`), defaults filled in. */
    healthCheck: HealthCheckSpec;
    sorryServer: boolean;
}

/** The whole lab, validated. Every renderer and component takes this, never raw config. */
export interface LabSpec {
    network: {
        name: string;
        cidr: string;
        prefix: number;
        netmask: string;
        gateway: string;
        /** The libvirt network: `lvs-<name>`. */
        libvirtName: string;
        /** Linux bridge name, `lvs-<name>`, at most 15 characters. */
        bridge: string;
        /** The IPv6 segment (`network.ipv6Cidr`), when the lab is dual stack. */
        ipv6?: { cidr: string; prefix: number };
    };
    libvirt: {
        uri: string;
        /** The storage pool: `libvirt.pool`, or `lvs-<network.name>`. */
        pool: string;
        /** The pool's directory: `libvirt.poolPath`, or `/var/lib/libvirt/images/<pool>`. */
        poolPath: string;
        /** The base volume every machine's disk sits on, uploaded from `image.source`: `<pool>-base.qcow2`. */
        baseVolume: string;
        /** Every machine's domain type: `libvirt.domainType`, with `auto` resolved (see `ParseOptions.kvm`). */
        domainType: DomainType;
    };
    image: { source: string; kernel?: string; initrd?: string; cmdline?: string };
    sshUser: string;
    service: ServiceSpec;
    /** The first director; with `ha` the others are in `ha.peers` (see `directors`). */
    director: DirectorSpec;
    /** Director HA with keepalived; absent for a single director driven by ipvsadm. */
    ha?: HaSpec;
    realServers: RealServerSpec[];
    tomcats: TomcatSpec[];
    nfs?: NfsSpec;
    client: HostSpec & { role: "client" };
    /**
     * Config values set as secrets (`pulumi config set --secret`; see `secretConfigValues`):
     * every remote step whose script holds one keeps its command, output and logs secret.
     * Not from the schema: the program adds them (`labSpecFromStack`), as may code that builds
     * a spec from secret values of its own.
     */
    secrets?: string[];
}

/** Every director of the lab, the first one first. */
export function directors(spec: LabSpec): DirectorSpec[] {
    return [spec.director, ...(spec.ha?.peers ?? [])];
}

/** Every machine of the lab, in boot order: storage and backends first, the client last. */
export function allHosts(spec: LabSpec): HostSpec[] {
    return [...(spec.nfs ? [spec.nfs] : []), ...spec.tomcats, ...spec.realServers, ...directors(spec), spec.client];
}
