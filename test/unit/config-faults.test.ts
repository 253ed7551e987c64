import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
    ConfigIssue,
    DEFAULT_IMAGE,
    GUEST_SYSTEM_ACCOUNTS,
    LabConfigError,
    applyFixLines,
    decodeConfigValue,
    labConfigIssues,
    parseLabConfig,
    printedFixLines,
} from "../../components/config";
import { loadStackConfig, stackNames } from "../stacks";
import { propertyRuns } from "./propertyRuns";

/**
 * Property tests of the whole report: configs with several faults of different kinds at once.
 * Every fault must be reported at its key with a fix; running one issue's printed fix makes that
 * issue's key pass; running every printed fix, in order, leaves a config that passes.
 */

type Raw = Record<string, any>;

/** One fault put into a config: the keys it writes and reads, and the key the report must name. */
interface Fault {
    kind: string;
    writes: string[];
    reads: string[];
    reported: string;
    /**
     * The value the report must show as given, when the fault gave one; absent when the fault is a
     * missing key, or a key (or section) that must not be there at all, which the report names.
     */
    given?: { value: unknown };
}

/** A way to break a config; returns undefined when it does not apply to this config. */
type Breaker = (raw: Raw, pick: number) => Fault | undefined;

const hostKeys = (raw: Raw): string[] => [
    "director",
    ...(raw.ha?.peers ?? []).map((_: unknown, i: number) => `ha.peers[${i}]`),
    ...raw.realServers.map((_: unknown, i: number) => `realServers[${i}]`),
    ...(raw.tomcats ?? []).map((_: unknown, i: number) => `tomcats[${i}]`),
    ...(raw.nfs ? ["nfs"] : []),
    "client",
];
const at = (raw: Raw, key: string): any => key.split(/[.[\]]+/).filter(Boolean).reduce((o, k) => o[k], raw);
const choose = <T>(list: readonly T[], pick: number): T => list[pick % list.length];
const mode = (raw: Raw): string => raw.service.mode ?? "dr";
const fault = (kind: string, reported: string, writes: string[], reads: string[] = [], given?: { value: unknown }): Fault => ({ kind, reported, writes, reads, ...(given ? { given } : {}) });
/** A fault that gave a value: the report must show it. */
const gave = (kind: string, reported: string, value: unknown, writes: string[], reads: string[] = []): Fault => fault(kind, reported, writes, reads, { value });

const breakers: Record<string, Breaker> = {
    weightOfWrongType: (raw, pick) => {
        const i = pick % raw.realServers.length;
        raw.realServers[i].weight = choose(["three", true, "5", [1]], pick);
        return gave("weightOfWrongType", `realServers[${i}].weight`, raw.realServers[i].weight, [`realServers[${i}].weight`]);
    },
    weightOutOfRange: (raw, pick) => {
        const i = pick % raw.realServers.length;
        raw.realServers[i].weight = pick % 2 ? -1 - pick : 65536 + pick;
        return gave("weightOutOfRange", `realServers[${i}].weight`, raw.realServers[i].weight, [`realServers[${i}].weight`]);
    },
    portsAsNumber: (raw, pick) => {
        raw.service.ports = choose([80, 8080, 443], pick);
        return gave("portsAsNumber", "service.ports", raw.service.ports, ["service.ports"]);
    },
    portOutOfRange: (raw, pick) => {
        raw.service.ports = [pick % 2 ? 0 : 65536 + pick];
        return gave("portOutOfRange", "service.ports[0]", raw.service.ports[0], ["service.ports"]);
    },
    portTwice: (raw) => {
        raw.service.ports = [80, 81, 80];
        return gave("portTwice", "service.ports", 80, ["service.ports"]);
    },
    sshPort: (raw) => {
        raw.service.ports = [22];
        return gave("sshPort", "service.ports[0]", 22, ["service.ports"], ["service.mode"]);
    },
    nopreemptAsText: (raw, pick) => {
        if (!raw.ha) return undefined;
        raw.ha.nopreempt = choose(["yes", "no", "maybe"], pick);
        return gave("nopreemptAsText", "ha.nopreempt", raw.ha.nopreempt, ["ha.nopreempt"]);
    },
    unknownKey: (raw, pick) => {
        const [parent, key] = choose([["service", "shceduler"], ["network", "cdir"], ["", "servcie"], [`realServers[${pick % raw.realServers.length}]`, "wieght"]], pick);
        const target = parent ? at(raw, parent) : raw;
        target[key] = "wrr";
        const path = parent ? `${parent}.${key}` : key;
        return fault("unknownKey", path, [path]);
    },
    outsideTheNetwork: (raw, pick) => {
        const host = choose(hostKeys(raw), pick);
        at(raw, host).ip = `10.${pick % 250}.0.7`;
        return gave("outsideTheNetwork", `${host}.ip`, at(raw, host).ip, [`${host}.ip`]);
    },
    addressTwice: (raw, pick) => {
        const hosts = hostKeys(raw);
        const host = hosts[1 + (pick % (hosts.length - 1))];
        at(raw, host).ip = raw.director.ip;
        return gave("addressTwice", `${host}.ip`, raw.director.ip, [`${host}.ip`], ["director.ip"]);
    },
    nameTwice: (raw, pick) => {
        const hosts = hostKeys(raw);
        const host = hosts[1 + (pick % (hosts.length - 1))];
        at(raw, host).name = raw.director.name;
        return gave("nameTwice", `${host}.name`, raw.director.name, [`${host}.name`], ["director.name"]);
    },
    vipIsAHost: (raw, pick) => {
        const host = choose(hostKeys(raw), pick);
        raw.service.vip = at(raw, host).ip;
        return gave("vipIsAHost", "service.vip", raw.service.vip, ["service.vip"], [`${host}.ip`]);
    },
    persistenceTooLong: (raw, pick) => {
        raw.service.persistence = 2_678_401 + pick;
        return gave("persistenceTooLong", "service.persistence", raw.service.persistence, ["service.persistence"]);
    },
    unusableMac: (raw, pick) => {
        const host = choose(hostKeys(raw), pick);
        at(raw, host).mac = choose(["01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "fe:54:00:00:00:01", "00:00:00:00:00:00", "33:33:00:00:00:01"], pick);
        return gave("unusableMac", `${host}.mac`, at(raw, host).mac, [`${host}.mac`]);
    },
    unusableNetwork: (raw, pick) => {
        raw.network.cidr = choose(["0.0.0.0/0", "127.0.0.0/8", "224.0.0.0/24", "240.0.0.0/24", `${raw.network.cidr.split("/")[0]}/33`, "10.0.0.0/30"], pick);
        return gave("unusableNetwork", "network.cidr", raw.network.cidr, ["network.cidr"]);
    },
    gatewayIsTheVip: (raw, pick) => {
        if (mode(raw) === "nat") return undefined;
        const i = pick % raw.realServers.length;
        raw.realServers[i].gateway = raw.service.vip;
        return gave("gatewayIsTheVip", `realServers[${i}].gateway`, raw.service.vip, [`realServers[${i}].gateway`], ["service.vip", "service.mode"]);
    },
    gatewayIsItself: (raw, pick) => {
        if (mode(raw) === "nat") return undefined;
        const i = pick % raw.realServers.length;
        raw.realServers[i].gateway = raw.realServers[i].ip;
        return gave("gatewayIsItself", `realServers[${i}].gateway`, raw.realServers[i].ip, [`realServers[${i}].gateway`], [`realServers[${i}].ip`, "service.mode"]);
    },
    gatewayIsADirector: (raw, pick) => {
        if (mode(raw) === "nat") return undefined;
        const i = pick % raw.realServers.length;
        const director = choose(["director", ...(raw.ha?.peers ?? []).map((_: unknown, k: number) => `ha.peers[${k}]`)], pick);
        raw.realServers[i].gateway = at(raw, director).ip;
        return gave("gatewayIsADirector", `realServers[${i}].gateway`, raw.realServers[i].gateway, [`realServers[${i}].gateway`], [`${director}.ip`, "service.mode"]);
    },
    udp: (raw) => {
        raw.service.protocol = "udp";
        return gave("udp", "service.protocol", "udp", ["service.protocol"]);
    },
    firewallMarkInNat: (raw, pick) => {
        if (mode(raw) !== "nat") return undefined;
        raw.service.firewallMark = 1 + pick;
        return fault("firewallMarkInNat", "service.firewallMark", ["service.firewallMark"], ["service.mode"]);
    },
    tlsPortNotAServicePort: (raw, pick) => {
        if (mode(raw) === "nat" || raw.service.sorryServer) return undefined;
        const port = choose([8443, 444, 9443], pick);
        raw.service.tlsPorts = [port];
        return gave("tlsPortNotAServicePort", "service.tlsPorts[0]", port, ["service.tlsPorts"], ["service.ports"]);
    },
    udpPortTwice: (raw, pick) => {
        const port = choose([53, 5300, 80], pick);
        raw.service.udpPorts = [port, 5301, port];
        return gave("udpPortTwice", "service.udpPorts", port, ["service.udpPorts"]);
    },
    opsWithoutUdp: (raw) => {
        raw.service.ops = true;
        raw.service.udpPorts = [];
        return fault("opsWithoutUdp", "service.ops", ["service.ops", "service.udpPorts"]);
    },
    missingImage: (raw, pick) => {
        raw.image.source = `/srv/missing-${pick}.qcow2`;
        return gave("missingImage", "image.source", raw.image.source, ["image.source"]);
    },
    modeMisspelt: (raw, pick) => {
        raw.service.mode = choose(["DR", "direct", "nat ", "tunnel"], pick);
        return gave("modeMisspelt", "service.mode", raw.service.mode, ["service.mode"]);
    },
    unknownScheduler: (raw, pick) => {
        raw.service.scheduler = choose(["fastest", "WRR", "round-robin"], pick);
        return gave("unknownScheduler", "service.scheduler", raw.service.scheduler, ["service.scheduler"]);
    },
    missingSection: (raw, pick) => {
        const key = choose(["client", "director", "image"], pick);
        delete raw[key];
        return fault("missingSection", key, [key]);
    },
    itemNotAMap: (raw, pick) => {
        const list = choose(["realServers", "tomcats"], pick);
        if ((raw[list]?.length ?? 0) < 2) return undefined;
        const i = raw[list].length - 1;
        raw[list][i] = "web9";
        return gave("itemNotAMap", `${list}[${i}]`, "web9", [`${list}[${i}]`]);
    },
    exportNotListed: (raw, pick) => {
        if (!raw.nfs) return undefined;
        const i = pick % raw.realServers.length;
        raw.realServers[i].nfsExport = "/opt/other";
        return gave("exportNotListed", `realServers[${i}].nfsExport`, "/opt/other", [`realServers[${i}].nfsExport`], ["nfs.exports"]);
    },
    nicTooLong: (raw) => {
        raw.director.nic = "enp0s31f6abcdef";
        return gave("nicTooLong", "director.nic", raw.director.nic, ["director.nic"]);
    },
    priorityTwice: (raw) => {
        if (!raw.ha) return undefined;
        raw.ha.peers[0].priority = raw.director.priority ?? 150;
        return gave("priorityTwice", "ha.peers[0].priority", raw.ha.peers[0].priority, ["ha.peers[0].priority"], ["director.priority"]);
    },
    routerIdOutOfRange: (raw, pick) => {
        if (!raw.ha) return undefined;
        raw.ha.virtualRouterId = 256 + pick;
        return gave("routerIdOutOfRange", "ha.virtualRouterId", raw.ha.virtualRouterId, ["ha.virtualRouterId"]);
    },
    natGatewayOutsideNat: (raw) => {
        if (!raw.ha || mode(raw) === "nat") return undefined;
        raw.ha.natGateway = { ip: "192.168.169.254", virtualRouterId: 52 };
        return fault("natGatewayOutsideNat", "ha.natGateway", ["ha.natGateway"], ["service.mode"]);
    },
    healthCheckWithoutHa: (raw) => {
        if (raw.ha) return undefined;
        raw.service.healthCheck = { type: "tcp" };
        return fault("healthCheckWithoutHa", "service.healthCheck", ["service.healthCheck", "ha"]);
    },
    kernelWithoutInitrd: (raw) => {
        raw.image.kernel = "/boot/vmlinuz";
        return gave("kernelWithoutInitrd", "image.kernel", raw.image.kernel, ["image.kernel", "image.initrd"]);
    },
    cmdlineWithoutKernel: (raw, pick) => {
        raw.image.cmdline = choose(["console=ttyS0", "quiet", "root=LABEL=lvs-root ro"], pick);
        return gave("cmdlineWithoutKernel", "image.cmdline", raw.image.cmdline, ["image.cmdline"], ["image.kernel"]);
    },
    sshUserSystemAccount: (raw, pick) => {
        raw.sshUser = choose(GUEST_SYSTEM_ACCOUNTS, pick);
        return gave("sshUserSystemAccount", "sshUser", raw.sshUser, ["sshUser"]);
    },
    sshUserOfWrongType: (raw, pick) => {
        raw.sshUser = choose([5, ["lab"], "Lab User"], pick);
        return gave("sshUserOfWrongType", "sshUser", raw.sshUser, ["sshUser"]);
    },
    hostAtTheGateway: (raw, pick) => {
        const host = choose(hostKeys(raw), pick);
        at(raw, host).ip = raw.network.cidr.replace(/0\/\d+$/, "1");
        return gave("hostAtTheGateway", `${host}.ip`, at(raw, host).ip, [`${host}.ip`], ["network.cidr", "network.gateway"]);
    },
    macTwice: (raw, pick) => {
        const hosts = hostKeys(raw);
        const host = hosts[1 + (pick % (hosts.length - 1))];
        at(raw, host).mac = `52:54:00:${raw.director.ip.split(".").slice(1).map((o: string) => Number(o).toString(16).padStart(2, "0")).join(":")}`;
        return gave("macTwice", `${host}.mac`, at(raw, host).mac, [`${host}.mac`], ["director.ip", "director.mac"]);
    },
    exportTwice: (raw) => {
        if (!raw.nfs) return undefined;
        raw.nfs.exports = [...raw.nfs.exports, raw.nfs.exports[0]];
        return gave("exportTwice", "nfs.exports", raw.nfs.exports[0], ["nfs.exports"]);
    },
    sectionOfWrongType: (raw, pick) => {
        const [key, value] = choose([["service.healthCheck", "yes"], ["ha.peers", "director2"], ["service", "web"], ["client", null], ["tomcats", 2]] as const, pick);
        if (key.startsWith("ha.") && !raw.ha) return undefined;
        const [parent, leaf] = key.includes(".") ? [at(raw, key.split(".")[0]), key.split(".")[1]] : [raw, key];
        parent[leaf] = value;
        return gave("sectionOfWrongType", key, value, [key]);
    },
    haWithoutNatGateway: (raw) => {
        if (raw.ha || mode(raw) !== "nat") return undefined;
        raw.ha = { peers: [{ name: "director9", ip: raw.client.ip.replace(/\d+$/, "9") }] };
        return fault("haWithoutNatGateway", "ha.natGateway.ip", ["ha"], ["service.mode", "client.ip"]);
    },
    portRemapWithoutNat: (raw, pick) => {
        if (mode(raw) === "nat") return undefined;
        const i = pick % raw.realServers.length;
        raw.realServers[i].port = 8081;
        return gave("portRemapWithoutNat", `realServers[${i}].port`, 8081, [`realServers[${i}].port`], ["service.mode", "service.ports"]);
    },
    badNames: (raw, pick) => {
        const [key, value] = choose([["network.name", "Bad_Name"], ["client.name", "client-"], ["director.name", "1st"], ["network.name", "much-too-long-name"]], pick);
        const [section, leaf] = key.split(".");
        raw[section][leaf] = value;
        return gave("badNames", key, value, [key]);
    },
    ownerPriority: (raw) => {
        if (!raw.ha) return undefined;
        raw.director.priority = 255;
        return gave("ownerPriority", "director.priority", 255, ["director.priority"]);
    },
    portOfWrongType: (raw) => {
        raw.service.ports = [80, "http"];
        return gave("portOfWrongType", "service.ports[1]", "http", ["service.ports"]);
    },
    wrongGateway: (raw) => {
        raw.network.gateway = raw.client.ip;
        return gave("wrongGateway", "network.gateway", raw.client.ip, ["network.gateway"], ["client.ip"]);
    },
};

/** True when two key paths overlap: one is the other or inside it. */
const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`) || a === "" || b === "";

/**
 * Breaks a stack's config with independent faults: none writes a key another one writes or reads,
 * so each fault is visible on its own.
 */
function broken(stack: string, plan: [string, number][]): { raw: Raw; faults: Fault[] } {
    const raw = structuredClone(loadStackConfig(stack)) as Raw;
    const faults: Fault[] = [];
    for (const [kind, pick] of plan) {
        let f: Fault | undefined;
        try {
            f = breakers[kind](structuredClone(raw), pick);
        } catch {
            continue; // the fault's keys are gone (an earlier fault removed their section)
        }
        if (!f) continue;
        const clash = faults.some((g) => f.writes.some((w) => [...g.writes, ...g.reads].some((k) => overlaps(w, k))) || f.reads.some((r) => g.writes.some((w) => overlaps(r, w))));
        if (clash) continue;
        breakers[kind](raw, pick);
        faults.push(f);
    }
    return { raw, faults };
}

/** A file system with the lab's image present or not; `npm run setup` builds it. */
const files = (imageBuilt: boolean) => (path: string) => imageBuilt && path === DEFAULT_IMAGE;

/** The error a config raises, or undefined when it passes. */
function errorOf(raw: Raw, exists: (p: string) => boolean): LabConfigError | undefined {
    try {
        parseLabConfig(raw, { exists });
        return undefined;
    } catch (e) {
        expect(e).toBeInstanceOf(LabConfigError);
        return e as LabConfigError;
    }
}

/** Runs printed fix lines the way a user would; `npm run setup` builds the image. */
function runFixes(raw: Raw, lines: string[], imageBuilt: boolean): { raw: Raw; imageBuilt: boolean } {
    return { raw: applyFixLines(raw, lines, decodeConfigValue), imageBuilt: imageBuilt || lines.some((l) => l.includes("npm run setup")) };
}

describe("the faults the properties put in", () => {
    // The properties skip a fault that does not apply to the config or whose breaker throws, and
    // pass a run with no fault at all: a breaker that never applies would quietly leave them.
    it.each(Object.keys(breakers))("%s applies to a stack file's config and, alone, is reported at its key", (kind) => {
        const applied = stackNames().flatMap((stack) => {
            const raw = structuredClone(loadStackConfig(stack)) as Raw;
            const f = breakers[kind](raw, 0);
            return f ? [{ stack, f, error: errorOf(raw, files(true)) }] : [];
        });
        expect(applied.length, `${kind} applies to no stack`).toBeGreaterThan(0);
        for (const { stack, f, error } of applied) expect(error?.issues.map((i) => i.path), `${kind} on ${stack}`).toContain(f.reported);
    });
});

describe("what each fault alone prints", () => {
    // Every message and fix a user reads for each fault, for each stack file it applies to (three
    // variants of each), against the committed copy: a changed word shows as a diff to review.
    // `-u` writes the copy after a deliberate change.
    it("is the committed test/unit/messages/config-errors.txt", async () => {
        const printed = new Set<string>();
        const sections: string[] = [];
        for (const kind of Object.keys(breakers)) {
            for (const stack of stackNames()) {
                for (let pick = 0; pick < 3; pick++) {
                    const raw = structuredClone(loadStackConfig(stack)) as Raw;
                    if (!breakers[kind](raw, pick)) continue;
                    const message = errorOf(raw, files(true))?.message ?? "(accepted)";
                    if (printed.has(message)) continue;
                    printed.add(message);
                    sections.push(`## ${kind} (stack ${stack}, variant ${pick})\n${message}\n`);
                }
            }
        }
        await expect(sections.join("\n")).toMatchFileSnapshot("messages/config-errors.txt");
    });
});

const plans = fc.array(fc.tuple(fc.constantFrom(...Object.keys(breakers)), fc.nat(10_000)), { minLength: 2, maxLength: 6 });

describe("property: several faults at once", () => {
    it("reports every fault at its key, each with a fix command and what was given", () => {
        fc.assert(
            fc.property(fc.constantFrom(...stackNames()), plans, fc.boolean(), (stack, plan, imageBuilt) => {
                const { raw, faults } = broken(stack, plan);
                const error = errorOf(raw, files(imageBuilt));
                if (faults.length === 0) return;
                expect(error, `faults ${faults.map((f) => f.kind).join(", ")} were accepted`).toBeDefined();
                const paths = error!.issues.map((i) => i.path);
                for (const f of faults) {
                    expect(paths, `${f.kind} at ${f.reported}`).toContain(f.reported);
                    if (!f.given) continue;
                    // As typed (an address, a number) or as the schema's messages quote it ("DR", [1]).
                    const shown = [String(f.given.value), JSON.stringify(f.given.value)];
                    const messages = error!.issues.filter((i) => i.path === f.reported).map((i) => i.message);
                    expect(messages.some((m) => shown.some((s) => m.includes(s))), `${f.kind} at ${f.reported} does not say it was given ${shown[1]}: ${messages.join(" | ")}`).toBe(true);
                }
                for (const issue of error!.issues) {
                    expect(issue.fix.length, `${issue.path} has no fix`).toBeGreaterThan(0);
                    expect(issue.message).not.toContain("undefined");
                }
                expect(error!.message).not.toContain("<value>");
                expect(printedFixLines(error!.message)).toHaveLength(error!.issues.length);
            }),
            { numRuns: propertyRuns(500) },
        );
    });

    it("one issue's printed fix makes its key pass", () => {
        fc.assert(
            fc.property(fc.constantFrom(...stackNames()), plans, fc.boolean(), (stack, plan, imageBuilt) => {
                const { raw } = broken(stack, plan);
                const error = errorOf(raw, files(imageBuilt));
                if (!error) return;
                const lines = printedFixLines(error.message);
                error.issues.forEach((issue: ConfigIssue, i: number) => {
                    const after = runFixes(raw, [lines[i]], imageBuilt);
                    const again = labConfigIssues(after.raw, { exists: files(after.imageBuilt) });
                    expect(again.filter((j) => j.path === issue.path && j.message === issue.message), `${issue.path}: ${lines[i]}`).toEqual([]);
                });
            }),
            { numRuns: propertyRuns(200) },
        );
    });

    it("every printed fix, run in order, leaves a config that passes", () => {
        fc.assert(
            fc.property(fc.constantFrom(...stackNames()), plans, fc.boolean(), (stack, plan, imageBuilt) => {
                const { raw } = broken(stack, plan);
                const error = errorOf(raw, files(imageBuilt));
                if (!error) return;
                const after = runFixes(raw, printedFixLines(error.message), imageBuilt);
                const left = errorOf(after.raw, files(after.imageBuilt));
                expect(left?.message, `after:\n${error.message}`).toBeUndefined();
            }),
            { numRuns: propertyRuns(500) },
        );
    });
});
