import { DirectorSpec, HostSpec, LabSpec, directors } from "../../components/config";
import * as r from "../../components/render";
import { Ran, ok, sandbox } from "./harness";
import { ProgramLab, waitUntil } from "./vmLab";

/** What the fault tests and the failover benchmark observe and do on an HA lab's guests. */
export class HaLab {
    readonly spec: LabSpec;

    constructor(private readonly lab: ProgramLab) {
        this.spec = lab.spec;
    }

    /** The VIP instance's VRRP state as keepalived's notify script recorded it. */
    async vrrpState(d: DirectorSpec): Promise<string> {
        return (await this.lab.guests.sh(d, `cat ${r.VRRP_STATE} 2>/dev/null || echo NONE`, 30_000)).stdout.trim();
    }

    /** Whether the director has the VIP on its NIC. */
    async holdsVip(d: DirectorSpec): Promise<boolean> {
        const out = ok(await this.lab.guests.sh(d, `ip -o -4 addr show dev ${d.nic}`, 30_000), `${d.name} addresses`).stdout;
        return out.includes(` ${this.spec.service.vip}/`);
    }

    /** `ipvsadm -Ln` on a director. */
    async table(d: DirectorSpec): Promise<string> {
        return ok(await this.lab.guests.sh(d, "ipvsadm -Ln", 30_000), `${d.name} table`).stdout;
    }

    /**
     * Waits (bounded) until `d` is the one master: MASTER and holding the VIP, while the other
     * running directors do not hold it.
     * @param down directors that are powered off (not asked).
     */
    async waitForMaster(d: DirectorSpec, timeoutMs = 60_000, down: DirectorSpec[] = []): Promise<void> {
        const others = directors(this.spec).filter((x) => x.name !== d.name && !down.some((o) => o.name === x.name));
        try {
            await waitUntil(`${d.name} to be the only director holding the VIP`, timeoutMs, async () => {
                if ((await this.vrrpState(d)) !== "MASTER" || !(await this.holdsVip(d))) return undefined;
                for (const other of others) if (await this.holdsVip(other)) return undefined;
                return true;
            });
        } catch (e) {
            throw new Error(`${(e as Error).message}\n${await this.vrrpReport([d, ...others])}`);
        }
    }

    /** What a failed wait for a master needs to be explained: each director's state, addresses and keepalived's last words. */
    async vrrpReport(ds: DirectorSpec[]): Promise<string> {
        const parts: string[] = [];
        for (const d of ds) {
            const out = await this.lab.guests.sh(d, `cat ${r.VRRP_STATE} 2>/dev/null; ip -o -4 addr show dev ${d.nic}; journalctl -u keepalived -n 40 -o short-precise --no-pager`, 30_000);
            parts.push(`--- ${d.name} (exit ${out.code}):\n${out.stdout}${out.stderr}`);
        }
        return parts.join("\n");
    }

    /** Each director's journal cursor, to read later only what was logged after it. */
    async journalCursors(): Promise<Record<string, string>> {
        const cursors: Record<string, string> = {};
        for (const d of directors(this.spec)) {
            const out = ok(await this.lab.guests.sh(d, "journalctl -n 1 --show-cursor -o cat --no-pager", 30_000), `${d.name} journal cursor`).stdout;
            const cursor = /^-- cursor: (.+)$/m.exec(out)?.[1];
            if (!cursor) throw new Error(`${d.name}: no journal cursor in:\n${out}`);
            cursors[d.name] = cursor;
        }
        return cursors;
    }

    /** The VRRP state changes of the VIP instance (the notify script's log) on each director since `cursors`. */
    async vrrpChangesSince(cursors: Record<string, string>): Promise<Record<string, string[]>> {
        const changes: Record<string, string[]> = {};
        for (const d of directors(this.spec)) {
            const out = ok(await this.lab.guests.sh(d, `journalctl --after-cursor='${cursors[d.name]}' -t lvs-lab -o cat --no-pager`, 30_000), `${d.name} journal`).stdout;
            changes[d.name] = out.split("\n").filter((l) => l.startsWith("VRRP "));
        }
        return changes;
    }

    /**
     * The VRRP adverts a director receives over `seconds`, counted by nftables on its input hook:
     * VRRPv2 ones (first byte 0x21: version 2, type advert), and VRRPv3 ones (0x31) whose
     * interval field (12 bits after 4 reserved ones, in centiseconds) is `v3IntervalCs`.
     */
    async advertsReceived(d: DirectorSpec, seconds: number, v3IntervalCs: number): Promise<{ v2: number; v3: number }> {
        const table = "inet lvslab_adverts";
        const out = ok(await this.lab.guests.sh(d, [
            "set -eu",
            `trap 'nft delete table ${table} 2>/dev/null || true' EXIT`,
            `nft add table ${table}`,
            `nft 'add chain ${table} in { type filter hook input priority -10; policy accept; }'`,
            `nft add rule ${table} in ip protocol vrrp @th,0,8 0x21 counter comment '"v2"'`,
            `nft add rule ${table} in ip protocol vrrp @th,0,8 0x31 @th,36,12 ${v3IntervalCs} counter comment '"v3"'`,
            `sleep ${seconds}`,
            `nft list table ${table}`,
        ].join("\n"), (seconds + 60) * 1000), `${d.name}: count VRRP adverts`).stdout;
        const count = (v: string) => Number(new RegExp(`counter packets (\\d+) bytes \\d+ comment "${v}"`).exec(out)?.[1] ?? NaN);
        return { v2: count("v2"), v3: count("v3") };
    }

    /** Waits (bounded) until one running director is master, holding the VIP alone, and returns it. */
    async oneMaster(timeoutMs = 60_000, down: DirectorSpec[] = []): Promise<DirectorSpec> {
        const up = directors(this.spec).filter((d) => !down.some((o) => o.name === d.name));
        return waitUntil("one director to hold the VIP as master", timeoutMs, async () => {
            const states = await Promise.all(up.map(async (d) => ({ d, master: (await this.vrrpState(d)) === "MASTER", vip: await this.holdsVip(d) })));
            const holders = states.filter((s) => s.vip);
            return holders.length === 1 && holders[0].master ? holders[0].d : undefined;
        });
    }

    /**
     * Changes the stack's config (`pulumi config set --path KEY VALUE` for each pair) and runs
     * `pulumi up`, as a user changes a lab: the program re-renders keepalived and its steps reload
     * it. Returns what the `up` printed.
     */
    async applyConfig(...settings: [string, string][]): Promise<Ran> {
        for (const [key, value] of settings) ok(await this.lab.pulumi(["config", "set", "--path", key, value]), `config set ${key}`);
        return ok(await this.lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up");
    }

    /**
     * Starts a request loop on the client. It runs until stopped, at most `maxSeconds`, so a
     * test waits for what it needs to see rather than for a time that a loaded host may miss.
     */
    requestLoop(maxSeconds = 300): RequestLoop {
        return new RequestLoop(this.lab, maxSeconds);
    }

    /**
     * Starts a request loop and waits (bounded) until its last `answers` requests were answered,
     * so a fault injected next lands in a loop that is running and being served.
     */
    async answeringLoop(answers = 5): Promise<RequestLoop> {
        const loop = this.requestLoop();
        await loop.until(`${answers} answers`, lastAnswered(answers));
        return loop;
    }

    /** The client's clock (ms), the clock the request loop stamps its requests with. */
    async clientNow(): Promise<number> {
        return Number(ok(await this.lab.guests.sh(this.spec.client, "date +%s%3N", 30_000), "client clock").stdout.trim());
    }

    /** Pulls the plug on a machine (`virsh destroy`): no shutdown, no last VRRP advert. */
    async powerOff(h: HostSpec): Promise<void> {
        ok(await sandbox.virsh("destroy", h.domainName), `power off ${h.name}`);
    }

    /** Powers a machine on and waits (bounded) for SSH and cloud-init. */
    async powerOn(h: HostSpec): Promise<void> {
        ok(await sandbox.virsh("start", h.domainName), `power on ${h.name}`);
        await this.lab.guests.ready([h], this.lab.consoleLogs);
    }

    /** The MAC the client's ARP cache holds for the VIP. */
    async clientVipMac(): Promise<string> {
        const out = ok(await this.lab.guests.sh(this.spec.client, `ip neigh show ${this.spec.service.vip}`, 30_000), "client neighbours").stdout;
        return /lladdr (\S+)/.exec(out)?.[1] ?? "";
    }
}

let loops = 0;

/** A request loop running on the client: read while it runs, then stopped for its whole record. */
export class RequestLoop {
    private readonly logFile: string;
    private readonly stopFile: string;
    private readonly ended: Promise<r.LoopRequest[]>;

    constructor(private readonly lab: ProgramLab, maxSeconds: number) {
        const name = `/tmp/lvs-lab-request-loop-${process.pid}-${++loops}`;
        this.logFile = `${name}.log`;
        this.stopFile = `${name}.stop`;
        const loop = r.renderRequestLoop(lab.spec, maxSeconds, { logFile: this.logFile, stopFile: this.stopFile });
        this.ended = lab.guests.sh(lab.spec.client, loop, (maxSeconds + 60) * 1000).then((ran) => r.parseRequestLoop(ok(ran, "request loop").stdout));
        // A loop that fails before it is stopped must not surface as an unhandled rejection.
        this.ended.catch(() => undefined);
    }

    /** The requests so far. */
    async seen(): Promise<r.LoopRequest[]> {
        const ran = await this.lab.guests.sh(this.lab.spec.client, `cat ${this.logFile} 2>/dev/null || true`, 30_000);
        return r.parseRequestLoop(ok(ran, "request loop log").stdout);
    }

    /** Waits (bounded) until the requests so far satisfy `enough`. */
    async until(what: string, enough: (requests: r.LoopRequest[]) => boolean, timeoutMs = 60_000): Promise<r.LoopRequest[]> {
        return waitUntil(`the request loop to see ${what}`, timeoutMs, async () => {
            const requests = await this.seen();
            return enough(requests) ? requests : undefined;
        });
    }

    /** Stops the loop and resolves with every request it made. */
    async stop(): Promise<r.LoopRequest[]> {
        ok(await this.lab.guests.sh(this.lab.spec.client, `touch ${this.stopFile}`, 30_000), "stop the request loop");
        const requests = await this.ended;
        ok(await this.lab.guests.sh(this.lab.spec.client, `rm -f ${this.logFile}`, 30_000), "remove the request loop's log");
        return requests;
    }
}

/** Whether the last `n` requests all got an answer. */
const lastAnswered = (n: number) => (requests: r.LoopRequest[]): boolean =>
    requests.length >= n && requests.slice(-n).every((q) => q.server !== undefined);

/** Whether the loop has made `n` requests (answered or not) since `atMs` on the client's clock. */
export const madeSince = (atMs: number, n: number) => (requests: r.LoopRequest[]): boolean =>
    requests.filter((q) => q.atMs >= atMs).length >= n;

/** The requests that failed since `atMs` on the client's clock. */
export const failedSince = (requests: r.LoopRequest[], atMs: number): r.LoopRequest[] =>
    requests.filter((q) => q.atMs >= atMs && q.server === undefined);
