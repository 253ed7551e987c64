import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { HostSpec, LabSpec } from "../config";
import { LabFabric, createMachine } from "../infra";
import { GuestConnection, SshKey, remoteStep, waitForSsh } from "../remote";
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
}

/** A booted, cloud-init-complete machine and how to reach it. */
export interface Guest {
    connection: GuestConnection;
    domain: libvirt.Domain;
    /** Depend on this to run after the guest is ready. */
    ready: pulumi.Resource;
}

/** The libvirt domain name of a lab machine: unique per lab on one host. */
export function domainName(spec: LabSpec, host: HostSpec): string {
    return `lvs-${spec.network.name}-${host.name}`;
}

/**
 * Boots one machine for a role: its own pinned host key, the VM, a bounded wait for SSH, then a
 * wait for cloud-init. Role steps depend on `ready`.
 * @param dependsOn machines that must outlive this one (e.g. the NFS server for its clients).
 */
export function createGuest(name: string, lab: LabContext, host: HostSpec, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): Guest {
    const { spec, fabric } = lab;
    const hostKey = new SshKey(`${name}-host-key`, `lvs-lab-${host.name}`, { parent });
    const userData = pulumi.secret(
        pulumi.all([lab.clientKey.publicKey, hostKey.privateKey, hostKey.publicKey]).apply(([authorizedKey, hostPrivateKey, hostPublicKey]) =>
            renderUserData(spec, host, { authorizedKey, hostPrivateKey, hostPublicKey }),
        ),
    );
    const machine = createMachine(name, {
        domainName: domainName(spec, host),
        vcpus: host.vcpus,
        memoryMiB: host.memoryMiB,
        mac: host.mac,
        networkId: fabric.network.id,
        poolName: fabric.pool.name,
        baseVolumeId: fabric.baseVolume.id,
        userData,
        networkConfig: renderNetworkConfig(spec, host),
        metaData: renderMetaData(spec, host),
        ...spec.image,
    }, { parent, provider: lab.provider, dependsOn });
    const connection: GuestConnection = { host: host.ip, user: spec.sshUser, privateKey: lab.clientKey.privateKey, hostKey: hostKey.publicKey };
    const triggers = [machine.domain.id];
    const sshUp = waitForSsh(`${name}-ssh`, host.ip, machine.consoleLog, triggers, { parent, dependsOn: [machine.domain] });
    const ready = remoteStep(`${name}-cloud-init`, { connection, script: renderCloudInitWait(host), triggers }, { parent, dependsOn: [sshUp] });
    return { connection, domain: machine.domain, ready };
}
