import { execFileSync } from "child_process";
import { writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../stacks";
import { REPO, Workspace, ok } from "./harness";

/**
 * Renamed resources through the real engine and the real program (index.ts), with no VM: a stack
 * whose resources have the names they had before they were named after their cluster keeps
 * them. The stack holds only what needs no VM and no network (the cluster, its role components
 * and their SSH keys, made with `up --target`); its names are then turned into the old ones
 * (`lab-director` -> `director`, `lab-director-host-key` -> `director-host-key`) and imported,
 * which is the state an older lvs-lab left. Every run is limited to those resources (`--target`),
 * so no libvirt resource is planned and the libvirt provider never connects (its URI is
 * libvirt's test driver all the same); the engine runs in an empty network namespace of its own.
 * A resource of the state that the program no longer has would be deleted, which `--target`
 * refuses unless it is targeted too: so a lost alias fails the preview or plans a create.
 */
describe("old resource names through the real engine", () => {
    const netns = `lvsname${process.pid}`;
    const ws = new Workspace("names", netns);
    const raw = { ...loadStackConfig("default"), image: { source: join(ws.dir, "tiny.qcow2") }, libvirt: { uri: "test:///default" } } as Record<string, any>;
    const roles: Record<string, string> = { director: "Director", nginx1: "RealServer", nginx2: "RealServer", client: "LabClient" };
    const hosts = Object.keys(roles);
    const CLUSTER = "urn:pulumi:t::lvs-lab::lvs-lab:index:LvsDrCluster";
    const KEY = "pulumi-nodejs:dynamic/lvs-lab:SshKey";
    // The cluster, each host's component and host key, and the client key: all `up --target` makes.
    const targets = [
        `${CLUSTER}::lab`,
        `${CLUSTER}$${KEY}::lab-client-key`,
        ...hosts.flatMap((h) => [`${CLUSTER}$lvs-lab:index:${roles[h]}::lab-${h}`, `${CLUSTER}$lvs-lab:index:${roles[h]}$${KEY}::lab-${h}-host-key`]),
    ];
    /** Each renamed resource's new name and the name it had. */
    const renamed = new Map(hosts.flatMap((h) => [[`lab-${h}`, h], [`lab-${h}-host-key`, `${h}-host-key`]]));
    let project: string;

    interface Resource {
        urn: string;
        id?: string;
        outputs?: { publicKey?: string };
    }
    async function exported(): Promise<{ deployment: { resources: Resource[] } }> {
        return JSON.parse(ok(await ws.pulumi(project, ["stack", "export", "--stack", "t"]), "stack export").stdout);
    }
    const nameOf = (urn: string) => urn.split("::")[3];
    /** Name -> id and public key of the lab's resources in the state. */
    async function held(): Promise<Record<string, { id?: string; publicKey?: string }>> {
        const resources = (await exported()).deployment.resources.filter((r) => r.urn.startsWith(CLUSTER));
        return Object.fromEntries(resources.map((r) => [nameOf(r.urn), { id: r.id, publicKey: r.outputs?.publicKey }]));
    }

    beforeAll(async () => {
        execFileSync("ip", ["netns", "add", netns]);
        execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
        process.env.PULUMI_NODEJS_TSCONFIG_PATH = join(REPO, "tsconfig.json");
        ws.write("tiny.qcow2", "");
        project = await ws.initProject(join(REPO, "index.ts"), "t", raw);
    });
    afterAll(async () => {
        // Nothing outside the state: keys are state only, the test driver forgets everything.
        await ws.pulumi(project, ["stack", "rm", "--yes", "--force", "--stack", "t"]);
        execFileSync("ip", ["netns", "delete", netns]);
        ws.remove();
    });

    it("a stack with the old names plans nothing for them, and `up` moves them to the new names with the same ids and keys", async () => {
        ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t", ...targets.flatMap((t) => ["--target", t])]), "up --target");
        const made = await held();
        expect(Object.keys(made).sort()).toEqual(["lab", "lab-client-key", "lab-libvirt", ...renamed.keys()].sort());

        const state = await exported();
        /** Imports the state made above with these resources renamed (new name -> name in the state). */
        async function importRenamed(names: Map<string, string>): Promise<void> {
            const rename = (v: unknown): unknown => {
                if (typeof v === "string" && v.startsWith("urn:pulumi:")) {
                    const parts = v.split("::");
                    if (names.has(parts[3])) parts[3] = names.get(parts[3])!;
                    return parts.join("::");
                }
                if (Array.isArray(v)) return v.map(rename);
                if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
                return v;
            };
            const file = join(ws.dir, "renamed.json");
            writeFileSync(file, JSON.stringify(rename(state)));
            ok(await ws.pulumi(project, ["stack", "import", "--file", file, "--stack", "t"]), "stack import");
        }
        /** What the targeted preview does, other than keeping a resource. */
        async function plan(also: string[] = []): Promise<string[]> {
            const preview = JSON.parse(ok(await ws.pulumi(project, ["preview", "--json", "--stack", "t", ...[...targets, ...also].flatMap((t) => ["--target", t])]), "preview").stdout);
            return (preview.steps as { op: string; urn: string }[]).filter((s) => s.op !== "same").map((s) => `${s.op} ${nameOf(s.urn)}`).sort();
        }

        // The control: under a name that is no alias the key is another resource, deleted, and
        // the program's key is made anew.
        await importRenamed(new Map([["lab-nginx1-host-key", "nginx1-key"]]));
        expect(await plan([`${CLUSTER}$lvs-lab:index:RealServer$${KEY}::nginx1-key`])).toEqual(["create lab-nginx1-host-key", "delete nginx1-key"]);

        // The state an older lvs-lab left: the same resources under the old names.
        await importRenamed(renamed);
        const old = await held();
        expect(Object.keys(old).sort()).toEqual(["lab", "lab-client-key", "lab-libvirt", ...renamed.values()].sort());
        expect(old["director-host-key"]).toEqual(made["lab-director-host-key"]);
        expect(await plan()).toEqual([]);

        ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t", ...targets.flatMap((t) => ["--target", t])]), "up --target");
        expect(await held()).toEqual(made);
    });
});
