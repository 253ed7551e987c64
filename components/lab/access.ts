import { DomainType, LabSpec, Mode, Role, allHosts, directors } from "../config";
import { consoleLogPath } from "../infra";

/** One machine of a lab, as the lab command reaches it. */
export interface MachineAccess {
    name: string;
    role: Role;
    ip: string;
    /** The libvirt domain (`lvs-<network.name>-<name>`). */
    domainName: string;
    /** The serial console's log file on the host (written by virtlogd). */
    consoleLog: string;
}

/**
 * What the lab command (`tools/lab.sh`) needs to reach a lab, so it never re-derives config
 * defaults: the stack output `access`. Plain values only; the client key and host keys are the
 * outputs `clientPrivateKey` (secret) and `hostKeys`.
 */
export interface LabAccess {
    /** The user every machine accepts the lab's client key for. */
    sshUser: string;
    /** The libvirt connection the machines live on (inside the sandbox). */
    libvirtUri: string;
    /** The machines' domain type: `kvm`, or `qemu` (TCG), `libvirt.domainType` with `auto` resolved. */
    domainType: DomainType;
    /** The lab's network name (`network.name`). */
    network: string;
    mode: Mode;
    vip: string;
    /** The virtual service's ports; the first is the one `vipUrl` names. */
    ports: number[];
    /** Every director's name, the first director first (with HA, then `ha.peers`). */
    directors: string[];
    /** The client machine's name. */
    client: string;
    /** Every machine, in boot order (storage and backends first, the client last). */
    machines: MachineAccess[];
}

/** The `access` output of a lab: a pure function of its spec. */
export function labAccess(spec: LabSpec): LabAccess {
    return {
        sshUser: spec.sshUser,
        libvirtUri: spec.libvirt.uri,
        domainType: spec.libvirt.domainType,
        network: spec.network.name,
        mode: spec.service.mode,
        vip: spec.service.vip,
        ports: [...spec.service.ports],
        directors: directors(spec).map((d) => d.name),
        client: spec.client.name,
        machines: allHosts(spec).map((h) => ({ name: h.name, role: h.role, ip: h.ip, domainName: h.domainName, consoleLog: consoleLogPath(h.domainName) })),
    };
}
