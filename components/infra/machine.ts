import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of one VM. Nothing here knows what the machine is for. */
export interface MachineArgs {
    /** libvirt domain name, unique on the host. */
    domainName: string;
    /** Names of the machine's disk and cloud-init seed volumes in the pool. */
    diskVolume: string;
    seedVolume: string;
    vcpus: number;
    memoryMiB: number;
    /** libvirt domain type: `kvm`, or `qemu` (TCG) where KVM does not run guests. */
    domainType: "kvm" | "qemu";
    /** The NIC's MAC, which cloud-init matches to name the interface. */
    mac: string;
    networkId: pulumi.Input<string>;
    poolName: pulumi.Input<string>;
    baseVolumeId: pulumi.Input<string>;
    /** cloud-init documents; user-data carries the host's private key, so it is kept secret. */
    userData: pulumi.Input<string>;
    networkConfig: string;
    metaData: string;
    /** Direct kernel boot, when the image has no boot loader: the kernel, with `initrd`. */
    kernel?: string;
    /** The initrd of direct kernel boot; needs `kernel`. */
    initrd?: string;
    /** The kernel command line of direct kernel boot; needs `kernel`. */
    cmdline?: string;
    /** Orders this machine's storage after the previous machine's (see `StorageQueue`). */
    storageQueue?: StorageQueue;
}

/**
 * Puts the machines' storage in a line: each machine's volumes are created only after the
 * previous machine's. The libvirt provider can deadlock when it uploads cloud-init disks
 * concurrently (terraform-provider-libvirt#594): without the line, the storage of eight machines
 * created at once hung with seven of eight seeds written and no overlay, even with the sandbox's
 * libvirtd taking 32 calls in flight per connection (docs/maintainers.md). Each machine's volumes
 * take about a second, and its domain is created as soon as they exist, so the domains are still
 * created and boot side by side.
 */
export class StorageQueue {
    private tail: pulumi.Resource[] = [];

    /** What the next machine's storage must wait for. */
    get after(): pulumi.Resource[] {
        return this.tail;
    }

    /** Records a machine's storage as the one the next must wait for. */
    push(storage: pulumi.Resource[]): void {
        this.tail = storage;
    }
}

/** Where libvirt writes a domain's serial console, read when a guest never answers. */
export function consoleLogPath(domainName: string): string {
    return `/var/log/libvirt/qemu/${domainName}-console.log`;
}

/**
 * XSLT the provider applies to the domain XML: it adds the serial port the console attaches to,
 * logged to a file by virtlogd (a `file` console would need the file to exist before libvirt
 * labels it, and the provider writes only the console, which libvirt turns into a serial port;
 * a pty console has no `type` attribute in the provider's XML, hence the positional match).
 */
export function serialLogXslt(logFile: string): string {
    return `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output omit-xml-declaration="yes" indent="yes"/>
  <xsl:template match="node()|@*">
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/domain/devices/console[1]">
    <serial type="pty"><target port="0"/><log file="${logFile}" append="on"/></serial>
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
</xsl:stylesheet>
`;
}

/** Parses `a=b c d=e` into the provider's cmdline form (a list of one-key maps). */
export function cmdlineEntries(cmdline: string): Record<string, string>[] {
    return cmdline.split(/\s+/).filter(Boolean).map((word) => {
        const [key, ...rest] = word.split("=");
        return { [key]: rest.join("=") };
    });
}

/** One VM: a copy-on-write overlay on the base image, a cloud-init disk, and the domain. */
export interface Machine {
    domain: libvirt.Domain;
    consoleLog: string;
}

/**
 * Creates a VM of `args.domainType` (`kvm`, or TCG as `qemu`; the test bed has no usable KVM),
 * with the provider's default CPU model either way. The provider's default features include
 * ACPI, so `virsh shutdown` works. The serial console is also logged to a file for diagnostics.
 */
export function createMachine(name: string, args: MachineArgs, opts: pulumi.CustomResourceOptions & { dependsOn?: pulumi.Resource[] }): Machine {
    // The config's checks reject these first; a caller of its own must not lose them silently either.
    if (!args.kernel && (args.initrd !== undefined || args.cmdline !== undefined)) {
        throw new Error(`createMachine ${name}: ${args.initrd !== undefined ? "initrd" : "cmdline"} is for direct kernel boot and needs kernel; set kernel or leave it out`);
    }
    const storageOpts = { ...opts, dependsOn: [...(opts.dependsOn ?? []), ...(args.storageQueue?.after ?? [])] };
    const disk = new libvirt.Volume(`${name}-disk`, {
        name: args.diskVolume,
        pool: args.poolName,
        baseVolumeId: args.baseVolumeId,
        format: "qcow2",
    }, storageOpts);
    const seed = new libvirt.CloudInitDisk(`${name}-seed`, {
        name: args.seedVolume,
        pool: args.poolName,
        userData: args.userData,
        networkConfig: args.networkConfig,
        metaData: args.metaData,
    }, storageOpts);
    args.storageQueue?.push([disk, seed]);
    const consoleLog = consoleLogPath(args.domainName);
    const domain = new libvirt.Domain(`${name}-domain`, {
        name: args.domainName,
        type: args.domainType,
        vcpu: args.vcpus,
        memory: args.memoryMiB,
        running: true,
        autostart: false,
        cloudinit: seed.id,
        disks: [{ volumeId: disk.id }],
        networkInterfaces: [{ networkId: args.networkId, mac: args.mac, waitForLease: false }],
        consoles: [{ type: "pty", targetPort: "0", targetType: "serial" }],
        xml: { xslt: serialLogXslt(consoleLog) },
        graphics: { type: "vnc", listenType: "none" },
        ...(args.kernel ? { kernel: args.kernel, initrd: args.initrd, cmdlines: cmdlineEntries(args.cmdline ?? "") } : {}),
    }, opts);
    return { domain, consoleLog };
}
