import { readdirSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { parseLabConfig } from "../../components/config";
import { planLab } from "../../components/plan";
import * as r from "../../components/render";
import { loadStackConfig, stackNames } from "../stacks";

/**
 * Every text a guest acts on, for every stack in stacks/, compared with the committed copy under
 * test/unit/rendered/<stack>/<host>.txt: the cloud-init documents it boots with, then each of its
 * steps' create and delete scripts in the order the plan runs them. The VM suites run these exact
 * texts on guests through the program; a change to any of them shows here as a diff to review
 * (and to prove again on VMs), instead of reaching a guest unseen. `npx vitest run --project unit
 * -u test/unit/rendered.test.ts` writes the new texts after a deliberate change; a new host's copy
 * is written by that run (and by any run outside CI), which fails on it once, so it is reviewed too.
 */
const KEYS: r.GuestKeys = {
    authorizedKey: "ssh-ed25519 AAAA-the-lab-client-key lvs-lab",
    hostPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nthe-host-key\n-----END OPENSSH PRIVATE KEY-----\n",
    hostPublicKey: "ssh-ed25519 AAAA-the-host-key",
};
const VERIFY_REQUESTS = 10;
/** The shell functions every script starts with, once in rendered/prelude.sh rather than in each script. */
const PRELUDE = r.script("", []).split("\n").slice(3).join("\n");
const PRELUDE_MARK = "# (the shared shell functions: test/unit/rendered/prelude.sh)\n";
const RENDERED = join(__dirname, "rendered");
/**
 * The copies there were before any case ran: outside CI, vitest writes a missing file snapshot and
 * passes, so a copy a case wrote itself was compared with nothing.
 */
const BEFORE_THE_RUN = readdirSync(RENDERED, { recursive: true }).map(String).filter((f) => /\.(txt|sh)$/.test(f)).sort();

it("every guest of every stack has a copy from before this run, and no copy is left of a guest that is gone", () => {
    const expected = ["prelude.sh", ...stackNames().flatMap((stack) => planLab(parseLabConfig(loadStackConfig(stack)), { verifyRequests: VERIFY_REQUESTS }).map((p) => `${stack}/${p.host.name}.txt`))];
    expect(BEFORE_THE_RUN, "a copy missing before this run was written by it (review it); remove a copy whose guest is gone").toEqual(expected.sort());
});

it("the shell functions every script starts with, after its shebang, title and strict mode", async () => {
    expect(r.script("a title", ["body"])).toBe(`#!/usr/bin/env bash\n# lvs-lab: a title\nset -euo pipefail\n${PRELUDE.trimEnd()}\nbody\n`);
    await expect(PRELUDE).toMatchFileSnapshot("rendered/prelude.sh");
});

describe.each(stackNames())("stack %s: what each guest is given", (stack) => {
    // Only the tests' names come from collection time: StrykerJS switches a mutant on just before
    // the tests run, so whatever is rendered here would never see it. Each test renders again.
    const planNow = () => {
        const spec = parseLabConfig(loadStackConfig(stack));
        return { spec, plans: planLab(spec, { verifyRequests: VERIFY_REQUESTS }) };
    };
    for (const { host: { name } } of planNow().plans) {
        it(`${name}: cloud-init and every step, create and delete`, async () => {
            const { spec, plans } = planNow();
            const plan = plans.find((p) => p.host.name === name)!;
            const host = plan.host;
            const sections: [string, string][] = [
                ["cloud-init user-data", r.renderUserData(spec, host, KEYS)],
                ["cloud-init network-config", r.renderNetworkConfig(spec, host)],
                ["cloud-init meta-data", r.renderMetaData(spec, host)],
                ["wait for SSH (run on the lab's host)", r.renderSshWait(host.ip, `/var/log/libvirt/qemu/${host.name}-console.log`)],
                ["wait for cloud-init: create", r.renderCloudInitWait(host).create],
                ["wait for cloud-init: delete", r.renderCloudInitWait(host).delete],
                ...plan.steps.flatMap((step): [string, string][] => [
                    [`step ${step.name} (after ${step.after.map((a) => `${a.host}-${a.step}`).join(", ") || "the previous step"}): create`, step.script.create],
                    [`step ${step.name}: delete`, step.script.delete],
                ]),
            ];
            const text = sections
                .map(([title, body]) => `======== ${title}\n${body.split(PRELUDE).join(PRELUDE_MARK)}${body.endsWith("\n") ? "" : "\n"}`)
                .join("");
            await expect(text).toMatchFileSnapshot(`rendered/${stack}/${host.name}.txt`);
        });
    }
});
