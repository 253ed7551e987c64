import { readFileSync } from "fs";

/** One resource's span in an `up`: from the engine's pre-event to its outputs event, in seconds from the first event. */
export interface Span {
    name: string;
    type: string;
    op: string;
    start: number;
    end: number;
}

/** The spans of every resource an `up` created, updated or replaced, from its `--event-log` file. */
export function spans(eventLog: string): Span[] {
    const events = readFileSync(eventLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
    const t0 = Math.min(...events.map((e) => e.timestamp));
    const started = new Map<string, number>();
    const out: Span[] = [];
    for (const e of events) {
        const pre = e.resourcePreEvent?.metadata;
        if (pre) started.set(pre.urn, e.timestamp - t0);
        const done = e.resOutputsEvent?.metadata;
        if (done && done.op !== "same" && started.has(done.urn)) {
            out.push({ name: done.urn.split("::").pop(), type: done.type, op: done.op, start: started.get(done.urn)!, end: e.timestamp - t0 });
        }
    }
    return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Where the time of an `up` went, per machine: its volumes, its domain's creation, the wait for
 * SSH, the wait for cloud-init, and its remote steps, each as "start–end s".
 * @param machines the machines' resource-name prefixes (`lab-director`, …), longest match wins.
 */
export function machineTimeline(all: Span[], machines: string[]): string {
    const ordered = [...machines].sort((a, b) => b.length - a.length);
    const owner = (s: Span) => ordered.find((m) => s.name === m || s.name.startsWith(`${m}-`));
    const phase = (s: Span, m: string): string => {
        const what = s.name.slice(m.length + 1);
        if (s.type.startsWith("libvirt:")) return what === "domain" ? "domain" : "volumes";
        if (what === "ssh") return "ssh wait";
        if (what === "cloud-init") return "cloud-init wait";
        if (s.type === "command:remote:Command") return "steps";
        return "";
    };
    const rows: string[] = [];
    for (const m of machines) {
        const phases = new Map<string, [number, number]>();
        for (const s of all.filter((x) => owner(x) === m)) {
            const p = phase(s, m);
            if (!p) continue;
            const [a, b] = phases.get(p) ?? [s.start, s.end];
            phases.set(p, [Math.min(a, s.start), Math.max(b, s.end)]);
        }
        const cells = ["volumes", "domain", "ssh wait", "cloud-init wait", "steps"].map((p) => (phases.has(p) ? `${p} ${phases.get(p)![0]}–${phases.get(p)![1]}` : ""));
        rows.push(`${m}: ${cells.filter(Boolean).join(", ")}`);
    }
    // The lab's network, pool and base volume, which every machine waits for.
    const shared = all.filter((s) => !owner(s) && s.type.startsWith("libvirt:"));
    if (shared.length) rows.unshift(`shared: ${shared.map((s) => `${s.name} ${s.start}–${s.end}`).join(", ")}`);
    return rows.join("\n");
}
