import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabSpec, allHosts, directors, parseLabConfig } from "../../components/config";
import { HostPlan, directorService, planLab } from "../../components/plan";
import { renderIpvsRules } from "../../components/render";
import { loadStackConfig, stackNames } from "../stacks";
import { propertyRuns } from "./propertyRuns";

const STACKS = stackNames();
const plan = (spec: LabSpec) => planLab(spec, { verifyRequests: 20 });
const stepOf = (plans: HostPlan[], host: string, step: string) => plans.find((p) => p.host.name === host)!.steps.find((s) => s.name === step)!;

describe("planLab: each host's steps and the order between hosts", () => {
    it.each(STACKS)("%s: every host once, in an order where whatever a step waits for comes first", (stack) => {
        const spec = parseLabConfig(loadStackConfig(stack));
        const plans = plan(spec);
        expect(plans.map((p) => p.host.name).sort()).toEqual(allHosts(spec).map((h) => h.name).sort());
        const done = new Set<string>();
        for (const p of plans) {
            for (const ref of p.outlives) expect(done.has(`${ref}/`), `${p.host.name} outlives ${ref}`).toBe(true);
            for (const step of p.steps) {
                for (const ref of step.after) expect(done.has(`${ref.host}/${ref.step}`), `${p.host.name}/${step.name} after ${ref.host}/${ref.step}`).toBe(true);
            }
            done.add(`${p.host.name}/`);
            for (const step of p.steps) done.add(`${p.host.name}/${step.name}`);
            expect(new Set(p.steps.map((s) => s.name)).size).toBe(p.steps.length);
        }
    });

    it("starts the director's service only after every real server's nginx and UDP responder, and verifies after it", () => {
        const spec = parseLabConfig(loadStackConfig("dr-tomcat"));
        const plans = plan(spec);
        expect(plans.find((p) => p.host.name === "nginx1")!.steps.map((s) => s.name)).toEqual(["lvs", "nginx", "udp"]);
        expect(stepOf(plans, "director", "service").after).toEqual([{ host: "nginx1", step: "udp" }, { host: "nginx2", step: "udp" }]);
        expect(stepOf(plans, "nginx1", "nginx").after).toEqual([{ host: "tomcat1", step: "tomcat" }, { host: "tomcat2", step: "tomcat" }]);
        expect(stepOf(plans, "client", "verify").after).toEqual([{ host: "director", step: "service" }]);
    });

    it("with HA starts keepalived in falling priority, each after the more preferred director's", () => {
        const spec = parseLabConfig(loadStackConfig("ha"));
        const plans = plan(spec);
        const order = plans.filter((p) => p.host.role === "director").map((p) => p.host.name);
        expect(order).toEqual(["director1", "director2"]);
        expect(stepOf(plans, "director2", "service").after).toContainEqual({ host: "director1", step: "service" });
        expect(stepOf(plans, "director1", "service").after).not.toContainEqual({ host: "director2", step: "service" });
    });

    it("mounts each real server's web root from the NFS server after its exports, and keeps the NFS server's machine as long as theirs", () => {
        const spec = parseLabConfig(loadStackConfig("dr-nfs"));
        const plans = plan(spec);
        expect(plans.filter((p) => p.host.role === "realServer")).toHaveLength(2);
        for (const p of plans) {
            const rs = spec.realServers.find((r) => r.name === p.host.name);
            if (!rs) {
                expect(p.outlives, p.host.name).toEqual([]);
                continue;
            }
            const nginx = stepOf(plans, rs.name, "nginx");
            expect(nginx.script.create, rs.name).toContain(`${spec.nfs!.ip}:${rs.nfsExport} /var/www/lvs-lab nfs `);
            expect(nginx.after, rs.name).toContainEqual({ host: spec.nfs!.name, step: "exports" });
            expect(p.outlives, rs.name).toEqual([spec.nfs!.name]);
        }
    });

    it("a weight change alters the director's service script and nothing else", () => {
        const raw = loadStackConfig("dr-tomcat") as any;
        fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 100 }), (which, weight) => {
            const before = plan(parseLabConfig(raw));
            const changed = structuredClone(raw);
            changed.realServers[which].weight = weight;
            const after = plan(parseLabConfig(changed));
            const differing = before.flatMap((p, i) => p.steps.filter((s, j) => s.script.create !== after[i].steps[j].script.create).map((s) => `${p.host.name}/${s.name}`));
            const sameWeight = (raw.realServers[which].weight ?? 1) === weight;
            expect(differing).toEqual(sameWeight ? [] : ["director/service"]);
        }), { numRuns: propertyRuns(25) });
    });

    it.each(STACKS)("%s: every director sets its sorry server up or takes it off after its base step and before its service", (stack) => {
        const spec = parseLabConfig(loadStackConfig(stack));
        const directorSteps = plan(spec).filter((p) => p.host.role === "director").map((p) => p.steps.map((s) => s.name));
        expect(directorSteps).toEqual(directors(spec).map(() => ["lvs", "sorry", "service"]));
    });

    /** The steps (`host/step`) whose script differs between two plans of the same hosts. */
    const changedSteps = (before: HostPlan[], after: HostPlan[]) =>
        before.flatMap((p, i) => p.steps.filter((s, j) => s.script.create !== after[i].steps[j].script.create).map((s) => `${p.host.name}/${s.name}`));

    it("turning the sorry server on or off updates each director's sorry step, and with keepalived its service (the sorry_server lines) too", () => {
        const toggled = (stack: string) => {
            const raw = loadStackConfig(stack) as any;
            const on = structuredClone(raw);
            on.service.sorryServer = true;
            return [changedSteps(plan(parseLabConfig(raw)), plan(parseLabConfig(on))), changedSteps(plan(parseLabConfig(on)), plan(parseLabConfig(raw)))];
        };
        // ipvsadm: the table holds the sorry server only while every weight is 0.
        expect(toggled("default")).toEqual([["director/sorry"], ["director/sorry"]]);
        const ha = ["director1/sorry", "director1/service", "director2/sorry", "director2/service"];
        expect(toggled("ha")).toEqual([ha, ha]);
    });

    it("with the sorry server on, every weight going to 0 and one coming back alter only the director's service (its table)", () => {
        const raw = loadStackConfig("default") as any;
        const weights = (...w: number[]) => {
            const copy = structuredClone(raw);
            copy.service.sorryServer = true;
            copy.realServers.forEach((rs: any, i: number) => (rs.weight = w[i]));
            return plan(parseLabConfig(copy));
        };
        expect(changedSteps(weights(1, 1), weights(0, 0))).toEqual(["director/service"]);
        expect(changedSteps(weights(0, 0), weights(0, 1))).toEqual(["director/service"]);
    });

    it("an added real server changes only the director's service and the client's verification among the existing steps", () => {
        const raw = loadStackConfig("default") as any;
        const grown = structuredClone(raw);
        grown.realServers.push({ name: "nginx3", ip: "192.168.168.30" });
        const before = plan(parseLabConfig(raw));
        const after = plan(parseLabConfig(grown));
        const changed: string[] = [];
        for (const p of before) {
            const q = after.find((x) => x.host.name === p.host.name)!;
            for (const s of p.steps) if (q.steps.find((x) => x.name === s.name)!.script.create !== s.script.create) changed.push(`${p.host.name}/${s.name}`);
        }
        expect(changed).toEqual(["director/service", "client/verify"]);
    });
});

describe("directorService: one step whichever path the director takes", () => {
    it("without HA: the IPVS table, after taking keepalived off where it ran", () => {
        const spec = parseLabConfig(loadStackConfig("default"));
        const create = directorService(spec, spec.director).create;
        expect(create).toContain(renderIpvsRules(spec).trim());
        const undo = create.indexOf("if [[ -e /etc/keepalived/keepalived.conf ]]; then\n    systemctl disable -q --now keepalived.service");
        expect(undo).toBeGreaterThan(0);
        expect(undo).toBeLessThan(create.indexOf("lvs_write /etc/lvs-lab/ipvs.rules"));
        // keepalived took the VIP with it: the director's boot step puts it back, inside the same block.
        const block = create.slice(undo, create.indexOf("\nfi\n", undo));
        expect(block).toContain("\n    /usr/local/sbin/lvs-lab-director");
    });

    it("with HA: keepalived, after emptying and removing an ipvsadm table where one was set up", () => {
        const spec = parseLabConfig(loadStackConfig("ha"));
        const create = directorService(spec, spec.director).create;
        const undo = create.indexOf("if [[ -e /etc/lvs-lab/ipvs.rules ]]; then\n    if [[ -x /usr/local/sbin/lvs-lab-ipvs-apply ]]; then /usr/local/sbin/lvs-lab-ipvs-apply /dev/null; fi");
        expect(undo).toBeGreaterThan(0);
        expect(undo).toBeLessThan(create.indexOf("lvs_write /etc/keepalived/keepalived.conf"));
        // Emptied, then removed in the same block: its boot step, so no boot loads the table again, and its files.
        const block = create.slice(undo, create.indexOf("\nfi\n", undo));
        expect(block).toContain("\n    systemctl disable lvs-lab-ipvs.service 2>/dev/null || true\n    lvs_remove /etc/systemd/system/lvs-lab-ipvs.service /usr/local/sbin/lvs-lab-ipvs\n");
        expect(block).toMatch(/\n {4}rm -f \/etc\/lvs-lab\/ipvs\.rules \/usr\/local\/sbin\/lvs-lab-ipvs-apply$/);
    });
});
