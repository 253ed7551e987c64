// Failover benchmark: brings the ha stack up with `pulumi up` of the program in the sandbox (as the VM tests do),
// then powers the current master off again and again while the client's request loop runs, and
// prints the outage and the failed requests of each failover. Run: `npm run bench:failover`.
//   hard: `virsh destroy`, the plug pulled: the backup waits out the master-down interval.
//   graceful: `virsh shutdown`, ACPI: keepalived stops and sends a priority-0 advert first.
import { directors, parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { HaLab, madeSince } from "../engine/haLab";
import { ok, sandbox } from "../engine/harness";
import { testLabConfig, upProgramLab, waitUntil } from "../engine/vmLab";
import { loadStackConfig } from "../stacks";

/** Failovers of each kind; each one powers the master off and back on (about 2 min under TCG). */
const TRIALS = Number(process.env.LVS_LAB_BENCH_TRIALS ?? 2);

async function main(): Promise<void> {
    const raw = loadStackConfig("ha");
    const spec = parseLabConfig(testLabConfig("bmha", raw));
    const started = Date.now();
    const lab = await upProgramLab("bmha", raw);
    const rows: { kind: string; from: string; to: string; outageSeconds: number; failed: number; requests: number }[] = [];
    try {
        const ha = new HaLab(lab);
        console.log(`lab up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        let [master, backup] = directors(spec);
        await ha.waitForMaster(master);
        for (const kind of ["hard", "graceful"] as const) {
            for (let i = 0; i < TRIALS; i++) {
                const loop = await ha.answeringLoop();
                if (kind === "hard") await ha.powerOff(master);
                else ok(await sandbox.virsh("shutdown", master.domainName), `shut ${master.name} down`);
                await ha.waitForMaster(backup, 60_000, [master]);
                await loop.until("10 requests after the takeover", madeSince(await ha.clientNow(), 10));
                const seen = r.summariseRequestLoop(await loop.stop());
                rows.push({ kind, from: master.name, to: backup.name, ...seen });
                console.log(`${kind} failover ${master.name} -> ${backup.name}: outage ${seen.outageSeconds.toFixed(2)} s, ${seen.failed}/${seen.requests} requests failed`);
                if (kind === "graceful") {
                    await waitUntil(`${master.name} to shut down`, 120_000, async () => ((await sandbox.virsh("domstate", master.domainName)).stdout.includes("shut off") ? true : undefined));
                }
                await ha.powerOn(master);
                const down = master;
                await waitUntil(`${down.name} to rejoin as BACKUP`, 120_000, async () => ((await ha.vrrpState(down)) === "BACKUP" ? true : undefined));
                // nopreempt: the VIP stays where it went, so the roles swap.
                [master, backup] = [backup, master];
            }
        }
    } finally {
        await lab.teardown();
    }
    console.log("\nkind      outage (s)  failed/requests");
    for (const row of rows) console.log(`${row.kind.padEnd(9)} ${row.outageSeconds.toFixed(2).padStart(10)}  ${row.failed}/${row.requests}`);
    console.log(JSON.stringify({ advertIntervalSeconds: spec.ha!.advertInterval, requestGapSeconds: 0.2, requestTimeoutSeconds: 1, failovers: rows }));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
