import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabSpec, labConfigIssues, parseLabConfig } from "../../components/config";
import { formatIpv6, ipv6CidrProblem, ipv6Host, nearestIpv6Cidr, parseIpv6 } from "../../components/config/ipv6";
import * as r from "../../components/render";
import { loadStackConfig } from "../stacks";
import { propertyRuns } from "./propertyRuns";

/** The default stack (dual stack) with `edit` applied to a copy of its config. */
function dual(edit: (c: any) => void = () => {}): any {
    const c = structuredClone(loadStackConfig("default")) as any;
    edit(c);
    return c;
}
const spec = (c: any): LabSpec => parseLabConfig(c, { exists: () => true });
const issues = (c: any) => labConfigIssues(c, { exists: () => true }).map((i) => ({ path: i.path, message: i.message, fix: i.fix }));

describe("IPv6 addresses (components/config/ipv6.ts)", () => {
    it("parses the text forms of an address into eight groups, and refuses anything else", () => {
        expect(parseIpv6("fd00:192:168:168::100")).toEqual([0xfd00, 0x192, 0x168, 0x168, 0, 0, 0, 0x100]);
        expect(parseIpv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
        expect(parseIpv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
        expect(parseIpv6("fd00::")).toEqual([0xfd00, 0, 0, 0, 0, 0, 0, 0]);
        expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(parseIpv6("FD00:0:0:0:0:0:0:A")).toEqual([0xfd00, 0, 0, 0, 0, 0, 0, 10]);
        // "::" for a single zero group: not canonical (RFC 5952 writes the 0), but valid text.
        expect(parseIpv6("fd00:1:2:3:4:5::6")).toEqual([0xfd00, 1, 2, 3, 4, 5, 0, 6]);
        // Two "::", too many or too few groups, "::" standing for no group, 5 digits, IPv4 inside, a zone.
        for (const s of ["1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4::5:6:7:8", "12345::", "::ffff:1.2.3.4", "fe80::1%eth0", "", ":1:2:3:4:5:6:7", "g::"]) {
            expect(parseIpv6(s), s).toBeUndefined();
        }
    });

    it("writes the canonical form (RFC 5952) that ipvsadm and ip print", () => {
        expect(formatIpv6([0xfd00, 0x192, 0x168, 0x168, 0, 0, 0, 0x100])).toBe("fd00:192:168:168::100");
        expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
        expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 1])).toBe("::1");
        expect(formatIpv6([0xfd00, 0, 0, 0, 0, 0, 0, 0])).toBe("fd00::");
        // The longest run of zeros, the first of two equal ones, and never a single zero group.
        expect(formatIpv6([1, 0, 0, 2, 0, 0, 0, 3])).toBe("1:0:0:2::3");
        expect(formatIpv6([1, 0, 0, 2, 0, 0, 3, 4])).toBe("1::2:0:0:3:4");
        expect(formatIpv6([1, 0, 2, 3, 4, 5, 6, 7])).toBe("1:0:2:3:4:5:6:7");
        expect(formatIpv6([0xabcd, 0x0ef0, 1, 2, 3, 4, 5, 6])).toBe("abcd:ef0:1:2:3:4:5:6");
    });

    it("property: formatting and parsing are inverse, and the text is already canonical", () => {
        const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
        fc.assert(fc.property(groups, (g) => {
            const text = formatIpv6(g);
            expect(parseIpv6(text)).toEqual(g);
            expect(formatIpv6(parseIpv6(text.toUpperCase())!)).toBe(text);
            expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
        }), { numRuns: propertyRuns(300) });
    });

    it("takes a unique local /64 network address as the lab's segment, with a reason for anything else", () => {
        expect(ipv6CidrProblem("fd00:192:168:168::/64")).toBeUndefined();
        expect(ipv6CidrProblem("fc00::/64")).toBeUndefined();
        expect(ipv6CidrProblem("fd00::1/64")).toBe("must be a network address, the last 64 bits zero: fd00::/64");
        expect(ipv6CidrProblem("fd00::/48")).toBe("must have the prefix /64, a LAN's");
        // The whole text is the network: a valid one after something else is not.
        for (const text of ["x/fd00::/64", "/fd00::/64", "fd00::/64/64"]) expect(ipv6CidrProblem(text), text).toBe("must be an IPv6 network in CIDR form such as fd00:25:8::/64");
        expect(ipv6CidrProblem("2001:db8::/64")).toBe("must be a unique local network (fc00::/7, such as fd00:25:8::/64): the lab's addresses never route anywhere");
        expect(ipv6CidrProblem("fe00::/64")).toBe("must be a unique local network (fc00::/7, such as fd00:25:8::/64): the lab's addresses never route anywhere");
        for (const s of ["fd00::", "fd00::/x", "10.0.0.0/24", "fd00::/64/64", "fd00:::/64"]) expect(ipv6CidrProblem(s), s).toBe("must be an IPv6 network in CIDR form such as fd00:25:8::/64");
    });

    it("fixes a segment to the /64 of its first 64 bits when they are unique local, and has nothing for anything else", () => {
        expect(nearestIpv6Cidr("fd00:1:2:3:4::9/48")).toBe("fd00:1:2:3::/64");
        expect(nearestIpv6Cidr("FD00::1")).toBe("fd00::/64");
        expect(nearestIpv6Cidr("2001:db8::/64")).toBeUndefined();
        expect(nearestIpv6Cidr("nope")).toBeUndefined();
        expect(nearestIpv6Cidr(64)).toBeUndefined();
    });

    it("gives each host number an address whose last groups read as the number", () => {
        expect(ipv6Host("fd00:192:168:168::/64", 11)).toBe("fd00:192:168:168::11");
        expect(ipv6Host("fd00:192:168:168::/64", 100)).toBe("fd00:192:168:168::100");
        expect(ipv6Host("fd00::/64", 261)).toBe("fd00::261");
        expect(ipv6Host("fd00::/64", 12345)).toBe("fd00::1:2345");
        expect(ipv6Host("fd00::/64", 10005)).toBe("fd00::1:5");
    });

    it("property: different host numbers never share an address", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 24 }), fc.integer({ min: 1, max: 2 ** 24 }), (a, b) => {
            fc.pre(a !== b);
            expect(ipv6Host("fd00::/64", a)).not.toBe(ipv6Host("fd00::/64", b));
        }), { numRuns: propertyRuns(300) });
    });
});

describe("network.ipv6Cidr: the config", () => {
    it("gives the director, the real servers, the client and the VIP their IPv6 twins, in canonical form", () => {
        const s = spec(dual((c) => (c.network.ipv6Cidr = "FD00:192:168:168:0::/64")));
        expect(s.network.ipv6).toEqual({ cidr: "fd00:192:168:168::/64", prefix: 64 });
        expect(s.service.vip6).toBe("fd00:192:168:168::100");
        expect([s.director, ...s.realServers, s.client].map((h) => h.ip6)).toEqual(["fd00:192:168:168::50", "fd00:192:168:168::10", "fd00:192:168:168::20", "fd00:192:168:168::60"]);
    });

    it("without it, no machine and no VIP has an IPv6 address", () => {
        const s = spec(dual((c) => delete c.network.ipv6Cidr));
        expect(s.network.ipv6).toBeUndefined();
        expect(s.service.vip6).toBeUndefined();
        expect([s.director, ...s.realServers, s.client].map((h) => h.ip6)).toEqual([undefined, undefined, undefined, undefined]);
    });

    it("rejects NAT, TUN and a firewall mark with it, naming the key and the fix", () => {
        expect(issues(dual((c) => (c.service.mode = "nat")))).toEqual([{
            path: "network.ipv6Cidr",
            message: "the lab's IPv6 services run in DR only: in NAT the real servers would need IPv6 routes back through the director, which the lab does not set up; use service.mode dr or remove network.ipv6Cidr",
            fix: [{ kind: "rm", key: "network.ipv6Cidr" }],
        }]);
        expect(issues(dual((c) => (c.service.mode = "tun")))[0].message).toBe("the lab's IPv6 services run in DR only: in TUN the real servers would need IPv6-in-IPv6 tunnels, which the lab does not set up; use service.mode dr or remove network.ipv6Cidr");
        expect(issues(dual((c) => (c.service.firewallMark = 1)))).toEqual([{
            path: "service.firewallMark",
            message: "marks IPv4 packets only (an nftables ip table), and network.ipv6Cidr adds IPv6 services; remove service.firewallMark or network.ipv6Cidr",
            fix: [{ kind: "rm", key: "service.firewallMark" }],
        }]);
        expect(() => spec(dual((c) => (c.service.mode = "nat")))).toThrow("network.ipv6Cidr: the lab's IPv6 services run in DR only");
    });

    it("rejects a segment that is no unique local /64, with the nearest one as the fix", () => {
        expect(issues(dual((c) => (c.network.ipv6Cidr = "fd00:192:168:168::1/64")))).toEqual([{
            path: "network.ipv6Cidr",
            message: 'must be a network address, the last 64 bits zero: fd00:192:168:168::/64; got "fd00:192:168:168::1/64"',
            fix: [{ kind: "set", key: "network.ipv6Cidr", value: "fd00:192:168:168::/64" }],
        }]);
        expect(issues(dual((c) => (c.network.ipv6Cidr = "2001:db8::/64")))[0].fix).toEqual([{ kind: "rm", key: "network.ipv6Cidr" }]);
    });
});

describe("network.ipv6Cidr: what the guests get", () => {
    const s = () => spec(dual((c) => (c.service.sorryServer = true)));
    const v4 = () => spec(dual((c) => delete c.network.ipv6Cidr));

    it("ipvsadm: a second service per TCP port on the IPv6 VIP, to each real server's IPv6 address, bracketed as ipvsadm-save prints it", () => {
        const rules = r.renderIpvsRules(spec(dual((c) => (c.realServers[1].weight = 3))));
        expect(rules).toBe([
            "-A -t 192.168.168.100:80 -s rr",
            "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1",
            "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 3",
            "-A -t [fd00:192:168:168::100]:80 -s rr",
            "-a -t [fd00:192:168:168::100]:80 -r [fd00:192:168:168::10]:80 -g -w 1",
            "-a -t [fd00:192:168:168::100]:80 -r [fd00:192:168:168::20]:80 -g -w 3",
            "",
        ].join("\n"));
        expect(r.listedService(r.virtualServices(s())[1])).toBe("TCP  [fd00:192:168:168::100]:80 ");
    });

    it("the sorry server of the IPv6 service is the director's IPv6 address, and its nginx listens on both families", () => {
        const lab = s();
        expect(r.virtualServices(lab).map((vs) => vs.sorryServer)).toEqual([{ ip: "192.168.168.50", port: 80 }, { ip: "fd00:192:168:168::50", port: 80 }]);
        expect(r.renderSorrySite(lab, lab.director)).toContain("    listen 80 default_server;\n    listen [::]:80 default_server;\n");
        expect(r.renderSorrySite(v4(), v4().director)).not.toContain("[::]");
    });

    it("nginx on a real server listens on both families, TLS ports on both with ssl", () => {
        const lab = spec(dual((c) => {
            c.service.ports = [80, 443];
            c.service.tlsPorts = [443];
        }));
        expect(r.renderNginxSite(lab, lab.realServers[0])).toContain("    listen 80 default_server;\n    listen [::]:80 default_server;\n    listen 443 ssl default_server;\n    listen [::]:443 ssl default_server;\n");
    });

    it("real server: its own address on ens33, the IPv6 VIP on lo as a /128 that never receives traffic for itself (deprecated), both without DAD; any other global address goes", () => {
        const lab = s();
        expect(r.realServerIpv6Lines(lab, lab.realServers[0])).toEqual([
            "for a in $(ip -6 -o addr show dev ens33 scope global | awk '{ print $4 }'); do",
            '    case ${a%/*} in fd00:192:168:168::10) ;; *) ip -6 addr del "$a" dev ens33 ;; esac',
            "done",
            "ip -6 addr replace fd00:192:168:168::10/64 dev ens33 nodad",
            "for a in $(ip -6 -o addr show dev lo scope global | awk '{ print $4 }'); do",
            '    case ${a%/*} in fd00:192:168:168::100) ;; *) ip -6 addr del "$a" dev lo ;; esac',
            "done",
            "ip -6 addr replace fd00:192:168:168::100/128 dev lo nodad preferred_lft 0",
        ]);
        // In the boot step, after the IPv4 VIP (after the ARP sysctls).
        const boot = r.renderRealServer(lab, lab.realServers[0]).create;
        expect(boot.indexOf("ip -6 addr replace fd00:192:168:168::100/128 dev lo nodad preferred_lft 0")).toBeGreaterThan(boot.indexOf("ip addr replace 192.168.168.100/32 dev lo label lo:0"));
        expect(boot.indexOf("ip addr replace 192.168.168.100/32 dev lo label lo:0")).toBeGreaterThan(-1);
        // IPv4 only: every global IPv6 address goes, at the step and at boot; the undo does the same.
        const off = v4();
        expect(r.realServerIpv6Lines(off, off.realServers[0])).toEqual(["ip -6 addr flush dev ens33 scope global", "ip -6 addr flush dev lo scope global"]);
        expect(r.renderRealServer(lab, lab.realServers[0]).delete).toContain("ip -6 addr flush dev ens33 scope global\nip -6 addr flush dev lo scope global\n");
    });

    it("director: its own address and the deprecated IPv6 VIP on ens33; with HA it leaves the VIP to keepalived", () => {
        const lab = s();
        expect(r.directorIpv6Lines(lab).slice(1, 2)).toEqual(['    case ${a%/*} in fd00:192:168:168::50|fd00:192:168:168::100) ;; *) ip -6 addr del "$a" dev ens33 ;; esac']);
        expect(r.directorIpv6Lines(lab).slice(3)).toEqual(["ip -6 addr replace fd00:192:168:168::50/64 dev ens33 nodad", "ip -6 addr replace fd00:192:168:168::100/64 dev ens33 nodad preferred_lft 0"]);
        const ha = spec(dual((c) => (c.ha = { peers: [{ name: "director2", ip: "192.168.168.51" }] })));
        for (const d of [ha.director, ...ha.ha!.peers]) {
            const lines = r.directorIpv6Lines(ha, d);
            expect(lines.slice(3)).toEqual([`ip -6 addr replace ${d.ip6}/64 dev ens33 nodad`]);
            expect(lines[1]).toContain(`in ${d.ip6}|fd00:192:168:168::100)`);
        }
        expect(r.directorIpv6Lines(v4())).toEqual(["ip -6 addr flush dev ens33 scope global"]);
    });

    it("keepalived: the IPv6 VIP moves with the VIP instance, and each IPv6 service is a virtual_server to the real servers' IPv6 addresses", () => {
        const ha = spec(dual((c) => (c.ha = { peers: [{ name: "director2", ip: "192.168.168.51" }] })));
        const conf = r.renderKeepalivedConf(ha, ha.director);
        expect(conf).toContain("    virtual_ipaddress {\n        192.168.168.100/24 dev ens33 label ens33:0\n    }\n    virtual_ipaddress_excluded {\n        fd00:192:168:168::100/64 dev ens33\n    }\n");
        expect(conf).toContain("virtual_server fd00:192:168:168::100 80 {");
        expect(conf).toContain("    real_server fd00:192:168:168::10 80 {");
        expect(conf).toContain("    real_server fd00:192:168:168::20 80 {");
        expect(r.renderKeepalivedConf(spec(dual((c) => {
            delete c.network.ipv6Cidr;
            c.ha = { peers: [{ name: "director2", ip: "192.168.168.51" }] };
        })), ha.director)).not.toContain("virtual_ipaddress_excluded");
    });

    it("client: its address now and at boot (a boot step); IPv4 only, the boot step and every global address go", () => {
        const on = r.renderClient(s()).create;
        expect(on).toContain(`${r.bootStepScript(r.CLIENT_BOOT_STEP)}\n`);
        expect(on).toContain("ip -6 addr replace fd00:192:168:168::60/64 dev ens33 nodad");
        const off = r.renderClient(v4()).create;
        expect(off).toContain(`systemctl disable ${r.CLIENT_BOOT_STEP}.service`);
        expect(off).toContain("ip -6 addr flush dev ens33 scope global");
        expect(off).not.toContain("nodad");
    });

    it("verification: the page through the IPv6 VIP too, read back as `ipv6`", () => {
        const lab = s();
        const script = r.renderVerification(lab, 4).create;
        expect(script).toContain("echo '# probe http://[fd00:192:168:168::100]:80/'");
        expect(script).toContain("curl -sS -g -m 3 -o /dev/null -D - 'http://[fd00:192:168:168::100]:80/' |");
        expect(r.renderVerification(v4(), 4).create).not.toContain("http://[");
        const out = "# probe http://192.168.168.100:80/\nnginx1 2\nnginx2 2\n# probe http://[fd00:192:168:168::100]:80/\nnginx1 3\nerror 1\n";
        expect(r.verificationOf(lab, out)).toEqual({ realServers: { nginx1: 2, nginx2: 2 }, ipv6: { nginx1: 3, error: 1 } });
    });
});
