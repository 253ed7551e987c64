/** Pure IPv4 arithmetic for the lab's single L2 segment. */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True when `s` is a dotted-quad IPv4 address without leading zeros. */
export function isIpv4(s: string): boolean {
    return IPV4.test(s);
}

/** The address as an unsigned 32-bit integer. */
export function toInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** The dotted-quad form of an unsigned 32-bit integer. */
export function fromInt(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** A parsed IPv4 network. */
export interface Cidr {
    /** The network address, e.g. `192.168.168.0`. */
    network: string;
    /** The prefix length, 0–32. */
    prefix: number;
    /** The dotted netmask, e.g. `255.255.255.0`. */
    netmask: string;
}

/** Parses `a.b.c.d/len`; returns undefined when it is not a network address with a prefix. */
export function parseCidr(s: string): Cidr | undefined {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
    if (!m || !isIpv4(m[1])) return undefined;
    const prefix = Number(m[2]);
    if (prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    const base = toInt(m[1]);
    if (base % size !== 0) return undefined;
    return cidrOf(m[1], prefix);
}

/**
 * The network of `prefix` bits that holds `ip`, e.g. `cidrOf("10.1.2.3", 24)` is 10.1.2.0/24.
 * @param ip any dotted-quad address.
 * @param prefix 0–32.
 */
export function cidrOf(ip: string, prefix: number): Cidr {
    const size = 2 ** (32 - prefix);
    const network = fromInt(Math.floor(toInt(ip) / size) * size);
    return { network, prefix, netmask: fromInt(2 ** 32 - size) };
}

/** The `a.b.c.d/len` form of a network. */
export function formatCidr(cidr: Cidr): string {
    return `${cidr.network}/${cidr.prefix}`;
}

/** How many addresses the network spans, network and broadcast addresses included. */
export function cidrSize(cidr: Cidr): number {
    return 2 ** (32 - cidr.prefix);
}

/** True when the two networks share an address (one holds the other, or they are the same). */
export function overlaps(a: Cidr, b: Cidr): boolean {
    const start = (c: Cidr) => toInt(c.network);
    return start(a) < start(b) + cidrSize(b) && start(b) < start(a) + cidrSize(a);
}

/** True when `ip` is a usable host address of `cidr` (not the network or broadcast address). */
export function isHostIn(ip: string, cidr: Cidr): boolean {
    const size = cidrSize(cidr);
    const offset = toInt(ip) - toInt(cidr.network);
    if (offset < 0 || offset >= size) return false;
    return size <= 2 || (offset !== 0 && offset !== size - 1);
}

/** The network's first host address, which libvirt gives the bridge: the segment's gateway. */
export function firstHost(cidr: Cidr): string {
    return fromInt(toInt(cidr.network) + 1);
}

/**
 * Address blocks a lab segment must not overlap: the kernel treats them as martian or
 * non-unicast on an Ethernet interface, and libvirt's network would claim the host's own routes.
 */
export const RESERVED_BLOCKS: readonly { cidr: string; what: string }[] = [
    { cidr: "0.0.0.0/8", what: "\"this network\" (0.0.0.0/8)" },
    { cidr: "127.0.0.0/8", what: "loopback (127.0.0.0/8)" },
    { cidr: "224.0.0.0/4", what: "multicast (224.0.0.0/4)" },
    { cidr: "240.0.0.0/4", what: "reserved and broadcast (240.0.0.0/4)" },
];

/** The reserved block the network overlaps, if any (see `RESERVED_BLOCKS`). */
export function reservedOverlap(cidr: Cidr): string | undefined {
    return RESERVED_BLOCKS.find((block) => overlaps(cidr, parseCidr(block.cidr)!))?.what;
}

/**
 * A stable, locally administered MAC for a host address: the QEMU OUI and the address's
 * last three octets, so the NIC keeps its name and MAC across `pulumi up` runs. Two host
 * addresses of one network of prefix 8 or longer never share it.
 */
export function macFor(ip: string): string {
    const hex = ip.split(".").slice(1).map((o) => Number(o).toString(16).padStart(2, "0"));
    return `52:54:00:${hex.join(":")}`;
}

/**
 * Why libvirt refuses a guest NIC's MAC, or undefined when it takes it: a multicast (or
 * broadcast) address is no NIC's, an all-zero one is no address, and libvirt keeps a first
 * octet of 0xfe for the host side of the tap device.
 * @param mac a lower-case `xx:xx:xx:xx:xx:xx`.
 */
export function unusableMac(mac: string): string | undefined {
    const first = parseInt(mac.slice(0, 2), 16);
    if (mac === "00:00:00:00:00:00") return "00:00:00:00:00:00 is no address";
    if (first & 1) return `${mac} is a multicast address (the first octet is odd), which libvirt refuses for a NIC`;
    if (first === 0xfe) return `libvirt keeps MACs starting fe: for the host side of the tap device`;
    return undefined;
}
