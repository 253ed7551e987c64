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

export interface ServiceSpec {
    vip: string;
    protocol: "tcp" | "udp";
    ports: number[];
    mode: Mode;
    scheduler: Scheduler;
    /** Seconds; 0 means no persistence. */
    persistence: number;
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
    director: HostSpec & { role: "director" };
    realServers: RealServerSpec[];
    tomcats: TomcatSpec[];
    nfs?: NfsSpec;
    client: HostSpec & { role: "client" };
}

/** Every machine of the lab, in boot order: storage and backends first, the client last. */
export function allHosts(spec: LabSpec): HostSpec[] {
    return [...(spec.nfs ? [spec.nfs] : []), ...spec.tomcats, ...spec.realServers, spec.director, spec.client];
}
