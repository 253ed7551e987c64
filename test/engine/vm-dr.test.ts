import { readFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { loadStackConfig } from "../stacks";
import { REPO, ok, run } from "./harness";
import { Guests } from "./guests";
import { VmLab, bootVmLab, serviceStats, testLabConfig } from "./vmLab";

/**
 * LVS-DR on real guests: the default stack's machines booted by the real engine and libvirt
 * provider from the guest image, configured by the rendered scripts over pinned SSH.
 */
describe("LVS-DR on real VMs", () => {
    const raw = structuredClone(loadStackConfig("default")) as any;
    raw.service.scheduler = "wrr";
    const spec = parseLabConfig(testLabConfig("vmdr", raw));
    const rs = spec.realServers;
    let lab: VmLab;
    let guests: Guests;
    let consoleLogs: Record<string, string>;
    beforeAll(async () => {
        lab = await bootVmLab("vmdr", raw);
        ({ guests, consoleLogs } = lab);
    });
    afterAll(async () => lab?.teardown());

    it("names the NIC ens33 by MAC with the configured address (cloud-init network-config)", async () => {
        const out = ok(await guests.sh(spec.director, "ip -o -4 addr show dev ens33"), "ip addr").stdout;
        expect(out).toContain(`${spec.director.ip}/24`);
        // The serial console is logged for diagnostics: the boot is in it.
        expect(readFileSync(consoleLogs.director, "utf8")).toMatch(/cloud-init/);
    });

    it("real servers: ARP sysctls, then the VIP on lo:0 as /32, and nginx naming the server", async () => {
        for (const s of rs) {
            await guests.create(s, r.renderRealServer(spec, s));
            await guests.create(s, r.renderNginx(spec, s));
            const addr = ok(await guests.sh(s, "ip -o -4 addr show dev lo"), "lo addresses").stdout;
            expect(addr).toMatch(new RegExp(`inet ${spec.service.vip.replace(/\./g, "\\.")}/32 .*lo:0`));
            const sysctl = ok(await guests.sh(s, "sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce"), "sysctl").stdout;
            expect(sysctl.split("\n").filter(Boolean)).toEqual(["1", "2", "1", "2"]);
        }
    });

    it("director: VIP on ens33:0, no forwarding or redirects, IPVS rules in Route mode", async () => {
        await guests.create(spec.director, r.renderDirector(spec));
        const table = await guests.create(spec.director, r.renderIpvsStep(spec));
        expect(table).toMatch(/TCP\s+192\.168\.168\.100:80 wrr/);
        for (const s of rs) expect(table).toMatch(new RegExp(`-> ${s.ip.replace(/\./g, "\\.")}:80\\s+Route\\s+1`));
        const addr = ok(await guests.sh(spec.director, "ip -o -4 addr show dev ens33"), "director addresses").stdout;
        expect(addr).toMatch(/inet 192\.168\.168\.100\/24 .*secondary ens33:0/);
        const sysctl = ok(await guests.sh(spec.director, "sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.send_redirects net.ipv4.conf.ens33.send_redirects"), "sysctl").stdout;
        expect(sysctl.split("\n").filter(Boolean)).toEqual(["0", "0", "0"]);
    });

    it("client: every real server answers through the VIP; replies bypass the director", async () => {
        await guests.create(spec.client, r.renderClient(spec));
        const before = await serviceStats(lab);
        const [answers] = r.parseVerification(await guests.create(spec.client, r.renderVerification(spec, 20)));
        expect(answers).toEqual({ nginx1: 10, nginx2: 10 });
        // The client learned the VIP at the director's MAC: the real servers never answer ARP for it.
        const neigh = ok(await guests.sh(spec.client, `ip neigh show ${spec.service.vip}`), "neigh").stdout;
        expect(neigh).toContain(spec.director.mac);
        // Route mode: the director counts the requests' packets in and none out.
        const stats = await serviceStats(lab);
        expect(stats.conns).toBeGreaterThanOrEqual(before.conns + 20);
        expect(stats.inPkts).toBeGreaterThan(before.inPkts);
        expect(stats.outPkts).toBe(0);
    });

    it("re-applying every script changes nothing on the director's table", async () => {
        const again = await guests.create(spec.director, r.renderIpvsStep(spec));
        expect(again.split("\n").filter((l) => l.startsWith("ipvsadm -"))).toEqual([]);
        await guests.create(spec.director, r.renderDirector(spec));
        for (const s of rs) await guests.create(s, r.renderRealServer(spec, s));
        const addr = ok(await guests.sh(spec.director, "ip -o -4 addr show dev ens33 label ens33:0"), "alias").stdout;
        expect(addr.trim().split("\n")).toHaveLength(1);
    });

    it("a weight change edits one rule in place and the client sees the new proportion", async () => {
        const weighted = parseLabConfig(testLabConfig("vmdr", { ...raw, realServers: [raw.realServers[0], { ...raw.realServers[1], weight: 3 }] }));
        const out = await guests.create(spec.director, r.renderIpvsStep(weighted));
        expect(out.split("\n").filter((l) => l.startsWith("ipvsadm -"))).toEqual([`ipvsadm -e -t 192.168.168.100:80 -r ${rs[1].ip}:80 -g -w 3`]);
        const [answers] = r.parseVerification(await guests.create(spec.client, r.renderVerification(weighted, 40)));
        expect(answers).toEqual({ nginx1: 10, nginx2: 30 });
    });

    it("survives a reboot: the boot units restore the VIPs and the table", async () => {
        await guests.sh(spec.director, "systemctl reboot");
        await guests.sh(rs[0], "systemctl reboot");
        // Give the guests time to go down before waiting for them to come back.
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        await guests.ready([spec.director, rs[0]], consoleLogs);
        const table = ok(await guests.sh(spec.director, "ipvsadm -Ln"), "table after reboot").stdout;
        expect(table).toMatch(/192\.168\.168\.100:80 wrr/);
        const lo = ok(await guests.sh(rs[0], "ip -o -4 addr show dev lo; sysctl -n net.ipv4.conf.lo.arp_ignore"), "rs after reboot").stdout;
        expect(lo).toContain(`${spec.service.vip}/32`);
        const [answers] = r.parseVerification(await guests.create(spec.client, r.renderVerification(spec, 20)));
        expect(Object.keys(answers).sort()).toEqual(["nginx1", "nginx2"]);
    });

    /** Runs `tools/lab.sh` against this test's throwaway stack, as a user runs `npm run lab --`. */
    const labSh = (...args: string[]) => run("bash", [join(REPO, "tools", "lab.sh"), ...args], { env: lab.labEnv, timeoutMs: 2 * 60_000 });
    const esc = (ip: string) => ip.replace(/\./g, "\\.");

    it("lab ipvs: the director's table with stats and rates, the VIP and both real servers", async () => {
        const out = ok(await labSh("ipvs"), "lab ipvs").stdout;
        expect(out).toContain(`== director (${spec.director.ip})`);
        expect(out).toMatch(/Conns\s+InPkts\s+OutPkts\s+InBytes\s+OutBytes/);
        expect(out).toMatch(/CPS\s+InPPS\s+OutPPS\s+InBPS\s+OutBPS/);
        // The service and each real server once in --stats and once in --rate.
        const vipLines = out.split("\n").filter((l) => new RegExp(`^TCP\\s+${esc(spec.service.vip)}:80\\s`).test(l));
        expect(vipLines).toHaveLength(2);
        for (const s of rs) expect(out.match(new RegExp(`-> ${esc(s.ip)}:80\\s`, "g"))).toHaveLength(2);
        // The stats line counts the connections the earlier tests made through the VIP.
        expect(Number(vipLines[0].trim().split(/\s+/)[2])).toBeGreaterThan(0);
    });

    it("lab follow: each request's answering server is the director's destination for its source port", async () => {
        const out = ok(await labSh("follow", "4"), "lab follow").stdout;
        const requests = [...out.matchAll(/^request \d+: (\S+):(\d+) -> http:\/\/(\S+):80\/ answered by (\S+)$/gm)];
        expect(requests, out).toHaveLength(4);
        for (const [, source, , vip] of requests) expect([source, vip]).toEqual([spec.client.ip, spec.service.vip]);
        // wrr at 1:3 since the weight change: any 4 requests in a row reach both servers.
        expect(new Set(requests.map((m) => m[4]))).toEqual(new Set(["nginx1", "nginx2"]));
        expect(out).toContain(`== ${spec.director.name} (${spec.director.ip}): ipvsadm -Lnc`);
        for (const [, , port, , server] of requests) {
            const ip = rs.find((s) => s.name === server)!.ip;
            const entry = new RegExp(`^TCP\\s.*\\s${esc(spec.client.ip)}:${port}\\s+${esc(spec.service.vip)}:80\\s+${esc(ip)}:80\\s+\\(${server}\\)$`, "m");
            expect(out, `connection entry of port ${port}`).toMatch(entry);
        }
    });

    it("lab ssh: runs a command on a machine over SSH pinned to the stack's host keys", async () => {
        expect(ok(await labSh("ssh", "nginx1", "hostname"), "lab ssh hostname").stdout.trim()).toBe("nginx1");
        expect(ok(await labSh("ssh", "nginx2", "cat", "/proc/sys/net/ipv4/conf/lo/arp_ignore"), "lab ssh cat").stdout.trim()).toBe("1");
        const unknown = await labSh("ssh", "nginx9", "true");
        expect(unknown.code).not.toBe(0);
        expect(unknown.stderr).toContain("no machine nginx9 in stack t; machines:");
    });

    it("lab curl: the client fetches the VIP and the response names the real server", async () => {
        const out = ok(await labSh("curl", "/"), "lab curl").stdout;
        expect(out).toMatch(/^HTTP\/1\.1 200 OK/);
        expect(out).toMatch(/^X-Lvs-Real-Server: nginx[12]\r?$/m);
        expect(out).toMatch(/this is nginx[12]/);
    });

    it("the delete scripts undo everything", async () => {
        await guests.delete(spec.director, r.renderIpvsStep(spec));
        await guests.delete(spec.director, r.renderDirector(spec));
        for (const s of rs) {
            await guests.delete(s, r.renderNginx(spec, s));
            await guests.delete(s, r.renderRealServer(spec, s));
        }
        expect(ok(await guests.sh(spec.director, "ipvsadm -Sn"), "table").stdout.trim()).toBe("");
        expect(ok(await guests.sh(spec.director, "ip -o -4 addr show dev ens33"), "addr").stdout).not.toContain(spec.service.vip);
        expect(ok(await guests.sh(spec.director, "sysctl -n net.ipv4.conf.all.send_redirects"), "sysctl").stdout.trim()).toBe("1");
        const lo = ok(await guests.sh(rs[0], "ip -o -4 addr show dev lo; sysctl -n net.ipv4.conf.all.arp_ignore"), "rs").stdout;
        expect(lo).not.toContain(spec.service.vip);
        expect(lo.trim().endsWith("0")).toBe(true);
    });
});
