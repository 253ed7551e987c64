import { Cidr, cidrSize, fromInt, isIpv4, macFor, toInt } from "./ipv4";
import { SSH_PORT } from "./schema";

/**
 * Picks the values fixes suggest: free addresses, names, MACs, priorities, router ids and ports.
 * Everything the config already uses is taken (even where it is wrong), and so is every value
 * handed out, so no fix suggests a value in use or one another fix suggests. The same key path
 * always gets the same value, however many issues it has.
 */
export class Allocator {
    private readonly ips = new Set<string>();
    private readonly macs = new Set<string>();
    private readonly names = new Set<string>();
    private readonly priorities = new Set<number>();
    private readonly routerIds = new Set<number>();
    private readonly chosen = new Map<string, string | number>();

    /**
     * @param cidr the network the lab will have once its fixes are applied.
     */
    constructor(public readonly cidr: Cidr) {}

    /** Marks an address (and, for a machine without its own MAC, the MAC derived from it) as used. */
    takeIp(ip: unknown, derivesMac = false): void {
        if (typeof ip !== "string" || !isIpv4(ip)) return;
        this.ips.add(ip);
        if (derivesMac) this.macs.add(macFor(ip));
    }

    /** Marks a MAC as used. */
    takeMac(mac: unknown): void {
        if (typeof mac === "string") this.macs.add(mac);
    }

    /** Marks a machine name as used. */
    takeName(name: unknown): void {
        if (typeof name === "string") this.names.add(name);
    }

    /** Marks a VRRP priority as used. */
    takePriority(p: unknown): void {
        if (typeof p === "number") this.priorities.add(p);
    }

    /** Marks a VRRP router id as used. */
    takeRouterId(id: unknown): void {
        if (typeof id === "number") this.routerIds.add(id);
    }

    /** The value already chosen for a key path, if any. */
    chosenFor(path: string): string | number | undefined {
        return this.chosen.get(path);
    }

    private remember<T extends string | number>(path: string, pick: () => T | undefined): T | undefined {
        const known = this.chosen.get(path);
        if (known !== undefined) return known as T;
        const value = pick();
        if (value !== undefined) this.chosen.set(path, value);
        return value;
    }

    /**
     * A free host address of the network, as close above `offset` as possible.
     * @param path the key path it is for.
     * @param offset the preferred host offset, e.g. 200 for .200 in a /24.
     * @param derivesMac the machine takes its MAC from the address, so that MAC must be free too.
     */
    ip(path: string, offset: number, derivesMac: boolean): string | undefined {
        return this.remember(path, () => {
            const size = cidrSize(this.cidr);
            const last = size - 2;
            const start = Math.min(Math.max(offset, 1), last);
            const offsets = [...range(start, last), ...range(1, start - 1).reverse()];
            for (const o of offsets) {
                const ip = fromInt(toInt(this.cidr.network) + o);
                if (this.ips.has(ip) || (derivesMac && this.macs.has(macFor(ip)))) continue;
                this.takeIp(ip, derivesMac);
                return ip;
            }
            return undefined;
        });
    }

    /**
     * A free machine name made from `base`.
     * @param base the wanted name, cleaned up to a valid one.
     * @param fallback the name when nothing of `base` is usable, e.g. `client`.
     */
    name(path: string, base: unknown, fallback: string): string {
        return this.remember(path, () => {
            let clean = (typeof base === "string" ? base : "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 27).replace(/-+$/, "");
            if (!clean) clean = fallback;
            for (let n = 1; ; n++) {
                const candidate = n === 1 ? clean : `${clean}-${n}`;
                if (!this.names.has(candidate)) {
                    this.names.add(candidate);
                    return candidate;
                }
            }
        })!;
    }

    /** A free locally administered MAC, 52:54:00:ff:xx:xx. */
    mac(path: string): string {
        return this.remember(path, () => {
            for (let n = 1; n < 65536; n++) {
                const mac = `52:54:00:ff:${Math.floor(n / 256).toString(16).padStart(2, "0")}:${(n % 256).toString(16).padStart(2, "0")}`;
                if (!this.macs.has(mac)) {
                    this.takeMac(mac);
                    return mac;
                }
            }
            return undefined;
        })!;
    }

    /**
     * A free VRRP priority, 1–254: `prefer`, then 10 below it, and so on, then any free one.
     */
    priority(path: string, prefer: number): number {
        return this.remember(path, () => {
            const start = Math.min(Math.max(Math.round(prefer), 1), 254);
            const candidates = [...range(0, 25).map((k) => start - 10 * k).filter((p) => p >= 1), ...range(1, 254).reverse()];
            const p = candidates.find((c) => !this.priorities.has(c)) ?? 1;
            this.priorities.add(p);
            return p;
        })!;
    }

    /** A free VRRP router id, 1–255, from `prefer` upwards. */
    routerId(path: string, prefer: number): number {
        return this.remember(path, () => {
            const start = Math.min(Math.max(Math.round(prefer), 1), 255);
            const candidates = range(0, 254).map((k) => ((start - 1 + k) % 255) + 1);
            const id = candidates.find((c) => !this.routerIds.has(c)) ?? start;
            this.routerIds.add(id);
            return id;
        })!;
    }

    /**
     * A port, 1–65535 and not sshd's, that `taken` does not hold: `prefer` when it can be, else 80, 8080, 8000, ...
     * @param taken the ports already in the same list; the pick is added to it.
     */
    port(path: string, prefer: number | undefined, taken: Set<number>): number {
        return this.remember(path, () => {
            // Every candidate is an integer from 1 to 65535.
            const ok = (p: number) => p !== SSH_PORT && !taken.has(p);
            const clamped = prefer === undefined || !Number.isFinite(prefer) ? undefined : Math.min(Math.max(Math.round(prefer), 1), 65535);
            const candidates = [...(clamped === undefined ? [] : [clamped]), 80, 8080, ...range(8000, 8999), ...range(1024, 65535)];
            const p = candidates.find(ok) ?? 80;
            taken.add(p);
            return p;
        })!;
    }

    /**
     * A value for a key path that only needs to differ from others of its list, e.g. an NFS export.
     * @param make builds the n-th candidate.
     * @param taken values already in the list; the pick is added to it.
     */
    unique(path: string, make: (n: number) => string, taken: Set<string>): string {
        return this.remember(path, () => {
            for (let n = 1; ; n++) {
                const v = make(n);
                if (!taken.has(v)) {
                    taken.add(v);
                    return v;
                }
            }
        })!;
    }
}

/** The integers from `from` to `to`, both included (none when `to < from`: a negative length is 0). */
function range(from: number, to: number): number[] {
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
