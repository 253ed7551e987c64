// Failover benchmark: brings the ha stack up with `pulumi up` of the program in the sandbox (as the VM tests do),
// then, for each VRRP setting in turn (applied through the program), powers the current master
// off again and again while the client's request loop runs, prints the outage and the failed
// requests of each failover, and counts the VRRP state changes (flaps) of an idle lab.
// Run: `npm run bench:failover`.
//   hard: `virsh destroy`, the plug pulled: the backup waits out the master-down interval.
//   graceful: `virsh shutdown`, ACPI: keepalived stops and sends a priority-0 advert first.
// Environment:
//   LVS_LAB_BENCH_VRRP           settings as version:interval, comma-separated (default 2:1,3:0.5)
//   LVS_LAB_BENCH_KINDS          failover kinds (default hard,graceful)
//   LVS_LAB_BENCH_TRIALS         failovers of each kind per setting (default 2)
//   LVS_LAB_BENCH_IDLE_MINUTES   idle minutes watched for flaps per setting (default 10)
import { directors } from "../../components/config";
import * as r from "../../components/render";
import { HaLab, madeSince } from "../engine/haLab";
import { ok, sandbox } from "../engine/harness";
import { upProgramLab, waitUntil } from "../engine/vmLab";
import { loadStackConfig } from "../stacks";

/** Failovers of each kind; each one powers the master off and back on (about 2 min under TCG). */
const TRIALS = Number(process.env.LVS_LAB_BENCH_TRIALS ?? 2);
const KINDS = (process.env.LVS_LAB_BENCH_KINDS ?? "hard,graceful").split(",") as ("hard" | "graceful")[];
const IDLE_MINUTES = Number(process.env.LVS_LAB_BENCH_IDLE_MINUTES ?? 10);
const SETTINGS = (process.env.LVS_LAB_BENCH_VRRP ?? "2:1,3:0.5").split(",").map((s) => {
    const [version, interval] = s.split(":");
    return { version, interval };
});

async function main(): Promise<void> {
    for (const k of KINDS) if (k !== "hard" && k !== "graceful") throw new Error(`LVS_LAB_BENCH_KINDS: ${k} is neither hard nor graceful`);
    const raw = loadStackConfig("ha") as any;
    // The first setting is the one the lab comes up with; the stack file leaves both keys at their defaults.
    raw.ha = { ...raw.ha, vrrpVersion: Number(SETTINGS[0].version), advertInterval: Number(SETTINGS[0].interval) };
    const started = Date.now();
    const lab = await upProgramLab("bmha", raw);
    const rows: { vrrp: string; kind: string; from: string; to: string; outageSeconds: number; failed: number; requests: number }[] = [];
    const flaps: { vrrp: string; idleMinutes: number; changes: Record<string, string[]> }[] = [];
    try {
        const ha = new HaLab(lab);
        console.log(`lab up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        for (const [i, { version, interval }] of SETTINGS.entries()) {
            const vrrp = `v${version} ${interval} s`;
            if (i > 0) await ha.applyConfig(["ha.vrrpVersion", version], ["ha.advertInterval", interval]);
            let master = await ha.oneMaster(120_000);
            for (const kind of KINDS) {
                for (let t = 0; t < TRIALS; t++) {
                    const backup = directors(ha.spec).find((d) => d.name !== master.name)!;
                    const loop = await ha.answeringLoop();
                    if (kind === "hard") await ha.powerOff(master);
                    else ok(await sandbox.virsh("shutdown", master.domainName), `shut ${master.name} down`);
                    await ha.waitForMaster(backup, 60_000, [master]);
                    await loop.until("10 requests after the takeover", madeSince(await ha.clientNow(), 10));
                    const seen = r.summariseRequestLoop(await loop.stop());
                    rows.push({ vrrp, kind, from: master.name, to: backup.name, ...seen });
                    console.log(`${vrrp}: ${kind} failover ${master.name} -> ${backup.name}: outage ${seen.outageSeconds.toFixed(2)} s, ${seen.failed}/${seen.requests} requests failed`);
                    if (kind === "graceful") {
                        await waitUntil(`${master.name} to shut down`, 120_000, async () => ((await sandbox.virsh("domstate", master.domainName)).stdout.includes("shut off") ? true : undefined));
                    }
                    await ha.powerOn(master);
                    const down = master;
                    await waitUntil(`${down.name} to rejoin as BACKUP`, 120_000, async () => ((await ha.vrrpState(down)) === "BACKUP" ? true : undefined));
                    // nopreempt: the VIP stays where it went, so the roles swap.
                    master = backup;
                }
            }
            if (IDLE_MINUTES > 0) {
                const cursors = await ha.journalCursors();
                await new Promise((resolve) => setTimeout(resolve, IDLE_MINUTES * 60_000));
                const changes = await ha.vrrpChangesSince(cursors);
                flaps.push({ vrrp, idleMinutes: IDLE_MINUTES, changes });
                console.log(`${vrrp}: ${Object.values(changes).flat().length} VRRP state changes in ${IDLE_MINUTES} idle minutes ${JSON.stringify(changes)}`);
            }
        }
    } finally {
        await lab.teardown();
    }
    console.log("\nVRRP      kind      outage (s)  failed/requests");
    for (const row of rows) console.log(`${row.vrrp.padEnd(9)} ${row.kind.padEnd(9)} ${row.outageSeconds.toFixed(2).padStart(10)}  ${row.failed}/${row.requests}`);
    for (const f of flaps) console.log(`${f.vrrp.padEnd(9)} flaps in ${f.idleMinutes} idle minutes: ${Object.values(f.changes).flat().length}`);
    console.log(JSON.stringify({ requestGapSeconds: 0.2, requestTimeoutSeconds: 1, failovers: rows, flaps }));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
