import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../stacks";
import { labMocks, programDone, startMockEngine } from "./mockEngine";

/** One registration the mock monitor saw, inputs in their wire form (secrets still wrapped). */
interface Registered {
    type: string;
    name: string;
    wire: Record<string, any>;
    secretOutputs: string[];
}

const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const isSecret = (v: any) => v !== null && typeof v === "object" && v[SECRET_KEY] === "1b47061264138c4ac30d75fd1eb44270";

describe("a stack whose ha.authPass was set with --secret, under mocks", () => {
    const PASSWORD = "Zq7-xY.9";
    const registered: Registered[] = [];
    const step = (name: string) => {
        const r = registered.find((x) => x.name === name);
        if (!r) throw new Error(`no resource named ${name}`);
        return r;
    };

    beforeAll(async () => {
        await startMockEngine(
            labMocks,
            ({ req }) => registered.push({ type: req.getType(), name: req.getName(), wire: req.getObject()?.toJavaScript() ?? {}, secretOutputs: req.getAdditionalsecretoutputsList() }),
        );
        // The engine's config as `pulumi config set --secret --path ha.authPass ...` leaves it: the
        // value in the `ha` map, and `lvs-lab:ha` among the secret keys.
        const raw = structuredClone(loadStackConfig("ha")) as any;
        raw.ha.authPass = PASSWORD;
        pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [`lvs-lab:${k}`, JSON.stringify(v)])), ["lvs-lab:ha"]);
        const { LvsDrCluster, labSpecFromStack } = await import("../../components/lab");
        const spec = labSpecFromStack();
        expect(spec.secrets).toContain(PASSWORD);
        new LvsDrCluster("lab", { spec });
        await programDone();
    });

    it("keeps each keepalived step's command secret, its output secret and unlogged", () => {
        for (const d of ["director1", "director2"]) {
            const service = step(`lab-${d}-service`);
            expect(isSecret(service.wire.create), d).toBe(true);
            expect(service.wire.logging, d).toBe("none");
            expect(service.secretOutputs, d).toEqual(expect.arrayContaining(["stdout", "stderr"]));
        }
    });

    it("leaves the steps that hold no secret readable", () => {
        for (const name of ["lab-nginx1-lvs", "lab-nginx1-nginx", "lab-director1-lvs", "lab-client-verify"]) {
            const s = step(name);
            expect(typeof s.wire.create, name).toBe("string");
            expect(s.wire.logging, name).toBeUndefined();
            // Whatever the command SDK keeps secret itself (its connection), not the step's output.
            expect(s.secretOutputs.filter((k) => k === "stdout" || k === "stderr"), name).toEqual([]);
        }
    });

    it("never puts the password on the wire outside a secret", () => {
        const leaks: string[] = [];
        const walk = (v: unknown, where: string): void => {
            if (isSecret(v)) return;
            if (typeof v === "string" && v.includes(PASSWORD)) leaks.push(where);
            if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
        };
        for (const r of registered) walk(r.wire, r.name);
        expect(leaks).toEqual([]);
        // And it does reach the directors, inside the secret.
        expect(step("lab-director1-service").wire.create.value).toContain(`auth_pass ${PASSWORD}`);
    });
});

describe("a stack whose service.vip, sshUser, ha.authPass and director.ip were set with --secret: the program under mocks", () => {
    const VIP = "192.168.169.177";
    const USER = "opsq7x";
    const PASSWORD = "Pw4_kL.2";
    const DIRECTOR_IP = "192.168.169.57";
    // `--secret --path director.ip` makes the whole `director` key secret, its name too.
    const DIRECTOR = "lvsdir9";
    const SECRETS = [VIP, USER, PASSWORD, DIRECTOR_IP, DIRECTOR];
    const registered: Registered[] = [];
    /** Every component's registered outputs (what the state keeps of it), on the wire. */
    const componentOutputs: { urn: string; wire: Record<string, any> }[] = [];
    /** Every stack output of index.ts, resolved, and whether it is secret. */
    const stackOutputs: Record<string, { value: unknown; secret: boolean }> = {};

    /** Where a value holds one of SECRETS outside a secret. */
    function leaks(v: unknown, where: string, found: string[] = []): string[] {
        if (isSecret(v)) return found;
        if (typeof v === "string") for (const s of SECRETS) if (v.includes(s)) found.push(`${where} holds ${s}`);
        if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) leaks(x, `${where}.${k}`, found);
        return found;
    }

    beforeAll(async () => {
        await startMockEngine(
            labMocks,
            ({ req }) => registered.push({ type: req.getType(), name: req.getName(), wire: req.getObject()?.toJavaScript() ?? {}, secretOutputs: req.getAdditionalsecretoutputsList() }),
        );
        const monitor = pulumi.runtime.getMonitor() as any;
        const original = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req: any, callback: any) => {
            componentOutputs.push({ urn: req.getUrn(), wire: req.getOutputs()?.toJavaScript() ?? {} });
            return original(req, callback);
        };
        // `config set --secret --path service.vip`, `--secret sshUser`, `--secret --path
        // ha.authPass` and `--secret --path director.ip`: the engine marks those top-level keys secret. An image URL, a
        // domain type and a remote libvirt, so the program neither reads files, probes KVM nor asks
        // a libvirtd for the other labs' networks.
        const raw = structuredClone(loadStackConfig("ha")) as any;
        raw.service.vip = VIP;
        raw.sshUser = USER;
        raw.ha.authPass = PASSWORD;
        raw.director = { ...raw.director, ip: DIRECTOR_IP, name: DIRECTOR };
        raw.image.source = "https://example.org/lvs-lab-bookworm.qcow2";
        raw.libvirt = { domainType: "qemu", uri: "qemu+ssh://lab-host/system" };
        const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
        pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [`lvs-lab:${k}`, text(v)])), ["lvs-lab:service", "lvs-lab:sshUser", "lvs-lab:ha", "lvs-lab:director"]);
        const program: Record<string, unknown> = await import("../../index");
        for (const [name, value] of Object.entries(program)) {
            if (!pulumi.Output.isInstance(value)) {
                stackOutputs[name] = { value, secret: false };
                continue;
            }
            const resolved = await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve));
            stackOutputs[name] = { value: resolved, secret: await pulumi.isSecret(value as pulumi.Output<unknown>) };
        }
        await programDone();
    });

    it("holds each value in a secret wherever it flows: remote steps, cloud-init, the wait for SSH, key comments, component outputs", () => {
        expect(registered.length).toBeGreaterThan(30);
        const found: string[] = [];
        for (const r of registered) leaks(r.wire, r.name, found);
        for (const c of componentOutputs) leaks(c.wire, c.urn.split("::").pop()!, found);
        expect(found).toEqual([]);
        // Not vacuous: each value reaches the resources, inside secrets.
        const secretText = JSON.stringify(registered.map((r) => r.wire));
        for (const s of SECRETS) expect(secretText, s).toContain(s);
        const step = (name: string) => registered.find((r) => r.name === name)!;
        expect(isSecret(step("lab-client-verify").wire.create), "the client's requests to the VIP").toBe(true);
        // The director's libvirt names, cloud-init network config, host key comment and wait for SSH.
        const director = (what: string) => step(`lab-${DIRECTOR}-${what}`).wire;
        expect(isSecret(director("domain").name), "domain name").toBe(true);
        expect(isSecret(director("seed").networkConfig), "network-config").toBe(true);
        expect(isSecret(director("host-key").comment), "host key comment").toBe(true);
        expect(isSecret(director("ssh").create), "wait for SSH").toBe(true);
        expect(director("ssh").logging).toBe("none");
    });

    it("makes every stack output that holds one a secret, with one helper for all (no output in clear holds any)", () => {
        expect(Object.keys(stackOutputs).sort()).toEqual(["access", "clientPrivateKey", "domainType", "hostKeys", "hosts", "ipvsTable", "mode", "verification", "vipUrl"]);
        for (const [name, { value, secret }] of Object.entries(stackOutputs)) {
            const text = JSON.stringify(value) ?? "";
            if (SECRETS.some((s) => text.includes(s))) expect(secret, `${name} holds a secret value in clear: ${text.slice(0, 120)}`).toBe(true);
        }
        // Those that hold them: the VIP's URL, the access the lab command reads (user and VIP).
        expect(stackOutputs.vipUrl).toEqual({ value: `http://${VIP}:80/`, secret: true });
        expect(stackOutputs.access.secret).toBe(true);
        expect(stackOutputs.access.value).toMatchObject({ sshUser: USER, vip: VIP });
    });
});
