import { readFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUEST_SYSTEM_ACCOUNTS, allHosts } from "../../components/config";
import { machineTimeline, spans } from "../bench/timeline";
import { loadStackConfig } from "../stacks";
import { REPO, Ran, ok, run, sandbox } from "./harness";
import * as render from "../../components/render";
import { pairsFit } from "./splits";
import { ProgramLab, clientSplit, serviceStats, tally, thisBootInConsoleLog, upProgramLab, updatedCount, waitUntil } from "./vmLab";

/** What one `pulumi preview --json` plans: the resources of each operation other than `same`. */
function planned(preview: Ran): Record<string, string[]> {
    const steps = JSON.parse(preview.stdout).steps as { op: string; urn: string }[];
    const byOp: Record<string, string[]> = {};
    for (const s of steps) if (s.op !== "same") (byOp[s.op] ??= []).push(s.urn.split("::").pop()!);
    for (const names of Object.values(byOp)) names.sort();
    return byOp;
}

/**
 * The dr-tomcat stack's lab (the default lab's network and addresses, two tomcats behind each
 * nginx) with the dr-nfs stack's NFS server and exports moved into its network: the backends of
 * both topologies on one lab. The lab under test grows into it in place, so their checks boot
 * only the three backend machines.
 */
function tomcatAndNfs(): any {
    const cfg = structuredClone(loadStackConfig("dr-tomcat")) as any;
    const drNfs = loadStackConfig("dr-nfs") as any;
    cfg.nfs = { ...drNfs.nfs, ip: "192.168.168.70" };
    cfg.realServers = cfg.realServers.map((s: any, i: number) => ({ ...s, nfsExport: drNfs.realServers[i].nfsExport }));
    return cfg;
}

/**
 * Counts of "<real server> <backend>" for `n` requests for `path` through the VIP, from the
 * client, and of "ipvs -> <real server>": what the director scheduled to each during the loop.
 */
async function pairs(lab: ProgramLab, path: string, n: number): Promise<Record<string, number>> {
    const { spec, guests } = lab;
    const headers = `tr -d '\\r' | awk -F': ' 'tolower($1) == tolower("${render.REAL_SERVER_HEADER}") { rs = $2 } tolower($1) == tolower("${render.BACKEND_HEADER}") { be = $2 } END { print rs, (be == "" ? "-" : be) }'`;
    const loop = `for _ in $(seq ${n}); do curl -sS -m 5 -o /dev/null -D - http://${spec.service.vip}:${spec.service.ports[0]}${path} | ${headers}; done`;
    const before = await scheduled(lab);
    const answers = tally(ok(await guests.sh(spec.client, loop), `requests for ${path} through the VIP`).stdout);
    const after = await scheduled(lab);
    // What the director scheduled beside what answered: a split that is off says whether IPVS
    // scheduled it so (a 29/31 was seen once, cause not known) or a layer behind it lost or moved
    // a request.
    return { ...answers, ...Object.fromEntries(Object.entries(after).map(([name, conns]) => [`ipvs -> ${name}`, conns - (before[name] ?? 0)])) };
}

/** The connections the director's TCP service on the VIP's first port has scheduled to each real server, by name. */
async function scheduled({ spec, guests }: ProgramLab): Promise<Record<string, number>> {
    const stats = ok(await guests.sh(spec.director, `ipvsadm -Ln --stats -t ${spec.service.vip}:${spec.service.ports[0]}`), "ipvsadm stats").stdout;
    return Object.fromEntries(spec.realServers.map((s) => [s.name, Number(new RegExp(`-> ${s.ip.replace(/\./g, "\\.")}:\\d+\\s+(\\d+)`).exec(stats)?.[1] ?? NaN)]));
}

/** Every libvirt object named after the lab's network that libvirtd still has. */
async function leftovers(name: string): Promise<string[]> {
    const list = async (...args: string[]) => ok(await sandbox.virsh(...args), `virsh ${args.join(" ")}`).stdout.split("\n").map((l) => l.trim()).filter(Boolean);
    const pools = await list("pool-list", "--all", "--name");
    const volumes = await Promise.all(pools.map(async (p) => (await list("vol-list", p)).slice(2).map((l) => l.split(/\s+/)[0])));
    return [...(await list("list", "--all", "--name")), ...(await list("net-list", "--all", "--name")), ...pools, ...volumes.flat()].filter((x) => x.includes(`lvs-${name}`));
}

// `up --event-log` is one of the engine's debug flags.
process.env.PULUMI_DEBUG_COMMANDS = "true";

/**
 * LVS-DR through the real program: `pulumi up` of index.ts with a copy of the default stack
 * file (scheduler wrr), the project's command plugin, the libvirt provider and real guests; then
 * the lab's whole life: no-change preview, a machine's replacement planned, a weight, the lab
 * commands, `lab stop` and `lab start`, a real server added and removed, the sorry server while
 * every weight is 0, the lab grown in place to the tomcat and NFS backends and their checks, and
 * destroy. Each engine step's time is printed for docs/testing.md.
 */
describe("LVS-DR through `pulumi up` of the program", () => {
    const name = "vmdr";
    const raw = structuredClone(loadStackConfig("default")) as any;
    raw.service.scheduler = "wrr";
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
    const up = (what: string, ...args: string[]) => timed(what, async () => ok(await lab.pulumi(["up", "--yes", "--skip-preview", ...args], 30 * 60_000), what));
    const preview = async (...args: string[]) => planned(ok(await lab.pulumi(["preview", "--json", ...args]), "preview --json"));
    /** The URN of the stack's resource named `name`. */
    const urnOf = async (name: string) => {
        const resources = JSON.parse(ok(await lab.pulumi(["stack", "export"]), "stack export").stdout).deployment.resources as { urn: string }[];
        return resources.map((x) => x.urn).find((u) => u.endsWith(`::${name}`))!;
    };
    const sh = async (host: { name: string; ip: string }, cmd: string) => ok(await lab.guests.sh(host as any, cmd), `${host.name}: ${cmd}`).stdout;
    const split = (n: number) => clientSplit(lab, n);
    const split6 = (n: number) => clientSplit(lab, n, true);
    const esc = (ip: string) => ip.replace(/\./g, "\\.");
    /** Runs `tools/lab.sh` against this test's stack, as a user runs `npm run lab --`. */
    const labSh = (timeoutMs: number, ...args: string[]) => run("bash", [join(REPO, "tools", "lab.sh"), ...args], { env: lab.labEnv, timeoutMs });

    beforeAll(async () => {
        lab = await timed("first up", () => upProgramLab(name, raw));
    });
    afterAll(async () => {
        console.log(`vm-dr engine step times (s): ${JSON.stringify(times)}`);
        await lab?.teardown();
    });

    it("comes up with a verification that names both real servers, split evenly, over IPv4 and IPv6", () => {
        expect(lab.outputs.verification).toEqual({ realServers: { nginx1: 10, nginx2: 10 }, ipv6: { nginx1: 10, nginx2: 10 } });
        expect(lab.outputs.ipvsTable).toMatch(/TCP\s+192\.168\.168\.100:80 wrr/);
        expect(lab.outputs.ipvsTable).toMatch(/TCP\s+\[fd00:192:168:168::100\]:80 wrr/);
        for (const s of lab.spec.realServers) {
            expect(lab.outputs.ipvsTable).toMatch(new RegExp(`-> ${esc(s.ip)}:80\\s+Route\\s+1`));
            expect(lab.outputs.ipvsTable).toContain(`-> [${s.ip6}]:80`);
        }
    });

    it("names the NIC ens33 by MAC with the configured address (cloud-init network-config)", async () => {
        for (const host of allHosts(lab.spec)) {
            // The NIC with the machine's MAC is the one named ens33, and it has the machine's address.
            expect(await sh(host, `ip -o link show dev ${host.nic}`), host.name).toContain(`link/ether ${host.mac.toLowerCase()} `);
            expect(await sh(host, `ip -o -4 addr show dev ${host.nic}`), host.name).toContain(`inet ${host.ip}/24 `);
            // This boot renamed it, and the serial console's log has that line (the log keeps every boot
            // before, so /cloud-init/ was there from an earlier run whatever this one logged).
            expect(readFileSync(lab.consoleLogs[host.name], "utf8"), host.name).toMatch(await thisBootInConsoleLog(lab, host));
        }
    });

    it("every system account of the image (uid < 1000) is one GUEST_SYSTEM_ACCOUNTS lists, so validation rejects it as sshUser", async () => {
        for (const host of [lab.spec.director, ...lab.spec.realServers, lab.spec.client]) {
            const accounts = (await sh(host, "awk -F: '$3 < 1000 {print $1}' /etc/passwd")).split("\n").filter(Boolean);
            expect(accounts, host.name).toContain("root");
            expect(accounts.filter((a) => !(GUEST_SYSTEM_ACCOUNTS as readonly string[]).includes(a)), host.name).toEqual([]);
        }
    });

    it("real servers: the VIP on lo:0 as /32 after the ARP sysctls", async () => {
        for (const s of lab.spec.realServers) {
            expect(await sh(s, "ip -o -4 addr show dev lo")).toMatch(new RegExp(`inet ${esc(lab.spec.service.vip)}/32 .*lo:0`));
            const sysctl = await sh(s, "sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce");
            expect(sysctl.split("\n").filter(Boolean)).toEqual(["1", "2", "1", "2"]);
            // After: the order the guest applies them in, at the step and at every boot, is its boot script's.
            const boot = (await sh(s, `cat ${render.bootStepScript("lvs-lab-realserver")}`)).split("\n");
            const sysctlAt = boot.indexOf("sysctl -q -p /etc/sysctl.d/90-lvs-lab-realserver.conf");
            expect(sysctlAt, s.name).toBeGreaterThan(-1);
            expect(boot.indexOf(`ip addr replace ${lab.spec.service.vip}/32 dev lo label lo:0`), s.name).toBeGreaterThan(sysctlAt);
        }
    });

    it("director: the VIP on ens33:0, no forwarding or redirects", async () => {
        expect(await sh(lab.spec.director, "ip -o -4 addr show dev ens33")).toMatch(/inet 192\.168\.168\.100\/24 .*secondary ens33:0/);
        const sysctl = await sh(lab.spec.director, "sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.send_redirects net.ipv4.conf.ens33.send_redirects");
        expect(sysctl.split("\n").filter(Boolean)).toEqual(["0", "0", "0"]);
    });

    it("client: the VIP's ARP entry is the director's MAC, and replies bypass the director", async () => {
        const before = await serviceStats(lab);
        expect(await split(20)).toEqual({ nginx1: 10, nginx2: 10 });
        expect(await sh(lab.spec.client, `ip neigh show ${lab.spec.service.vip}`)).toContain(lab.spec.director.mac);
        const stats = await serviceStats(lab);
        expect(stats.conns).toBeGreaterThanOrEqual(before.conns + 20);
        expect(stats.inPkts).toBeGreaterThan(before.inPkts);
        expect(stats.outPkts).toBe(0);
    });

    it("dual stack: the IPv6 VIP on the director's NIC and on each real server's lo as /128; only the director answers neighbour solicitations for it", async () => {
        const { director, client, service, realServers } = lab.spec;
        const vip6 = service.vip6!;
        // Deprecated (preferred_lft 0): it receives, but the director never picks it as a source.
        expect(await sh(director, `ip -o -6 addr show dev ${director.nic} scope global`)).toMatch(new RegExp(`inet6 ${vip6}/64 .*deprecated`));
        for (const s of realServers) {
            expect(await sh(s, "ip -o -6 addr show dev lo scope global"), s.name).toContain(`inet6 ${vip6}/128 `);
            expect(await sh(s, `ip -o -6 addr show dev ${s.nic} scope global`), s.name).toContain(`inet6 ${s.ip6}/64 `);
        }
        await sh(client, `ip -6 neigh flush dev ${client.nic}`);
        expect(await split6(20)).toEqual({ nginx1: 10, nginx2: 10 });
        expect(await sh(client, `ip -6 neigh show ${vip6}`)).toContain(director.mac);
        // With the VIP off the director nobody answers for it: the real servers hold it on lo,
        // and Linux advertises an address only on the interface that holds it (no sysctl needed).
        await sh(director, `ip -6 addr del ${vip6}/64 dev ${director.nic}`);
        try {
            await sh(client, `ip -6 neigh flush dev ${client.nic}`);
            const direct = await lab.guests.sh(client, `curl -gsS -m 5 -o /dev/null http://[${vip6}]/`);
            expect(direct.code, direct.stdout).not.toBe(0);
            expect(await sh(client, `ip -6 neigh show ${vip6}`)).not.toContain("lladdr");
        } finally {
            await sh(director, render.bootStepScript(render.DIRECTOR_BOOT_STEP));
        }
        expect(await split6(10)).toEqual({ nginx1: 5, nginx2: 5 });
        // The reconciler reads the IPv6 services back as the rules file writes them: a second run changes nothing.
        expect(await sh(director, `${render.IPVS_APPLY} ${render.IPVS_RULES_PATH}`)).toBe("");
    });

    it("previews no change; re-running the director's steps in place changes nothing on its table", async () => {
        await timed("preview, no change", async () => ok(await lab.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes"));
        const urn = (step: string) => `urn:pulumi:t::lvs-lab::lvs-lab:index:LvsDrCluster$lvs-lab:index:Director$command:remote:Command::${step}`;
        await timed("re-run the director's steps", async () => ok(await lab.pulumi(["up", "--yes", "--skip-preview", "--replace", urn("lab-director-lvs"), "--replace", urn("lab-director-service")]), "up --replace"));
        const table = (await lab.readOutputs()).ipvsTable as string;
        expect(table.split("\n").filter((l) => l.startsWith("ipvsadm -"))).toEqual([]);
        expect((await sh(lab.spec.director, "ip -o -4 addr show dev ens33 label ens33:0")).trim().split("\n")).toHaveLength(1);
    });

    it("a machine replaced: its steps plan as updates that run again on the new machine, and no delete script runs against the old one", async () => {
        const plan = await preview("--replace", await urnOf("lab-nginx2-domain"));
        expect(plan.update).toEqual(["lab-nginx2-cloud-init", "lab-nginx2-lvs", "lab-nginx2-nginx", "lab-nginx2-ssh", "lab-nginx2-udp"]);
        // Every other operation is the domain's own replacement: no step of any host is deleted or replaced.
        expect(new Set(Object.entries(plan).filter(([op]) => op !== "update").flatMap(([, names]) => names))).toEqual(new Set(["lab-nginx2-domain"]));
    });

    it("a weight change previews as one update, issues one `ipvsadm -e`, and the client sees the new proportion", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].weight", "3"]), "config set weight");
        expect(await preview()).toEqual({ update: ["lab-director-service"] });
        const r = await up("one weight changed");
        expect(updatedCount(r.stdout)).toBe(1);
        const table = (await lab.readOutputs()).ipvsTable as string;
        expect(table.split("\n").filter((l) => l.startsWith("ipvsadm ")).sort()).toEqual([
            "ipvsadm -e -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 3",
            "ipvsadm -e -t [fd00:192:168:168::100]:80 -r [fd00:192:168:168::20]:80 -g -w 3",
        ]);
        expect(await split(40)).toEqual({ nginx1: 10, nginx2: 30 });
        ok(await lab.pulumi(["preview", "--expect-no-changes"]), "no change after the weight change");
    });

    it("lab ipvs: the director's table with stats and rates, the VIP and both real servers", async () => {
        const out = ok(await labSh(2 * 60_000, "ipvs"), "lab ipvs").stdout;
        expect(out).toContain(`== director (${lab.spec.director.ip})`);
        expect(out).toMatch(/Conns\s+InPkts\s+OutPkts\s+InBytes\s+OutBytes/);
        expect(out).toMatch(/CPS\s+InPPS\s+OutPPS\s+InBPS\s+OutBPS/);
        const vipLines = out.split("\n").filter((l) => new RegExp(`^TCP\\s+${esc(lab.spec.service.vip)}:80\\s`).test(l));
        expect(vipLines).toHaveLength(2);
        for (const s of lab.spec.realServers) expect(out.match(new RegExp(`-> ${esc(s.ip)}:80\\s`, "g"))).toHaveLength(2);
        expect(Number(vipLines[0].trim().split(/\s+/)[2])).toBeGreaterThan(0);
    });

    it("lab follow: each request's answering server is the director's destination for its source port", async () => {
        const out = ok(await labSh(2 * 60_000, "follow", "4"), "lab follow").stdout;
        const requests = [...out.matchAll(/^request \d+: (\S+):(\d+) -> http:\/\/(\S+):80\/ answered by (\S+)$/gm)];
        expect(requests, out).toHaveLength(4);
        for (const [, source, , vip] of requests) expect([source, vip]).toEqual([lab.spec.client.ip, lab.spec.service.vip]);
        // wrr at 1:3: any 4 requests in a row reach both servers.
        expect(new Set(requests.map((m) => m[4]))).toEqual(new Set(["nginx1", "nginx2"]));
        expect(out).toContain(`== ${lab.spec.director.name} (${lab.spec.director.ip}): ipvsadm -Lnc`);
        for (const [, , port, , server] of requests) {
            const ip = lab.spec.realServers.find((s) => s.name === server)!.ip;
            const entry = new RegExp(`^TCP\\s.*\\s${esc(lab.spec.client.ip)}:${port}\\s+${esc(lab.spec.service.vip)}:80\\s+${esc(ip)}:80\\s+\\(${server}\\)$`, "m");
            expect(out, `connection entry of port ${port}`).toMatch(entry);
        }
    });

    it("lab ssh and lab curl: over SSH pinned to the stack's host keys; the response names the real server", async () => {
        expect(ok(await labSh(2 * 60_000, "ssh", "nginx1", "hostname"), "lab ssh hostname").stdout.trim()).toBe("nginx1");
        expect(ok(await labSh(2 * 60_000, "ssh", "nginx2", "cat", "/proc/sys/net/ipv4/conf/lo/arp_ignore"), "lab ssh cat").stdout.trim()).toBe("1");
        const unknown = await labSh(2 * 60_000, "ssh", "nginx9", "true");
        expect(unknown.code).not.toBe(0);
        expect(unknown.stderr).toContain("no machine nginx9 in stack t; its machines:");
        const out = ok(await labSh(2 * 60_000, "curl", "/"), "lab curl").stdout;
        expect(out).toMatch(/^HTTP\/1\.1 200 OK/);
        expect(out).toMatch(/^X-Lvs-Real-Server: nginx[12]\r?$/m);
        expect(out).toMatch(/this is nginx[12]/);
    });

    it("lab stop and lab start: the machines shut off and boot again, and the boot units restore the VIPs and the table", async () => {
        const { spec } = lab;
        const hosts = [spec.director, ...spec.realServers, spec.client];
        const bootId = (host: { name: string; ip: string }) => sh(host, "cat /proc/sys/kernel/random/boot_id");
        const before = await Promise.all(hosts.map(bootId));
        const stop = ok(await labSh(15 * 60_000, "stop"), "lab stop");
        expect(stop.stderr).toContain(`lab: the machines of t are shut off after`);
        for (const h of hosts) expect(ok(await sandbox.virsh("domstate", h.domainName), "domstate").stdout.trim()).toBe("shut off");
        const start = ok(await labSh(15 * 60_000, "start"), "lab start");
        expect(start.stderr).toContain("lab: every machine of t answers SSH");
        // Each answers with a new boot id once cloud-init's boot is over (a slow shutdown cannot pass for the new boot).
        for (const [i, h] of hosts.entries()) {
            await waitUntil(`${h.name} to finish booting`, 10 * 60_000, async () => {
                const r = await lab.guests.sh(h, "cloud-init status --wait >/dev/null; cat /proc/sys/kernel/random/boot_id", 60_000);
                return r.code === 0 && r.stdout.trim() && r.stdout !== before[i] ? true : undefined;
            }, 3_000);
        }
        const table = await sh(spec.director, "ipvsadm -Ln");
        expect(table).toMatch(/192\.168\.168\.100:80 wrr/);
        // Every real server back, at the weight of the rules file (nginx2's 3 since the weight case).
        for (const [s, weight] of [[spec.realServers[0], 1], [spec.realServers[1], 3]] as const) expect(table, s.name).toMatch(new RegExp(`-> ${esc(s.ip)}:80\\s+Route\\s+${weight}\\s`));
        expect(await sh(spec.director, "ip -o -4 addr show dev ens33 label ens33:0")).toContain(`${spec.service.vip}/24`);
        for (const s of spec.realServers) expect(await sh(s, "ip -o -4 addr show dev lo")).toContain(`${spec.service.vip}/32`);
        expect(Object.keys(await split(20)).sort()).toEqual(["nginx1", "nginx2"]);
        // And the IPv6 addresses: the client's own (its boot step), the VIPs, through to both real servers.
        expect(await sh(spec.client, `ip -o -6 addr show dev ${spec.client.nic} scope global`)).toContain(`inet6 ${spec.client.ip6}/64 `);
        expect(Object.keys(await split6(20)).sort()).toEqual(["nginx1", "nginx2"]);
    });

    it("an added real server creates only its machine and steps; the director's table gains it and nothing is replaced", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "realServers[2].name", "nginx3"]), "config set name");
        ok(await lab.pulumi(["config", "set", "--path", "realServers[2].ip", "192.168.168.30"]), "config set ip");
        const plan = await preview();
        expect(Object.keys(plan).sort()).toEqual(["create", "update"]);
        expect(plan.update).toEqual(["lab-client-verify", "lab-director-service"]);
        expect(plan.create).toEqual(["lab-nginx3", "lab-nginx3-cloud-init", "lab-nginx3-disk", "lab-nginx3-domain", "lab-nginx3-host-key", "lab-nginx3-lvs", "lab-nginx3-nginx", "lab-nginx3-seed", "lab-nginx3-ssh", "lab-nginx3-udp"]);
        await up("real server added");
        const outputs = await lab.readOutputs();
        expect(outputs.ipvsTable).toMatch(/-> 192\.168\.168\.30:80\s+Route\s+1/);
        expect(Object.keys(outputs.verification.realServers).sort()).toEqual(["nginx1", "nginx2", "nginx3"]);
    });

    it("removed again, the director drops it before its machine goes", async () => {
        ok(await lab.pulumi(["config", "rm", "--path", "realServers[2]"]), "config rm");
        const plan = await preview();
        expect(Object.keys(plan).sort()).toEqual(["delete", "update"]);
        expect(plan.update).toEqual(["lab-client-verify", "lab-director-service"]);
        expect(plan.delete).toEqual(["lab-nginx3", "lab-nginx3-cloud-init", "lab-nginx3-disk", "lab-nginx3-domain", "lab-nginx3-host-key", "lab-nginx3-lvs", "lab-nginx3-nginx", "lab-nginx3-seed", "lab-nginx3-ssh", "lab-nginx3-udp"]);
        const r = await up("real server removed");
        const lines = r.stdout.split("\n");
        const updated = lines.findIndex((l) => /lab-director-service updated/.test(l));
        const gone = lines.findIndex((l) => /lab-nginx3-domain deleted/.test(l));
        expect(updated).toBeGreaterThan(-1);
        expect(gone).toBeGreaterThan(updated);
        // The step's output: the reconciler's one change, then the table without the server.
        const printed = ((await lab.readOutputs()).ipvsTable as string).split("\n");
        expect(printed.filter((l) => l.startsWith("ipvsadm ")).sort()).toEqual(["ipvsadm -d -t 192.168.168.100:80 -r 192.168.168.30:80", "ipvsadm -d -t [fd00:192:168:168::100]:80 -r [fd00:192:168:168::30]:80"]);
        expect(printed.filter((l) => !l.startsWith("ipvsadm ")).join("\n")).not.toContain("192.168.168.30");
    });

    it("sorry server: turned on with every weight 0, the director's own nginx answers through the VIP; weights back, the real servers do", async () => {
        const { director, client, service } = lab.spec;
        const [rs1, rs2] = lab.spec.realServers;
        const vs = `-t ${service.vip}:80`;
        const sorry = `${director.ip}:80`;
        const vs6 = `-t [${service.vip6}]:80`;
        const sorry6 = `[${director.ip6}]:80`;
        for (const [key, value] of [["service.sorryServer", "true"], ["realServers[0].weight", "0"], ["realServers[1].weight", "0"]]) {
            ok(await lab.pulumi(["config", "set", "--path", key, value]), `config set ${key}`);
        }
        expect(await preview()).toEqual({ update: ["lab-director-service", "lab-director-sorry"] });
        expect(updatedCount((await up("every weight 0, sorry server on")).stdout)).toBe(2);
        expect(await sh(director, "systemctl is-active nginx; systemctl is-enabled nginx")).toBe("active\nenabled\n");
        const allOut = ((await lab.readOutputs()).ipvsTable as string).split("\n");
        expect(allOut.filter((l) => l.startsWith("ipvsadm ")).sort()).toEqual([
            `ipvsadm -a ${vs} -r ${sorry} -g -w 1`, `ipvsadm -a ${vs6} -r ${sorry6} -g -w 1`,
            `ipvsadm -e ${vs} -r ${rs1.ip}:80 -g -w 0`, `ipvsadm -e ${vs} -r ${rs2.ip}:80 -g -w 0`,
            `ipvsadm -e ${vs6} -r [${rs1.ip6}]:80 -g -w 0`, `ipvsadm -e ${vs6} -r [${rs2.ip6}]:80 -g -w 0`,
        ].sort());
        expect(allOut.join("\n")).toMatch(new RegExp(`-> ${esc(sorry)}\\s+Route\\s+1\\s`));
        expect(await split(10)).toEqual({ [director.name]: 10 });
        expect(await sh(client, `curl -sS -m 5 -o /dev/null -w '%{http_code}' http://${service.vip}/`)).toBe("503");
        // Over IPv6 too: the director's nginx listens on [::]:80.
        expect(await split6(4)).toEqual({ [director.name]: 4 });

        ok(await lab.pulumi(["config", "set", "--path", "realServers[0].weight", "1"]), "config set realServers[0].weight");
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].weight", "3"]), "config set realServers[1].weight");
        expect(await preview()).toEqual({ update: ["lab-director-service"] });
        expect(updatedCount((await up("weights back, sorry server on")).stdout)).toBe(1);
        const back = ((await lab.readOutputs()).ipvsTable as string).split("\n");
        expect(back.filter((l) => l.startsWith("ipvsadm ")).sort()).toEqual([
            `ipvsadm -d ${vs} -r ${sorry}`, `ipvsadm -d ${vs6} -r ${sorry6}`,
            `ipvsadm -e ${vs} -r ${rs1.ip}:80 -g -w 1`, `ipvsadm -e ${vs} -r ${rs2.ip}:80 -g -w 3`,
            `ipvsadm -e ${vs6} -r [${rs1.ip6}]:80 -g -w 1`, `ipvsadm -e ${vs6} -r [${rs2.ip6}]:80 -g -w 3`,
        ].sort());
        expect(back.filter((l) => !l.startsWith("ipvsadm ")).join("\n")).not.toContain(sorry);
        expect(await split(40)).toEqual({ [rs1.name]: 10, [rs2.name]: 30 });
    });

    it("IPv6 turned off: one `up` re-runs the steps that hold IPv6 and leaves no IPv6 address, service or listener", async () => {
        const { director, client, realServers, service } = lab.spec;
        ok(await lab.pulumi(["config", "rm", "--path", "network.ipv6Cidr"]), "config rm network.ipv6Cidr");
        expect(await preview()).toEqual({
            update: ["lab-client-tools", "lab-client-verify", "lab-director-lvs", "lab-director-service", "lab-director-sorry", "lab-nginx1-lvs", "lab-nginx1-nginx", "lab-nginx2-lvs", "lab-nginx2-nginx"],
        });
        await up("IPv6 off");
        const v = await lab.readOutputs();
        expect(Object.keys(v.verification)).toEqual(["realServers"]);
        expect(Object.keys(v.verification.realServers).sort()).toEqual(["nginx1", "nginx2"]);
        // The reconciler's one change, the IPv6 service deleted (its servers with it), then a table without it.
        const printed = (v.ipvsTable as string).split("\n");
        expect(printed.filter((l) => l.startsWith("ipvsadm "))).toEqual([`ipvsadm -D -t [${service.vip6}]:80`]);
        expect(printed.filter((l) => !l.startsWith("ipvsadm ")).join("\n")).not.toContain("[");
        for (const h of [director, client, ...realServers]) {
            expect(await sh(h, `ip -o -6 addr show scope global`), h.name).toBe("");
        }
        expect((await lab.guests.sh(client, `systemctl is-enabled ${render.CLIENT_BOOT_STEP}.service`)).code).not.toBe(0);
        for (const s of realServers) expect(await sh(s, "ss -H -6 -ltn 'sport = :80'"), s.name).toBe("");
        ok(await lab.pulumi(["preview", "--expect-no-changes"]), "no change after IPv6 off");
    });

    it("firewall mark: ports 80 and 443 (TLS) as one service by the director's mark; with persistence the client stays on one real server across both", async () => {
        const { director, client, service } = lab.spec;
        for (const [key, value] of [["service.sorryServer", "false"], ["service.ports[1]", "443"], ["service.tlsPorts[0]", "443"], ["service.firewallMark", "1"], ["service.persistence", "300"]]) {
            ok(await lab.pulumi(["config", "set", "--path", key, value]), `config set ${key}`);
        }
        // The director's table and its sorry step (off again), and each nginx (TLS on 443).
        expect(await preview()).toEqual({ update: ["lab-director-service", "lab-director-sorry", "lab-nginx1-nginx", "lab-nginx2-nginx"] });
        await up("firewall mark 1 for 80 and 443");
        const table = (await lab.readOutputs()).ipvsTable as string;
        expect(table).toMatch(/^FWM {2}1 wrr persistent 300\s*$/m);
        expect(table).not.toMatch(/^TCP /m);
        // A mark's destinations keep each packet's port (shown as 0), with the weights the sorry case left (1 and 3).
        for (const [rs, weight] of lab.spec.realServers.map((s, i) => [s, [1, 3][i]] as const)) expect(table).toMatch(new RegExp(`-> ${esc(rs.ip)}:0\\s+Route\\s+${weight}\\s`));
        expect(await sh(director, `nft list table ${render.FWMARK_TABLE}`)).toMatch(new RegExp(`ip daddr ${esc(service.vip)} tcp dport \\{ 80, 443 \\} meta mark set 0x0*1\\b`));
        // The rules file reads back as ipvsadm-save prints the marked service: a second run changes nothing.
        expect(await sh(director, `${render.IPVS_APPLY} ${render.IPVS_RULES_PATH}`)).toBe("");
        // Four rounds of both ports from the client: one persistence entry for the mark, so one real server answers all eight.
        const rounds = `for _ in 1 2 3 4; do for url in http://${service.vip}/ https://${service.vip}/; do curl -ksS -m 5 -o /dev/null -D - "$url" | tr -d '\\r' | sed -n 's/^${render.REAL_SERVER_HEADER}: //Ip'; done; done`;
        expect(Object.values(tally(await sh(client, rounds)))).toEqual([8]);
        // 443 is TLS, with each real server's self-signed certificate for the VIP.
        expect(await sh(client, `curl -kvsS -m 5 -o /dev/null https://${service.vip}/ 2>&1 | grep -i 'subject:'`)).toContain(`CN=${service.vip}`);
    });

    it("grown in place to the dr-tomcat and dr-nfs backends, `up` creates only the new machines and re-runs steps of the others, replacing nothing", async () => {
        const before = new Set(allHosts(lab.spec).map((h) => `lab-${h.name}`));
        lab.setConfig(tomcatAndNfs());
        const added = allHosts(lab.spec).map((h) => `lab-${h.name}`).filter((m) => !before.has(m));
        expect(added.sort()).toEqual(["lab-nfs", "lab-tomcat1", "lab-tomcat2"]);
        const plan = await preview();
        expect(Object.keys(plan).sort()).toEqual(["create", "update"]);
        // Every resource created is one of the new machines'; the machines already up only re-run steps.
        expect(plan.create.filter((r) => !added.some((m) => r === m || r.startsWith(`${m}-`)))).toEqual([]);
        for (const m of added) expect(plan.create, m).toContain(`${m}-domain`);
        expect(plan.update.filter((r) => /-(domain|disk|seed|cloud-init|host-key|ssh)$/.test(r))).toEqual([]);
        const eventLog = join(lab.ws.dir, "grown.jsonl");
        await up("grown to tomcats and NFS (3 machines added)", "--event-log", eventLog);
        // For the record (docs/testing.md): where the new machines' time went.
        console.log(`vm-dr grown in place, seconds from its start:\n${machineTimeline(spans(eventLog), added)}`);
        const v = await lab.readOutputs();
        expect(v.verification.realServers).toEqual({ nginx1: 10, nginx2: 10 });
        // The stack has no firewall mark: the director's service step took the marking rules off.
        expect(await sh(lab.spec.director, "nft list tables")).not.toContain(render.FWMARK_TABLE.split(" ")[1]);
        expect(v.ipvsTable).toMatch(/^TCP {2}192\.168\.168\.100:80 /m);
        expect(Object.keys(v.verification.tomcats).sort()).toEqual(["tomcat1", "tomcat2"]);
        ok(await lab.pulumi(["preview", "--expect-no-changes"]), "no change after growing");
    });

    // Topology A (the dr-tomcat stack): nginx proxies `.jsp` to two tomcats weighted 2:1. One nginx
    // worker (one vCPU) runs nginx's smooth weighted round-robin, so any 3 picks in a row hold 2 of
    // tomcat1 and 1 of tomcat2.
    it("tomcats: static pages come from nginx, balanced by LVS; .jsp goes on to tomcat, split per the upstream weights on every nginx", async () => {
        const nginxes = lab.spec.realServers.map((s) => s.name);
        const statics = await pairs(lab, "/", 20);
        expect(pairsFit(statics, nginxes, 20, { "-": 1 }), JSON.stringify(statics)).toBe(true);
        // 60 requests: LVS gives each nginx 30 (pairsFit: or 29/31, as IPVS counted it), and each
        // nginx's upstream gives 2/3 to weight 2 and 1/3 to weight 1: 20 and 10 of 30.
        const jsp = await pairs(lab, "/index.jsp", 60);
        expect(pairsFit(jsp, nginxes, 60, { tomcat1: 2, tomcat2: 1 }), JSON.stringify(jsp)).toBe(true);
    });

    it("tomcats: a weight changed in the stack reaches every nginx's upstream through `pulumi up`", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "tomcats[1].weight", "2"]), "config set tomcats[1].weight");
        const r = await up("one tomcat weight changed");
        // Only the two nginx steps hold the upstream.
        expect(updatedCount(r.stdout)).toBe(2);
        const jsp = await pairs(lab, "/index.jsp", 60);
        expect(pairsFit(jsp, lab.spec.realServers.map((s) => s.name), 60, { tomcat1: 2, tomcat2: 2 }), JSON.stringify(jsp)).toBe(true);
    });

    // Topology B (the dr-nfs stack): what the NFS server holds is what every real server serves.
    it("NFS: each web root is the NFS mount of its export, which the NFS server keeps root-owned and scoped to the lab's subnet", async () => {
        const nfs = lab.spec.nfs!;
        for (const s of lab.spec.realServers) {
            expect(await sh(s, `findmnt -n -o SOURCE,FSTYPE ${render.WEB_ROOT}`)).toMatch(new RegExp(`^${esc(nfs.ip)}:${s.nfsExport}\\s+nfs4?\\n$`));
            // Straight from the real server, the page is the export's file (the verification covered the VIP).
            const page = await sh(nfs, `cat ${s.nfsExport}/index.html`);
            expect(page).toBe(`${render.exportPage(nfs, s.nfsExport!)}\n`);
            expect(await sh(lab.spec.client, `curl -sS -m 5 http://${s.ip}/`)).toBe(page);
        }
        expect(await sh(nfs, `stat -c '%U:%G %a %n' ${nfs.exports.join(" ")}`)).toBe(nfs.exports.map((p) => `root:root 755 ${p}\n`).join(""));
        const exported = await sh(nfs, "exportfs -v");
        for (const p of nfs.exports) expect(exported).toMatch(new RegExp(`${p}\\s+${esc(lab.spec.network.cidr)}\\(`));
    });

    it("NFS: with one export on every real server (set through `pulumi up`), a file written on the NFS server is served byte-identical by each of them", async () => {
        const nfs = lab.spec.nfs!;
        const [web1, web2] = lab.spec.realServers;
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].nfsExport", web1.nfsExport!]), "config set realServers[1].nfsExport");
        const up1 = await up("one export on both real servers");
        expect(updatedCount(up1.stdout)).toBe(1);
        expect(await sh(web2, `findmnt -n -o SOURCE ${render.WEB_ROOT}`)).toBe(`${nfs.ip}:${web1.nfsExport}\n`);
        const file = `${web1.nfsExport}/shared.txt`;
        const written = (await sh(nfs, `head -c 49152 /dev/urandom | base64 >${file} && sha256sum <${file}`)).trim();
        for (const s of [web1, web2]) expect((await sh(lab.spec.client, `curl -sS -m 5 http://${s.ip}/shared.txt | sha256sum`)).trim()).toBe(written);
        // Through the VIP: both real servers answer, each with the same bytes.
        // Each request's files are removed first, so one that fails counts as no server, not the one before.
        const viaVip = await sh(lab.spec.client, `for _ in $(seq 10); do rm -f /tmp/h /tmp/b; curl -sS -m 5 -D /tmp/h -o /tmp/b http://${lab.spec.service.vip}/shared.txt; echo "$(tr -d '\\r' </tmp/h | awk -F': ' 'tolower($1) == tolower("${render.REAL_SERVER_HEADER}") { print $2 }') $(sha256sum </tmp/b)"; done`);
        expect(tally(viaVip)).toEqual({ [`${web1.name} ${written}`]: 5, [`${web2.name} ${written}`]: 5 });
        await sh(nfs, `rm -f ${file}`);
        expect(await split(10)).toEqual({ [web1.name]: 5, [web2.name]: 5 });
    });

    it("destroy never dials a guest and leaves no domain, volume, network or pool of the stack", async () => {
        // Every machine powered off first: a step that dialled its guest on the way out would find no
        // sshd and fail, printing its retries ("Dial 1/10 failed"); a running guest answers it silently.
        for (const h of allHosts(lab.spec)) ok(await sandbox.virsh("destroy", h.domainName), `power off ${h.name}`);
        const r = await timed("destroy", async () => ok(await lab.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy"));
        expect(r.stdout).not.toContain("Dial ");
        expect(await leftovers(name)).toEqual([]);
    });
});
