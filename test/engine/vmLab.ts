import { existsSync } from "fs";
import { join } from "path";
import { HostSpec, LabSpec, allHosts, parseLabConfig } from "../../components/config";
import { consoleLogPath } from "../../components/infra";
import * as r from "../../components/render";
import { Guests } from "./guests";
import { REPO, Ran, Workspace, ok, sandbox } from "./harness";

/** The guest image `npm run setup` builds. */
export const IMAGE = "/var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2";

/** A lab config renamed for a test: its network, pool and domains are named after `name`. */
export function testLabConfig(name: string, raw: any): any {
    return { ...raw, network: { ...raw.network, name }, libvirt: { pool: `lvs-${name}-test` } };
}

/** A lab that the real program (index.ts) brought up from a copy of a stack's config. */
export interface ProgramLab {
    /** The lab as the stack's config now describes it (see `setConfig`). */
    spec: LabSpec;
    ws: Workspace;
    project: string;
    /** SSH to the guests with the keys of the last `readOutputs`. */
    guests: Guests;
    /** Each machine's serial console log, by name. */
    consoleLogs: Record<string, string>;
    /** The stack's outputs after the last `readOutputs` (secrets shown); the first `up`'s to begin with. */
    outputs: Record<string, any>;
    /** How long the first `pulumi up` took, in seconds. */
    upSeconds: number;
    /** Environment that points `tools/lab.sh` at this lab's project, stack and state. */
    labEnv: Record<string, string>;
    /** The engine on this lab's project and stack (`--stack t` is added). */
    pulumi(args: string[], timeoutMs?: number): Promise<Ran>;
    /** Reads the stack's outputs now (secrets shown), and points `outputs` and `guests` at them. */
    readOutputs(): Promise<Record<string, any>>;
    /** Replaces the stack file's whole config with a copy of `raw` (renamed as the first was) and `spec` with its lab. */
    setConfig(raw: any): void;
    /**
     * `pulumi destroy`, then whatever of the lab is left goes (`sandbox.sh clean`), the sandbox
     * goes down unless another lab (a user's) is left in it, and the workspace is removed.
     */
    teardown(): Promise<void>;
}

/**
 * Brings a lab up the way users do: `pulumi up` of the project's own program (index.ts) with a
 * stack file that is a copy of `raw`, renamed after `name` (network, pool and domains).
 * @param name short name of the test's lab.
 * @param eventLog where the first `up` writes the engine's event log (a benchmark reads it).
 */
export async function upProgramLab(name: string, raw: any, eventLog?: string): Promise<ProgramLab> {
    if (!existsSync(IMAGE)) throw new Error(`prerequisite missing: guest image ${IMAGE} (run 'npm run setup')`);
    const cfg = testLabConfig(name, raw);
    const ws = new Workspace(name);
    const project = join(ws.dir, "project");
    const pulumi = (args: string[], timeoutMs?: number) => ws.pulumi(project, [...args, "--stack", "t"], timeoutMs);
    await sandbox.up();
    try {
        await sandbox.claim(name);
    } catch (e) {
        ws.remove();
        throw e;
    }
    const teardown = async () => {
        try {
            ok(await pulumi(["destroy", "--yes", "--skip-preview"]), "pulumi destroy");
        } finally {
            try {
                await sandbox.clean(name);
                await sandbox.down();
            } finally {
                ws.remove();
            }
        }
    };
    try {
        await ws.initProject(join(REPO, "index.ts"), "t", cfg);
        const upStarted = Date.now();
        ok(await pulumi(["up", "--yes", "--skip-preview", ...(eventLog ? ["--event-log", eventLog] : [])], 30 * 60_000), "pulumi up (index.ts)");
        const upSeconds = (Date.now() - upStarted) / 1000;
        const lab: ProgramLab = {
            spec: parseLabConfig(cfg), ws, project, guests: undefined as unknown as Guests, consoleLogs: {}, outputs: {}, upSeconds,
            labEnv: { LVS_LAB_PROJECT: project, LVS_LAB_STACK: "t", PULUMI_BACKEND_URL: `file://${ws.backend}` },
            pulumi,
            async readOutputs() {
                lab.outputs = JSON.parse(ok(await pulumi(["stack", "output", "--json", "--show-secrets"]), "stack output").stdout);
                lab.guests = new Guests(lab.spec, ws, lab.outputs as any);
                return lab.outputs;
            },
            setConfig(next: any) {
                const renamed = testLabConfig(name, next);
                lab.spec = parseLabConfig(renamed);
                lab.consoleLogs = Object.fromEntries(allHosts(lab.spec).map((h) => [h.name, consoleLogPath(h.domainName)]));
                ws.rewriteStackConfig(project, "t", renamed);
            },
            teardown,
        };
        lab.consoleLogs = Object.fromEntries(allHosts(lab.spec).map((h) => [h.name, consoleLogPath(h.domainName)]));
        await lab.readOutputs();
        return lab;
    } catch (e) {
        await teardown();
        throw e;
    }
}

/**
 * Answers per real server for `n` requests from the client through the VIP (the
 * `X-Lvs-Real-Server` header); a request that failed counts as `error:<curl exit status>`.
 */
export async function clientSplit({ spec, guests }: { spec: LabSpec; guests: Guests }, n: number, ipv6 = false): Promise<Record<string, number>> {
    const host = ipv6 ? `[${spec.service.vip6}]` : spec.service.vip;
    const loop = `for _ in $(seq ${n}); do ${askServer(`http://${host}:${spec.service.ports[0]}/`)}; done`;
    return tally(ok(await guests.sh(spec.client, loop), `requests through the ${ipv6 ? "IPv6 " : ""}VIP`).stdout);
}

/**
 * One request from inside a client's shell loop: prints the answering real server's name, or
 * "error:<curl's exit status>" for a failed request, so a split that misses one says why. Its
 * failure branch `continue`s, so it is the last command of a loop body. The URL is in double
 * quotes: the loop's variables (`$port`) expand, and an IPv6 URL's brackets are no glob.
 */
export function askServer(url: string): string {
    return `h=$(curl -gs -m 5 -o /dev/null -D - "${url}") || { echo "error:$?"; continue; }; tr -d '\\r' <<<"$h" | sed -n 's/^${r.REAL_SERVER_HEADER}: //Ip'`;
}

/**
 * A pattern for this boot's line in `host`'s serial console log: the kernel's rename of the
 * machine's NIC to its configured name (cloud-init's network-config matches it by MAC), as the
 * guest's own `dmesg` has it, with its timestamp. The log is appended across boots and across
 * runs of the tests, so a text that every boot prints is found there from an earlier one; this
 * line, with this boot's timestamp, is not.
 */
export async function thisBootInConsoleLog({ guests }: { guests: Guests }, host: HostSpec): Promise<RegExp> {
    const dmesg = ok(await guests.sh(host, "dmesg"), `${host.name}: dmesg`).stdout;
    const line = new RegExp(`^\\[\\s*(\\d+\\.\\d+)\\] (.* ${host.nic}: renamed from \\S+)$`, "m").exec(dmesg);
    if (!line) throw new Error(`${host.name}: this boot's kernel log has no rename of ${host.nic}:\n${dmesg.slice(-3000)}`);
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`\\[\\s*${literal(line[1])}\\] ${literal(line[2])}`);
}

/** How many resources a `pulumi up` updated, from its summary line ("~ 2 updated"); 0 when none. */
export function updatedCount(stdout: string): number {
    return Number(/~ (\d+) updated/.exec(stdout)?.[1] ?? 0);
}

/** How often each non-empty line of `stdout` occurs. */
export function tally(stdout: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of stdout.split("\n").filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
    return counts;
}

/** A director's packet counters for the (first) virtual service. */
export async function serviceStats({ spec, guests }: { spec: LabSpec; guests: Guests }, director: HostSpec = spec.director): Promise<{ conns: number; inPkts: number; outPkts: number }> {
    const stats = ok(await guests.sh(director, "ipvsadm -Ln --stats"), "ipvsadm stats").stdout;
    const line = stats.split("\n").find((l) => /^(TCP|UDP)\s/.test(l));
    if (!line) throw new Error(`no virtual service in:\n${stats}`);
    const [, , conns, inPkts, outPkts] = line.trim().split(/\s+/);
    return { conns: Number(conns), inPkts: Number(inPkts), outPkts: Number(outPkts) };
}

/**
 * Polls `probe` until it returns a value (not undefined), bounded by `timeoutMs`; fails naming
 * what it waited for and the last value seen.
 * @param what the condition, for the error message.
 */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, pollMs = 1_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}
