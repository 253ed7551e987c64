import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of the lab's shared libvirt pieces. */
export interface LabFabricArgs {
    /** libvirt network name. */
    networkName: string;
    /** Bridge device name (at most 15 characters). */
    bridge: string;
    /** The segment in CIDR form; libvirt gives the bridge its first host address. */
    cidr: string;
    /** Storage pool name and directory, created for this stack. */
    pool: string;
    poolPath: string;
    /** Name of the base volume in the pool. */
    baseVolume: string;
    /** The guest image (local path or URL) uploaded once as the base volume. */
    imageSource: string;
}

/** The network, pool and base image every machine of a lab shares. */
export interface LabFabric {
    network: libvirt.Network;
    pool: libvirt.Pool;
    baseVolume: libvirt.Volume;
}

/**
 * Creates one isolated L2 segment (no forwarding, no DHCP, no DNS: addresses are static and the
 * lab never reaches out), a dir pool, and the base volume the machines' overlays sit on.
 */
export function createLabFabric(name: string, args: LabFabricArgs, opts: pulumi.CustomResourceOptions): LabFabric {
    const network = new libvirt.Network(`${name}-network`, {
        name: args.networkName,
        mode: "none",
        bridge: args.bridge,
        addresses: [args.cidr],
        autostart: true,
        dhcp: { enabled: false },
        dns: { enabled: false },
    }, opts);
    const pool = new libvirt.Pool(`${name}-pool`, { name: args.pool, type: "dir", target: { path: args.poolPath } }, opts);
    const baseVolume = new libvirt.Volume(`${name}-base`, {
        name: args.baseVolume,
        pool: pool.name,
        source: args.imageSource,
        format: "qcow2",
    }, { ...opts, dependsOn: [pool] });
    return { network, pool, baseVolume };
}
