// A lab written in code with the lvs-lab package rather than a stack config: N weighted nginx
// real servers behind one LVS-DR director on their own segment, and a client that proves it.
// Only two knobs come from this project's config: `webServers` (default 3) and `scheduler`.
import * as pulumi from "@pulumi/pulumi";
import { LvsDrCluster, parseLabConfig } from "lvs-lab";

const config = new pulumi.Config();
const webServers = config.getNumber("webServers") ?? 3;

// The same validation as a stack config: a bad knob fails here, before any resource exists.
const spec = parseLabConfig({
    network: { name: "code", cidr: "10.77.0.0/24" },
    image: { source: config.get("image") ?? "/var/cache/lvs-lab/images/lvs-lab-bookworm.qcow2" },
    service: { vip: "10.77.0.100", ports: [80], scheduler: config.get("scheduler") ?? "wlc" },
    director: { name: "lb", ip: "10.77.0.2" },
    // web<n> at .1<n> with weight n, so the weighted scheduler's split is visible in `verification`.
    realServers: Array.from({ length: webServers }, (_, i) => ({ name: `web${i + 1}`, ip: `10.77.0.${11 + i}`, weight: i + 1 })),
    client: { name: "probe", ip: "10.77.0.200" },
});
const lab = new LvsDrCluster("code", { spec, verifyRequests: 30 });

export const vipUrl = lab.vipUrl;
export const hosts = lab.hosts;
export const ipvsTable = lab.ipvsTable;
export const verification = lab.verification;
// What `npm run lab -- -C examples/from-code ...` reads to reach the lab (ssh, ipvs, logs, stop).
export const access = lab.access;
export const clientPrivateKey = lab.clientPrivateKey;
export const hostKeys = lab.hostKeys;
