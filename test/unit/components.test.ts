import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { allHosts, parseLabConfig } from "../../components/config";
import { planLab } from "../../components/plan";
import { asRoot, machineLine } from "../../components/remote";
import { renderCloudInitWait } from "../../components/render";
import { loadStackConfig } from "../stacks";
import { Registration, programDone, startMockEngine } from "./mockEngine";

/** One registration the mock monitor saw. */
interface Registered {
    type: string;
    name: string;
    urn: string;
    parent: string;
    dependencies: string[];
    replaceOnChanges: string[];
    /** Inputs as serialised on the wire, secrets still wrapped. */
    wire: Record<string, unknown>;
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const registered: Registered[] = [];
let cluster: typeof import("../../components/lab");

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:remote:Command" && args.name.endsWith("-verify")) {
            state.stdout = "# probe http://192.168.168.100:80/\nnginx1 10\nnginx2 10\n# probe http://192.168.168.100:80/index.jsp\ntomcat1 13\ntomcat2 7\n";
        }
        if (args.type === "command:remote:Command" && args.name.endsWith("-service")) state.stdout = "IP Virtual Server version 1.2.1";
        if (args.type.startsWith("pulumi-nodejs:dynamic")) {
            state.privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n";
            state.publicKey = `ssh-ed25519 AAAAmock ${args.name}`;
        }
        return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
};

/** Records what the engine would see: parents, dependencies and the wire form of inputs. */
const record = ({ req, urn }: Registration) =>
    registered.push({
        type: req.getType(),
        name: req.getName(),
        urn,
        parent: req.getParent(),
        dependencies: req.getDependenciesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        wire: req.getObject()?.toJavaScript() ?? {},
    });

const spec = parseLabConfig(loadStackConfig("dr-tomcat"));
let lab: InstanceType<typeof cluster.LvsDrCluster>;

// One program of two labs: the dr-tomcat stack's as `lab`, and beside it the ha stack's as
// `halab`, whose client and real servers have the same host names. The tests look once every
// registration is in.
beforeAll(async () => {
    await startMockEngine(mocks, record);
    cluster = await import("../../components/lab");
    lab = new cluster.LvsDrCluster("lab", { spec, verifyRequests: 20 });
    new cluster.LvsDrCluster("halab", { spec: parseLabConfig(loadStackConfig("ha")) });
    await programDone();
});

const byName = (name: string) => {
    const r = registered.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have ${registered.map((x) => x.name).join(", ")}`);
    return r;
};
/** The URNs of a resource and everything under it. */
const urnsUnder = (name: string) => {
    const root = byName(name).urn;
    const out = new Set([root]);
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of registered) if (out.has(r.parent) && !out.has(r.urn)) (out.add(r.urn), (grew = true));
    }
    return out;
};
/** Whether `from` waits for `to`, directly or through other resources. */
const waitsFor = (from: string, to: string): boolean => {
    const target = byName(to).urn;
    const seen = new Set<string>();
    const stack = [...byName(from).dependencies];
    while (stack.length) {
        const urn = stack.pop()!;
        if (urn === target) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        const r = registered.find((x) => x.urn === urn);
        if (r) stack.push(...r.dependencies);
    }
    return false;
};

/** The registrations of a resource and everything under it. */
const under = (name: string) => {
    const urns = urnsUnder(name);
    return registered.filter((r) => urns.has(r.urn));
};

describe("LvsDrCluster (dr-tomcat) under mocks", () => {

    it("builds one network, pool and base volume, and a disk, seed and domain per machine", () => {
        const count = (type: string) => under("lab").filter((r) => r.type === type).length;
        expect(count("libvirt:index/network:Network")).toBe(1);
        expect(count("libvirt:index/pool:Pool")).toBe(1);
        expect(count("libvirt:index/domain:Domain")).toBe(6);
        expect(count("libvirt:index/cloudInitDisk:CloudInitDisk")).toBe(6);
        expect(count("libvirt:index/volume:Volume")).toBe(7);
        expect(under("lab").filter((r) => r.type.startsWith("lvs-lab:index:")).map((r) => r.type).sort()).toEqual([
            "lvs-lab:index:Director",
            "lvs-lab:index:LabClient",
            "lvs-lab:index:LvsDrCluster",
            "lvs-lab:index:RealServer",
            "lvs-lab:index:RealServer",
            "lvs-lab:index:TomcatBackend",
            "lvs-lab:index:TomcatBackend",
        ]);
    });

    it("creates the machines' volumes one machine at a time, in boot order (the provider deadlocks on parallel cloud-init uploads)", () => {
        const order = ["tomcat1", "tomcat2", "nginx1", "nginx2", "director", "client"].map((h) => `lab-${h}`);
        for (let i = 1; i < order.length; i++) {
            for (const volume of ["disk", "seed"]) {
                const deps = byName(`${order[i]}-${volume}`).dependencies;
                expect(deps, `${order[i]}-${volume}`).toContain(byName(`${order[i - 1]}-seed`).urn);
                expect(deps, `${order[i]}-${volume}`).toContain(byName(`${order[i - 1]}-disk`).urn);
            }
        }
        expect(byName("lab-tomcat1-seed").dependencies.filter((d) => d.includes("-seed") || d.includes("-disk"))).toEqual([]);
    });

    it("boots guests as TCG domains with a serial console logged to a file", () => {
        const domain = byName("lab-director-domain").wire as any;
        expect(domain).toMatchObject({ name: "lvs-drtomcat-director", type: "qemu", vcpu: 1, memory: 512 });
        expect(domain.networkInterfaces[0]).toMatchObject({ mac: "52:54:00:a8:a8:32", waitForLease: false });
        // Every guest, each with its own name, MAC, size and console log.
        for (const host of allHosts(spec)) {
            const wire = byName(`lab-${host.name}-domain`).wire as any;
            expect(wire, host.name).toMatchObject({ name: host.domainName, type: "qemu", vcpu: host.vcpus, memory: host.memoryMiB });
            expect(wire.networkInterfaces[0], host.name).toMatchObject({ mac: host.mac, waitForLease: false });
            expect(wire.consoles[0], host.name).toMatchObject({ type: "pty", targetType: "serial" });
            expect(wire.xml.xslt, host.name).toContain(`<log file="/var/log/libvirt/qemu/${host.domainName}-console.log" append="on"/>`);
        }
    });

    it("adds real servers to IPVS only after their VIP and ARP settings", () => {
        for (const rs of ["lab-nginx1-lvs", "lab-nginx2-lvs", "lab-nginx1-nginx", "lab-nginx2-nginx"]) expect(waitsFor("lab-director-service", rs), rs).toBe(true);
        expect(waitsFor("lab-nginx1-lvs", "lab-director-service")).toBe(false);
    });

    it("sets the director's sorry server up (or takes it off) before its service, which may send connections to it", () => {
        expect(byName("lab-director-service").dependencies).toContain(byName("lab-director-sorry").urn);
        expect(waitsFor("lab-director-sorry", "lab-director-service")).toBe(false);
    });

    it("configures nginx only after the tomcats it proxies to", () => {
        for (const nginx of ["lab-nginx1-nginx", "lab-nginx2-nginx"]) {
            const deps = new Set(byName(nginx).dependencies);
            expect(deps, nginx).toContain(byName("lab-tomcat1-tomcat").urn);
            expect(deps, nginx).toContain(byName("lab-tomcat2-tomcat").urn);
        }
    });

    it("runs every remote step after its guest's cloud-init wait, which follows the SSH wait", () => {
        const plans = planLab(spec, { verifyRequests: 20 });
        expect(plans.flatMap((p) => p.steps)).toHaveLength(13);
        for (const { host, steps } of plans) {
            const m = `lab-${host.name}`;
            for (const step of steps) expect(waitsFor(`${m}-${step.name}`, `${m}-cloud-init`), `${m}-${step.name}`).toBe(true);
            expect(byName(`${m}-${steps[0].name}`).dependencies, m).toContain(byName(`${m}-cloud-init`).urn);
            expect(byName(`${m}-cloud-init`).dependencies, m).toContain(byName(`${m}-ssh`).urn);
            expect(byName(`${m}-ssh`).dependencies, m).toContain(byName(`${m}-domain`).urn);
        }
    });

    it("verifies from the client after the director", () => {
        expect(byName("lab-client-verify").dependencies).toContain(byName("lab-director-service").urn);
    });

    it("keeps keys secret: user-data, SSH private keys and connections", () => {
        const isSecret = (v: any) => v && typeof v === "object" && v["4dabf18193072939515e22adb298388d"] === SECRET_SIG;
        expect(isSecret((byName("lab-nginx1-seed").wire as any).userData)).toBe(true);
        const conn = (byName("lab-nginx1-lvs").wire as any).connection;
        expect(isSecret(conn) || isSecret(conn.privateKey)).toBe(true);
        // No private key anywhere on the wire outside a secret wrapper.
        const leaks: string[] = [];
        const walk = (v: unknown, where: string): void => {
            // __provider is the dynamic provider's serialised code, which names the PEM header.
            if (isSecret(v) || where.endsWith(".__provider")) return;
            if (typeof v === "string" && v.includes("PRIVATE KEY")) leaks.push(where);
            if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
        };
        for (const r of registered) walk(r.wire, r.name);
        expect(leaks).toEqual([]);
    });

    it("pins each guest's own host key", () => {
        const steps = under("lab").filter((r) => r.type === "command:remote:Command");
        expect(steps.length).toBeGreaterThan(0);
        for (const step of steps) {
            const conn = (step.wire as any).connection;
            const machine = step.name.replace(/-(cloud-init|lvs|nginx|udp|tomcat|sorry|service|tools|verify)$/, "");
            expect((conn.value ?? conn).hostKey, step.name).toBe(`ssh-ed25519 AAAAmock ${machine}-host-key`);
        }
    });

    it("re-runs a step in place when its script or its machine changes: the command text names the machine, no triggers, no delete", () => {
        const steps = under("lab").filter((r) => r.type === "command:remote:Command");
        // A cloud-init wait per machine; real servers lvs + nginx + udp, tomcats one, the director lvs + sorry + service, the client tools + verify.
        expect(steps.length).toBe(6 + 2 * 3 + 2 * 1 + 3 + 2);
        // What each step runs: its planned script, or its guest's cloud-init wait.
        const scripts = new Map<string, string>();
        for (const { host, steps: planned } of planLab(spec, { verifyRequests: 20 })) {
            scripts.set(`lab-${host.name}-cloud-init`, renderCloudInitWait(host).create);
            for (const step of planned) scripts.set(`lab-${host.name}-${step.name}`, step.script.create);
        }
        expect([...scripts.keys()].sort()).toEqual(steps.map((s) => s.name).sort());
        for (const step of steps) {
            const wire = step.wire as any;
            const machine = step.name.replace(/-(cloud-init|lvs|nginx|udp|tomcat|sorry|service|tools|verify)$/, "");
            // The whole script is in the command's text: a changed script changes the text, an update that runs it again.
            expect(wire.create, step.name).toBe(`${machineLine(`${machine}-domain-id`)}\n${asRoot(scripts.get(step.name)!)}`);
            // A change of what the step sets never replaces it (the command SDK's own replaceOnChanges names only triggers).
            expect(step.replaceOnChanges, step.name).toEqual(["triggers[*]"]);
            for (const key of step.replaceOnChanges) expect(wire, `${step.name} replaces on ${key}`).not.toHaveProperty(key.replace(/\[\*\]$/, ""));
            expect(wire, step.name).not.toHaveProperty("triggers");
            expect(wire, step.name).not.toHaveProperty("delete");
            expect(wire, step.name).not.toHaveProperty("update");
            expect(wire.addPreviousOutputInEnv, step.name).toBe(false);
        }
        expect((byName("lab-director-service").wire as any).create).toContain("-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1");
        expect((byName("lab-director-ssh").wire as any).create.split("\n")[0]).toBe("# lvs-lab machine lab-director-domain-id");
        expect(byName("lab-director-ssh").wire).not.toHaveProperty("triggers");
    });

    it("exports the VIP URL, addresses, and the client's verification", async () => {
        const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
        expect(await value(lab.vipUrl)).toBe("http://192.168.168.100:80/");
        expect(await value(lab.hosts)).toMatchObject({ director: "192.168.168.50", nginx1: "192.168.168.10", tomcat2: "192.168.168.90" });
        expect(await value(lab.verification)).toEqual({ realServers: { nginx1: 10, nginx2: 10 }, tomcats: { tomcat1: 13, tomcat2: 7 } });
        expect(await value(lab.ipvsTable)).toContain("IP Virtual Server");
        // Each machine's own pinned key, for a known_hosts line per machine (the mocks name each key after its resource).
        expect(await value(lab.hostKeys)).toEqual({
            client: "ssh-ed25519 AAAAmock lab-client-host-key",
            director: "ssh-ed25519 AAAAmock lab-director-host-key",
            nginx1: "ssh-ed25519 AAAAmock lab-nginx1-host-key",
            nginx2: "ssh-ed25519 AAAAmock lab-nginx2-host-key",
            tomcat1: "ssh-ed25519 AAAAmock lab-tomcat1-host-key",
            tomcat2: "ssh-ed25519 AAAAmock lab-tomcat2-host-key",
        });
        expect(await pulumi.isSecret(lab.clientPrivateKey)).toBe(true);
    });

    it("parents every resource under the cluster", () => {
        const lab = urnsUnder("lab");
        const others = registered.filter((r) => r.type !== "pulumi:providers:command" && !r.name.startsWith("halab"));
        expect(others.length).toBeGreaterThan(50);
        for (const r of others) expect(lab.has(r.urn), r.name).toBe(true);
    });
});

describe("LvsDrCluster (ha) under mocks", () => {
    it("gives every director keepalived as its service, which first takes an ipvsadm table off", () => {
        expect(under("halab").filter((r) => r.type === "lvs-lab:index:Director").map((r) => r.name).sort()).toEqual(["halab-director1", "halab-director2"]);
        for (const d of ["director1", "director2"]) {
            const create = (byName(`halab-${d}-service`).wire as any).create as string;
            expect(create).toContain(`router_id ${d}`);
            expect(create).toContain("if [[ -e /etc/lvs-lab/ipvs.rules ]]; then");
            expect(create).not.toContain("lvs_write /etc/lvs-lab/ipvs.rules");
        }
    });

    it("starts keepalived after the real servers' VIP and ARP settings, and verifies after both directors", () => {
        for (const d of ["halab-director1", "halab-director2"]) {
            for (const rs of ["halab-nginx1-lvs", "halab-nginx2-lvs"]) expect(waitsFor(`${d}-service`, rs), `${d} after ${rs}`).toBe(true);
            expect(byName("halab-client-verify").dependencies).toContain(byName(`${d}-service`).urn);
        }
    });

    it("starts keepalived on the lower-priority director only after the preferred master's", () => {
        expect(byName("halab-director2-service").dependencies).toContain(byName("halab-director1-service").urn);
        expect(waitsFor("halab-director1-service", "halab-director2-service")).toBe(false);
    });

    it("lives beside the dr-tomcat lab, whose hosts have the same names, with no name or URN in common", () => {
        const lab = [...urnsUnder("lab")];
        const halab = [...urnsUnder("halab")];
        expect(lab.filter((u) => halab.includes(u))).toEqual([]);
        const resources = registered.filter((r) => !r.type.startsWith("pulumi:providers:"));
        expect(new Set(resources.map((r) => r.urn)).size).toBe(resources.length);
        expect(new Set(resources.map((r) => r.name)).size).toBe(resources.length);
        expect(byName("halab-nginx1-lvs").urn).not.toBe(byName("lab-nginx1-lvs").urn);
    });
});
