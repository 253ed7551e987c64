import { readFileSync } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostSpec, directors } from "../../components/config";
import * as r from "../../components/render";
import { loadStackConfig } from "../stacks";
import { HaLab, failedSince, madeSince } from "./haLab";
import { ok } from "./harness";
import { ProgramLab, clientSplit, serviceStats, thisBootInConsoleLog, upProgramLab } from "./vmLab";

const esc = (ip: string) => ip.replace(/\./g, "\\.");

/**
 * The nat-ha stack's HA section moved into the nat stack's network (172.25.9.x to 172.25.7.x): a
 * second director and the floating gateway, so the NAT lab grows into NAT HA in place.
 */
function natWithHa(): any {
    const cfg = structuredClone(loadStackConfig("nat")) as any;
    const ha = JSON.parse(JSON.stringify((loadStackConfig("nat-ha") as any).ha).replace(/172\.25\.9\./g, "172.25.7."));
    return { ...cfg, ha };
}

/**
 * LVS-NAT through `pulumi up` of the program: replies come back through the director, which
 * rewrites them. Then the same lab grown in place to director HA (the nat-ha stack's), where the
 * VIP and the real servers' floating gateway are two VRRP instances in one sync group, so they
 * move together: one lab, one more boot.
 */
describe("LVS-NAT through `pulumi up` of the program, then grown in place to director HA", () => {
    let lab: ProgramLab;
    beforeAll(async () => {
        lab = await upProgramLab("vmnat", loadStackConfig("nat"));
    });
    afterAll(async () => lab?.teardown());

    it("masquerades to every real server and carries the replies back", async () => {
        const { spec, guests, outputs } = lab;
        // The serial console is logged for diagnostics: this boot is in it (the log keeps the boots of
        // earlier runs, where /cloud-init/ would be found whatever this one logged).
        expect(readFileSync(lab.consoleLogs[spec.director.name], "utf8")).toMatch(await thisBootInConsoleLog(lab, spec.director));
        expect(outputs.verification).toEqual({ realServers: { rs1: 10, rs2: 10 } });
        for (const s of spec.realServers) expect(outputs.ipvsTable).toMatch(new RegExp(`-> ${esc(s.ip)}:80\\s+Masq\\s+1`));
        expect(ok(await guests.sh(spec.director, "sysctl -n net.ipv4.ip_forward"), "ip_forward").stdout.trim()).toBe("1");
        const route = ok(await guests.sh(spec.realServers[0], "ip route show default; ip route get " + spec.client.ip), "routes").stdout;
        expect(route).toContain(`default via ${spec.director.ip}`);
        expect(route).toContain(`via ${spec.director.ip}`);
        expect(await clientSplit(lab, 20)).toEqual({ rs1: 10, rs2: 10 });
        const stats = await serviceStats(lab);
        expect(stats.inPkts).toBeGreaterThan(0);
        expect(stats.outPkts).toBeGreaterThan(0);
    });

    it("grown to director HA: `up` creates only the second director and re-runs steps, replacing no machine (the route through the director is a step, not the seed)", async () => {
        lab.setConfig(natWithHa());
        const up = ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 30 * 60_000), "up grown to NAT HA");
        const changed = up.stdout.split("\n").filter((l) => /\b(created|replaced|deleted)\b/.test(l) && /lab-/.test(l));
        expect(changed.filter((l) => !/lab-director2\b|lab-director2-/.test(l)), "only director2's resources are created, nothing replaced or deleted").toEqual([]);
        await lab.readOutputs();
    });

    it("the master holds the VIP and the floating gateway, the real servers route through it; powered off, the backup takes both and the client is served", async () => {
        const { spec, guests } = lab;
        const ha = new HaLab(lab);
        const gateway = spec.ha!.natGateway!.ip;
        expect(lab.outputs.verification).toEqual({ realServers: { rs1: 10, rs2: 10 } });
        for (const s of spec.realServers) {
            expect(ok(await guests.sh(s, "ip route show default"), `${s.name} route`).stdout).toContain(`default via ${gateway} `);
        }
        const master = await ha.oneMaster(120_000);
        const backup = directors(spec).find((d) => d.name !== master.name)!;
        const holdsGateway = async (d: HostSpec) => ok(await guests.sh(d, `ip -o -4 addr show dev ${d.nic} label ${d.nic}:1`), `${d.name} addresses`).stdout.includes(` ${gateway}/`);
        expect(await holdsGateway(master)).toBe(true);
        expect(await holdsGateway(backup)).toBe(false);
        expect(await clientSplit(lab, 20)).toEqual({ rs1: 10, rs2: 10 });

        const loop = await ha.answeringLoop();
        await ha.powerOff(master);
        await ha.waitForMaster(backup, 60_000, [master]);
        const takeoverAt = await ha.clientNow();
        await loop.until("10 requests after the takeover", madeSince(takeoverAt, 10));
        const requests = await loop.stop();
        const seen = r.summariseRequestLoop(requests);
        console.log(`NAT failover (power off): outage ${seen.outageSeconds.toFixed(2)} s, ${seen.failed} of ${seen.requests} requests failed`);
        // The real servers' replies leave through the gateway the backup now holds, so every request after the takeover is answered.
        expect(await holdsGateway(backup)).toBe(true);
        expect(failedSince(requests, takeoverAt)).toEqual([]);
        expect(await clientSplit(lab, 20)).toEqual({ rs1: 10, rs2: 10 });
    });
});

/** LVS-TUN through `pulumi up` of the program: requests reach the real servers in IPIP, replies bypass the director. */
describe("LVS-TUN through `pulumi up` of the program", () => {
    let lab: ProgramLab;
    beforeAll(async () => {
        lab = await upProgramLab("vmtun", loadStackConfig("tun"));
    });
    afterAll(async () => lab?.teardown());

    it("tunnels to every real server and the replies bypass the director", async () => {
        const { spec, guests, outputs } = lab;
        // The program's verification asked both services: HTTP, and UDP with a socket per datagram.
        expect(outputs.verification).toEqual({ realServers: { rs1: 10, rs2: 10 }, udp: { rs1: 10, rs2: 10 } });
        for (const s of spec.realServers) expect(outputs.ipvsTable).toMatch(new RegExp(`-> ${esc(s.ip)}:80\\s+Tunnel\\s+1`));
        expect(await clientSplit(lab, 20)).toEqual({ rs1: 10, rs2: 10 });
        const stats = await serviceStats(lab);
        expect(stats.inPkts).toBeGreaterThan(0);
        expect(stats.outPkts).toBe(0);
        // The requests arrived decapsulated on tunl0, which holds the VIP.
        for (const s of spec.realServers) {
            const tunl = ok(await guests.sh(s, "ip -o -4 addr show dev tunl0; cat /sys/class/net/tunl0/statistics/rx_packets"), "tunl0").stdout;
            expect(tunl).toContain(`${spec.service.vip}/32`);
            expect(Number(tunl.trim().split("\n").pop())).toBeGreaterThan(0);
        }
    });

    it("a UDP service with one-packet scheduling: one client socket's datagrams spread over the real servers, answered from the VIP", async () => {
        const { spec, guests, outputs } = lab;
        const [port] = spec.service.udpPorts;
        const service = new RegExp(`^UDP\\s+${esc(spec.service.vip)}:${port} wrr ops\\s*$`, "m");
        expect(outputs.ipvsTable).toMatch(service);
        for (const s of spec.realServers) expect(outputs.ipvsTable).toMatch(new RegExp(`-> ${esc(s.ip)}:${port}\\s+Tunnel\\s+1`));
        // One source port for all 20: without ops IPVS would keep them on the server it chose first.
        // The probe takes only replies from the VIP, so each counted answer came back from the VIP.
        const oneSocket = ok(await guests.sh(spec.client, r.udpProbeLines(spec, 20, "one").join("\n")), "UDP from one socket").stdout;
        expect(r.parseVerification(oneSocket)[0].answers).toEqual({ rs1: 10, rs2: 10 });
        // ops keeps no connection entry for them, so the director's table lists none.
        expect(ok(await guests.sh(spec.director, `ipvsadm -Lnc | grep -c ' ${spec.service.vip}:${port} ' || true`), "connections").stdout.trim()).toBe("0");
        // The table the reconciler made reads back as its rules file: a second run changes nothing.
        expect(ok(await guests.sh(spec.director, `${r.IPVS_APPLY} ${r.IPVS_RULES_PATH}`), "reconciler again").stdout).toBe("");
        // The responder answers on the server's own address too (where a health check asks).
        for (const s of spec.realServers) {
            const own = ok(await guests.sh(spec.client, r.udpAsk(s.ip, port, 1, "new")), `${s.name} own address`).stdout;
            expect(own.trim()).toBe(s.name);
        }
    });
});
