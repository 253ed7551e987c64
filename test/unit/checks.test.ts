import { describe, expect, it } from "vitest";
import { DEFAULT_VIRTUAL_ROUTER_ID, defaultPriority, formatCidr, parseCidr } from "../../components/config";
import { addressesNeeded, allocatorFor, labCidr } from "../../components/config/checks";

/** The network and the taken values the fixes start from (components/config/checks.ts). */
const machines = (ips: string[]) => ({ director: { ip: ips[0] }, realServers: ips.slice(1, -1).map((ip) => ({ ip })), client: { ip: ips[ips.length - 1] } });
const net = (raw: unknown) => formatCidr(labCidr(raw));

describe("the addresses a lab takes (addressesNeeded)", () => {
    it("one per machine (at least one real server, one peer with HA), the VIP and the gateway, and NAT with HA's floating gateway", () => {
        expect(addressesNeeded({})).toBe(5);
        expect(addressesNeeded({ realServers: [{}, {}, {}], tomcats: [{}, {}], nfs: {} })).toBe(10);
        expect(addressesNeeded({ realServers: "nope", tomcats: "nope" })).toBe(5);
        expect(addressesNeeded({ ha: {} })).toBe(6);
        expect(addressesNeeded({ ha: { peers: [{}, {}] }, service: { mode: "nat" } })).toBe(8);
        expect(addressesNeeded({ ha: {}, service: { mode: "tun" } })).toBe(6);
    });
});

describe("the network the fixes aim at (labCidr)", () => {
    it("is network.cidr when it is valid and has room", () => {
        expect(net({ network: { cidr: "10.1.0.0/24" }, ...machines(["10.9.9.1", "10.9.9.2", "10.9.9.3"]) })).toBe("10.1.0.0/24");
        expect(net({ network: { cidr: "10.1.0.0/29" } })).toBe("10.1.0.0/29");
    });

    it("is the network of a misaligned address when that prefix is allowed and usable", () => {
        expect(net({ network: { cidr: "10.1.0.5/24" } })).toBe("10.1.0.0/24");
        expect(net({ network: { cidr: "10.1.0.5/8" } })).toBe("10.0.0.0/8");
        // A prefix outside 8–29, or a reserved block, leaves the vote to the addresses.
        expect(net({ network: { cidr: "10.1.0.5/30" }, ...machines(["172.16.5.1", "172.16.5.2", "172.16.5.3"]) })).toBe("172.16.5.0/24");
        expect(net({ network: { cidr: "10.1.0.5/7" }, ...machines(["172.16.5.1", "172.16.5.2", "172.16.5.3"]) })).toBe("172.16.5.0/24");
        expect(net({ network: { cidr: "127.0.0.5/24" }, ...machines(["172.16.5.1", "172.16.5.2", "172.16.5.3"]) })).toBe("172.16.5.0/24");
        expect(net({ network: { cidr: "10.1.0/24" }, ...machines(["172.16.5.1", "172.16.5.2", "172.16.5.3"]) })).toBe("172.16.5.0/24");
    });

    it("else is the /24 most of the config's addresses are in: machines, VIP, gateway and network.cidr's own address", () => {
        expect(net(machines(["10.2.3.1", "10.9.9.9", "10.2.3.2"]))).toBe("10.2.3.0/24");
        expect(net({ ...machines(["10.9.9.1", "10.2.3.2", "10.2.3.3"]), service: { vip: "10.9.9.100" }, network: { gateway: "10.9.9.254", cidr: "10.9.9.7/33" } })).toBe("10.9.9.0/24");
        // Loopback and text vote for nothing.
        expect(net(machines(["127.0.0.1", "127.0.0.2", "nope"]))).toBe("192.168.168.0/24");
        expect(net({})).toBe("192.168.168.0/24");
        expect(net("not a map")).toBe("192.168.168.0/24");
    });

    it("takes a misaligned address's network at its own prefix, whatever its octets' lengths, and only the whole text", () => {
        const elsewhere = machines(["172.16.5.1", "172.16.5.2", "172.16.5.3"]);
        expect(net({ network: { cidr: "10.1.0.5/16" }, ...elsewhere })).toBe("10.1.0.0/16");
        expect(net({ network: { cidr: "10.100.200.55/16" }, ...elsewhere })).toBe("10.100.0.0/16");
        expect(net({ network: { cidr: "10.1.0.5/8" }, ...elsewhere })).toBe("10.0.0.0/8");
        expect(net({ network: { cidr: "10.1.0.5/29" }, ...elsewhere })).toBe("10.1.0.0/29");
        for (const junk of ["x10.1.0.5/16", "10.1.0.5/16x", "10.1.0.5/", "10.1.0.5/160", "300.1.0.5/16"]) {
            expect(net({ network: { cidr: junk }, ...elsewhere }), junk).toBe("172.16.5.0/24");
        }
    });

    it("counts every vote: without the VIP's, the gateway's or network.cidr's address, the other /24 would win the tie", () => {
        // 10.2.3.0/24 has two machines and comes first; 10.9.9.0/24 has the client and the votes below.
        const base = machines(["10.2.3.1", "10.2.3.2", "10.9.9.3"]);
        expect(net(base)).toBe("10.2.3.0/24");
        expect(net({ ...base, service: { vip: "10.9.9.100" } })).toBe("10.2.3.0/24");
        expect(net({ ...base, service: { vip: "10.9.9.100" }, network: { gateway: "10.9.9.254" } })).toBe("10.9.9.0/24");
        expect(net({ ...base, network: { gateway: "10.9.9.254", cidr: "10.9.9.7/33" } })).toBe("10.9.9.0/24");
        expect(net({ ...base, service: { vip: "10.9.9.100" }, network: { cidr: "10.9.9.7/33" } })).toBe("10.9.9.0/24");
        // A reserved block gets no vote.
        expect(net({ ...machines(["127.0.0.1", "127.0.0.2", "10.9.9.3"]) })).toBe("10.9.9.0/24");
    });

    it("is widened until every address fits", () => {
        const many = { network: { cidr: "10.0.0.0/29" }, realServers: [{}, {}, {}, {}, {}] };
        expect(addressesNeeded(many)).toBe(9);
        expect(net(many)).toBe("10.0.0.0/28");
        expect(net({ network: { cidr: "10.0.0.0/29" }, realServers: [{}, {}] })).toBe("10.0.0.0/29");
    });
});

describe("what the fixes must not hand out (allocatorFor)", () => {
    const cidr = parseCidr("10.0.0.0/29")!;
    const full = () => ({
        network: { gateway: "10.0.0.2" },
        service: { vip: "10.0.0.3" },
        director: { ip: "10.0.0.4", name: "director" },
        realServers: [{ ip: "10.0.0.5", gateway: "10.0.0.6", name: "rs1" }],
        client: { ip: "11.0.0.1", name: "client" },
    });

    it("takes the first host, the gateway, the VIP, the real servers' gateways and every machine's address", () => {
        expect(allocatorFor(full(), cidr).ip("x", 1, false)).toBeUndefined();
        const noGateway = full() as any;
        delete noGateway.network.gateway;
        expect(allocatorFor(noGateway, cidr).ip("x", 1, false)).toBe("10.0.0.2");
        const noRsGateway = full() as any;
        delete noRsGateway.realServers[0].gateway;
        expect(allocatorFor(noRsGateway, cidr).ip("x", 1, false)).toBe("10.0.0.6");
        const natHa = { ...full(), service: { vip: "10.0.0.3", mode: "nat" }, network: {}, ha: { natGateway: { ip: "10.0.0.2" } } };
        expect(allocatorFor(natHa, cidr).ip("x", 1, false)).toBeUndefined();
    });

    it("takes the MAC a machine without one derives from its address, and the names in use", () => {
        // 11.0.0.2's derived MAC is also 10.0.0.2's: a MAC-deriving pick skips that address.
        const raw = { ...full(), network: {}, service: {}, client: { ip: "11.0.0.2", name: "client" } };
        expect(allocatorFor(raw, parseCidr("10.0.0.0/24")!).ip("a", 2, true)).toBe("10.0.0.3");
        expect(allocatorFor(raw, parseCidr("10.0.0.0/24")!).ip("a", 2, false)).toBe("10.0.0.2");
        const withMac = { ...raw, client: { ip: "11.0.0.7", mac: "52:54:00:00:00:08", name: "client" } };
        const b = allocatorFor(withMac, parseCidr("10.0.0.0/24")!);
        expect(b.ip("a", 7, true)).toBe("10.0.0.7");
        expect(b.ip("b", 8, true)).toBe("10.0.0.9");
        expect(b.name("n", "rs1", "rs")).toBe("rs1-2");
        expect(b.name("m", "client", "client")).toBe("client-2");
    });

    it("with HA, takes the priorities (defaults too) and both router ids", () => {
        const raw = { ...full(), director: { ip: "10.0.0.4", priority: 140 }, ha: { peers: [{ name: "d2" }, { name: "d3", priority: 50 }], virtualRouterId: 7, natGateway: { virtualRouterId: 9 } } };
        const alloc = allocatorFor(raw, cidr);
        expect(alloc.priority("p", 140)).toBe(130);
        expect(alloc.priority("o", defaultPriority())).toBe(defaultPriority());
        expect(alloc.priority("q", defaultPriority(0))).toBe(defaultPriority(0) - 10);
        expect(alloc.priority("t", 50)).toBe(40);
        expect(alloc.routerId("r", 7)).toBe(8);
        expect(alloc.routerId("s", 9)).toBe(10);
        const defaults = allocatorFor({ ...full(), ha: {} }, cidr);
        expect(defaults.routerId("r", DEFAULT_VIRTUAL_ROUTER_ID)).toBe(DEFAULT_VIRTUAL_ROUTER_ID + 1);
        expect(defaults.priority("p", defaultPriority())).toBe(defaultPriority() - 10);
        // Without HA nothing is taken.
        expect(allocatorFor(full(), cidr).routerId("r", DEFAULT_VIRTUAL_ROUTER_ID)).toBe(DEFAULT_VIRTUAL_ROUTER_ID);
    });
});
