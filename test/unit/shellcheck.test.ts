import { execFileSync } from "child_process";
import { describe, expect, it } from "vitest";
import { LabSpec, parseLabConfig } from "../../components/config";
import { planLab } from "../../components/plan";
import * as r from "../../components/render";
import { embeddedScripts, shellcheck } from "../shellcheck";
import { loadStackConfig, stackNames } from "../stacks";

// shellcheck on every script the lab renders. Its own file: it runs the linter over some hundred
// scripts, too slow for each of a mutation run's mutants (vitest.mutation.config.ts), where the
// rendered copies (rendered.test.ts) catch any change to a script's text.
const spec = (name: string, edit: (raw: any) => void = () => {}): LabSpec => {
    const raw = structuredClone(loadStackConfig(name));
    edit(raw);
    return parseLabConfig(raw);
};

/** Every script a lab renders, by a readable name. */
function allScripts(s: LabSpec): Record<string, string> {
    const out: Record<string, string> = {};
    const add = (name: string, hs: r.HostScript) => {
        out[`${name}.create`] = hs.create;
        out[`${name}.delete`] = hs.delete;
        embeddedScripts(hs.create).forEach((e, i) => (out[`${name}.embedded${i}`] = e));
    };
    // Every step the program runs, from the one plan of each host's steps.
    for (const host of planLab(s, { verifyRequests: 10 })) for (const step of host.steps) add(`${host.host.name}.${step.name}`, step.script);
    for (const h of [s.director, s.client]) {
        out[`${h.name}.ssh-wait`] = r.renderSshWait(h.ip, `/var/log/libvirt/qemu/${h.name}-console.log`);
        out[`${h.name}.cloud-init`] = r.renderCloudInitWait(h).create;
    }
    return out;
}

describe("every rendered script", () => {
    it.each(stackNames())("%s, with service.sorryServer unset and set: starts in strict mode, parses, and passes shellcheck", (name) => {
        const unset = allScripts(spec(name));
        // Set, the key changes the directors' scripts only; those are checked as well.
        const set = Object.entries(allScripts(spec(name, (raw) => (raw.service.sorryServer = true)))).filter(([id, text]) => unset[id] !== text);
        expect(set.length).toBeGreaterThan(0);
        const scripts = { ...unset, ...Object.fromEntries(set.map(([id, text]) => [`${id}.sorryServer`, text])) };
        // The scripts a step installs in /usr/local/sbin (boot steps, the reconciler, the guard) are
        // checked too: every one of them, whatever its mode.
        const installed = (text: string) => text.match(/^lvs_write \/usr\/local\/sbin\//gm)?.length ?? 0;
        expect(Object.keys(scripts).filter((id) => id.includes(".embedded")).length).toBeGreaterThan(0);
        for (const [id, text] of Object.entries(scripts)) if (id.endsWith(".create")) expect(embeddedScripts(text).length, id).toBe(installed(text));
        for (const [id, text] of Object.entries(scripts)) {
            if (!id.includes("embedded")) expect(text, id).toMatch(/^#!\/usr\/bin\/env bash\n# lvs-lab: .*\nset -euo pipefail\n/);
            execFileSync("bash", ["-n"], { input: text });
        }
        expect(shellcheck(scripts)).toBe("");
    });

    it("the reconciler passes shellcheck", () => {
        expect(shellcheck({ reconciler: r.IPVS_APPLY_SCRIPT })).toBe("");
    });
});