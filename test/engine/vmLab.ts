import { existsSync } from "fs";
import { join } from "path";
import { LabSpec, parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { Guests } from "./guests";
import { REPO, Workspace, ok, sandbox } from "./harness";

/** The guest image `npm run setup` builds. */
export const IMAGE = "/var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2";

/** A lab's machines booted by the real engine in the sandbox, and how to reach them. */
export interface VmLab {
    spec: LabSpec;
    guests: Guests;
    consoleLogs: Record<string, string>;
    /** `pulumi destroy`, then the sandbox goes down and the workspace is removed. */
    teardown(): Promise<void>;
}

/** A lab config renamed for a test: its network, pool and domains are named after `name`. */
export function testLabConfig(name: string, raw: any): any {
    return { ...raw, network: { ...raw.network, name }, libvirt: { pool: `lvs-${name}-test` } };
}

/**
 * Boots every machine of a lab config with the real engine and libvirt provider (the
 * `machines` test program), then waits for SSH and cloud-init on each.
 * @param name short name: the libvirt network, pool and domains are named after it.
 */
export async function bootVmLab(name: string, raw: any): Promise<VmLab> {
    if (!existsSync(IMAGE)) throw new Error(`prerequisite missing: guest image ${IMAGE} (run 'npm run setup')`);
    const cfg = testLabConfig(name, raw);
    const spec = parseLabConfig(cfg);
    const ws = new Workspace(name);
    const project = join(ws.dir, "project");
    await sandbox.up();
    // Destroying a stack that was never initialised fails harmlessly; the sandbox still goes down.
    const teardown = async () => {
        try {
            ok(await ws.pulumi(project, ["destroy", "--yes", "--skip-preview", "--stack", "t"]), "pulumi destroy");
        } finally {
            await sandbox.down();
            ws.remove();
        }
    };
    try {
        await ws.initProject(join(REPO, "test", "engine", "programs", "machines.ts"), "t", cfg);
        ok(await ws.pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "t"]), "pulumi up (machines)");
        const outputs = JSON.parse(ok(await ws.pulumi(project, ["stack", "output", "--json", "--show-secrets", "--stack", "t"]), "stack output").stdout);
        const guests = new Guests(spec, ws, outputs);
        await guests.ready([spec.director, ...spec.realServers, spec.client], outputs.consoleLogs);
        return { spec, guests, consoleLogs: outputs.consoleLogs, teardown };
    } catch (e) {
        await teardown();
        throw e;
    }
}

/** Configures the lab in the components' order: real servers, director, client. */
export async function configureLab({ spec, guests }: VmLab): Promise<string> {
    for (const s of spec.realServers) {
        await guests.create(s, r.renderRealServer(spec, s));
        await guests.create(s, r.renderNginx(spec, s));
    }
    await guests.create(spec.director, r.renderDirector(spec));
    const table = await guests.create(spec.director, r.renderIpvsStep(spec));
    await guests.create(spec.client, r.renderClient(spec));
    return table;
}

/** The director's packet counters for the (first) virtual service. */
export async function serviceStats({ spec, guests }: VmLab): Promise<{ conns: number; inPkts: number; outPkts: number }> {
    const stats = ok(await guests.sh(spec.director, "ipvsadm -Ln --stats"), "ipvsadm stats").stdout;
    const line = stats.split("\n").find((l) => /^(TCP|UDP)\s/.test(l));
    if (!line) throw new Error(`no virtual service in:\n${stats}`);
    const [, , conns, inPkts, outPkts] = line.trim().split(/\s+/);
    return { conns: Number(conns), inPkts: Number(inPkts), outPkts: Number(outPkts) };
}
