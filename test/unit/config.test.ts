import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE, DEFAULT_LIBVIRT_URI, DEFAULT_MODE, DEFAULT_NIC, DEFAULT_VIRTUAL_ROUTER_ID, GUEST_SYSTEM_ACCOUNTS, LabConfigError, defaultPriority, allHosts, applyFixLines, decodeConfigValue, directors, parseLabConfig, printedFixLines, rawConfigFrom, rawLabConfig, formatPath, isLocalUri, macFor } from "../../components/config";
import { salvage } from "../../components/config/schemaIssues";
import { loadStackConfig, stackNames } from "../stacks";
import { propertyRuns } from "./propertyRuns";

const base = () => structuredClone(loadStackConfig("dr-tomcat")) as any;

function issuesOf(raw: unknown): LabConfigError["issues"][number][] {
    try {
        parseLabConfig(raw);
    } catch (e) {
        expect(e).toBeInstanceOf(LabConfigError);
        return [...(e as LabConfigError).issues];
    }
    throw new Error("config was accepted");
}

/** A stack file's config changed by `change`, and what validation says of it: each issue's key, message and fix; none when accepted. */
function issuesIn(stack: string, change: (raw: any) => void): { path: string; message: string; fix: unknown }[] {
    const raw = structuredClone(loadStackConfig(stack)) as any;
    change(raw);
    try {
        parseLabConfig(raw);
        return [];
    } catch (e) {
        expect(e).toBeInstanceOf(LabConfigError);
        return (e as LabConfigError).issues.map((i) => ({ path: i.path, message: i.message, fix: i.fix }));
    }
}

describe("stack files", () => {
    it.each(stackNames())("%s parses into a lab spec", (name) => {
        const spec = parseLabConfig(loadStackConfig(name));
        expect(spec.realServers.length).toBeGreaterThan(0);
        expect(spec.director.nic).toBe("ens33");
    });

    it("ships a stack per reference topology and mode", () => {
        expect(stackNames()).toEqual(["default", "dr-nfs", "dr-tomcat", "ha", "nat", "nat-ha", "tun"]);
    });
});

describe("defaults", () => {
    it("derives the gateway, MACs, bridge, pool and per-role sizes", () => {
        const spec = parseLabConfig(loadStackConfig("default"));
        expect(spec.network).toMatchObject({ gateway: "192.168.168.1", prefix: 24, netmask: "255.255.255.0", bridge: "lvs-default" });
        expect(spec.libvirt).toEqual({ uri: "qemu:///system", pool: "lvs-default", poolPath: "/var/lib/libvirt/images/lvs-default", baseVolume: "lvs-default-base.qcow2", domainType: "qemu" });
        expect(spec.director.mac).toBe("52:54:00:a8:a8:32");
        expect(spec.realServers[0]).toMatchObject({ weight: 1, port: 80, gateway: "192.168.168.1", vcpus: 1, memoryMiB: 512 });
        expect(spec.service).toEqual({
            vip: "192.168.168.100", vip6: "fd00:192:168:168::100", protocol: "tcp", ports: [80], tlsPorts: [], udpPorts: [], ops: false, mode: "dr", scheduler: "rr", persistence: 0, sorryServer: false,
            healthCheck: { type: "http", path: "/", interval: 2, timeout: 2, retries: 1, retryDelay: 1 },
        });
        expect(spec.ha).toBeUndefined();
        expect(directors(spec)).toEqual([spec.director]);
    });

    it("computes every generated libvirt name once, from network.name and the machine's name", () => {
        const spec = parseLabConfig(loadStackConfig("dr-tomcat"));
        expect(spec.network).toMatchObject({ libvirtName: "lvs-drtomcat", bridge: "lvs-drtomcat" });
        expect(spec.libvirt).toMatchObject({ pool: "lvs-drtomcat", baseVolume: "lvs-drtomcat-base.qcow2" });
        expect(spec.director).toMatchObject({ domainName: "lvs-drtomcat-director", diskVolume: "lvs-drtomcat-director.qcow2", seedVolume: "lvs-drtomcat-director-seed.iso" });
        for (const name of stackNames()) {
            const domains = allHosts(parseLabConfig(loadStackConfig(name))).map((h) => h.domainName);
            expect(new Set(domains).size).toBe(domains.length);
        }
        const own = base();
        own.libvirt = { pool: "mypool" };
        expect(parseLabConfig(own).libvirt).toEqual({ uri: "qemu:///system", pool: "mypool", poolPath: "/var/lib/libvirt/images/mypool", baseVolume: "mypool-base.qcow2", domainType: "qemu" });
    });

    it("routes NAT real servers through the director", () => {
        const spec = parseLabConfig(loadStackConfig("nat"));
        expect(spec.realServers.map((r) => r.gateway)).toEqual(["172.25.7.2", "172.25.7.2"]);
    });

    it("the schema's defaults are the constants the checks and the spec fall back to", () => {
        const raw = structuredClone(loadStackConfig("ha")) as any;
        delete raw.service.mode;
        delete raw.ha.virtualRouterId;
        delete raw.director.priority;
        delete raw.ha.peers[0].priority;
        raw.ha.peers.push({ name: "director3", ip: "192.168.169.52" });
        const spec = parseLabConfig(raw);
        expect([spec.libvirt.uri, spec.service.mode, spec.ha!.virtualRouterId]).toEqual([DEFAULT_LIBVIRT_URI, DEFAULT_MODE, DEFAULT_VIRTUAL_ROUTER_ID]);
        expect(directors(spec).map((d) => d.priority)).toEqual([defaultPriority(), defaultPriority(0), defaultPriority(1)]);
        expect([defaultPriority(), defaultPriority(0), defaultPriority(1)]).toEqual([150, 100, 90]);
        // The director's NIC is a key; every other machine gets the same name.
        expect(new Set(allHosts(spec).map((h) => h.nic))).toEqual(new Set([DEFAULT_NIC]));
    });

    it("a key whose value is invalid: the checks across keys use its default, as the fixed config will", () => {
        // With no ha.virtualRouterId the VIP's instance has the default id, which the NAT gateway's fix avoids.
        const raw = structuredClone(loadStackConfig("nat")) as any;
        raw.ha = { peers: [{ name: "director2", ip: "172.25.7.9" }], natGateway: { ip: "172.25.7.254", virtualRouterId: "x" } };
        expect(() => parseLabConfig(raw)).toThrow(`ha.natGateway.virtualRouterId: must be a VRRP router id from 1 to 255; got "x"\n    fix: npm run lab -- config set --path ha.natGateway.virtualRouterId ${DEFAULT_VIRTUAL_ROUTER_ID + 1}`);
        // A bad mode: the checks run as in the default mode, DR, where a real server's gateway must not be the director.
        const dr = base();
        dr.service.mode = "direct";
        dr.realServers[0].gateway = dr.director.ip;
        expect(() => parseLabConfig(dr)).toThrow(`realServers[0].gateway: in ${DEFAULT_MODE.toUpperCase()} mode replies bypass the director, so the gateway must not be director.ip ${dr.director.ip}`);
        // A bad libvirt.uri: the files are checked as for the default URI, a libvirt on this machine.
        const files = base();
        files.libvirt = { uri: "" };
        Object.assign(files.image, { kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img" });
        expect(() => parseLabConfig(files, { exists: (p) => p === DEFAULT_IMAGE })).toThrow(`image.kernel: must be a file on the libvirt host (${DEFAULT_LIBVIRT_URI}); got /boot/vmlinuz, which does not exist`);
    });
});

describe("exact messages", () => {
    it("names the key path and shows the fix for an address outside the CIDR", () => {
        const raw = base();
        raw.realServers[1].ip = "10.0.0.5";
        expect(() => parseLabConfig(raw)).toThrow(
            "realServers[1].ip: 10.0.0.5 is not a host address of network.cidr 192.168.168.0/24\n    fix: npm run lab -- config set --path 'realServers[1].ip' 192.168.168.200",
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
            "realServers[0].gateway: NAT sends replies back through the director, so the gateway must be director.ip 172.25.7.2; got 172.25.7.1\n    fix: npm run lab -- config rm --path 'realServers[0].gateway'",
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
        expect(() => parseLabConfig(raw)).toThrow(
            'service.scheduler: must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf, twos; got "fastest"\n    fix: npm run lab -- config rm --path service.scheduler',
        );
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
        expect(() => parseLabConfig(raw)).toThrow(
            "service.sheduler: is not a key of service (did you mean scheduler?); its keys are vip, protocol, ports, firewallMark, tlsPorts, udpPorts, ops, mode, scheduler, persistence, healthCheck, sorryServer\n    fix: npm run lab -- config rm --path service.sheduler",
        );
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
            { numRuns: propertyRuns(300) },
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
            { numRuns: propertyRuns(200) },
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
        expect(() => parseLabConfig(raw)).toThrow("ha.peers[0].priority: priority 150 is already director.priority's; VRRP priorities must be distinct\n    fix: npm run lab -- config set --path 'ha.peers[0].priority' 140");
    });

    it("rejects a peer outside the segment and a peer that reuses an address", () => {
        const raw = ha();
        raw.ha.peers.push({ name: "director3", ip: "10.9.9.9", priority: 90 }, { name: "director4", ip: "192.168.169.50", priority: 80 });
        expect(issuesOf(raw)).toEqual(expect.arrayContaining([
            expect.objectContaining({ path: "ha.peers[1].ip", message: "10.9.9.9 is not a host address of network.cidr 192.168.169.0/24" }),
            expect.objectContaining({ path: "ha.peers[2].ip", message: "address 192.168.169.50 is already used by director.ip; each machine needs an address of its own" }),
        ]));
    });

    it("rejects a priority of 255 (the address owner's) and a router id out of range", () => {
        const raw = ha();
        raw.director.priority = 255;
        raw.ha.virtualRouterId = 256;
        expect(issuesOf(raw)).toEqual([
            { path: "director.priority", message: "must be a VRRP priority from 1 to 254 (255 is the address owner's); got 255", fix: [{ kind: "set", key: "director.priority", value: "254" }] },
            { path: "ha.virtualRouterId", message: "must be a VRRP router id from 1 to 255; got 256", fix: [{ kind: "set", key: "ha.virtualRouterId", value: "255" }] },
        ]);
    });

    it("needs a floating gateway for NAT, with its own router id, and routes the real servers through it", () => {
        const raw = structuredClone(loadStackConfig("nat")) as any;
        raw.ha = { peers: [{ name: "director2", ip: "172.25.7.9" }] };
        expect(() => parseLabConfig(raw)).toThrow(
            "ha.natGateway.ip: NAT real servers send replies through the director, so with two directors they need a floating gateway (set ha.natGateway.ip and ha.natGateway.virtualRouterId)\n" +
                "    fix: npm run lab -- config set --path ha.natGateway.ip 172.25.7.254 && npm run lab -- config set --path ha.natGateway.virtualRouterId 52",
        );
        raw.ha.natGateway = { ip: "172.25.7.254", virtualRouterId: 51 };
        expect(() => parseLabConfig(raw)).toThrow("ha.natGateway.virtualRouterId: 51 is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment");
        raw.ha.natGateway.virtualRouterId = 52;
        const spec = parseLabConfig(raw);
        expect(spec.realServers.map((rs) => rs.gateway)).toEqual(["172.25.7.254", "172.25.7.254"]);
        raw.realServers[0].gateway = "172.25.7.2";
        expect(() => parseLabConfig(raw)).toThrow("realServers[0].gateway: NAT sends replies back through the director, so the gateway must be ha.natGateway.ip 172.25.7.254; got 172.25.7.2");
    });

    it("forbids a NAT gateway outside NAT, and health checks without HA", () => {
        const raw = ha();
        raw.ha.natGateway = { ip: "192.168.169.254", virtualRouterId: 52 };
        expect(() => parseLabConfig(raw)).toThrow("ha.natGateway: only NAT routes replies through the directors; remove ha.natGateway in DR mode");
        const single = structuredClone(loadStackConfig("default")) as any;
        single.service.healthCheck = { type: "tcp" };
        expect(() => parseLabConfig(single)).toThrow("service.healthCheck: health checks run in keepalived, which the lab runs only for director HA; set ha.peers or remove service.healthCheck");
    });

    it("rejects an sshUser that is one of the image's system accounts, which cloud-init would not make an SSH login", () => {
        const raw = base();
        for (const user of ["root", "nobody", "daemon", "www-data", "sshd", "tomcat", "statd", "_apt", "messagebus", "systemd-network"]) {
            raw.sshUser = user;
            expect(() => parseLabConfig(raw), user).toThrow(
                `sshUser: must be a user the guest image does not have: ${user} is one of its system accounts, whose shell and locked password cloud-init keeps, so the lab's key could not log in as it; got "${user}"\n` +
                    "    fix: npm run lab -- config rm --path sshUser",
            );
        }
        // The fix restores the default, which the image does not have.
        expect(parseLabConfig(fixed(raw)).sshUser).toBe("lab");
        expect(GUEST_SYSTEM_ACCOUNTS).not.toContain("lab");
        raw.sshUser = "ops";
        expect(parseLabConfig(raw).sshUser).toBe("ops");
    });

    it("rejects a password VRRP cannot carry", () => {
        const raw = ha();
        raw.ha.authPass = "much-too-long";
        expect(() => parseLabConfig(raw)).toThrow("ha.authPass: must be 1 to 8 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
    });
});

/** The printed fixes of a config's error, run as a user would, and the config they leave. */
function fixed(raw: unknown): Record<string, unknown> {
    try {
        parseLabConfig(raw);
    } catch (e) {
        return applyFixLines(raw as Record<string, unknown>, printedFixLines((e as Error).message), decodeConfigValue);
    }
    throw new Error("config was accepted");
}

describe("every problem at once", () => {
    it("reports a bad weight, a VIP outside the network and a duplicate name together, with their fixes", () => {
        const raw = base();
        raw.realServers[0].weight = "three";
        raw.service.vip = "10.0.0.100";
        raw.client.name = "nginx1";
        expect(() => parseLabConfig(raw)).toThrow(
            "invalid lvs-lab stack config (3 problems):\n" +
                "  - realServers[0].weight: must be a weight from 0 to 65535; got \"three\"\n" +
                "    fix: npm run lab -- config rm --path 'realServers[0].weight'\n" +
                "  - service.vip: 10.0.0.100 is not a host address of network.cidr 192.168.168.0/24\n" +
                "    fix: npm run lab -- config set --path service.vip 192.168.168.100\n" +
                "  - client.name: name nginx1 is already used by realServers[0].name; each machine needs a name of its own\n" +
                "    fix: npm run lab -- config set --path client.name nginx1-2",
        );
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
    });

    it("checks addresses against the network a bad network.cidr's fix sets, so they are still checked", () => {
        const raw = base();
        raw.network.cidr = "192.168.168.0/33";
        raw.realServers[1].weight = -1;
        raw.tomcats[0].ip = "192.168.168.10";
        raw.client.ip = "10.1.1.1";
        expect(issuesOf(raw).map((i) => `${i.path}: ${i.message}`)).toEqual([
            "network.cidr: must be an IPv4 network in CIDR form such as 192.168.168.0/24; got \"192.168.168.0/33\"",
            "realServers[1].weight: must be a weight from 0 to 65535; got -1",
            "tomcats[0].ip: address 192.168.168.10 is already used by realServers[0].ip; each machine needs an address of its own",
            "client.ip: 10.1.1.1 is not a host address of 192.168.168.0/24 (network.cidr once fixed)",
        ]);
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
    });

    it("prints removals of list items last, the highest index first, and checks the other items at the indices given", () => {
        const raw = base();
        raw.realServers = ["junk0", { name: "rs1", ip: raw.client.ip }, "junk2"];
        raw.tomcats = [];
        raw.service.vip = "nope";
        const notAMap = (i: number) => `  - realServers[${i}]: must be a map with name, ip and optionally mac, port, weight, gateway, nfsExport; got "junk${i}"\n    fix: npm run lab -- config rm --path 'realServers[${i}]'`;
        expect(() => parseLabConfig(raw)).toThrow(
            "invalid lvs-lab stack config (4 problems):\n" +
                "  - service.vip: must be a dotted-quad IPv4 address such as 192.168.168.10; got \"nope\"\n    fix: npm run lab -- config set --path service.vip 192.168.168.100\n" +
                `  - client.ip: address ${raw.client.ip} is already used by realServers[1].ip; each machine needs an address of its own\n    fix: npm run lab -- config set --path client.ip 192.168.168.200\n` +
                `${notAMap(2)}\n${notAMap(0)}`,
        );
        expect(parseLabConfig(fixed(raw)).realServers.map((r) => r.name)).toEqual(["rs1"]);
    });

    it("still checks a machine whose neighbour in the list is no map at all", () => {
        const raw = base();
        raw.realServers[1] = "nginx2";
        raw.tomcats[0].ip = raw.realServers[0].ip;
        expect(issuesOf(raw)).toEqual([
            { path: "tomcats[0].ip", message: "address 192.168.168.10 is already used by realServers[0].ip; each machine needs an address of its own", fix: [{ kind: "set", key: "tomcats[0].ip", value: "192.168.168.200" }] },
            { path: "realServers[1]", message: "must be a map with name, ip and optionally mac, port, weight, gateway, nfsExport; got \"nginx2\"", fix: [{ kind: "rm", key: "realServers[1]" }] },
        ]);
    });
});

describe("the schema's issues (schemaIssues) and what it accepts of a failing config (salvage)", () => {
    it("one issue per key even when the schema finds several faults in its value", () => {
        const raw = base();
        raw.image.source = [];
        const atSource = rawLabConfig.safeParse(raw).error?.issues.filter((i) => i.path.join(".") === "image.source");
        expect(atSource!.length).toBeGreaterThan(1);
        expect(issuesOf(raw).map((i) => `${i.path}: ${i.message}`)).toEqual(["image.source: must be a local path or an http(s) URL of a qcow2 image; got []"]);
    });

    it("an unknown top-level key names the config, and one like no key suggests none", () => {
        const raw = base();
        raw.servce = 1;
        raw.service.zzzzzzzzzz = 1;
        expect(issuesOf(raw).map((i) => `${i.path}: ${i.message}`)).toEqual([
            "service.zzzzzzzzzz: is not a key of service; its keys are vip, protocol, ports, firewallMark, tlsPorts, udpPorts, ops, mode, scheduler, persistence, healthCheck, sorryServer",
            "servce: is not a key of the lvs-lab config (did you mean service?); its keys are network, libvirt, image, machines, sshUser, service, director, ha, realServers, tomcats, nfs, client",
        ]);
    });

    it("keeps every valid value with its default, and leaves out each invalid one and what has the wrong shape", () => {
        const service = rawLabConfig.shape.service;
        expect(salvage(service, { vip: "10.0.0.1", ports: [80, 0], scheduler: 7 })).toEqual({ vip: "10.0.0.1", ports: [80, undefined], tlsPorts: [], udpPorts: [], ops: false, protocol: "tcp", mode: "dr", persistence: 0, sorryServer: false });
        expect(Object.keys(salvage(service, { vip: "nope" }) as object)).not.toContain("vip");
        for (const wrongShape of ["text", null, [1], 5]) expect(salvage(service, wrongShape), JSON.stringify(wrongShape)).toBeUndefined();
        expect(salvage(rawLabConfig.shape.realServers, { name: "a" })).toBeUndefined();
        expect(salvage(rawLabConfig.shape.sshUser, ["lab"])).toBeUndefined();
        expect(salvage(rawLabConfig.shape.service, undefined)).toBeUndefined();
    });
});

describe("the spec's hosts", () => {
    it("each has its role, and a path formats as --path takes it", () => {
        const spec = parseLabConfig(structuredClone(loadStackConfig("dr-tomcat")));
        expect(spec.tomcats.map((t) => [t.role, t.memoryMiB, t.vcpus])).toEqual([["tomcat", 768, 1], ["tomcat", 768, 1]]);
        const nfs = parseLabConfig(structuredClone(loadStackConfig("dr-nfs"))).nfs;
        expect([nfs?.role, nfs?.memoryMiB, nfs?.vcpus]).toEqual(["nfs", 512, 1]);
        expect(formatPath(["realServers", 1, "ip"])).toBe("realServers[1].ip");
    });

    it("knows a libvirt URI of this machine from a remote one", () => {
        expect(isLocalUri("qemu:///system")).toBe(true);
        expect(isLocalUri("qemu+ssh://lab@kvmhost/system")).toBe(false);
        expect(isLocalUri("qemu+ssh://lab@kvmhost/system?keyfile=file:///k")).toBe(false);
    });
});

describe("NAT with director HA: the floating gateway and the real servers' routes", () => {
    const natHa = () => {
        const raw = structuredClone(loadStackConfig("nat")) as any;
        raw.ha = { peers: [{ name: "director2", ip: "172.25.7.5" }], natGateway: { ip: "172.25.7.254", virtualRouterId: 52 } };
        return raw;
    };
    const cases: [string, (raw: any) => void, string | undefined][] = [
        ["a valid lab", () => {}, undefined],
        ["a real server routing through the floating gateway", (r) => (r.realServers[0].gateway = "172.25.7.254"), undefined],
        ["a floating gateway outside the network", (r) => (r.ha.natGateway.ip = "10.9.9.9"), "ha.natGateway.ip: 10.9.9.9 is not a host address of network.cidr 172.25.7.0/24\n    fix: npm run lab -- config set --path ha.natGateway.ip 172.25.7.254"],
        ["a floating gateway on a real server", (r) => (r.ha.natGateway.ip = "172.25.7.3"), "ha.natGateway.ip: 172.25.7.3 is also realServers[0].ip; the floating gateway must be its own address\n    fix: npm run lab -- config set --path ha.natGateway.ip 172.25.7.254"],
        ["a floating gateway on the VIP", (r) => (r.ha.natGateway.ip = "172.25.7.100"), "ha.natGateway.ip: 172.25.7.100 is also service.vip; the floating gateway must be its own address\n    fix: npm run lab -- config set --path ha.natGateway.ip 172.25.7.254"],
        ["a floating gateway on the segment's gateway", (r) => (r.ha.natGateway.ip = "172.25.7.1"), "ha.natGateway.ip: 172.25.7.1 is also the segment's gateway; the floating gateway must be its own address\n    fix: npm run lab -- config set --path ha.natGateway.ip 172.25.7.254"],
        ["a real server routing through one director", (r) => (r.realServers[0].gateway = "172.25.7.2"), "realServers[0].gateway: NAT sends replies back through the director, so the gateway must be ha.natGateway.ip 172.25.7.254; got 172.25.7.2\n    fix: npm run lab -- config rm --path 'realServers[0].gateway'"],
        ["without HA, a real server routing elsewhere than the director", (r) => { delete r.ha; r.realServers[0].gateway = "172.25.7.9"; }, "realServers[0].gateway: NAT sends replies back through the director, so the gateway must be director.ip 172.25.7.2; got 172.25.7.9\n    fix: npm run lab -- config rm --path 'realServers[0].gateway'"],
        ["a port remap with two service ports", (r) => { r.service.ports = [80, 8080]; r.realServers[0].port = 8081; }, "realServers[0].port: a port remap needs exactly one service port; service.ports has 2 (80, 8080)\n    fix: npm run lab -- config rm --path 'realServers[0].port'"],
        ["a port remap to sshd's port", (r) => (r.realServers[0].port = 22), "realServers[0].port: port 22 is sshd's on the real server, so nginx cannot listen on it; got 22\n    fix: npm run lab -- config rm --path 'realServers[0].port'"],
        ["the VIP on the segment's gateway", (r) => (r.service.vip = "172.25.7.1"), "service.vip: 172.25.7.1 is the segment's gateway (network.gateway); the VIP must be its own address\n    fix: npm run lab -- config set --path service.vip 172.25.7.100"],
    ];
    it.each(cases)("%s", (_, breakIt, printed) => {
        const raw = natHa();
        breakIt(raw);
        if (printed === undefined) expect(() => parseLabConfig(raw)).not.toThrow();
        else expect(() => parseLabConfig(raw)).toThrow(`invalid lvs-lab stack config (1 problem):\n  - ${printed}`);
    });
});

describe("real servers' gateways, NFS web roots and VRRP ids, message by message", () => {
    const rmGateway = "    fix: npm run lab -- config rm --path 'realServers[0].gateway'";
    const cases: [string, string, (raw: any) => void, string | undefined][] = [
        ["a DR gateway on the segment's gateway", "default", (r) => (r.realServers[0].gateway = "192.168.168.1"), undefined],
        ["a DR gateway on the VIP", "default", (r) => (r.realServers[0].gateway = r.service.vip), `realServers[0].gateway: in DR mode the real server holds the VIP itself, so the gateway must not be the VIP 192.168.168.100\n${rmGateway}`],
        ["a DR gateway on the server itself", "default", (r) => (r.realServers[0].gateway = r.realServers[0].ip), `realServers[0].gateway: a real server cannot route through itself: the gateway must not be its own address 192.168.168.10\n${rmGateway}`],
        ["a DR gateway outside the network", "default", (r) => (r.realServers[0].gateway = "10.9.9.9"), `realServers[0].gateway: 10.9.9.9 is not a host address of network.cidr 192.168.168.0/24\n${rmGateway}`],
        ["an NFS web root without an NFS server", "default", (r) => (r.realServers[0].nfsExport = "/srv/www"), "realServers[0].nfsExport: needs an nfs server; set nfs or remove this key (got /srv/www)\n    fix: npm run lab -- config rm --path 'realServers[0].nfsExport'"],
        ["an NFS web root the server does not export", "dr-nfs", (r) => (r.realServers[0].nfsExport = "/srv/none"), "realServers[0].nfsExport: /srv/none is not one of nfs.exports (/opt/kgc, /opt/benet)\n    fix: npm run lab -- config set --path 'realServers[0].nfsExport' /opt/kgc"],
        ["an NFS export listed twice", "dr-nfs", (r) => (r.nfs.exports = ["/opt/kgc", "/opt/benet", "/opt/kgc"]), "nfs.exports: lists a path twice: nfs.exports[2] is /opt/kgc again, like nfs.exports[0]\n    fix: npm run lab -- config rm --path 'nfs.exports[2]'"],
        ["the floating gateway's router id the VIP's", "ha", (r) => { r.service.mode = "nat"; r.ha.natGateway = { ip: "192.168.169.254", virtualRouterId: 51 }; }, "ha.natGateway.virtualRouterId: 51 is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment\n    fix: npm run lab -- config set --path ha.natGateway.virtualRouterId 52"],
        ["a priority twice, fixed below the lowest", "ha", (r) => r.ha.peers.push({ name: "director3", ip: "192.168.169.52", priority: 150 }), "ha.peers[1].priority: priority 150 is already director.priority's; VRRP priorities must be distinct\n    fix: npm run lab -- config set --path 'ha.peers[1].priority' 90"],
        ["a default priority equal to a set one", "ha", (r) => { r.director.priority = 100; delete r.ha.peers[0].priority; }, "ha.peers[0].priority: priority 100 is already director.priority's; VRRP priorities must be distinct\n    fix: npm run lab -- config set --path 'ha.peers[0].priority' 90"],
    ];
    it.each(cases)("%s", (_, stack, breakIt, printed) => {
        const raw = structuredClone(loadStackConfig(stack)) as any;
        breakIt(raw);
        if (printed === undefined) expect(() => parseLabConfig(raw)).not.toThrow();
        else expect(() => parseLabConfig(raw)).toThrow(`invalid lvs-lab stack config (1 problem):\n  - ${printed}`);
    });
});

describe("LabConfigError as the engine prints it", () => {
    it("a config built in code that is no map names the config, with no config command to fix it", () => {
        for (const [raw, shown] of [[null, "null"], [[], "[]"], ["x", '"x"']] as const) {
            expect(() => parseLabConfig(raw)).toThrow(
                `invalid lvs-lab stack config (1 problem):\n  - the lvs-lab config: must be a map with network, image, service, director, realServers, client and optionally libvirt, machines, sshUser, ha, tomcats, nfs; got ${shown}`,
            );
            expect(() => parseLabConfig(raw)).not.toThrow("fix:");
        }
    });

    it("is named LabConfigError, and an issue without a fix is one line", () => {
        const error = new LabConfigError([{ path: "service.vip", message: "is wrong", fix: [] }]);
        expect(String(error)).toBe("LabConfigError: invalid lvs-lab stack config (1 problem):\n  - service.vip: is wrong");
    });
});

describe("a value of the wrong type says what was given", () => {
    it.each([
        ["realServers[0].weight", (raw: any) => (raw.realServers[0].weight = "three"), "must be a weight from 0 to 65535; got \"three\"", "npm run lab -- config rm --path 'realServers[0].weight'"],
        ["service.ports", (raw: any) => (raw.service.ports = 80), "must be a list of ports from 1 to 65535; got 80", "npm run lab -- config rm --path service.ports && npm run lab -- config set --path 'service.ports[0]' 80"],
        ["ha.nopreempt", (raw: any) => (raw.ha = { peers: [{ name: "director2", ip: "192.168.168.51" }], nopreempt: "yes" }), "must be true or false; got \"yes\"", "npm run lab -- config set --path ha.nopreempt true"],
        ["service.healthCheck", (raw: any) => (raw.service.healthCheck = "http"), "must be a map of type, path, interval, timeout, retries, retryDelay; got \"http\"", "npm run lab -- config rm --path service.healthCheck"],
    ])("%s", (key, breakIt, message, fix) => {
        const raw = base();
        breakIt(raw);
        expect(() => parseLabConfig(raw)).toThrow(`  - ${key}: ${message}\n    fix: ${fix}`);
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
    });

    it("says what a missing section needs, and creates it key by key", () => {
        const raw = base();
        delete raw.director;
        expect(() => parseLabConfig(raw)).toThrow(
            "director: is required (a map with name, ip and optionally mac, nic, priority)\n" +
                "    fix: npm run lab -- config set --path director.name director && npm run lab -- config set --path director.ip 192.168.168.200",
        );
        expect(parseLabConfig(fixed(raw)).director).toMatchObject({ name: "director", ip: "192.168.168.200" });
    });
});

describe("a text key's pattern holds for the whole value, not a part of it", () => {
    // A valid value with a space before or after it: a pattern that matches only part of the
    // value would let it through to a libvirt name, a guest's file or a keepalived.conf line.
    it.each([
        ["ha", "network.name", (raw: any, v: string) => (raw.network.name = v), "lab", "a network name: a-z, 0-9 and '-', starting with a letter, at most 11 characters (the bridge lvs-<name> must fit Linux's 15)"],
        ["ha", "client.name", (raw: any, v: string) => (raw.client.name = v), "web1", "a host name: a-z, 0-9 and '-', starting with a letter, not ending with '-', at most 31 characters"],
        ["ha", "client.mac", (raw: any, v: string) => (raw.client.mac = v), "52:54:00:a8:a8:0a", "a lower-case unicast MAC such as 52:54:00:a8:a8:0a"],
        ["ha", "director.nic", (raw: any, v: string) => (raw.director.nic = v), "ens33", "an interface name such as ens33: a-z and 0-9, at most 13 characters, so its alias labels <nic>:0 and <nic>:1 fit Linux's 15"],
        ["ha", "libvirt.pool", (raw: any, v: string) => (raw.libvirt = { ...raw.libvirt, pool: v }), "lvs-lab", "a pool name: a-z, 0-9 and '-', starting with a letter, at most 31 characters"],
        ["ha", "libvirt.poolPath", (raw: any, v: string) => (raw.libvirt = { ...raw.libvirt, poolPath: v }), "/opt/kgc", "an absolute path of plain segments, such as /opt/kgc"],
        ["ha", "sshUser", (raw: any, v: string) => (raw.sshUser = v), "lab", "a Linux user name: a-z, 0-9, '_' and '-', starting with a letter or '_', at most 32 characters"],
        ["ha", "ha.authPass", (raw: any, v: string) => (raw.ha.authPass = v), "lvslab", "1 to 8 characters of A-Z, a-z, 0-9, '.', '_' or '-'"],
        ["ha", "service.healthCheck.path", (raw: any, v: string) => (raw.service.healthCheck = { path: v }), "/", "a URL path such as /"],
    ])("%s: %s", (stack, key, set, valid, expected) => {
        for (const value of [` ${valid}`, `${valid} `]) {
            expect(issuesIn(stack, (raw) => set(raw, value)).find((i) => i.path === key)?.message).toBe(`must be ${expected}; got ${JSON.stringify(value)}`);
        }
        expect(issuesIn(stack, (raw) => set(raw, valid)).filter((i) => i.path === key)).toEqual([]);
    });
});

describe("VRRP versions: what each one's adverts carry", () => {
    const withHa = (ha: Record<string, unknown>) => issuesIn("ha", (raw) => Object.assign(raw.ha, ha));

    it("v2 is the default, with whole-second adverts and the default password", () => {
        expect(parseLabConfig(loadStackConfig("ha")).ha).toMatchObject({ vrrpVersion: 2, advertInterval: 1, authPass: "lvslab" });
        expect(withHa({ advertInterval: 255 })).toEqual([]);
    });

    it("v3 takes sub-second adverts in hundredths, and has no password", () => {
        const raw = structuredClone(loadStackConfig("ha")) as any;
        Object.assign(raw.ha, { vrrpVersion: 3, advertInterval: 0.29 });
        expect(parseLabConfig(raw).ha).toMatchObject({ vrrpVersion: 3, advertInterval: 0.29 });
        expect(parseLabConfig(raw).ha).not.toHaveProperty("authPass");
        expect(withHa({ vrrpVersion: 3, advertInterval: 40.95 })).toEqual([]);
        expect(withHa({ vrrpVersion: 3, advertInterval: 0.01 })).toEqual([]);
    });

    it("reads decimal text (as `config set --path` stores 0.5) as a number only where the key takes a number", () => {
        const raw = structuredClone(loadStackConfig("ha")) as any;
        Object.assign(raw.ha, { vrrpVersion: 3, advertInterval: "0.5" });
        expect(parseLabConfig(raw).ha).toMatchObject({ advertInterval: 0.5 });
        Object.assign(raw.ha, { vrrpVersion: 2, advertInterval: 1, authPass: "1.5" });
        expect(parseLabConfig(raw).ha).toMatchObject({ authPass: "1.5" });
        expect(withHa({ advertInterval: "1.5.0" })).toEqual([{ path: "ha.advertInterval", message: 'must be a number of seconds from 0.01 to 255 in hundredths; got "1.5.0"', fix: [{ kind: "rm", key: "ha.advertInterval" }] }]);
    });

    it.each([
        [{ advertInterval: 0.5 }, "ha.advertInterval", "VRRPv2 adverts carry whole seconds, so with ha.vrrpVersion 2 it must be a whole number from 1 to 255; sub-second adverts need VRRPv3; got 0.5", [{ kind: "set", key: "ha.vrrpVersion", value: "3" }]],
        [{ vrrpVersion: 3, advertInterval: 41 }, "ha.advertInterval", "VRRPv3 adverts carry centiseconds in 12 bits, so with ha.vrrpVersion 3 it must be at most 40.95; got 41", [{ kind: "set", key: "ha.advertInterval", value: "40.95" }]],
        [{ vrrpVersion: 3, authPass: "s3cr3t" }, "ha.authPass", "VRRPv3 has no authentication (RFC 5798 dropped it), so with ha.vrrpVersion 3 there is no password to set", [{ kind: "rm", key: "ha.authPass" }]],
        [{ vrrpVersion: 3, advertInterval: 0.001 }, "ha.advertInterval", "must be a number of seconds from 0.01 to 255 in hundredths; got 0.001", [{ kind: "set", key: "ha.advertInterval", value: "0.01" }]],
        [{ vrrpVersion: 3, advertInterval: 0.125 }, "ha.advertInterval", "must be a number of seconds from 0.01 to 255 in hundredths; got 0.125", [{ kind: "set", key: "ha.advertInterval", value: "0.13" }]],
        [{ advertInterval: 256 }, "ha.advertInterval", "must be a number of seconds from 0.01 to 255 in hundredths; got 256", [{ kind: "set", key: "ha.advertInterval", value: "255" }]],
        [{ vrrpVersion: 4 }, "ha.vrrpVersion", "must be one of 2, 3; got 4", [{ kind: "rm", key: "ha.vrrpVersion" }]],
    ])("%j: %s", (ha, key, message, fix) => {
        expect(withHa(ha)).toEqual([{ path: key, message, fix }]);
        // The printed fix makes the config valid.
        const raw = structuredClone(loadStackConfig("ha")) as any;
        Object.assign(raw.ha, ha);
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
    });
});

describe("fixes that work as printed", () => {
    it("never suggest the VIP for a machine", () => {
        const raw = base();
        raw.service.vip = "192.168.168.200";
        raw.realServers[1].ip = "10.0.0.5";
        expect(() => parseLabConfig(raw)).toThrow("fix: npm run lab -- config set --path 'realServers[1].ip' 192.168.168.201");
    });

    it("never suggest a machine's address for the VIP", () => {
        const raw = base();
        raw.client.ip = "192.168.168.100";
        raw.service.vip = "10.0.0.1";
        expect(() => parseLabConfig(raw)).toThrow("fix: npm run lab -- config set --path service.vip 192.168.168.101");
    });

    it("never suggest one address twice, nor one taken as another machine's derived MAC", () => {
        const raw = base();
        raw.realServers[0].ip = "10.0.0.1";
        raw.realServers[1].ip = "10.0.0.2";
        raw.client.mac = "52:54:00:a8:a8:c8"; // what 192.168.168.200 would derive
        const fixes = issuesOf(raw).flatMap((i) => i.fix);
        expect(fixes).toEqual([{ kind: "set", key: "realServers[0].ip", value: "192.168.168.201" }, { kind: "set", key: "realServers[1].ip", value: "192.168.168.202" }]);
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
    });

    it("remove an unknown key, naming the key it likely meant, rather than overwrite its parent", () => {
        const raw = base();
        raw.service.shceduler = "wrr";
        expect(() => parseLabConfig(raw)).toThrow(
            "service.shceduler: is not a key of service (did you mean scheduler?); its keys are vip, protocol, ports, firewallMark, tlsPorts, udpPorts, ops, mode, scheduler, persistence, healthCheck, sorryServer\n" +
                "    fix: npm run lab -- config rm --path service.shceduler",
        );
        expect(fixed(raw).service).toEqual({ vip: "192.168.168.100", ports: [80], mode: "dr", scheduler: "wrr" });
    });

    it("remove a repeated port, the last first, so no removal moves another", () => {
        const raw = base();
        raw.service.ports = [80, 443, 80, 443];
        expect(() => parseLabConfig(raw)).toThrow(
            "service.ports: lists a port twice: service.ports[2] is 80 again, like service.ports[0]; service.ports[3] is 443 again, like service.ports[1]; each port is one IPVS service\n" +
                "    fix: npm run lab -- config rm --path 'service.ports[3]' && npm run lab -- config rm --path 'service.ports[2]'",
        );
        expect(parseLabConfig(fixed(raw)).service.ports).toEqual([80, 443]);
    });
});

describe("the engine's values as the program reads them (rawConfigFrom)", () => {
    it("keeps a string key's text: `config set lvs-lab:sshUser true` is the user true", () => {
        const raw = rawConfigFrom({ "lvs-lab:sshUser": "true", "lvs-lab:service": '{"vip":"10.0.0.9"}', "other:sshUser": "x", "lvs-lab:tomcats": "[]" });
        expect(raw).toEqual({ sshUser: "true", service: { vip: "10.0.0.9" }, tomcats: [] });
        const spec = parseLabConfig({ ...base(), sshUser: raw.sshUser });
        expect(spec.sshUser).toBe("true");
    });

    it("keeps text that is no JSON as text, for the schema to reject", () => {
        expect(rawConfigFrom({ "lvs-lab:director": "director1" })).toEqual({ director: "director1" });
    });
});

describe("values that cannot deploy are rejected", () => {
    const message = (breakIt: (raw: any) => void, stack = "dr-tomcat") => {
        const raw = structuredClone(loadStackConfig(stack)) as any;
        breakIt(raw);
        const issues = issuesOf(raw);
        expect(() => parseLabConfig(fixed(raw))).not.toThrow();
        return issues.map((i) => `${i.path}: ${i.message}`);
    };

    it("a persistence timeout above ipvsadm's and keepalived's 31 days", () => {
        expect(message((raw) => (raw.service.persistence = 2_678_401))).toEqual([
            "service.persistence: must be a number of seconds from 0 to 2678400 (31 days, ipvsadm's and keepalived's maximum); got 2678401",
        ]);
        const raw = base();
        raw.service.persistence = 2_678_400;
        expect(parseLabConfig(raw).service.persistence).toBe(2_678_400);
    });

    it.each([
        ["01:00:5e:00:00:01", "01:00:5e:00:00:01 is a multicast address (the first octet is odd), which libvirt refuses for a NIC"],
        ["ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff is a multicast address (the first octet is odd), which libvirt refuses for a NIC"],
        ["fe:54:00:00:00:01", "libvirt keeps MACs starting fe: for the host side of the tap device"],
        ["00:00:00:00:00:00", "00:00:00:00:00:00 is no address"],
    ])("the MAC %s", (mac, why) => {
        expect(message((raw) => (raw.client.mac = mac))).toEqual([`client.mac: must be a MAC libvirt accepts for a NIC: ${why}; got "${mac}"`]);
    });

    it.each([
        ["0.0.0.0/0", "must have a prefix from /8 to /29: a machine's MAC comes from its address's last three octets, so a network wider than /8 could give two machines one MAC"],
        ["127.0.0.0/8", "must not overlap loopback (127.0.0.0/8): the kernel does not route it on an Ethernet segment"],
        ["224.0.0.0/24", "must not overlap multicast (224.0.0.0/4): the kernel does not route it on an Ethernet segment"],
        ["240.0.0.0/24", "must not overlap reserved and broadcast (240.0.0.0/4): the kernel does not route it on an Ethernet segment"],
        ["192.168.168.0/30", "must have a prefix from /8 to /29: a /30 has 2 host addresses, and the smallest lab needs 5 (gateway, VIP, director, a real server, client)"],
        ["192.168.168.5/24", "must be a network address, without host bits: 192.168.168.5 is a host of a /24"],
    ])("the network %s", (cidr, why) => {
        expect(message((raw) => (raw.network.cidr = cidr))).toEqual([`network.cidr: ${why}; got "${cidr}"`]);
    });

    it("a network without room for every machine, the VIP and the gateway", () => {
        expect(message((raw) => {
            raw.network.cidr = "192.168.168.0/29";
            ["director", "realServers.0", "realServers.1", "tomcats.0", "tomcats.1"].forEach((k, i) => (k.split(".").reduce((o, p) => o[p], raw).ip = `192.168.168.${i + 2}`));
            raw.client.ip = "192.168.168.9";
            raw.service.vip = "192.168.168.10";
        })).toEqual(["network.cidr: must have room for 8 addresses (the gateway, the VIP and 6 machines); got 192.168.168.0/29, which has 6"]);
    });

    it("a real server's gateway that is the VIP, itself, or an HA peer in DR", () => {
        expect(message((raw) => {
            raw.ha = { peers: [{ name: "director2", ip: "192.168.168.51" }] };
            raw.realServers[0].gateway = "192.168.168.100";
            raw.realServers[1].gateway = "192.168.168.20";
            raw.realServers.push({ name: "nginx3", ip: "192.168.168.30", gateway: "192.168.168.51" });
        })).toEqual([
            "realServers[0].gateway: in DR mode the real server holds the VIP itself, so the gateway must not be the VIP 192.168.168.100",
            "realServers[1].gateway: a real server cannot route through itself: the gateway must not be its own address 192.168.168.20",
            "realServers[2].gateway: in DR mode replies bypass the director, so the gateway must not be ha.peers[0].ip 192.168.168.51",
        ]);
    });

    it("UDP, which nginx on the real servers does not serve", () => {
        expect(message((raw) => (raw.service.protocol = "udp"))).toEqual(["service.protocol: must be tcp: nginx on the real servers listens on TCP only; list UDP ports in service.udpPorts; got \"udp\""]);
    });

    it("a firewall mark in NAT, and TLS ports that nginx could not serve as TLS", () => {
        expect(message((raw) => (raw.service.firewallMark = 1), "nat")).toEqual([
            "service.firewallMark: in NAT the lab's real servers answer every service port on one port (realServers[].port), and a mark's destinations keep each packet's port, where nginx there does not listen; use DR or TUN, or remove service.firewallMark",
        ]);
        expect(message((raw) => Object.assign(raw.service, { ports: [80, 443], tlsPorts: [8443, 80, 443, 443] }))).toEqual([
            "service.tlsPorts: lists a port twice: service.tlsPorts[3] is 443 again, like service.tlsPorts[2]",
            "service.tlsPorts[1]: is the first of service.ports, which the client's verification asks over plain HTTP; list a plain port first in service.ports; got 80",
            "service.tlsPorts[0]: must be one of service.ports (80, 443): nginx serves TLS only on a service port; got 8443",
        ]);
        expect(message((raw) => Object.assign(raw.service, { ports: [80, 443], tlsPorts: [443], sorryServer: true }))).toEqual([
            "service.tlsPorts[0]: the sorry server (service.sorryServer) answers plain HTTP on every service port, so no port can be TLS; got 443",
        ]);
        expect(message((raw) => Object.assign(raw.service, { tlsPorts: [80] }), "nat")).toEqual([
            "service.tlsPorts[0]: in NAT nginx on the real servers listens on one port for every service port, which serves plain HTTP or TLS, not both; use DR or TUN; got 80",
        ]);
        const raw = structuredClone(loadStackConfig("tun")) as any;
        Object.assign(raw.service, { ports: [80, 443], tlsPorts: [443], firewallMark: 4294967295 });
        expect(parseLabConfig(raw).service).toMatchObject({ ports: [80, 443], tlsPorts: [443], firewallMark: 4294967295 });
    });

    it("an image URL of another scheme, even with http:// later in it", () => {
        for (const source of ["ftp://mirror.example/x.qcow2", "ftp://mirror.example/http://x.qcow2"]) {
            expect(message((raw) => (raw.image.source = source))).toEqual([`image.source: must be a local path or an http(s) URL of a qcow2 image; got "${source}"`]);
        }
    });

    it("a UDP port twice, and one-packet scheduling without a UDP service", () => {
        expect(message((raw) => (raw.service.udpPorts = [53, 5300, 53]))).toEqual([
            "service.udpPorts: lists a port twice: service.udpPorts[2] is 53 again, like service.udpPorts[0]; each port is one IPVS UDP service",
        ]);
        expect(message((raw) => (raw.service.ops = true))).toEqual([
            "service.ops: one-packet scheduling applies to UDP services, and service.udpPorts lists none; list a UDP port in service.udpPorts or remove service.ops",
        ]);
        // A UDP port may be a TCP port too (two services), even sshd's: sshd listens on TCP only.
        const raw = structuredClone(loadStackConfig("dr-tomcat")) as any;
        raw.service.udpPorts = [80, 22];
        expect(parseLabConfig(raw).service.udpPorts).toEqual([80, 22]);
    });

    it("sshd's port where nginx would listen on it", () => {
        expect(message((raw) => (raw.service.ports = [22, 80]))).toEqual(["service.ports[0]: port 22 is sshd's on every real server, and in DR nginx listens on every service port; got 22"]);
        expect(message((raw) => (raw.realServers[0].port = 22), "nat")).toEqual(["realServers[0].port: port 22 is sshd's on the real server, so nginx cannot listen on it; got 22"]);
    });

    it("sshd's port where the sorry server would listen on it: every director, on every service port", () => {
        const nat = () => structuredClone(loadStackConfig("nat")) as any;
        const raw = nat();
        Object.assign(raw.service, { ports: [80, 22], sorryServer: true });
        expect(() => parseLabConfig(raw)).toThrow(
            "service.ports[1]: port 22 is sshd's on every director, and the sorry server (service.sorryServer) listens on every service port there; got 22\n" +
                "    fix: npm run lab -- config set --path 'service.ports[1]' 8080",
        );
        expect(parseLabConfig(fixed(raw)).service.ports).toEqual([80, 8080]);
        // NAT's real servers listen on the first port alone, so without the sorry server a later 22 is nobody's.
        raw.service.sorryServer = false;
        expect(parseLabConfig(raw).service.ports).toEqual([80, 22]);
        // On the first port it is the real servers' clash, reported once.
        const first = nat();
        Object.assign(first.service, { ports: [22, 80], sorryServer: true });
        expect(issuesOf(first).map((i) => `${i.path}: ${i.message}`)).toEqual(["service.ports[0]: port 22 is sshd's on every real server, and nginx listens on the first service port; got 22"]);
    });

    it("a sorry server switch that is no boolean", () => {
        expect(message((raw) => (raw.service.sorryServer = "yes"))).toEqual(['service.sorryServer: must be true or false; got "yes"']);
        const raw = base();
        raw.service.sorryServer = true;
        expect(parseLabConfig(raw).service.sorryServer).toBe(true);
    });

    it("a NIC whose alias label would pass Linux's 15 characters, and the guest's own loopback", () => {
        expect(message((raw) => (raw.director.nic = "enp0s31f6abcdef"))).toEqual([
            "director.nic: must be an interface name such as ens33: a-z and 0-9, at most 13 characters, so its alias labels <nic>:0 and <nic>:1 fit Linux's 15; got \"enp0s31f6abcdef\"",
        ]);
        expect(message((raw) => (raw.director.nic = "lo"))).toEqual(["director.nic: must not be lo or tunl0, which the guest already has; got \"lo\""]);
    });

    it("a host name that ends with '-'", () => {
        expect(message((raw) => (raw.client.name = "client-"))).toEqual([
            "client.name: must be a host name: a-z, 0-9 and '-', starting with a letter, not ending with '-', at most 31 characters; got \"client-\"",
        ]);
    });
});

describe("local files, checked before anything is created", () => {
    const exists = (present: string[]) => (path: string) => present.includes(path);

    it("reports an image.source that does not exist, and points at the one setup builds", () => {
        const raw = base();
        raw.image.source = "/srv/images/missing.qcow2";
        expect(() => parseLabConfig(raw, { exists: exists([DEFAULT_IMAGE]) })).toThrow(
            "image.source: must be an existing qcow2 image, which the lab uploads as every machine's base volume before anything else; got /srv/images/missing.qcow2, which does not exist on this machine\n" +
                "    fix: npm run lab -- config set --path image.source /var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2",
        );
        expect(() => parseLabConfig(raw, { exists: exists([]) })).toThrow(
            "    fix: npm run setup && npm run lab -- config set --path image.source /var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2",
        );
        expect(() => parseLabConfig(base(), { exists: exists([]) })).toThrow("got /var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2, which does not exist on this machine\n    fix: npm run setup");
    });

    it("asks nothing about an http(s) URL, and nothing at all without an exists function; a URL only by its start", () => {
        const asked: string[] = [];
        const raw = base();
        for (const url of ["https://example.org/debian.qcow2", "http://example.org/debian.qcow2"]) {
            raw.image.source = url;
            parseLabConfig(raw, { exists: (p) => (asked.push(p), false) });
        }
        expect(asked).toEqual([]);
        raw.image.source = "/nowhere.qcow2";
        expect(() => parseLabConfig(raw)).not.toThrow();
        raw.image.source = "/data/https://mirror/debian.qcow2";
        expect(() => parseLabConfig(raw, { exists: exists([DEFAULT_IMAGE]) })).toThrow("got /data/https://mirror/debian.qcow2, which does not exist on this machine");
    });

    it("rejects a direct-kernel-boot key without image.kernel, which would be dropped, and a kernel without its initrd", () => {
        const cmdline = base();
        cmdline.image.cmdline = "console=ttyS0 quiet";
        expect(() => parseLabConfig(cmdline)).toThrow(
            'image.cmdline: is the command line of direct kernel boot, so it needs image.kernel and image.initrd; without them the disk\'s boot loader boots with its own, and this one would be dropped; got "console=ttyS0 quiet" without image.kernel\n' +
                "    fix: npm run lab -- config rm --path image.cmdline",
        );
        const initrd = base();
        initrd.image.initrd = "/boot/initrd.img";
        expect(() => parseLabConfig(initrd)).toThrow(
            "image.initrd: direct kernel boot needs both image.kernel and image.initrd (the Debian kernel loads virtio and ext4 from the initrd); got image.initrd /boot/initrd.img without image.kernel\n" +
                "    fix: npm run lab -- config rm --path image.initrd",
        );
        // Both at once: each is reported, and the printed fixes leave a config that passes.
        initrd.image.cmdline = "console=ttyS0";
        expect(issuesOf(initrd).map((i) => i.path)).toEqual(["image.initrd", "image.cmdline"]);
        expect(() => parseLabConfig(fixed(initrd))).not.toThrow();
        // With a kernel and its initrd, the command line is the domain's.
        Object.assign(cmdline.image, { kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img" });
        expect(parseLabConfig(cmdline).image).toMatchObject({ kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img", cmdline: "console=ttyS0 quiet" });
    });

    it("checks only what the schema took: no file issue for an image or libvirt that is no map, or an image.source that is no path", () => {
        const raw = base();
        raw.image = 5;
        raw.libvirt = 5;
        const options = { exists: exists([]), kvm: () => ({ usable: false, detail: "no" }) };
        expect(() => parseLabConfig(raw, options)).toThrow("(3 problems)");
        // A bad image.source is checked as its fix leaves it: the image setup builds, there or not.
        const source = base();
        source.image.source = 5;
        const badSource = "  - image.source: must be a local path or an http(s) URL of a qcow2 image; got 5\n    fix: npm run lab -- config set --path image.source /var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2";
        expect(() => parseLabConfig(source, { exists: exists([DEFAULT_IMAGE]) })).toThrow(`invalid lvs-lab stack config (1 problem):\n${badSource}`);
        expect(() => parseLabConfig(source, { exists: exists([]) })).toThrow(
            `invalid lvs-lab stack config (2 problems):\n${badSource}\n  - image.source: must be an existing qcow2 image, which the lab uploads as every machine's base volume before anything else; got /var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2, which does not exist on this machine\n    fix: npm run setup`,
        );
    });

    it("for a missing default image, the one fix is setup (setting image.source to itself would do nothing)", () => {
        expect(() => parseLabConfig(base(), { exists: exists([]) })).toThrow(/which does not exist on this machine\n {4}fix: npm run setup$/);
    });

    it("checks a local libvirt's kernel and initrd, not a remote one's", () => {
        const raw = base();
        Object.assign(raw.image, { kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img" });
        const some = exists([DEFAULT_IMAGE, "/boot/initrd.img"]);
        expect(() => parseLabConfig(raw, { exists: some })).toThrow(
            "image.kernel: must be a file on the libvirt host (qemu:///system); got /boot/vmlinuz, which does not exist\n" +
                "    fix: npm run lab -- config rm --path image.kernel && npm run lab -- config rm --path image.initrd",
        );
        raw.libvirt = { uri: "qemu+ssh://lab-host/system" };
        expect(() => parseLabConfig(raw, { exists: some })).not.toThrow();
    });
});

describe("a DR real server's gateway and NAT's second router id, message by message", () => {
    const issues = (change: (raw: any) => void) => issuesIn("default", change);

    it("a gateway that is the VIP as given is refused even when the VIP itself must move", () => {
        expect(issues((r) => { r.service.vip = "10.0.0.5"; r.realServers[0].gateway = "10.0.0.5"; })).toEqual([
            { path: "service.vip", message: "10.0.0.5 is not a host address of network.cidr 192.168.168.0/24", fix: [{ kind: "set", key: "service.vip", value: "192.168.168.100" }] },
            { path: "realServers[0].gateway", message: "in DR mode the real server holds the VIP itself, so the gateway must not be the VIP 10.0.0.5", fix: [{ kind: "rm", key: "realServers[0].gateway" }] },
        ]);
    });

    it("a gateway that is the server's own address as given is refused even when the address must move", () => {
        expect(issues((r) => { r.realServers[0].gateway = "192.168.168.10"; })).toEqual([
            { path: "realServers[0].gateway", message: "a real server cannot route through itself: the gateway must not be its own address 192.168.168.10", fix: [{ kind: "rm", key: "realServers[0].gateway" }] },
        ]);
        expect(issues((r) => { r.realServers[0].ip = "10.0.0.9"; r.realServers[0].gateway = "10.0.0.9"; })).toEqual([
            { path: "realServers[0].ip", message: "10.0.0.9 is not a host address of network.cidr 192.168.168.0/24", fix: [{ kind: "set", key: "realServers[0].ip", value: "192.168.168.200" }] },
            { path: "realServers[0].gateway", message: "a real server cannot route through itself: the gateway must not be its own address 10.0.0.9", fix: [{ kind: "rm", key: "realServers[0].gateway" }] },
        ]);
    });

    it("the fixes never move the VIP or a real server onto an address a gateway names", () => {
        expect(issues((r) => { r.service.vip = "10.0.0.5"; r.realServers[0].gateway = "192.168.168.100"; })).toEqual([
            { path: "service.vip", message: "10.0.0.5 is not a host address of network.cidr 192.168.168.0/24", fix: [{ kind: "set", key: "service.vip", value: "192.168.168.101" }] },
        ]);
    });

    it("NAT's floating gateway needs a router id other than the VIP's, the default 51 included; DR has no floating gateway at all", () => {
        const nat = (ha: any) => (r: any) => { r.service.mode = "nat"; delete r.network.ipv6Cidr; r.ha = { peers: [{ name: "d2", ip: "192.168.168.51" }], ...ha }; };
        expect(issues(nat({ natGateway: { ip: "192.168.168.254", virtualRouterId: 51 } }))).toEqual([
            { path: "ha.natGateway.virtualRouterId", message: "51 is already the VIP's instance (ha.virtualRouterId); router ids must be unique on the segment", fix: [{ kind: "set", key: "ha.natGateway.virtualRouterId", value: "52" }] },
        ]);
        expect(issues(nat({ virtualRouterId: 60, natGateway: { ip: "192.168.168.254", virtualRouterId: 60 } }))[0].fix).toEqual([{ kind: "set", key: "ha.natGateway.virtualRouterId", value: "61" }]);
        expect(issues(nat({ virtualRouterId: 60, natGateway: { ip: "192.168.168.254", virtualRouterId: 51 } }))).toEqual([]);
        expect(issues((r) => { r.ha = { peers: [{ name: "d2", ip: "192.168.168.51" }], natGateway: { ip: "192.168.168.254", virtualRouterId: 51 } }; })).toEqual([
            { path: "ha.natGateway", message: "only NAT routes replies through the directors; remove ha.natGateway in DR mode", fix: [{ kind: "rm", key: "ha.natGateway" }] },
        ]);
    });
});

describe("port 22 and real servers' ports, per mode", () => {
    const to8080 = (key: string) => [{ kind: "set", key, value: "8080" }];

    it("DR and TUN: 22 is refused at any index, since nginx listens on every service port", () => {
        expect(issuesIn("default", (r) => (r.service.ports = [80, 22]))).toEqual([
            { path: "service.ports[1]", message: "port 22 is sshd's on every real server, and in DR nginx listens on every service port; got 22", fix: to8080("service.ports[1]") },
        ]);
    });

    it("NAT: 22 is refused first (nginx listens there), accepted after it, and refused anywhere with the sorry server on the directors", () => {
        expect(issuesIn("nat", (r) => (r.service.ports = [22, 80]))).toEqual([
            { path: "service.ports[0]", message: "port 22 is sshd's on every real server, and nginx listens on the first service port; got 22", fix: to8080("service.ports[0]") },
        ]);
        expect(issuesIn("nat", (r) => (r.service.ports = [80, 22]))).toEqual([]);
        expect(issuesIn("nat", (r) => { r.service.ports = [80, 22]; r.service.sorryServer = true; })).toEqual([
            { path: "service.ports[1]", message: "port 22 is sshd's on every director, and the sorry server (service.sorryServer) listens on every service port there; got 22", fix: to8080("service.ports[1]") },
        ]);
    });

    it("a real server's own port: a remap in NAT, the service's port in DR", () => {
        expect(issuesIn("nat", (r) => (r.realServers[0].port = 8080))).toEqual([]);
        expect(issuesIn("default", (r) => (r.realServers[0].port = 80))).toEqual([]);
    });
});

describe("NFS exports, message by message", () => {
    const nfsIssues = (change: (raw: any) => void) => issuesIn("dr-nfs", change);

    it("a web root that is no export: the exports as they will be once fixed, and the first as the fix", () => {
        expect(nfsIssues((r) => { r.nfs.exports = ["/opt/kgc", 7]; r.realServers[1].nfsExport = "/opt/x"; })).toEqual([
            { path: "nfs.exports[1]", message: "must be an absolute path of plain segments, such as /opt/kgc; got 7", fix: [{ kind: "set", key: "nfs.exports[1]", value: "/srv/export1" }] },
            { path: "realServers[1].nfsExport", message: "/opt/x is not one of nfs.exports (/opt/kgc, /srv/export1)", fix: [{ kind: "set", key: "realServers[1].nfsExport", value: "/opt/kgc" }] },
        ]);
    });

    it("a path listed again: each repeat named with its first, removed from the last back", () => {
        expect(nfsIssues((r) => (r.nfs.exports = ["/opt/kgc", "/opt/benet", "/opt/kgc", "/opt/benet", "/opt/kgc"]))).toEqual([
            {
                path: "nfs.exports",
                message: "lists a path twice: nfs.exports[2] is /opt/kgc again, like nfs.exports[0]; nfs.exports[3] is /opt/benet again, like nfs.exports[1]; nfs.exports[4] is /opt/kgc again, like nfs.exports[0]",
                fix: [4, 3, 2].map((i) => ({ kind: "rm", key: `nfs.exports[${i}]` })),
            },
        ]);
    });
});

describe("room, MACs and the addresses with no MAC, message by message", () => {

    it("a network too small for NAT with HA counts the floating gateway", () => {
        expect(issuesIn("nat", (r) => { r.network.cidr = "172.25.7.0/29"; r.ha = { peers: [{ name: "d2", ip: "172.25.7.5" }], natGateway: { ip: "172.25.7.6", virtualRouterId: 52 } }; })[0]).toEqual({
            path: "network.cidr",
            message: "must have room for 8 addresses (the gateway, the VIP, the NAT gateway and 5 machines); got 172.25.7.0/29, which has 6",
            fix: [{ kind: "set", key: "network.cidr", value: "172.25.7.0/28" }],
        });
    });

    it("a MAC taken from the address says so when it collides with one given", () => {
        expect(issuesIn("default", (r) => (r.director.mac = macFor("192.168.168.60")))).toEqual([
            { path: "client.mac", message: "MAC 52:54:00:a8:a8:3c (derived from its address) is already used by director.mac; each machine needs a MAC of its own", fix: [{ kind: "set", key: "client.mac", value: "52:54:00:ff:00:01" }] },
        ]);
    });

    it("the VIP's and the NAT gateway's fixes take addresses whose derived MAC a machine has: neither has a MAC", () => {
        expect(issuesIn("default", (r) => { r.service.vip = "10.0.0.5"; r.client.mac = macFor("192.168.168.100"); })).toEqual([
            { path: "service.vip", message: "10.0.0.5 is not a host address of network.cidr 192.168.168.0/24", fix: [{ kind: "set", key: "service.vip", value: "192.168.168.100" }] },
        ]);
        expect(issuesIn("nat", (r) => { r.ha = { peers: [{ name: "d2", ip: "172.25.7.5" }], natGateway: { ip: "10.0.0.1", virtualRouterId: 52 } }; r.client.mac = macFor("172.25.7.254"); })).toEqual([
            { path: "ha.natGateway.ip", message: "10.0.0.1 is not a host address of network.cidr 172.25.7.0/24", fix: [{ kind: "set", key: "ha.natGateway.ip", value: "172.25.7.254" }] },
        ]);
    });

    it("in DR a floating gateway on a director's address gets only the message that DR has none", () => {
        expect(issuesIn("default", (r) => { r.ha = { peers: [{ name: "d2", ip: "192.168.168.51" }], natGateway: { ip: "192.168.168.50", virtualRouterId: 52 } }; })).toEqual([
            { path: "ha.natGateway", message: "only NAT routes replies through the directors; remove ha.natGateway in DR mode", fix: [{ kind: "rm", key: "ha.natGateway" }] },
        ]);
    });
});

describe("the order issues print in (their fixes run top to bottom)", () => {
    const pathsIn = (stack: string, change: (raw: any) => void) => issuesIn(stack, change).map((i) => i.path);

    it("a set on a list item keeps its place: only removals, which move later items, go last", () => {
        expect(pathsIn("default", (r) => { r.service.ports = [80, "x"]; r.client.ip = "10.0.0.1"; })).toEqual(["service.ports[1]", "client.ip"]);
    });

    it("removals go last, the issue with the highest index first, two-digit indices included", () => {
        expect(pathsIn("dr-nfs", (r) => { r.service.ports = [80, 81, 82, 80]; r.nfs.exports = ["/opt/kgc", "/opt/benet", "/opt/kgc", "/opt/benet", "/opt/kgc"]; })).toEqual(["nfs.exports", "service.ports"]);
        expect(pathsIn("dr-nfs", (r) => { r.service.ports = [80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 80]; r.nfs.exports = ["/opt/kgc", "/opt/benet", "/opt/kgc"]; })).toEqual(["service.ports", "nfs.exports"]);
    });
});
