import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../stacks";
import { Ran, ok, sandbox } from "./harness";
import { ProgramLab, upProgramLab } from "./vmLab";

/** What one `pulumi preview --json` plans, as counts per operation and the resources per operation. */
function planned(preview: Ran): Record<string, string[]> {
    const steps = JSON.parse(preview.stdout).steps as { op: string; urn: string }[];
    const byOp: Record<string, string[]> = {};
    for (const s of steps) if (s.op !== "same") (byOp[s.op] ??= []).push(s.urn.split("::").pop()!);
    for (const names of Object.values(byOp)) names.sort();
    return byOp;
}

/** Answers per real server name for `n` requests from the client through the VIP. */
async function split(lab: ProgramLab, n: number): Promise<Record<string, number>> {
    const vip = lab.spec.service.vip;
    const out = ok(await lab.guests.sh(lab.spec.client, `for _ in $(seq ${n}); do curl -s -m 5 -o /dev/null -D - http://${vip}/ | tr -d '\\r' | sed -n 's/^X-Lvs-Real-Server: //Ip'; done`), "requests through the VIP").stdout;
    const counts: Record<string, number> = {};
    for (const name of out.split("\n").filter(Boolean)) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
}

/** Every libvirt object of the lab's network name that libvirtd still has. */
async function leftovers(name: string): Promise<string[]> {
    const list = async (...args: string[]) => ok(await sandbox.virsh(...args), `virsh ${args.join(" ")}`).stdout.split("\n").map((l) => l.trim()).filter(Boolean);
    const pools = await list("pool-list", "--all", "--name");
    return [
        ...(await list("list", "--all", "--name")),
        ...(await list("net-list", "--all", "--name")),
        ...pools,
        ...(await Promise.all(pools.map((p) => list("vol-list", p).then((l) => l.slice(2))))).flat(),
    ].filter((x) => x.includes(`lvs-${name}`));
}

/**
 * The default stack's whole life through the real program (index.ts and a copy of the stack
 * file), the real engine, the project's command plugin, the libvirt provider and real VMs.
 * Each step's time is printed for the README.
 */
describe("the default lab's life through `pulumi up` of the program", () => {
    const name = "life";
    let lab: ProgramLab;
    const times: Record<string, number> = {};
    const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
        const started = Date.now();
        try {
            return await f();
        } finally {
            times[what] = Math.round((Date.now() - started) / 100) / 10;
        }
    };
    const up = (what: string) => timed(what, async () => ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 30 * 60_000), what));
    const preview = async () => planned(ok(await lab.pulumi(["preview", "--json"]), "preview --json"));

    beforeAll(async () => {
        lab = await timed("first up", () => upProgramLab(name, loadStackConfig("default")));
    });
    afterAll(async () => {
        console.log(`lifecycle times (s): ${JSON.stringify(times)}`);
        await lab?.teardown();
    });

    it("comes up with a verification that names both real servers", () => {
        const v = lab.outputs.verification.realServers as Record<string, number>;
        expect(Object.keys(v).sort()).toEqual(["nginx1", "nginx2"]);
        expect(v.nginx1 + v.nginx2).toBe(20);
        expect(v.nginx1).toBeGreaterThan(0);
        expect(v.nginx2).toBeGreaterThan(0);
        expect(lab.outputs.ipvsTable).toMatch(/-> 192\.168\.168\.10:80\s+Route/);
    });

    it("previews no change right after", async () => {
        await timed("preview, no change", async () => ok(await lab.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes"));
    });

    it("a weight change is one update, one `ipvsadm -e`, and the client sees the new split", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].weight", "0"]), "config set weight");
        expect(await preview()).toEqual({ update: ["director-service"] });
        const r = await up("one weight changed");
        expect(r.stdout).toMatch(/~ 1 updated/);
        const table = (await lab.readOutputs()).ipvsTable as string;
        expect(table.split("\n").filter((l) => l.startsWith("ipvsadm "))).toEqual(["ipvsadm -e -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 0"]);
        expect(await split(lab, 10)).toEqual({ nginx1: 10 });
        ok(await lab.pulumi(["preview", "--expect-no-changes"]), "no change after the weight change");
    });

    it("an added real server creates only its machine and steps; the director's table gains it and nothing is replaced", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "realServers[2].name", "nginx3"]), "config set name");
        ok(await lab.pulumi(["config", "set", "--path", "realServers[2].ip", "192.168.168.30"]), "config set ip");
        const plan = await preview();
        expect(Object.keys(plan).sort()).toEqual(["create", "update"]);
        expect(plan.update).toEqual(["client-verify", "director-service"]);
        expect(plan.create).toEqual(["nginx3", "nginx3-cloud-init", "nginx3-disk", "nginx3-domain", "nginx3-host-key", "nginx3-lvs", "nginx3-nginx", "nginx3-seed", "nginx3-ssh"]);
        await up("real server added");
        const outputs = await lab.readOutputs();
        expect(outputs.ipvsTable).toMatch(/-> 192\.168\.168\.30:80\s+Route\s+1/);
        expect(Object.keys(outputs.verification.realServers).sort()).toEqual(["nginx1", "nginx3"]);
    });

    it("removed again, the director drops it before its machine goes", async () => {
        ok(await lab.pulumi(["config", "rm", "--path", "realServers[2]"]), "config rm");
        const plan = await preview();
        expect(Object.keys(plan).sort()).toEqual(["delete", "update"]);
        expect(plan.update).toEqual(["client-verify", "director-service"]);
        expect(plan.delete).toEqual(["nginx3", "nginx3-cloud-init", "nginx3-disk", "nginx3-domain", "nginx3-host-key", "nginx3-lvs", "nginx3-nginx", "nginx3-seed", "nginx3-ssh"]);
        const r = await up("real server removed");
        const lines = r.stdout.split("\n");
        const updated = lines.findIndex((l) => /director-service updated/.test(l));
        const gone = lines.findIndex((l) => /nginx3-domain deleted/.test(l));
        expect(updated).toBeGreaterThan(-1);
        expect(gone).toBeGreaterThan(updated);
        expect((await lab.readOutputs()).ipvsTable).not.toContain("192.168.168.30");
    });

    it("destroy leaves no domain, volume, network or pool of the stack, and `up` works again", async () => {
        await timed("destroy", async () => ok(await lab.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy"));
        expect(await leftovers(name)).toEqual([]);
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].weight", "1"]), "config set weight");
        await up("up again");
        const v = (await lab.readOutputs()).verification.realServers as Record<string, number>;
        expect(Object.keys(v).sort()).toEqual(["nginx1", "nginx2"]);
        expect(v.nginx2).toBeGreaterThan(0);
    });
});
