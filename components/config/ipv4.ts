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
    return { network: m[1], prefix, netmask: fromInt(2 ** 32 - size) };
}

/** True when `ip` is a usable host address of `cidr` (not the network or broadcast address). */
export function isHostIn(ip: string, cidr: Cidr): boolean {
    const size = 2 ** (32 - cidr.prefix);
    const offset = toInt(ip) - toInt(cidr.network);
    if (offset < 0 || offset >= size) return false;
    return size <= 2 || (offset !== 0 && offset !== size - 1);
}

/**
 * A stable, locally administered MAC for a host address: the QEMU OUI and the address's
 * last three octets, so the NIC keeps its name and MAC across `pulumi up` runs.
 */
export function macFor(ip: string): string {
    const hex = ip.split(".").slice(1).map((o) => Number(o).toString(16).padStart(2, "0"));
    return `52:54:00:${hex.join(":")}`;
}
