import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostSpec, LabSpec, directors, parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { loadStackConfig } from "../stacks";
import { HaLab, failedSince, madeSince } from "./haLab";
import { ok } from "./harness";
import { TIMED_OUT, splitFits } from "./splits";
import { ProgramLab, askServer, clientSplit, serviceStats, tally, testLabConfig, upProgramLab, updatedCount, waitUntil } from "./vmLab";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Director HA on real guests: the ha stack's two directors run keepalived (unicast VRRP, HTTP
 * health checks, the sorry server, connection sync, the split-brain guard) in front of two nginx
 * real servers, and every fault is watched by a request loop on the client.
 */
describe("director HA with keepalived on real VMs", () => {
    const raw = structuredClone(loadStackConfig("ha")) as any;
    const labSpec = (edit: (raw: any) => void = () => {}): LabSpec => {
        const copy = structuredClone(raw);
        edit(copy);
        return parseLabConfig(testLabConfig("vmha", copy));
    };
    const spec = labSpec();
    const [d1, d2] = directors(spec);
    const [rs1, rs2] = spec.realServers;
    const vip = spec.service.vip;
    const [udpPort] = spec.service.udpPorts;
    let lab: ProgramLab;
    let ha: HaLab;
    const sh = async (host: HostSpec, cmd: string) => ok(await lab.guests.sh(host, cmd, 120_000), `${host.name}: ${cmd}`).stdout;
    const verify = (requests = 20) => clientSplit(lab, requests);
    /**
     * Asserts a split (splitFits: one request may time out; `shift` lets shares be off by that
     * much). A timeout prints what the directors and the client's ARP cache said just after, for
     * the next look at its cause.
     */
    const expectSplit = async (split: Record<string, number>, expected: Record<string, number>, shift = 0) => {
        if (split[TIMED_OUT]) console.log(`a request through the VIP timed out (${JSON.stringify(split)}); the client's MAC for the VIP: ${await ha.clientVipMac()}\n${await ha.vrrpReport(directors(spec))}`);
        // The expected split when it fits, so a failure's diff shows what the client saw.
        expect(splitFits(split, expected, shift) ? expected : split).toEqual(expected);
    };
    /** Asks the VIP as many times as `expected` counts and asserts the split (expectSplit). */
    const expectServed = async (expected: Record<string, number>, shift = 0) =>
        expectSplit(await verify(Object.values(expected).reduce((a, b) => a + b, 0)), expected, shift);
    beforeAll(async () => {
        lab = await upProgramLab("vmha", raw);
        ha = new HaLab(lab);
    });
    afterAll(async () => lab?.teardown());

    it("one director takes the VIP over unicast VRRP; both hold the health-checked table; the ipvsadm path stays off", async () => {
        expect(lab.outputs.verification).toEqual({ realServers: { nginx1: 10, nginx2: 10 }, udp: { nginx1: 10, nginx2: 10 } });
        for (const d of [d1, d2]) {
            const table = await ha.table(d);
            expect(table).toMatch(new RegExp(`TCP\\s+${vip.replace(/\./g, "\\.")}:80 rr`));
            expect(table).toMatch(new RegExp(`UDP\\s+${vip.replace(/\./g, "\\.")}:${udpPort} rr`));
            for (const s of [rs1, rs2]) {
                expect(table).toMatch(new RegExp(`-> ${s.ip.replace(/\./g, "\\.")}:80\\s+Route\\s+1`));
                expect(table).toMatch(new RegExp(`-> ${s.ip.replace(/\./g, "\\.")}:${udpPort}\\s+Route\\s+1`));
            }
            expect(await sh(d, "sysctl -n net.ipv4.vs.backup_only; test ! -e /etc/lvs-lab/ipvs.rules && echo no-ipvsadm-rules")).toBe("1\nno-ipvsadm-rules\n");
        }
        // nopreempt: both start BACKUP; the higher priority wins the first election.
        await ha.waitForMaster(d1);
        expect(await ha.vrrpState(d2)).toBe("BACKUP");
        await expectServed({ nginx1: 10, nginx2: 10 });
        expect(await ha.clientVipMac()).toBe(d1.mac);
    });

    it("a keepalived reload edits the table in place: the virtual server and its counters stay, no request fails", async () => {
        const before = await serviceStats(lab, d1);
        const cursors = await ha.journalCursors();
        const loop = await ha.answeringLoop();
        const up = await ha.applyConfig(["realServers[1].weight", "3"]);
        expect(updatedCount(up.stdout)).toBe(2);
        expect((await lab.readOutputs()).ipvsTable).toMatch(new RegExp(`-> ${rs2.ip.replace(/\./g, "\\.")}:80\\s+Route\\s+3`));
        await loop.until("5 requests after the reload", madeSince(await ha.clientNow(), 5));
        const seen = r.summariseRequestLoop(await loop.stop());
        const after = await serviceStats(lab, d1);
        // The step and the reload must not move the VIP: no VRRP state change on any director.
        expect(await ha.vrrpChangesSince(cursors)).toEqual({ [d1.name]: [], [d2.name]: [] });
        expect(seen.failed).toBe(0);
        // A deleted and re-added service would start counting from zero.
        expect(after.conns).toBeGreaterThanOrEqual(before.conns + seen.requests);
        // The reload left the preferred director master: the VIP never moved.
        expect(await ha.vrrpState(d1)).toBe("MASTER");
    });

    it("health check: a stopped nginx leaves the table, with client errors only until then; restarted, it comes back", async () => {
        const loop = await ha.answeringLoop();
        await sh(rs1, "systemctl stop nginx");
        const stopped = Date.now();
        await waitUntil(`${rs1.name} to leave ${d1.name}'s table`, 60_000, async () => ((await ha.table(d1)).includes(`${rs1.ip}:80`) ? undefined : true), 500);
        console.log(`health check: ${rs1.name} left the table ${((Date.now() - stopped) / 1000).toFixed(1)} s after nginx stopped`);
        const removedAt = await ha.clientNow();
        await expectServed({ nginx2: 20 });
        await sh(rs1, "systemctl start nginx");
        const started = Date.now();
        await waitUntil(`${rs1.name} to rejoin ${d1.name}'s table`, 60_000, async () => ((await ha.table(d1)).includes(`${rs1.ip}:80`) ? true : undefined), 500);
        console.log(`health check: ${rs1.name} rejoined ${((Date.now() - started) / 1000).toFixed(1)} s after nginx started`);
        const rejoinedAt = await ha.clientNow();
        await loop.until(`${rs1.name} answering again`, (requests) => requests.some((q) => q.atMs >= rejoinedAt && q.server === rs1.name));
        const requests = await loop.stop();
        const failed = requests.filter((q) => q.server === undefined);
        console.log(`health check: the request loop saw ${failed.length} of ${requests.length} requests fail, all before ${rs1.name} left the table`);
        // Requests fail only while the dead server is still in the table: after that none is
        // refused (curl's exit 7, what the stopped nginx answers). A timeout there is printed, not
        // counted: it is no request reaching the dead server, and its cause is not known yet
        // (docs/testing.md, "How a VM test judges a split").
        const late = failedSince(requests, removedAt);
        if (late.length) console.log(`health check: failed after ${rs1.name} left the table: ${JSON.stringify(late)}`);
        expect(late.filter((q) => q.curlExit !== 28)).toEqual([]);
        // Both serve again. The exact 10:10 of rr is the first case's claim: right after a rejoin
        // one run was seen to split 11:9.
        await expectServed({ nginx1: 10, nginx2: 10 }, 1);
    });

    it("UDP health check: a stopped responder leaves the UDP service only (UDP_CHECK needs a reply), and the client's datagrams go to the other; restarted, it comes back", async () => {
        const inUdp = async () => (await ha.table(d1)).includes(`${rs1.ip}:${udpPort}`);
        const askUdp = async () => r.parseVerification(await sh(spec.client, r.udpProbeLines(spec, 10, "new").join("\n")))[0].answers;
        await sh(rs1, `systemctl stop ${r.UDP_RESPONDER_UNIT}`);
        const stopped = Date.now();
        await waitUntil(`${rs1.name} to leave ${d1.name}'s UDP service`, 60_000, async () => ((await inUdp()) ? undefined : true), 500);
        console.log(`UDP health check: ${rs1.name} left the UDP service ${((Date.now() - stopped) / 1000).toFixed(1)} s after its responder stopped`);
        // Its nginx still answers, so it stays in the TCP service.
        expect(await ha.table(d1)).toContain(`${rs1.ip}:80`);
        expect(await askUdp()).toEqual({ nginx2: 10 });
        await sh(rs1, `systemctl start ${r.UDP_RESPONDER_UNIT}`);
        await waitUntil(`${rs1.name} to rejoin ${d1.name}'s UDP service`, 60_000, async () => ((await inUdp()) ? true : undefined), 500);
        const split = await askUdp();
        expect(split.nginx1 + split.nginx2).toBe(10);
        expect(Math.min(split.nginx1, split.nginx2)).toBeGreaterThanOrEqual(4);
    });

    it("sorry server: with every real server's nginx stopped the master's own nginx answers through the VIP; one back, and traffic returns to it", async () => {
        const up = await ha.applyConfig(["service.sorryServer", "true"]);
        // Each director's sorry step, and its service: keepalived.conf gains sorry_server, a reload.
        expect(updatedCount(up.stdout)).toBe(4);
        for (const d of [d1, d2]) expect(await sh(d, "systemctl is-active nginx")).toBe("active\n");
        expect(await ha.vrrpState(d1)).toBe("MASTER");
        const inTable = async (ip: string) => new RegExp(`-> ${ip.replace(/\./g, "\\.")}:80\\s`).test(await ha.table(d1));
        // While the real servers serve, keepalived keeps the sorry server out of the table.
        expect(await inTable(d1.ip)).toBe(false);
        try {
            for (const s of [rs1, rs2]) await sh(s, "systemctl stop nginx");
            await waitUntil(`${d1.name}'s sorry server to be the only server in its table`, 60_000, async () =>
                ((await inTable(d1.ip)) && !(await inTable(rs1.ip)) && !(await inTable(rs2.ip)) ? true : undefined), 500);
            await expectServed({ [d1.name]: 20 });
            expect(await sh(spec.client, `curl -sS -m 5 -o /dev/null -w '%{http_code}' http://${vip}/`)).toBe("503");
            await sh(rs1, "systemctl start nginx");
            await waitUntil(`${rs1.name} to take the sorry server's place`, 60_000, async () => ((await inTable(rs1.ip)) && !(await inTable(d1.ip)) ? true : undefined), 500);
            await expectServed({ [rs1.name]: 20 });
        } finally {
            // Both serve again for the cases after this one, whatever happened here.
            for (const s of [rs1, rs2]) await sh(s, "systemctl start nginx");
        }
        await waitUntil(`${rs2.name} to rejoin ${d1.name}'s table`, 60_000, async () => ((await inTable(rs2.ip)) ? true : undefined), 500);
    });

    it("master powered off: the backup takes the VIP and the client keeps being served", async () => {
        // The failover starts from a ready backup: one in FAULT would first wait for its guard.
        expect(await ha.vrrpState(d2)).toBe("BACKUP");
        const loop = await ha.answeringLoop();
        await ha.powerOff(d1);
        await ha.waitForMaster(d2, 60_000, [d1]);
        const takeoverAt = await ha.clientNow();
        await loop.until("10 requests after the takeover", madeSince(takeoverAt, 10));
        const requests = await loop.stop();
        const seen = r.summariseRequestLoop(requests);
        console.log(`failover (power off, advert ${spec.ha!.advertInterval} s): outage ${seen.outageSeconds.toFixed(2)} s, ${seen.failed} of ${seen.requests} requests failed`);
        // Once the backup holds the VIP, its gratuitous ARPs have moved the client and every request is served.
        expect(failedSince(requests, takeoverAt)).toEqual([]);
        expect(await ha.clientVipMac()).toBe(d2.mac);
    });

    it("master back: with nopreempt it stays BACKUP and the VIP stays put", async () => {
        await ha.powerOn(d1);
        await waitUntil(`${d1.name} to rejoin as BACKUP`, 60_000, async () => ((await ha.vrrpState(d1)) === "BACKUP" ? true : undefined));
        // Watched for several advert intervals: a preempting master would have taken the VIP back by
        // now. Not even for a moment: the journal has every state change, where a look at the end
        // would miss d1 taking the VIP and giving it back (d1's own BACKUP may be logged just after).
        const cursors = await ha.journalCursors();
        await sleep(8_000);
        const changes = await ha.vrrpChangesSince(cursors);
        expect(changes[d2.name]).toEqual([]);
        expect(changes[d1.name].filter((l) => l !== `VRRP ${r.VIP_INSTANCE} is BACKUP`)).toEqual([]);
        expect(await ha.vrrpState(d1)).toBe("BACKUP");
        expect(await ha.holdsVip(d1)).toBe(false);
        await ha.waitForMaster(d2, 5_000);
        await expectServed({ nginx1: 10, nginx2: 10 });
    });

    it("VRRPv3 with half-second adverts through the program (the interval set as config set --path stores it, as text): the wire carries v3 at 50 cs, one master, and back to v2", async () => {
        const up = await ha.applyConfig(["ha.vrrpVersion", "3"], ["ha.advertInterval", "0.5"]);
        // Each director's service step: keepalived.conf changes, keepalived reloads.
        expect(updatedCount(up.stdout)).toBe(2);
        for (const d of [d1, d2]) {
            const conf = await sh(d, `cat ${r.KEEPALIVED_CONF}`);
            expect(conf).toContain("    vrrp_version 3\n");
            expect(conf).toContain("    advert_int 0.5\n");
            expect(conf).not.toContain("authentication");
        }
        // While the two reload, each may drop the other's adverts of the old version for a moment:
        // what matters is one master after.
        const master = await ha.oneMaster();
        const backup = master.name === d1.name ? d2 : d1;
        const cursors = await ha.journalCursors();
        const seen = await ha.advertsReceived(backup, 5, 50);
        console.log(`VRRPv3 at 0.5 s: ${backup.name} received ${seen.v3} v3 adverts (50 cs) and ${seen.v2} v2 ones in 5 s`);
        expect(seen.v2).toBe(0);
        // Two a second; a busy emulated master may send one late.
        expect(seen.v3).toBeGreaterThanOrEqual(7);
        expect(await ha.vrrpChangesSince(cursors)).toEqual({ [d1.name]: [], [d2.name]: [] });
        // Both real servers answer. Not exactly 10/10: seconds after both keepalived reloaded, a
        // run of 2026-12-03 saw 9/11 (a check that took a server out for a round).
        await expectServed({ nginx1: 10, nginx2: 10 }, 1);

        ok(await lab.pulumi(["config", "rm", "--path", "ha.vrrpVersion"]), "config rm ha.vrrpVersion");
        ok(await lab.pulumi(["config", "rm", "--path", "ha.advertInterval"]), "config rm ha.advertInterval");
        expect(updatedCount(ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up back to VRRPv2").stdout)).toBe(2);
        for (const d of [d1, d2]) expect(await sh(d, `grep -E 'vrrp_version|advert_int|auth_type' ${r.KEEPALIVED_CONF}`)).toBe("    vrrp_version 2\n    advert_int 1\n        auth_type PASS\n");
        const again = await ha.oneMaster();
        console.log(`back at VRRPv2: ${again.name} is master`);
        expect((await ha.advertsReceived(again.name === d1.name ? d2 : d1, 4, 50)).v3).toBe(0);
        // The cases after this one start from d2 as master, as the power-off left it.
        // Handed over in two steps, each waited for: stopped, d1 gives the VIP up (priority 0) and
        // d2 takes it; started again, d1 stays BACKUP (nopreempt). A restart, which starts d1 again
        // at once, failed this wait now and then (2 of 4 runs on 2026-12-03).
        if (again.name !== d2.name) {
            await sh(d1, "systemctl stop keepalived");
            await ha.waitForMaster(d2);
            await sh(d1, "systemctl start keepalived");
            await waitUntil(`${d1.name} to rejoin as BACKUP`, 60_000, async () => ((await ha.vrrpState(d1)) === "BACKUP" ? true : undefined));
        }
    });

    it("connection sync: a download through the VIP survives the master's power-off", async () => {
        const big = `${r.WEB_ROOT}/big.bin`;
        const size = 24 * 1024 * 1024;
        for (const s of [rs1, rs2]) await sh(s, `head -c ${size} /dev/urandom >${big}`);
        await sh(spec.client, "rm -f /tmp/big.bin");
        const loop = ha.requestLoop();
        // 48 s at 512 KiB/s: on a loaded host the polls before the power-off took over 24 s.
        const download = lab.guests.sh(spec.client, `curl -sS --limit-rate 512K -m 300 -o /tmp/big.bin -w '%{http_code} %{size_download}' http://${vip}/big.bin`, 360_000);
        const received = async () => Number(await sh(spec.client, "stat -c %s /tmp/big.bin 2>/dev/null || echo 0"));
        await waitUntil("the download to start", 60_000, async () => ((await received()) > 0 ? true : undefined));
        // The backup learns the connection from the master's sync daemon before the master dies.
        const established = new RegExp(`ESTABLISHED\\s+${spec.client.ip.replace(/\./g, "\\.")}:`);
        await waitUntil(`${d1.name} to hold the synced connection`, 30_000, async () => (established.test(await sh(d1, "ipvsadm -Lnc")) ? true : undefined));
        await ha.powerOff(d2);
        try {
            // The master died mid-download, so what follows is the synced connection at work.
            expect(await received()).toBeLessThan(size);
            await ha.waitForMaster(d1, 60_000, [d2]);
            const takeoverAt = await ha.clientNow();
            const got = ok(await download, "download through the VIP").stdout.trim();
            expect(got).toBe(`200 ${size}`);
            await loop.until("10 requests after the takeover", madeSince(takeoverAt, 10));
            const requests = await loop.stop();
            const seen = r.summariseRequestLoop(requests);
            console.log(`connection sync: the download survived; the request loop saw an outage of ${seen.outageSeconds.toFixed(2)} s, ${seen.failed} of ${seen.requests} failed`);
            expect(failedSince(requests, takeoverAt)).toEqual([]);
        } finally {
            // Back on even when the case failed, so the cases after it start from two directors.
            await ha.powerOn(d2);
        }
        for (const s of [rs1, rs2]) await sh(s, `rm -f ${big}`);
        await waitUntil(`${d2.name} to rejoin as BACKUP`, 60_000, async () => ((await ha.vrrpState(d2)) === "BACKUP" ? true : undefined));
    });

    it("split brain: VRRP cut makes two masters; the guard makes the lower priority yield", async () => {
        // Without the guard: cut d1's adverts to d2 and both claim the VIP.
        await ha.applyConfig(["ha.splitBrainGuard", "false"]);
        const cut = `nft add table inet lvslab_cut && nft 'add chain inet lvslab_cut out { type filter hook output priority 0; policy accept; }' && nft add rule inet lvslab_cut out ip daddr ${d2.ip} ip protocol vrrp drop`;
        await sh(d1, cut);
        await waitUntil("both directors to hold the VIP", 60_000, async () =>
            (await ha.vrrpState(d2)) === "MASTER" && (await ha.holdsVip(d2)) && (await ha.holdsVip(d1)) ? true : undefined);
        expect(await ha.vrrpState(d1)).toBe("MASTER");
        // With the guard: d2 sees the higher-priority d1 answering for the VIP and drops to FAULT.
        await ha.applyConfig(["ha.splitBrainGuard", "true"]);
        await waitUntil(`${d2.name} to yield to FAULT`, 60_000, async () => ((await ha.vrrpState(d2)) === "FAULT" && !(await ha.holdsVip(d2)) ? true : undefined));
        expect(await ha.holdsVip(d1)).toBe(true);
        // d1 re-announces the VIP, so the client's ARP cache moves back to it.
        await waitUntil("the client to reach the VIP at d1's MAC", 30_000, async () => ((await ha.clientVipMac()) === d1.mac ? true : undefined));
        await expectServed({ nginx1: 10, nginx2: 10 });
        // Repaired: d2 stays out until keepalived restarts, then rejoins as BACKUP. Watched for several
        // runs of its guard (every 2 s, rise 2): a guard that let d2 back would have by now, where a
        // look right after the repair came before any run could.
        const repaired = await ha.journalCursors();
        await sh(d1, "nft delete table inet lvslab_cut");
        await sleep(12_000);
        expect(await ha.vrrpChangesSince(repaired)).toEqual({ [d1.name]: [], [d2.name]: [] });
        expect(await ha.vrrpState(d2)).toBe("FAULT");
        await sh(d2, "systemctl restart keepalived");
        await waitUntil(`${d2.name} to rejoin as BACKUP`, 60_000, async () => ((await ha.vrrpState(d2)) === "BACKUP" ? true : undefined));
        await ha.waitForMaster(d1, 10_000);
    });

    it("firewall mark through keepalived: ports 80 and 8080 as one `virtual_server fwmark`; with persistence one real server answers both; the mark removed, a service per port again", async () => {
        const esc = (ip: string) => ip.replace(/\./g, "\\.");
        await ha.applyConfig(["service.ports[1]", "8080"], ["service.firewallMark", "1"], ["service.persistence", "300"]);
        for (const d of [d1, d2]) {
            const table = await ha.table(d);
            expect(table, d.name).toMatch(/^FWM {2}1 rr persistent 300\s*$/m);
            expect(table, d.name).not.toMatch(/^TCP /m);
            // A mark's real servers have no port: each packet keeps its own.
            for (const s of [rs1, rs2]) expect(table, d.name).toMatch(new RegExp(`-> ${esc(s.ip)}:0\\s+Route\\s`));
            expect(await sh(d, `nft list table ${r.FWMARK_TABLE}`), d.name).toMatch(/tcp dport \{ 80, 8080 \} meta mark set 0x0*1\b/);
        }
        // Four rounds of both ports: one persistence entry for the mark, so one real server answers all eight.
        const rounds = `for _ in 1 2 3 4; do for port in 80 8080; do ${askServer(`http://${vip}:$port/`)}; done; done`;
        const answered = tally(await sh(spec.client, rounds));
        const sticky = [rs1.name, rs2.name].find((name) => name in answered) ?? "none";
        await expectSplit(answered, { [sticky]: 8 });

        for (const key of ["service.firewallMark", "service.persistence", "service.ports[1]"]) ok(await lab.pulumi(["config", "rm", "--path", key]), `config rm ${key}`);
        ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up without the mark");
        for (const d of [d1, d2]) {
            const table = await ha.table(d);
            expect(table, d.name).toMatch(new RegExp(`^TCP {2}${esc(vip)}:80 rr\\s*$`, "m"));
            expect(table, d.name).not.toMatch(/^FWM /m);
            expect(await sh(d, "nft list tables"), d.name).not.toContain(r.FWMARK_TABLE.split(" ")[1]);
        }
    });

    it("HA and the sorry server turned off through the program: the peer goes, the director's service step takes keepalived off and serves with ipvsadm, its sorry step takes nginx off", async () => {
        ok(await lab.pulumi(["config", "rm", "ha"]), "config rm ha");
        // Health checks run in keepalived: a lab without HA has none.
        ok(await lab.pulumi(["config", "rm", "--path", "service.healthCheck"]), "config rm service.healthCheck");
        ok(await lab.pulumi(["config", "rm", "--path", "service.sorryServer"]), "config rm service.sorryServer");
        // The peer powered off first: a step that dialled it on its way out would find no sshd and
        // fail, printing its retries ("Dial 1/10 failed"); a running peer answers it silently.
        await ha.powerOff(d2);
        const up = ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up without ha");
        expect(up.stdout).not.toContain("Dial ");
        expect(up.stdout).toMatch(new RegExp(`${d2.name}-domain deleted`));
        expect(await sh(d1, "systemctl is-enabled keepalived || true; test -e /etc/keepalived/keepalived.conf || echo no-keepalived-conf; cat /etc/lvs-lab/ipvs.rules")).toBe(
            [
                "disabled",
                "no-keepalived-conf",
                `-A -t ${vip}:80 -s rr`,
                ...[rs1, rs2].map((s) => `-a -t ${vip}:80 -r ${s.ip}:80 -g -w ${s === rs2 ? 3 : 1}`),
                `-A -u ${vip}:${udpPort} -s rr`,
                ...[rs1, rs2].map((s) => `-a -u ${vip}:${udpPort} -r ${s.ip}:${udpPort} -g -w ${s === rs2 ? 3 : 1}`),
                "",
            ].join("\n"),
        );
        expect(await sh(d1, `ip -o -4 addr show dev ${d1.nic} label ${d1.nic}:0`)).toContain(`${vip}/`);
        // nginx back to the image's state on the director: stopped, disabled, the stock site enabled, no sorry site.
        expect(await sh(d1, `systemctl is-active nginx || true; systemctl is-enabled nginx || true; test -e ${r.SORRY_SITE} || echo no-sorry-site; readlink /etc/nginx/sites-enabled/default`)).toBe(
            ["inactive", "disabled", "no-sorry-site", "/etc/nginx/sites-available/default", ""].join("\n"),
        );
        // The switch stops keepalived, which takes the table and the VIP with it for a moment:
        // count once the VIP answers every request again (one request in 20 was seen to fail).
        await waitUntil("the VIP to answer every request", 60_000, async () => {
            const split = await verify(4);
            return Object.keys(split).some((k) => k.startsWith("error:")) ? undefined : true;
        }, 2_000);
        await expectServed({ nginx1: 10, nginx2: 10 });
    });
});
