import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { createRequire } from "module";
import { isAbsolute, join } from "path";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installExample } from "../example";
import { programDone, startMockEngine } from "./mockEngine";

/**
 * The from-code example as another program would run it: the package built and installed into a
 * consumer project (`node_modules/lvs-lab`, found through package.json's exports), the example
 * program beside it, run under Pulumi mocks.
 */
const REPO = join(__dirname, "..", "..");

/** One registration the mocks saw, with its inputs resolved, and its URN and dependencies. */
interface Seen {
    type: string;
    name: string;
    inputs: Record<string, any>;
    urn?: string;
    dependencies?: string[];
}

const seen: Seen[] = [];
let consumer: string;
let program: Record<string, pulumi.Output<unknown>>;

/** What the mocked engine returns for a resource: its inputs, plus what the lab reads back. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (type === "command:remote:Command" && name.endsWith("-verify")) return { ...inputs, stdout: "# probe http://10.77.0.100:80/\nweb1 5\nweb2 10\nweb3 15\n" };
    if (type === "command:remote:Command" && name.endsWith("-service")) return { ...inputs, stdout: "IP Virtual Server version 1.2.1" };
    if (type.startsWith("pulumi-nodejs:dynamic")) return { ...inputs, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n", publicKey: `ssh-ed25519 AAAAmock ${name}` };
    return inputs;
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const named = (name: string) => {
    const r = seen.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have ${seen.map((x) => x.name).join(", ")}`);
    return r;
};

beforeAll(async () => {
    // Inside the repo, so the consumer resolves the repo's one copy of @pulumi/pulumi.
    mkdirSync(join(REPO, ".lab", "tmp"), { recursive: true });
    consumer = installExample(mkdtempSync(join(REPO, ".lab", "tmp", "example-")));
    await startMockEngine(
        {
            newResource(args) {
                seen.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
            },
            call: () => ({}),
        },
        // The engine's side of each registration: its URN and what it waits for.
        ({ req, urn }) => Object.assign(named(req.getName()), { urn, dependencies: req.getDependenciesList() }),
        "lvs-lab-from-code",
    );
    program = await import(join(consumer, "index.ts"));
    await programDone();
}, 120_000);
afterAll(() => {
    if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe("the package entry", () => {
    it("resolves `lvs-lab` to the installed copy's built JS through package.json's exports", () => {
        const fromExample = createRequire(join(consumer, "index.ts"));
        const entry = join(consumer, "node_modules", "lvs-lab", "bin", "index.js");
        expect(fromExample.resolve("lvs-lab")).toBe(entry);
        // What the example really ran: the installed JS, not the repo's sources or bin/.
        const loaded = Object.keys(fromExample.cache);
        expect(loaded).toContain(entry);
        expect(loaded.filter((f) => f.startsWith(join(REPO, "components")) || f.startsWith(join(REPO, "bin")))).toEqual([]);
        // The cache above holds what Node loaded; the example's own imports go through vitest and
        // never reach it, so one that named the repo's sources by a path would not show there. It
        // names packages only.
        const imported = ts.preProcessFile(readFileSync(join(consumer, "index.ts"), "utf8"), true, true).importedFiles.map((f) => f.fileName);
        expect(imported).toContain("lvs-lab");
        expect(imported.filter((f) => f.startsWith(".") || isAbsolute(f))).toEqual([]);
    });

    it("type-checks the example against the package's declarations", { timeout: 120_000 }, () => {
        // Throws with tsc's diagnostics when the example and the published types disagree.
        execFileSync(join(REPO, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", join(consumer, "tsconfig.json")], { encoding: "utf8" });
    });
});

describe("the from-code example under mocks", () => {
    it("boots the director, three web servers and the client on the code segment", () => {
        const domains = seen.filter((r) => r.type === "libvirt:index/domain:Domain").map((r) => r.inputs.name).sort();
        expect(domains).toEqual(["lvs-code-lb", "lvs-code-probe", "lvs-code-web1", "lvs-code-web2", "lvs-code-web3"]);
        expect(seen.filter((r) => r.type === "libvirt:index/network:Network").map((r) => r.inputs.addresses)).toEqual([["10.77.0.0/24"]]);
        expect(seen.filter((r) => r.type.startsWith("lvs-lab:index:")).map((r) => r.type).sort()).toEqual([
            "lvs-lab:index:Director",
            "lvs-lab:index:LabClient",
            "lvs-lab:index:LvsDrCluster",
            "lvs-lab:index:RealServer",
            "lvs-lab:index:RealServer",
            "lvs-lab:index:RealServer",
        ]);
    });

    it("gives the director a wlc table with the web servers weighted 1, 2, 3 in Route mode", () => {
        const ipvs = named("code-lb-service").inputs.create as string;
        expect(ipvs).toContain("-A -t 10.77.0.100:80 -s wlc");
        for (const n of [1, 2, 3]) expect(ipvs).toContain(`-a -t 10.77.0.100:80 -r 10.77.0.1${n}:80 -g -w ${n}`);
    });

    it("puts the VIP on each web server's lo:0 before nginx", () => {
        for (const n of [1, 2, 3]) {
            const lvs = named(`code-web${n}-lvs`);
            const nginx = named(`code-web${n}-nginx`);
            // The line the web server runs, from the boot step the lvs step installs and runs now,
            // which at every boot starts before nginx.
            expect(lvs.inputs.create, lvs.name).toMatch(/^ip addr replace 10\.77\.0\.100\/32 dev lo label lo:0$/m);
            expect(lvs.inputs.create, lvs.name).toMatch(/^Before=nginx\.service$/m);
            // The nginx step (web n's own) runs only after it.
            expect(nginx.inputs.create, nginx.name).toContain(`add_header X-Lvs-Real-Server web${n} always;`);
            expect(nginx.dependencies, nginx.name).toContain(lvs.urn);
        }
    });

    it("exports the VIP URL, the addresses and the client's verification", async () => {
        expect(await value(program.vipUrl)).toBe("http://10.77.0.100:80/");
        expect(await value(program.hosts)).toEqual({ web1: "10.77.0.11", web2: "10.77.0.12", web3: "10.77.0.13", lb: "10.77.0.2", probe: "10.77.0.200" });
        expect(await value(program.verification)).toEqual({ realServers: { web1: 5, web2: 10, web3: 15 } });
    });
});
