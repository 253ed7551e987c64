import { MODES, ROLES, SCHEDULERS } from "./schema";

/** LVS forwarding method. */
export type Mode = (typeof MODES)[number];
/** IPVS scheduler name. */
export type Scheduler = (typeof SCHEDULERS)[number];
/** What a machine does in the lab. */
export type Role = (typeof ROLES)[number];

/** A validated machine: everything the infrastructure and the renderers need. */
export interface HostSpec {
    role: Role;
    name: string;
    ip: string;
    mac: string;
    /** NIC name inside the guest, set by MAC through cloud-init. */
    nic: string;
    /** Default gateway of this machine. */
    gateway: string;
    vcpus: number;
    memoryMiB: number;
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

/** keepalived's check of each real server, per virtual service. */
export interface HealthCheckSpec {
    type: "http" | "tcp";
    /** URL path of the HTTP check. */
    path: string;
    /** Seconds between checks (`delay_loop`). */
    interval: number;
    /** Seconds per check (`connect_timeout`). */
    timeout: number;
    /** Retries before removal (`retry`). */
    retries: number;
    /** Seconds between retries (`delay_before_retry`). */
    retryDelay: number;
}

/** Director high availability through keepalived. */
export interface HaSpec {
    /** Directors besides `LabSpec.director`. */
    peers: DirectorSpec[];
    /** Router id of the VIP's VRRP instance. */
    virtualRouterId: number;
    /** Seconds between adverts. */
    advertInterval: number;
    nopreempt: boolean;
    authPass: string;
    syncConnections: boolean;
    splitBrainGuard: boolean;
    /** NAT: the real servers' floating default gateway and its VRRP instance. */
    natGateway?: { ip: string; virtualRouterId: number };
}

export interface ServiceSpec {
    vip: string;
    protocol: "tcp" | "udp";
    ports: number[];
    mode: Mode;
    scheduler: Scheduler;
    /** Seconds; 0 means no persistence. */
    persistence: number;
    /** keepalived's real-server check (used with `ha`; defaults filled in). */
    healthCheck: HealthCheckSpec;
}

/** The whole lab, validated. Every renderer and component takes this, never raw config. */
export interface LabSpec {
    network: {
        name: string;
        cidr: string;
        prefix: number;
        netmask: string;
        gateway: string;
        /** Linux bridge name, at most 15 characters. */
        bridge: string;
    };
    libvirt: { uri: string; pool: string; poolPath: string };
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
}

/** Every director of the lab, the first one first. */
export function directors(spec: LabSpec): DirectorSpec[] {
    return [spec.director, ...(spec.ha?.peers ?? [])];
}

/** Every machine of the lab, in boot order: storage and backends first, the client last. */
export function allHosts(spec: LabSpec): HostSpec[] {
    return [...(spec.nfs ? [spec.nfs] : []), ...spec.tomcats, ...spec.realServers, ...directors(spec), spec.client];
}
