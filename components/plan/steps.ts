import { DirectorSpec, HostSpec, LabSpec, directors } from "../config";
import {
    DIRECTOR_BOOT_STEP, HostScript, IPVS_RULES_PATH, KEEPALIVED_CONF, bootStepScript, ifPresent, ipvsRemoval, keepalivedRemoval, renderClient, renderDirector,
    renderIpvsStep, renderKeepalived, renderNfsServer, renderNginx, renderRealServer, renderSorryServer, renderTomcat, renderUdpResponder, renderVerification,
} from "../render";

/** A step on another host that must finish first. */
export interface StepRef {
    /** The host's name in the spec. */
    host: string;
    /** The step's name on that host. */
    step: string;
}

/** One remote step of one host: a rendered script and what must run before it. */
export interface PlannedStep {
    /** Unique on its host; the resource is named `<host>-<name>`. */
    name: string;
    /** The script that converges the host (its `create`; `delete` undoes it by hand). */
    script: HostScript;
    /** Steps on other hosts that must be done first. The previous step of the same host always is. */
    after: StepRef[];
}

/** Every step of one host, in the order they run, after its guest is booted and ready. */
export interface HostPlan {
    host: HostSpec;
    steps: PlannedStep[];
    /** Hosts whose machines must outlive this one's (the NFS server its web root is mounted from). */
    outlives: string[];
}

/** Options of the plan. */
export interface PlanOptions {
    /** Requests the client's verification sends through the VIP. */
    verifyRequests: number;
}

/**
 * The lab's plan: each host's steps in order, and the order between hosts. Hosts come in an
 * order where everything a host waits for comes before it: the NFS server and tomcats, then the
 * real servers (VIP and ARP settings, then nginx and the UDP responder), then the directors by falling priority (the
 * sorry server, on or off, before the service, which may send connections to it; each
 * director's service only after every real server is configured, and with HA after the more
 * preferred director's, so the preferred master wins the first election), then the client, which
 * verifies through the VIP once every director's service is up.
 */
export function planLab(spec: LabSpec, options: PlanOptions): HostPlan[] {
    const nfs: HostPlan[] = spec.nfs ? [{ host: spec.nfs, steps: [{ name: "exports", script: renderNfsServer(spec, spec.nfs), after: [] }], outlives: [] }] : [];
    const tomcats: HostPlan[] = spec.tomcats.map((t) => ({ host: t, steps: [{ name: "tomcat", script: renderTomcat(t), after: [] }], outlives: [] }));
    const backends = [...nfs, ...tomcats].map(lastStep);
    const realServers: HostPlan[] = spec.realServers.map((rs) => ({
        host: rs,
        steps: [
            { name: "lvs", script: renderRealServer(spec, rs), after: [] },
            { name: "nginx", script: renderNginx(spec, rs), after: backends },
            { name: "udp", script: renderUdpResponder(spec, rs), after: [] },
        ],
        outlives: spec.nfs ? [spec.nfs.name] : [],
    }));
    const directorPlans: HostPlan[] = [];
    for (const d of [...directors(spec)].sort((a, b) => b.priority - a.priority)) {
        const preferred = directorPlans.length ? [lastStep(directorPlans[directorPlans.length - 1])] : [];
        directorPlans.push({
            host: d,
            steps: [
                { name: "lvs", script: renderDirector(spec, d), after: [] },
                { name: "sorry", script: renderSorryServer(spec, d), after: [] },
                { name: "service", script: directorService(spec, d), after: [...realServers.map(lastStep), ...preferred] },
            ],
            outlives: [],
        });
    }
    const client: HostPlan = {
        host: spec.client,
        steps: [
            { name: "tools", script: renderClient(spec), after: [] },
            { name: "verify", script: renderVerification(spec, options.verifyRequests), after: directorPlans.map(lastStep) },
        ],
        outlives: [],
    };
    return [...nfs, ...tomcats, ...realServers, ...directorPlans, client];
}

/**
 * The director's service step: the IPVS table from ipvsadm, or keepalived with HA. One step
 * either way, so turning HA on or off is an update of this step, which first takes the other
 * path off the director where it was set up. keepalived takes the VIP with it when it stops, so
 * without HA the director's boot step runs again to put the VIP back on its NIC.
 */
export function directorService(spec: LabSpec, director: DirectorSpec): HostScript {
    return spec.ha
        ? renderKeepalived(spec, director, ifPresent(IPVS_RULES_PATH, ipvsRemoval()))
        : renderIpvsStep(spec, ifPresent(KEEPALIVED_CONF, [...keepalivedRemoval(), bootStepScript(DIRECTOR_BOOT_STEP)]));
}

function lastStep(plan: HostPlan): StepRef {
    return { host: plan.host.name, step: plan.steps[plan.steps.length - 1].name };
}
