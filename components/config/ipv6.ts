/** Pure IPv6 arithmetic for the lab's dual-stack segment (`network.ipv6Cidr`). */

/** The one prefix length the lab's IPv6 segment takes: a LAN's, with 64 bits for each host. */
export const IPV6_PREFIX = 64;

/** Groups of an address: eight 16-bit numbers. */
const GROUPS = 8;

/**
 * The eight 16-bit groups of an IPv6 address in text form (`::` once at most, 1–4 hex digits a
 * group, no embedded IPv4 and no zone); undefined when it is none.
 */
export function parseIpv6(s: string): number[] | undefined {
    const halves = s.split("::");
    if (halves.length > 2) return undefined;
    const groupsOf = (t: string): number[] | undefined => {
        if (t === "") return [];
        const parts = t.split(":");
        return parts.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p)) ? parts.map((p) => parseInt(p, 16)) : undefined;
    };
    const head = groupsOf(halves[0]);
    const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
    if (!head || !tail) return undefined;
    if (halves.length === 1) return head.length === GROUPS ? head : undefined;
    // "::" stands for at least one group of zeros.
    const zeros = GROUPS - head.length - tail.length;
    return zeros >= 1 ? [...head, ...Array<number>(zeros).fill(0), ...tail] : undefined;
}

/**
 * The canonical text of an address (RFC 5952): lower case, no leading zeros, the first longest
 * run of two or more zero groups as `::`. ipvsadm, `ip` and keepalived print addresses this way,
 * so the lab writes them so too and its files compare equal to what the tools print.
 */
export function formatIpv6(groups: readonly number[]): string {
    let best = { start: -1, length: 1 };
    for (let i = 0; i < groups.length; ) {
        let j = i;
        while (j < groups.length && groups[j] === 0) j++;
        if (j - i > best.length) best = { start: i, length: j - i };
        i = j > i ? j : i + 1;
    }
    const hex = (g: readonly number[]) => g.map((n) => n.toString(16)).join(":");
    if (best.start < 0) return hex(groups);
    return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

/** Whether an address (its groups) is in the unique local range, fc00::/7. */
function isUniqueLocal(groups: readonly number[]): boolean {
    return (groups[0] & 0xfe00) === 0xfc00;
}

/** The /64 that holds an address (its groups): its first 64 bits, the rest zero. */
function network64(groups: readonly number[]): number[] {
    return [...groups.slice(0, 4), 0, 0, 0, 0];
}

/**
 * Why `s` is not a lab IPv6 segment, or undefined when it is one: a unique local (`fc00::/7`)
 * network address with a /64 prefix. Unique local, because a lab's segment is private and its
 * addresses must never route anywhere.
 */
export function ipv6CidrProblem(s: string): string | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
    const groups = m ? parseIpv6(m[1]) : undefined;
    if (!m || !groups) return `must be an IPv6 network in CIDR form such as fd00:25:8::/64`;
    if (Number(m[2]) !== IPV6_PREFIX) return `must have the prefix /${IPV6_PREFIX}, a LAN's`;
    if (!isUniqueLocal(groups)) return `must be a unique local network (fc00::/7, such as fd00:25:8::/64): the lab's addresses never route anywhere`;
    const network = network64(groups);
    if (groups.some((g, i) => g !== network[i])) return `must be a network address, the last 64 bits zero: ${formatIpv6(network)}/${IPV6_PREFIX}`;
    return undefined;
}

/**
 * The lab segment closest to what was given: its first 64 bits as a /64, when they are an address
 * of the unique local range; undefined otherwise (nothing to go on). A valid segment's nearest is
 * itself, in canonical form.
 */
export function nearestIpv6Cidr(given: unknown): string | undefined {
    const groups = typeof given === "string" ? parseIpv6(given.split("/")[0]) : undefined;
    if (!groups || !isUniqueLocal(groups)) return undefined;
    return `${formatIpv6(network64(groups))}/${IPV6_PREFIX}`;
}

/**
 * A machine's (or the VIP's) IPv6 address in the lab's /64, from its IPv4 address: the host's
 * number in the IPv4 network, its decimal digits read as hex groups, so the two addresses read
 * alike (172.25.8.11 in a /24 is fd00:25:8::11, 10.0.1.5 in a /16 is fd00::261). One number per
 * host makes one address per host.
 * @param ipv6Cidr a valid lab segment (see `ipv6CidrProblem`).
 * @param hostNumber the address's offset in its IPv4 network (from 1).
 */
export function ipv6Host(ipv6Cidr: string, hostNumber: number): string {
    const prefix = parseIpv6(ipv6Cidr.split("/")[0])!.slice(0, 4);
    const digits = String(hostNumber).padStart(16, "0");
    const low = [0, 4, 8, 12].map((i) => parseInt(digits.slice(i, i + 4), 16));
    return formatIpv6([...prefix, ...low]);
}
