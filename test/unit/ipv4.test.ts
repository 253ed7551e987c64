import { describe, expect, it } from "vitest";
import { cidrOf, isHostIn, isIpv4, macFor, parseCidr, reservedOverlap, unusableMac } from "../../components/config";

/** The IPv4 arithmetic the config's checks stand on (components/config/ipv4.ts), at its edges. */
describe("IPv4 addresses and networks", () => {
    it("accepts dotted quads of 0–255 without leading zeros, and nothing around them", () => {
        for (const ip of ["1.2.3.4", "0.0.0.0", "250.1.1.1", "255.255.255.255", "199.99.9.0"]) expect(isIpv4(ip), ip).toBe(true);
        for (const ip of ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4x", "x1.2.3.4", "1.2.3.4.5", " 1.2.3.4"]) expect(isIpv4(ip), ip).toBe(false);
    });

    it("parses a network address with its prefix, and refuses anything else", () => {
        expect(parseCidr("10.0.0.0/8")).toEqual({ network: "10.0.0.0", prefix: 8, netmask: "255.0.0.0" });
        expect(parseCidr("10.0.0.1/32")).toEqual({ network: "10.0.0.1", prefix: 32, netmask: "255.255.255.255" });
        expect(parseCidr("0.0.0.0/0")).toEqual({ network: "0.0.0.0", prefix: 0, netmask: "0.0.0.0" });
        // Not a network address, a prefix over 32, text around it, no prefix, no address.
        for (const s of ["10.0.0.1/24", "10.0.0.0/33", "1/10.0.0.0/8", "10.0.0.0/8x", "10.0.0.0", "nope", "/8"]) expect(parseCidr(s), s).toBeUndefined();
        expect(cidrOf("10.1.2.3", 24)).toEqual({ network: "10.1.2.0", prefix: 24, netmask: "255.255.255.0" });
    });

    it("counts a host address only inside the network, never its network or broadcast address, except in /31 and /32", () => {
        const net = parseCidr("192.168.1.0/24")!;
        expect(["192.168.1.1", "192.168.1.254"].map((ip) => isHostIn(ip, net))).toEqual([true, true]);
        expect(["192.168.0.255", "192.168.1.0", "192.168.1.255", "192.168.2.0"].map((ip) => isHostIn(ip, net))).toEqual([false, false, false, false]);
        // RFC 3021: both addresses of a /31 are hosts; a /32 is its one host.
        expect(["10.0.0.0", "10.0.0.1", "10.0.0.2"].map((ip) => isHostIn(ip, parseCidr("10.0.0.0/31")!))).toEqual([true, true, false]);
        expect(["10.0.0.4", "10.0.0.5"].map((ip) => isHostIn(ip, parseCidr("10.0.0.4/32")!))).toEqual([true, false]);
        expect(["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"].map((ip) => isHostIn(ip, parseCidr("10.0.0.0/30")!))).toEqual([false, true, true, false]);
    });

    it("names the reserved block a network overlaps", () => {
        expect(reservedOverlap(parseCidr("0.0.0.0/16")!)).toBe('"this network" (0.0.0.0/8)');
        expect(reservedOverlap(parseCidr("127.1.0.0/16")!)).toBe("loopback (127.0.0.0/8)");
        expect(reservedOverlap(parseCidr("224.0.0.0/3")!)).toBe("multicast (224.0.0.0/4)");
        expect(reservedOverlap(parseCidr("255.255.255.0/24")!)).toBe("reserved and broadcast (240.0.0.0/4)");
        expect(reservedOverlap(parseCidr("192.168.168.0/24")!)).toBeUndefined();
    });

    it("derives a MAC from the address's last three octets, and knows which MACs libvirt refuses", () => {
        expect(macFor("192.168.168.10")).toBe("52:54:00:a8:a8:0a");
        expect(unusableMac("52:54:00:a8:a8:0a")).toBeUndefined();
        expect(unusableMac("00:00:00:00:00:00")).toBe("00:00:00:00:00:00 is no address");
        expect(unusableMac("01:00:5e:00:00:01")).toBe("01:00:5e:00:00:01 is a multicast address (the first octet is odd), which libvirt refuses for a NIC");
        expect(unusableMac("fe:54:00:00:00:01")).toBe("libvirt keeps MACs starting fe: for the host side of the tap device");
    });
});
