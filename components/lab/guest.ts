import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { HostSpec, LabSpec } from "../config";
import { LabFabric, LabFabricArgs, StorageQueue, createLabFabric, createMachine } from "../infra";
import { GuestConnection, SshKey, holdsSecret, remoteStep, waitForSsh } from "../remote";
import { renderCloudInitWait, renderMetaData, renderNetworkConfig, renderUserData } from "../render";

/** What every role component shares: the spec, the libvirt pieces and the lab's client key. */
export interface LabContext {
    /** The validated lab. */
    spec: LabSpec;
    /** Network, pool and base volume. */
    fabric: LabFabric;
    /** The key every remote step logs in with. */
    clientKey: SshKey;
    /** The libvirt provider for the lab's URI. */
    provider: libvirt.Provider;
    /** Creates the machines' volumes one machine at a time, in boot order. */
    storageQueue: StorageQueue;
}

/** A booted, cloud-init-complete machine and how to reach it. */
export interface Guest {
    connection: GuestConnection;
    domain: libvirt.Domain;
    /** Depend on this to run after the guest is ready. */
    ready: pulumi.Resource;
}

/** A machine that is booting: the VM and the host key it will present. */
export interface BootedMachine {
    domain: libvirt.Domain;
    /** Serial console log path, read when the guest never answers. */
    consoleLog: string;
    /** The host key injected through cloud-init, pinned by every SSH step. */
    hostKey: SshKey;
}

/**
 * Boots one machine: its own host key, then the VM with cloud-init documents rendered from the
 * spec. Only libvirt and the key; no remote step.
 * @param dependsOn machines that must outlive this one (e.g. the NFS server for its clients).
 */
export function bootMachine(name: string, lab: LabContext, host: HostSpec, parent?: pulumi.Resource, dependsOn: pulumi.Resource[] = []): BootedMachine {
    const { spec, fabric } = lab;
    const comment = `lvs-lab-${host.name}`;
    const hostKey = new SshKey(`${name}-host-key`, comment, { parent }, holdsSecret(comment, spec.secrets));
    const userData = pulumi.secret(
        pulumi.all([lab.clientKey.publicKey, hostKey.privateKey, hostKey.publicKey]).apply(([authorizedKey, hostPrivateKey, hostPublicKey]) =>
            renderUserData(spec, host, { authorizedKey, hostPrivateKey, hostPublicKey }),
        ),
    );
    const machine = createMachine(name, {
        domainName: host.domainName,
        diskVolume: host.diskVolume,
        seedVolume: host.seedVolume,
        vcpus: host.vcpus,
        memoryMiB: host.memoryMiB,
        domainType: spec.libvirt.domainType,
        mac: host.mac,
        networkId: fabric.network.id,
        poolName: fabric.pool.name,
        baseVolumeId: fabric.baseVolume.id,
        userData,
        networkConfig: renderNetworkConfig(spec, host),
        metaData: renderMetaData(spec, host),
        ...spec.image,
        storageQueue: lab.storageQueue,
    }, { parent, provider: lab.provider, dependsOn });
    return { domain: machine.domain, consoleLog: machine.consoleLog, hostKey };
}

/**
 * Boots one machine for a role, then waits (bounded) for SSH and for cloud-init. Role steps
 * depend on `ready`.
 * @param dependsOn machines that must outlive this one (e.g. the NFS server for its clients).
 */
export function createGuest(name: string, lab: LabContext, host: HostSpec, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): Guest {
    const machine = bootMachine(name, lab, host, parent, dependsOn);
    const connection: GuestConnection = { host: host.ip, user: lab.spec.sshUser, privateKey: lab.clientKey.privateKey, hostKey: machine.hostKey.publicKey };
    const machineId = machine.domain.id;
    const sshUp = waitForSsh(`${name}-ssh`, host.ip, machine.consoleLog, machineId, { parent, dependsOn: [machine.domain] }, lab.spec.secrets);
    const ready = remoteStep(`${name}-cloud-init`, { connection, machineId, script: renderCloudInitWait(host), secrets: lab.spec.secrets }, { parent, dependsOn: [sshUp] });
    return { connection, domain: machine.domain, ready };
}

/**
 * The pieces every machine of a lab shares: the libvirt provider for the lab's URI, the
 * network, pool and base volume, and the lab's client key.
 */
export function createLabContext(name: string, spec: LabSpec, parent?: pulumi.Resource): LabContext {
    const provider = new libvirt.Provider(`${name}-libvirt`, { uri: spec.libvirt.uri }, { parent });
    const fabric = createLabFabric(name, labFabricArgs(spec), { parent, provider });
    const comment = `lvs-lab-${spec.network.name}-client`;
    const clientKey = new SshKey(`${name}-client-key`, comment, { parent }, holdsSecret(comment, spec.secrets));
    return { spec, fabric, provider, clientKey, storageQueue: new StorageQueue() };
}

/** The libvirt fabric a lab spec asks for. */
export function labFabricArgs(spec: LabSpec): LabFabricArgs {
    return {
        networkName: spec.network.libvirtName,
        bridge: spec.network.bridge,
        cidr: spec.network.cidr,
        pool: spec.libvirt.pool,
        poolPath: spec.libvirt.poolPath,
        baseVolume: spec.libvirt.baseVolume,
        imageSource: spec.image.source,
    };
}
