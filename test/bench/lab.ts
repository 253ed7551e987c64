// Lab benchmark: `pulumi up` of the program against its floor, and the data path through the VIP.
// Run: `npm run bench:lab` (about 40 minutes under TCG). Prints one table (Markdown) and a JSON line.
//   (a) first `up` of the default and dr-tomcat stacks over the floor: the same domains, on fresh
//       overlays with the same seeds, started side by side with virsh and waited for to SSH-ready
//       with the program's own wait (goal <= 1.25);
//   (b) a second `up` with no change, over the first (goal <= 0.10), and the remote commands it ran;
//   (c) an `up` after one weight changed, over the first (goal <= 0.05), and the remote commands it ran (goal 1);
//   (d) wrk on the client through the VIP over wrk straight to one real server, DR and NAT (goal DR >= 0.9);
//   and `destroy`. After each first `up`, where its time went, machine by machine (volumes, domain,
//   the wait for SSH, the wait for cloud-init, the remote steps), from the engine's event log.
import { readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { allHosts } from "../../components/config";
import * as r from "../../components/render";
import { ok, sandbox } from "../engine/harness";
import { ProgramLab, upProgramLab } from "../engine/vmLab";
import { loadStackConfig } from "../stacks";
import { machineTimeline, spans } from "./timeline";

/** wrk runs per URL (alternating VIP and straight), each this long; the median counts. */
const WRK_RUNS = 3;
const WRK_SECONDS = 10;
const WRK_CONNECTIONS = 8;

const seconds = (since: number) => (Date.now() - since) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** An `up` of the lab, timed, with the remote commands the engine ran (from its event log). */
async function timedUp(lab: ProgramLab, what: string): Promise<{ seconds: number; remoteCommands: number }> {
    const eventLog = join(lab.ws.dir, `events-${Date.now()}.jsonl`);
    const started = Date.now();
    ok(await lab.pulumi(["up", "--yes", "--skip-preview", "--event-log", eventLog], 30 * 60_000), what);
    const took = seconds(started);
    const ran = readFileSync(eventLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).resOutputsEvent?.metadata)
        .filter((m) => m?.type === "command:remote:Command" && ["create", "update", "replace", "create-replacement"].includes(m.op));
    return { seconds: took, remoteCommands: ran.length };
}

/** Waits (bounded, the program's own wait) until a guest's SSH answers. */
async function sshReady(ip: string, consoleLog: string): Promise<void> {
    ok(await sandbox.exec("bash", ["-c", r.renderSshWait(ip, consoleLog)], 11 * 60_000), `SSH on ${ip}`);
}

/**
 * The floor under the lab's first `up`: its domains powered off, then copies of them (same XML,
 * MACs and cloud-init seeds, fresh overlays on the same base) started side by side with virsh and
 * waited for to SSH-ready. The copies are removed and the lab's domains started again after.
 */
async function floorSeconds(lab: ProgramLab): Promise<number> {
    const hosts = allHosts(lab.spec);
    const virsh = async (...args: string[]) => ok(await sandbox.virsh(...args), `virsh ${args.join(" ")}`).stdout;
    const copies = await Promise.all(hosts.map(async (h) => {
        const name = h.domainName;
        // The provider's disks are pool volumes: the copy names their files instead.
        let xml = await virsh("dumpxml", "--inactive", name);
        for (const [element, pool, volume] of [...xml.matchAll(/<source pool=['"]([^'"]+)['"] volume=['"]([^'"]+)['"]\s*\/>/g)]) {
            xml = xml.replace(element, `<source file='${(await virsh("vol-path", "--pool", pool, volume)).trim()}'/>`);
        }
        xml = xml.replace(/<disk type=['"]volume['"]/g, "<disk type='file'");
        const files = [...xml.matchAll(/<source file=['"]([^'"]+)['"]/g)].map((m) => m[1]);
        const overlay = files.find((f) => f.endsWith(".qcow2"));
        const seed = files.find((f) => f.endsWith(".iso"));
        if (!overlay || !seed) throw new Error(`${name}: no disk and seed files in its XML:\n${xml}`);
        const info = JSON.parse(ok(await sandbox.exec("qemu-img", ["info", "-U", "--output=json", overlay]), `qemu-img info ${overlay}`).stdout);
        const base: string = info["full-backing-filename"] ?? info["backing-filename"];
        const renamed = (f: string) => f.replace(`/${name}`, `/${name}-floor`);
        const copyXml = xml.replace(/<uuid>[^<]*<\/uuid>\s*/, "").replace(`<name>${name}</name>`, `<name>${name}-floor</name>`).split(`/${name}`).join(`/${name}-floor`);
        return { host: h, name, base, overlay: renamed(overlay), seedFrom: seed, seed: renamed(seed), consoleLog: renamed(lab.consoleLogs[h.name]), xmlFile: join(lab.ws.dir, `${name}-floor.xml`), copyXml };
    }));
    for (const c of copies) await virsh("destroy", c.name);
    const started = Date.now();
    try {
        await Promise.all(copies.map(async (c) => {
            writeFileSync(c.xmlFile, c.copyXml);
            ok(await sandbox.exec("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", c.base, c.overlay]), `overlay for ${c.name}`);
            ok(await sandbox.exec("cp", [c.seedFrom, c.seed]), `seed for ${c.name}`);
            await virsh("create", c.xmlFile);
            await sshReady(c.host.ip, c.consoleLog);
        }));
        return seconds(started);
    } finally {
        for (const c of copies) {
            await sandbox.virsh("destroy", `${c.name}-floor`);
            for (const f of [c.overlay, c.seed, c.xmlFile, c.consoleLog]) rmSync(f, { force: true });
        }
        for (const c of copies) await virsh("start", c.name);
        await Promise.all(copies.map((c) => sshReady(c.host.ip, lab.consoleLogs[c.host.name])));
    }
}

/** wrk's requests per second from the client to `url`. */
async function wrk(lab: ProgramLab, url: string): Promise<number> {
    const out = ok(await lab.guests.sh(lab.spec.client, `wrk -t1 -c${WRK_CONNECTIONS} -d${WRK_SECONDS}s ${url}`, 120_000), `wrk ${url}`).stdout;
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
    if (!rps) throw new Error(`no Requests/sec in wrk's output:\n${out}`);
    return Number(rps);
}

/** wrk through the VIP and straight to the first real server, alternating, medians. */
async function wrkRatio(lab: ProgramLab): Promise<{ vip: number; direct: number }> {
    const { spec } = lab;
    const rs = spec.realServers[0];
    const vipUrl = `http://${spec.service.vip}:${spec.service.ports[0]}/`;
    const directUrl = `http://${rs.ip}:${r.listenPorts(spec, rs)[0]}/`;
    const vip: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < WRK_RUNS; i++) {
        vip.push(await wrk(lab, vipUrl));
        direct.push(await wrk(lab, directUrl));
    }
    return { vip: median(vip), direct: median(direct) };
}

interface UpRow {
    stack: string;
    machines: number;
    firstUp: number;
    floor: number;
    noChange: { seconds: number; remoteCommands: number };
    oneWeight: { seconds: number; remoteCommands: number };
    destroy: number;
}

async function upRow(stack: string, wrkRows: Record<string, { vip: number; direct: number }>): Promise<UpRow> {
    const firstUpLog = join(tmpdir(), `lvs-bench-${stack}-${Date.now()}.jsonl`);
    const lab = await upProgramLab(`bm${stack.replace(/[^a-z]/g, "")}`, loadStackConfig(stack), firstUpLog);
    try {
        console.log(`${stack}: first up ${lab.upSeconds.toFixed(0)} s; where its time went (seconds from its start):`);
        console.log(machineTimeline(spans(firstUpLog), allHosts(lab.spec).map((h) => `lab-${h.name}`)));
        rmSync(firstUpLog, { force: true });
        const noChange = await timedUp(lab, "up with no change");
        console.log(`${stack}: up with no change ${noChange.seconds.toFixed(1)} s, ${noChange.remoteCommands} remote commands`);
        ok(await lab.pulumi(["config", "set", "--path", "realServers[0].weight", "2"]), "config set realServers[0].weight");
        const oneWeight = await timedUp(lab, "up with one weight changed");
        console.log(`${stack}: up with one weight changed ${oneWeight.seconds.toFixed(1)} s, ${oneWeight.remoteCommands} remote commands`);
        if (stack === "default") wrkRows.DR = await wrkRatio(lab);
        const floor = await floorSeconds(lab);
        console.log(`${stack}: floor ${floor.toFixed(0)} s`);
        const destroyStarted = Date.now();
        ok(await lab.pulumi(["destroy", "--yes", "--skip-preview"], 15 * 60_000), "pulumi destroy");
        const destroy = seconds(destroyStarted);
        return { stack, machines: allHosts(lab.spec).length, firstUp: lab.upSeconds, floor, noChange, oneWeight, destroy };
    } finally {
        await lab.teardown();
    }
}

async function main(): Promise<void> {
    // `up --event-log` is one of the engine's debug flags.
    process.env.PULUMI_DEBUG_COMMANDS = "true";
    const wrkRows: Record<string, { vip: number; direct: number }> = {};
    const rows = [await upRow("default", wrkRows), await upRow("dr-tomcat", wrkRows)];
    const nat = await upProgramLab("bmnat", loadStackConfig("nat"));
    try {
        wrkRows.NAT = await wrkRatio(nat);
    } finally {
        await nat.teardown();
    }
    const f = (x: number, d = 0) => x.toFixed(d);
    const lines = [
        "| stack | machines | first `up` | floor (virsh → SSH) | first / floor (goal ≤ 1.25) | `up`, no change | / first (goal ≤ 0.10) | `up`, one weight | / first (goal ≤ 0.05) | remote commands (goal 1) | `destroy` |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        ...rows.map((x) => `| ${x.stack} | ${x.machines} | ${f(x.firstUp)} s | ${f(x.floor)} s | ${f(x.firstUp / x.floor, 2)} | ${f(x.noChange.seconds, 1)} s (${x.noChange.remoteCommands} commands) | ${f(x.noChange.seconds / x.firstUp, 3)} | ${f(x.oneWeight.seconds, 1)} s | ${f(x.oneWeight.seconds / x.firstUp, 3)} | ${x.oneWeight.remoteCommands} | ${f(x.destroy, 1)} s |`),
        "",
        `| mode | wrk through the VIP | wrk straight to one real server | VIP / straight (goal DR ≥ 0.9) |`,
        "|---|---|---|---|",
        ...Object.entries(wrkRows).map(([mode, w]) => `| ${mode} | ${f(w.vip)} req/s | ${f(w.direct)} req/s | ${f(w.vip / w.direct, 2)} |`),
    ];
    console.log(`\nlvs-lab bench, ${new Date().toISOString().slice(0, 10)}, wrk -t1 -c${WRK_CONNECTIONS} -d${WRK_SECONDS}s, median of ${WRK_RUNS}\n`);
    console.log(lines.join("\n"));
    console.log(JSON.stringify({ ups: rows, wrk: wrkRows }));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
