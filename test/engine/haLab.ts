import { DirectorSpec, HostSpec, LabSpec, directors } from "../../components/config";
import { domainName } from "../../components/lab";
import * as r from "../../components/render";
import { ok, sandbox } from "./harness";
import { VmLab, waitUntil } from "./vmLab";

/** What the fault tests and the failover benchmark observe and do on an HA lab's guests. */
export class HaLab {
    readonly spec: LabSpec;

    constructor(private readonly lab: VmLab) {
        this.spec = lab.spec;
    }

    /** The VIP instance's VRRP state as keepalived's notify script recorded it. */
    async vrrpState(d: DirectorSpec): Promise<string> {
        return (await this.lab.guests.sh(d, `cat ${r.VRRP_STATE} 2>/dev/null || echo NONE`, 30_000)).stdout.trim();
    }

    /** Whether the director has the VIP on its NIC. */
    async holdsVip(d: DirectorSpec): Promise<boolean> {
        const out = ok(await this.lab.guests.sh(d, `ip -o -4 addr show dev ${d.nic}`, 30_000), `${d.name} addresses`).stdout;
        return out.includes(` ${this.spec.service.vip}/`);
    }

    /** `ipvsadm -Ln` on a director. */
    async table(d: DirectorSpec): Promise<string> {
        return ok(await this.lab.guests.sh(d, "ipvsadm -Ln", 30_000), `${d.name} table`).stdout;
    }

    /**
     * Waits (bounded) until `d` is the one master: MASTER and holding the VIP, while the other
     * running directors do not hold it.
     * @param down directors that are powered off (not asked).
     */
    async waitForMaster(d: DirectorSpec, timeoutMs = 60_000, down: DirectorSpec[] = []): Promise<void> {
        const others = directors(this.spec).filter((x) => x.name !== d.name && !down.some((o) => o.name === x.name));
        await waitUntil(`${d.name} to be the only director holding the VIP`, timeoutMs, async () => {
            if ((await this.vrrpState(d)) !== "MASTER" || !(await this.holdsVip(d))) return undefined;
            for (const other of others) if (await this.holdsVip(other)) return undefined;
            return true;
        });
    }

    /** Runs keepalived's step on every director: the config from `spec` is written and keepalived (re)loaded. */
    async applyKeepalived(spec: LabSpec): Promise<Record<string, string>> {
        const printed: Record<string, string> = {};
        for (const d of directors(spec)) printed[d.name] = await this.lab.guests.create(d, r.renderKeepalived(spec, d));
        return printed;
    }

    /** Starts a request loop on the client; resolves with what it saw once it ends. */
    requestLoop(seconds: number): Promise<r.LoopRequest[]> {
        return this.lab.guests.sh(this.spec.client, r.renderRequestLoop(this.spec, seconds), (seconds + 60) * 1000)
            .then((ran) => r.parseRequestLoop(ok(ran, "request loop").stdout));
    }

    /** Pulls the plug on a machine (`virsh destroy`): no shutdown, no last VRRP advert. */
    async powerOff(h: HostSpec): Promise<void> {
        ok(await sandbox.virsh("destroy", domainName(this.spec, h)), `power off ${h.name}`);
    }

    /** Powers a machine on and waits (bounded) for SSH and cloud-init. */
    async powerOn(h: HostSpec): Promise<void> {
        ok(await sandbox.virsh("start", domainName(this.spec, h)), `power on ${h.name}`);
        await this.lab.guests.ready([h], this.lab.consoleLogs);
    }

    /** The MAC the client's ARP cache holds for the VIP. */
    async clientVipMac(): Promise<string> {
        const out = ok(await this.lab.guests.sh(this.spec.client, `ip neigh show ${this.spec.service.vip}`, 30_000), "client neighbours").stdout;
        return /lladdr (\S+)/.exec(out)?.[1] ?? "";
    }
}
