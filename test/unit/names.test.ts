import { readFileSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { directors, parseLabConfig } from "../../components/config";
import { loadStackConfig, stackNames } from "../stacks";
import { labMocks, programDone, startMockEngine } from "./mockEngine";

/** One registration as the engine receives it: its URN and the URNs its aliases name. */
interface Registered {
    name: string;
    urn: string;
    parent: string;
    aliases: string[];
}

/**
 * A URN as the mock monitor makes it (`MockMonitor.newUrn`: the parent's own type, then the
 * type). The real engine puts the parent's whole type chain there; both change only with a
 * resource's type or its parent's, which renaming leaves alone.
 */
function mockUrn(parent: string, type: string, name: string): string {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:test::lvs-lab::${qualified}::${name}`;
}

/** The URN an alias names, resolved as the engine resolves an alias spec. */
function aliasUrn(req: any, alias: any): string {
    if (!alias.hasSpec()) return alias.getUrn();
    const spec = alias.getSpec();
    const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
    return mockUrn(parent, spec.getType() || req.getType(), spec.getName() || req.getName());
}

/**
 * Every resource URN of each stack's lab built as `new LvsDrCluster("lab", …)` under this mock
 * monitor before resources were named after their cluster (recorded from that code), default
 * command provider left out: what existing stacks hold.
 */
const before: Record<string, string[]> = JSON.parse(readFileSync(join(__dirname, "fixtures", "urns-before-prefix.json"), "utf8"));

/**
 * The resources a stack's lab has gained since the fixture was recorded: each director's sorry
 * step and each real server's UDP step. They had no old name, so the `<host>-<what>` alias every
 * resource under a host carries names nothing for them.
 */
const added = (stack: string) => {
    const spec = parseLabConfig(loadStackConfig(stack));
    return [...directors(spec).map((d) => `lab-${d.name}-sorry`), ...spec.realServers.map((rs) => `lab-${rs.name}-udp`)];
};

const byStack: Record<string, Registered[]> = {};
let cluster: typeof import("../../components/lab");



/** Runs a program of the given clusters under a fresh mock engine; resolves with all its registrations. */
async function build(...clusters: [string, ReturnType<typeof parseLabConfig>][]): Promise<Registered[]> {
    const registered: Registered[] = [];
    await startMockEngine(labMocks, ({ req, urn }) => {
        if (!req.getType().startsWith("pulumi:providers:command")) {
            registered.push({ name: req.getName(), urn, parent: req.getParent(), aliases: req.getAliasesList().map((a: any) => aliasUrn(req, a)) });
        }
    });
    cluster ??= await import("../../components/lab");
    for (const [name, spec] of clusters) new cluster.LvsDrCluster(name, { spec });
    await programDone();
    return registered;
}

/** A stack's lab built as `new LvsDrCluster("lab", …)`, once per stack. */
async function stackLab(stack: string): Promise<Registered[]> {
    return (byStack[stack] ??= await build(["lab", parseLabConfig(loadStackConfig(stack))]));
}

describe("resource names", () => {
    it("a stack made before cluster-named resources keeps every resource: each old URN is one resource's URN or alias", async () => {
        // Every stack of that time is still here; a stack added since (nat-ha) has no old state.
        expect(stackNames()).toEqual(expect.arrayContaining(Object.keys(before)));
        for (const stack of Object.keys(before)) {
            const registered = await stackLab(stack);
            const claims = new Map<string, string[]>();
            for (const r of registered) for (const urn of new Set([r.urn, ...r.aliases])) claims.set(urn, [...(claims.get(urn) ?? []), r.name]);
            for (const urn of before[stack]) expect(claims.get(urn), `${stack}: ${urn}`).toHaveLength(1);
            // And no alias of a resource that was there names anything that was not.
            const gained = added(stack);
            for (const r of registered.filter((x) => !gained.includes(x.name))) for (const alias of r.aliases) expect(before[stack], `${stack}: ${r.name} alias`).toContain(alias);
            // What the lab has gained is there, and claims nothing that was.
            for (const name of gained) {
                const r = registered.find((x) => x.name === name);
                expect(r, `${stack}: ${name}`).toBeDefined();
                expect([r!.urn, ...r!.aliases].filter((u) => before[stack].includes(u)), `${stack}: ${name}`).toEqual([]);
            }
            expect(registered.length, stack).toBe(before[stack].length + gained.length);
        }
    });

    it("names each resource after its cluster: `<cluster>-<host>` and `<cluster>-<host>-<what>`, the old `<host>-<what>` an alias", async () => {
        const registered = await stackLab("default");
        const find = (name: string) => registered.find((r) => r.name === name)!;
        expect(registered.map((r) => r.name).filter((n) => n !== "lab").every((n) => n.startsWith("lab-"))).toBe(true);
        expect(find("lab-director-service").aliases).toEqual([mockUrn(find("lab-director").urn, "command:remote:Command", "director-service")]);
        expect(find("lab-nginx1-domain").aliases).toEqual([mockUrn(find("lab-nginx1").urn, "libvirt:index/domain:Domain", "nginx1-domain")]);
        expect(find("lab-director").aliases).toEqual([mockUrn(find("lab").urn, "lvs-lab:index:Director", "director")]);
        // The cluster's own pieces always had its name.
        expect(find("lab-network").aliases).toEqual([]);
        expect(find("lab-client-key").aliases).toEqual([]);
    });

    it("two clusters with the same host names live in one program: no URN in common, each resource under its own cluster", async () => {
        const raw = loadStackConfig("dr-tomcat") as any;
        const all = await build(["one", parseLabConfig(raw)], ["two", parseLabConfig({ ...raw, network: { ...raw.network, name: "two" } })]);
        const urns = all.map((r) => r.urn);
        expect(new Set(urns).size).toBe(urns.length);
        const one = all.filter((r) => r.name === "one" || r.name.startsWith("one-"));
        const two = all.filter((r) => r.name === "two" || r.name.startsWith("two-"));
        expect(one.length + two.length).toBe(all.length);
        expect(one.length).toBe(two.length);
        /** The cluster a resource is under, by its parents. */
        const root = (r: Registered): string => (r.parent ? root(all.find((x) => x.urn === r.parent)!) : r.name);
        expect(one.every((r) => root(r) === "one")).toBe(true);
        expect(two.every((r) => root(r) === "two")).toBe(true);
        // Both answer to the same old names, which only one stack's lab can have had.
        expect(one.find((r) => r.name === "one-director-service")!.aliases).toEqual(two.find((r) => r.name === "two-director-service")!.aliases);
    });
});
