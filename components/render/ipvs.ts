import { readFileSync } from "fs";
import { join } from "path";
import { LabSpec, Mode } from "../config";
import { HostScript, PACKAGES, install, installBootStep, removeBootStep, script, writeFile } from "./shell";

/** Where the director keeps the desired IPVS table. */
export const IPVS_RULES_PATH = "/etc/lvs-lab/ipvs.rules";
/** The reconciler that makes the kernel's table equal to the rules file. */
export const IPVS_APPLY = "/usr/local/sbin/lvs-lab-ipvs-apply";

/** ipvsadm's forwarding switch for each LVS mode (shown as Route, Masq and Tunnel by `-L`). */
export const FORWARD_FLAG: Record<Mode, string> = { dr: "-g", nat: "-m", tun: "-i" };

/**
 * The desired IPVS table in `ipvsadm-save -n` form: one virtual service per port, each with
 * every real server. Re-rendering the same spec gives the same bytes.
 */
export function renderIpvsRules(spec: LabSpec): string {
    const s = spec.service;
    const proto = s.protocol === "tcp" ? "-t" : "-u";
    const lines: string[] = [];
    for (const port of s.ports) {
        const vs = `${proto} ${s.vip}:${port}`;
        lines.push(`-A ${vs} -s ${s.scheduler}${s.persistence > 0 ? ` -p ${s.persistence}` : ""}`);
        for (const rs of spec.realServers) {
            const rsPort = s.mode === "nat" ? rs.port : port;
            lines.push(`-a ${vs} -r ${rs.ip}:${rsPort} ${FORWARD_FLAG[s.mode]} -w ${rs.weight}`);
        }
    }
    return lines.join("\n") + "\n";
}

/**
 * The reconciler, installed on the director. It compares the rules file with `ipvsadm -Sn` and
 * issues only the difference: -A/-a for what is missing, -E/-e for what differs (a weight or
 * scheduler change edits in place and keeps connections), -d/-D for what the file lacks.
 */
export const IPVS_APPLY_SCRIPT = readFileSync(join(__dirname, "assets", "lvs-lab-ipvs-apply.sh"), "utf8");

/**
 * The director's IPVS step: install the rules file and reconciler, apply now and at boot, and
 * print the resulting table. Its own remote command, so a weight change touches nothing else.
 */
export function renderIpvsStep(spec: LabSpec): HostScript {
    const create = script(`IPVS table for ${spec.service.vip} (${spec.service.mode})`, [
        ...install(PACKAGES.ipvsadm),
        writeFile(IPVS_RULES_PATH, renderIpvsRules(spec)),
        writeFile(IPVS_APPLY, IPVS_APPLY_SCRIPT, "0755"),
        ...installBootStep({
            name: "lvs-lab-ipvs",
            description: "lvs-lab: load the IPVS table from " + IPVS_RULES_PATH,
            up: [`${IPVS_APPLY} ${IPVS_RULES_PATH}`],
            after: ["lvs-lab-director.service"],
        }),
        "ipvsadm -Ln",
    ]);
    const del = script(`remove the IPVS table for ${spec.service.vip}`, [
        // An empty rules file makes the reconciler delete every service it finds.
        `if [[ -x ${IPVS_APPLY} ]]; then ${IPVS_APPLY} /dev/null; fi`,
        ...removeBootStep("lvs-lab-ipvs"),
        `rm -f ${IPVS_RULES_PATH} ${IPVS_APPLY}`,
    ]);
    return { create, delete: del };
}
