import { LabSpec } from "../config";
import { IPVS_BOOT_STEP } from "./director";
import { PACKAGES, ifPresent, install, installBootStep, removeBootStep, writeFile } from "./shell";

/** The director's nftables rules that mark the VIP's service ports (`service.firewallMark`). */
export const FWMARK_RULES_PATH = "/etc/lvs-lab/fwmark.nft";
/** The nftables table that holds them, the lab's alone. */
export const FWMARK_TABLE = "ip lvs_lab_fwmark";
/** The boot step that loads them before the IPVS table or keepalived, which balance by the mark. */
const FWMARK_BOOT_STEP = "lvs-lab-fwmark";

/**
 * The nftables rules: TCP packets for the VIP on any service port get the mark, in prerouting
 * at mangle priority, before IPVS (at LOCAL_IN) looks for a service. Loading the file replaces
 * the table whole: it is created if missing, deleted, then defined.
 */
export function renderFirewallMarkRules(spec: LabSpec): string {
    const { vip, ports, firewallMark } = spec.service;
    return [
        `# lvs-lab: TCP ports ${ports.join(", ")} of ${vip} are one IPVS service, firewall mark ${firewallMark}`,
        `table ${FWMARK_TABLE}`,
        `delete table ${FWMARK_TABLE}`,
        `table ${FWMARK_TABLE} {`,
        "    chain prerouting {",
        "        type filter hook prerouting priority mangle; policy accept;",
        `        ip daddr ${vip} tcp dport { ${ports.join(", ")} } meta mark set ${firewallMark}`,
        "    }",
        "}",
    ].join("\n");
}

/**
 * Lines of the director's service step (either path) that put the marking rules in place, now
 * and at every boot, before the table that uses the mark; without `service.firewallMark`,
 * lines that take them off where an earlier run put them.
 */
export function firewallMarkLines(spec: LabSpec): string[] {
    if (spec.service.firewallMark === undefined) {
        return ifPresent(FWMARK_RULES_PATH, [
            `nft delete table ${FWMARK_TABLE} 2>/dev/null || true`,
            ...removeBootStep(FWMARK_BOOT_STEP),
            `rm -f ${FWMARK_RULES_PATH}`,
        ]);
    }
    return [
        ...install(PACKAGES.nftables),
        writeFile(FWMARK_RULES_PATH, renderFirewallMarkRules(spec)),
        ...installBootStep({
            name: FWMARK_BOOT_STEP,
            description: `lvs-lab: mark the service ports of ${spec.service.vip} (${FWMARK_RULES_PATH})`,
            up: [`nft -f ${FWMARK_RULES_PATH}`],
            before: [`${IPVS_BOOT_STEP}.service`, "keepalived.service"],
        }),
    ];
}
