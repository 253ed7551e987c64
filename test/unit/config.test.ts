import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabConfigError, allHosts, directors, parseLabConfig } from "../../components/config";
import { loadStackConfig, stackNames } from "../stacks";

const base = () => structuredClone(loadStackConfig("dr-tomcat")) as any;

function issuesOf(raw: unknown): { path: string; message: string }[] {
    try {
        parseLabConfig(raw);
    } catch (e) {
        expect(e).toBeInstanceOf(LabConfigError);
        return [...(e as LabConfigError).issues];
    }
    throw new Error("config was accepted");
}

describe("stack files", () => {
    it.each(stackNames())("%s parses into a lab spec", (name) => {
        const spec = parseLabConfig(loadStackConfig(name));
        expect(spec.realServers.length).toBeGreaterThan(0);
        expect(spec.director.nic).toBe("ens33");
    });

    it("ships a stack per reference topology and mode", () => {
        expect(stackNames()).toEqual(["default", "dr-nfs", "dr-tomcat", "ha", "nat", "tun"]);
    });
});

describe("defaults", () => {
    it("derives the gateway, MACs, bridge, pool and per-role sizes", () => {
        const spec = parseLabConfig(loadStackConfig("default"));
        expect(spec.network).toMatchObject({ gateway: "192.168.168.1", prefix: 24, netmask: "255.255.255.0", bridge: "lvs-default" });
        expect(spec.libvirt).toEqual({ uri: "qemu:///system", pool: "lvs-default", poolPath: "/var/lib/libvirt/images/lvs-default" });
        expect(spec.director.mac).toBe("52:54:00:a8:a8:32");
        expect(spec.realServers[0]).toMatchObject({ weight: 1, port: 80, gateway: "192.168.168.1", vcpus: 1, memoryMiB: 512 });
        expect(spec.service).toEqual({
            vip: "192.168.168.100", protocol: "tcp", ports: [80], mode: "dr", scheduler: "rr", persistence: 0,
            healthCheck: { type: "http", path: "/", interval: 2, timeout: 2, retries: 1, retryDelay: 1 },
        });
        expect(spec.ha).toBeUndefined();
        expect(directors(spec)).toEqual([spec.director]);
    });

    it("routes NAT real servers through the director", () => {
        const spec = parseLabConfig(loadStackConfig("nat"));
        expect(spec.realServers.map((r) => r.gateway)).toEqual(["172.25.7.2", "172.25.7.2"]);
    });
});

describe("exact messages", () => {
    it("names the key path and shows the fix for an address outside the CIDR", () => {
        const raw = base();
        raw.realServers[1].ip = "10.0.0.5";
        expect(() => parseLabConfig(raw)).toThrow(
            "realServers[1].ip: 10.0.0.5 is not a host address of network.cidr 192.168.168.0/24\n    fix: pulumi config set --path 'lvs-lab:realServers[1].ip' 192.168.168.200",
        );
    });

    it("rejects a duplicate name", () => {
        const raw = base();
        raw.tomcats[0].name = "nginx1";
        expect(() => parseLabConfig(raw)).toThrow("tomcats[0].name: name nginx1 is already used by realServers[0].name");
    });

    it("rejects a duplicate address", () => {
        const raw = base();
        raw.client.ip = "192.168.168.40";
        expect(() => parseLabConfig(raw)).toThrow("client.ip: address 192.168.168.40 is already used by tomcats[0].ip");
    });

    it("rejects a duplicate MAC", () => {
        const raw = base();
        raw.client.mac = "52:54:00:a8:a8:0a";
        expect(() => parseLabConfig(raw)).toThrow("client.mac: MAC 52:54:00:a8:a8:0a is already used by realServers[0].mac");
    });

    it("rejects a VIP that is a host's address", () => {
        const raw = base();
        raw.service.vip = "192.168.168.50";
        expect(() => parseLabConfig(raw)).toThrow("service.vip: 192.168.168.50 is also the address of director; the VIP must be its own address");
    });

    it("requires NAT real servers to use the director as gateway", () => {
        const raw = structuredClone(loadStackConfig("nat")) as any;
        raw.realServers[0].gateway = "172.25.7.1";
        expect(() => parseLabConfig(raw)).toThrow(
            "realServers[0].gateway: NAT sends replies back through the director, so the gateway must be director.ip 172.25.7.2\n    fix: pulumi config set --path 'lvs-lab:realServers[0].gateway' 172.25.7.2",
        );
    });

    it("forbids the director as gateway in DR", () => {
        const raw = base();
        raw.realServers[0].gateway = "192.168.168.50";
        expect(() => parseLabConfig(raw)).toThrow("realServers[0].gateway: in DR mode replies bypass the director, so the gateway must not be director.ip 192.168.168.50");
    });

    it("forbids a port remap in TUN", () => {
        const raw = structuredClone(loadStackConfig("tun")) as any;
        raw.realServers[1].port = 8080;
        expect(() => parseLabConfig(raw)).toThrow("realServers[1].port: TUN forwards packets without rewriting the port, so it must equal service.ports (80)");
    });

    it("rejects a weight out of range", () => {
        const raw = base();
        raw.realServers[0].weight = 70000;
        expect(() => parseLabConfig(raw)).toThrow("realServers[0].weight: must be a weight from 0 to 65535");
    });

    it("rejects an unknown scheduler and lists the choices", () => {
        const raw = base();
        raw.service.scheduler = "fastest";
        expect(() => parseLabConfig(raw)).toThrow(/service\.scheduler: .*"rr"\|"wrr"\|"lc"/);
    });

    it("rejects an NFS export the server does not have", () => {
        const raw = structuredClone(loadStackConfig("dr-nfs")) as any;
        raw.realServers[0].nfsExport = "/opt/other";
        expect(() => parseLabConfig(raw)).toThrow("realServers[0].nfsExport: /opt/other is not one of nfs.exports (/opt/kgc, /opt/benet)");
    });

    it("reports a missing section as required", () => {
        const raw = base();
        delete raw.director;
        expect(() => parseLabConfig(raw)).toThrow("director: is required");
    });

    it("reports unknown keys, e.g. a typo", () => {
        const raw = base();
        raw.service.sheduler = "rr";
        expect(() => parseLabConfig(raw)).toThrow("service: unknown key(s) 'sheduler'");
    });

    it("lists every problem at once", () => {
        const raw = base();
        raw.realServers[0].ip = "10.1.1.1";
        raw.client.name = "director";
        expect(issuesOf(raw).map((i) => i.path)).toEqual(["realServers[0].ip", "client.name"]);
    });
});

/** One way to break a valid config, with the key path the error must name. */
type Mutation = (raw: any, pick: number) => string;

const hostPaths = (raw: any): string[] => [
    "director",
    ...raw.realServers.map((_: unknown, i: number) => `realServers[${i}]`),
    ...raw.tomcats.map((_: unknown, i: number) => `tomcats[${i}]`),
    "client",
];
const at = (raw: any, path: string): any => path.split(/[.[\]]+/).filter(Boolean).reduce((o, k) => o[k], raw);

const mutations: Record<string, Mutation> = {
    outsideCidr: (raw, pick) => {
        const path = hostPaths(raw)[pick % hostPaths(raw).length];
        at(raw, path).ip = `10.${pick % 250}.0.7`;
        return `${path}.ip`;
    },
    duplicateAddress: (raw, pick) => {
        const paths = hostPaths(raw);
        const path = paths[1 + (pick % (paths.length - 1))];
        at(raw, path).ip = raw.director.ip;
        return `${path}.ip`;
    },
    duplicateName: (raw, pick) => {
        const paths = hostPaths(raw);
        const path = paths[1 + (pick % (paths.length - 1))];
        at(raw, path).name = raw.director.name;
        return `${path}.name`;
    },
    vipIsHost: (raw, pick) => {
        const paths = hostPaths(raw);
        raw.service.vip = at(raw, paths[pick % paths.length]).ip;
        return "service.vip";
    },
    weightRange: (raw, pick) => {
        const i = pick % raw.realServers.length;
        raw.realServers[i].weight = pick % 2 ? -1 - pick : 65536 + pick;
        return `realServers[${i}].weight`;
    },
    portRange: (raw, pick) => {
        raw.service.ports = [pick % 2 ? 0 : 65536 + pick];
        return "service.ports[0]";
    },
    badAddress: (raw, pick) => {
        const path = hostPaths(raw)[pick % hostPaths(raw).length];
        at(raw, path).ip = `192.168.168.${256 + pick}`;
        return `${path}.ip`;
    },
    directorAsGatewayInDr: (raw, pick) => {
        const i = pick % raw.realServers.length;
        raw.realServers[i].gateway = raw.director.ip;
        return `realServers[${i}].gateway`;
    },
};

describe("property: every mutated config is rejected, naming the key", () => {
    it("holds for random mutations", () => {
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(mutations)), fc.nat(10_000), (kind, pick) => {
                const raw = base();
                const path = mutations[kind](raw, pick);
                const issues = issuesOf(raw);
                expect(issues.map((i) => i.path)).toContain(path);
                for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
            }),
            { numRuns: 300 },
        );
    });
});

describe("property: generated valid labs are accepted", () => {
    it("holds for any mode, scheduler, server count and weights", () => {
        const schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"];
        fc.assert(
            fc.property(
                fc.constantFrom("dr", "nat", "tun"),
                fc.constantFrom(...schedulers),
                fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 12 }),
                fc.integer({ min: 0, max: 3600 }),
                (mode, scheduler, weights, persistence) => {
                    const raw = {
                        network: { name: "gen", cidr: "10.20.30.0/24" },
                        image: { source: "/images/x.qcow2" },
                        service: { vip: "10.20.30.250", mode, scheduler, persistence },
                        director: { name: "director", ip: "10.20.30.2" },
                        realServers: weights.map((weight, i) => ({ name: `rs${i}`, ip: `10.20.30.${10 + i}`, weight })),
                        client: { name: "client", ip: "10.20.30.200" },
                    };
                    const spec = parseLabConfig(raw);
                    const macs = [spec.director, ...spec.realServers, spec.client].map((h) => h.mac);
                    expect(new Set(macs).size).toBe(macs.length);
                    expect(spec.realServers.map((r) => r.weight)).toEqual(weights);
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe("director HA", () => {
    const ha = () => structuredClone(loadStackConfig("ha")) as any;

    it("gives every director a priority (150 first, then 100, 90, ...) and keeps the VRRP settings", () => {
        const raw = ha();
        delete raw.director.priority;
        delete raw.ha.peers[0].priority;
        raw.ha.peers.push({ name: "director3", ip: "192.168.169.52" });
        const spec = parseLabConfig(raw);
        expect(directors(spec).map((d) => [d.name, d.priority])).toEqual([["director1", 150], ["director2", 100], ["director3", 90]]);
        expect(spec.ha).toMatchObject({ virtualRouterId: 51, advertInterval: 1, nopreempt: true, authPass: "lvslab", syncConnections: true, splitBrainGuard: true });
        expect(allHosts(spec).map((h) => h.name)).toEqual(["nginx1", "nginx2", "director1", "director2", "director3", "client"]);
    });

    it("rejects equal priorities, naming the second key", () => {
        const raw = ha();
        raw.ha.peers[0].priority = 150;
        expect(() => parseLabConfig(raw)).toThrow("ha.peers[0].priority: priority 150 is already director.priority's; VRRP priorities must be distinct\n    fix: pulumi config set --path 'lvs-lab:ha.peers[0].priority' 140");
    });

    it("rejects a peer outside the segment and a peer that reuses an address", () => {
        const raw = ha();
        raw.ha.peers.push({ name: "director3", ip: "10.9.9.9", priority: 90 }, { name: "director4", ip: "192.168.169.50", priority: 80 });
        expect(issuesOf(raw)).toEqual(expect.arrayContaining([
            expect.objectContaining({ path: "ha.peers[1].ip", message: "10.9.9.9 is not a host address of network.cidr 192.168.169.0/24" }),
            expect.objectContaining({ path: "ha.peers[2].ip", message: "address 192.168.169.50 is already used by director.ip" }),
        ]));
    });

    it("rejects a priority of 255 (the address owner's) and a router id out of range", () => {
        const raw = ha();
        raw.director.priority = 255;
        raw.ha.virtualRouterId = 256;
        expect(issuesOf(raw)).toEqual([
            { path: "director.priority", message: "must be a VRRP priority from 1 to 254" },
            { path: "ha.virtualRouterId", message: "must be a VRRP router id from 1 to 255" },
        ]);
    });

    it("needs a floating gateway for NAT, with its own router id, and routes the real servers through it", () => {
        const raw = structuredClone(loadStackConfig("nat")) as any;
        raw.ha = { peers: [{ name: "director2", ip: "172.25.7.9" }] };
        expect(() => parseLabConfig(raw)).toThrow("ha.natGateway.ip: NAT real servers send replies through the director, so with two directors they need a floating gateway (set ha.natGateway.ip and ha.natGateway.virtualRouterId)\n    fix: pulumi config set --path 'lvs-lab:ha.natGateway.ip' 172.25.7.254");
        raw.ha.natGateway = { ip: "172.25.7.254", virtualRouterId: 51 };
        expect(() => parseLabConfig(raw)).toThrow("ha.natGateway.virtualRouterId: 51 is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment");
        raw.ha.natGateway.virtualRouterId = 52;
        const spec = parseLabConfig(raw);
        expect(spec.realServers.map((rs) => rs.gateway)).toEqual(["172.25.7.254", "172.25.7.254"]);
        raw.realServers[0].gateway = "172.25.7.2";
        expect(() => parseLabConfig(raw)).toThrow("realServers[0].gateway: NAT sends replies back through the director, so the gateway must be ha.natGateway.ip 172.25.7.254");
    });

    it("forbids a NAT gateway outside NAT, and health checks without HA", () => {
        const raw = ha();
        raw.ha.natGateway = { ip: "192.168.169.254", virtualRouterId: 52 };
        expect(() => parseLabConfig(raw)).toThrow("ha.natGateway: only NAT routes replies through the directors; remove ha.natGateway in DR mode");
        const single = structuredClone(loadStackConfig("default")) as any;
        single.service.healthCheck = { type: "tcp" };
        expect(() => parseLabConfig(single)).toThrow("service.healthCheck: health checks run in keepalived, which the lab runs only for director HA; set ha.peers or remove service.healthCheck");
    });

    it("rejects a password VRRP cannot carry", () => {
        const raw = ha();
        raw.ha.authPass = "much-too-long";
        expect(() => parseLabConfig(raw)).toThrow("ha.authPass: must be 1 to 8 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
    });
});
