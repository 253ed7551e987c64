import { execFileSync, spawn } from "child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { afterAll, describe, expect, it } from "vitest";
import { LabSpec, directors, parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { shellcheck } from "../shellcheck";
import { loadStackConfig } from "../stacks";

/**
 * A stack's lab, edited. The default stack is dual stack; the tests here are about IPv4 (ipv6.test.ts
 * has IPv6's, rendered.test.ts every stack's scripts as they are), so its IPv6 segment is dropped.
 */
const spec = (name: string, edit: (raw: any) => void = () => {}): LabSpec => {
    const raw = structuredClone(loadStackConfig(name)) as any;
    if (name === "default") delete raw.network.ipv6Cidr;
    edit(raw);
    return parseLabConfig(raw);
};

/**
 * A temporary directory of stand-in commands (unit tests only), removed after the file's tests.
 * @param tools each command's name and its bash body.
 */
function standIns(name: string, tools: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), `lvs-lab-${name}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    for (const [tool, body] of Object.entries(tools)) {
        writeFileSync(join(dir, tool), `#!/usr/bin/env bash\n${body}\n`);
        chmodSync(join(dir, tool), 0o755);
    }
    return dir;
}

/** The files a rendered script writes with lvs_write, by path: what the guest ends up with. */
function writtenFiles(script: string): Map<string, { mode: string; text: string }> {
    const files = new Map<string, { mode: string; text: string }>();
    const write = new RegExp(`^lvs_write (\\S+) (\\d+) <<'${r.FILE_EOF}'\\n([\\s\\S]*?)^${r.FILE_EOF}$`, "gm");
    for (const [, path, mode, text] of script.matchAll(write)) files.set(path, { mode, text });
    return files;
}

/** A rendered script's lines outside its heredocs: the commands the guest runs in it. */
function topLevelLines(script: string): string[] {
    return script.replace(new RegExp(`<<'${r.FILE_EOF}'\\n[\\s\\S]*?^${r.FILE_EOF}$`, "gm"), `<<'${r.FILE_EOF}'`).split("\n");
}

describe("cloud-init documents", () => {
    const s = spec("default");
    const keys = { authorizedKey: "ssh-ed25519 AAAAclient lab", hostPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nhost\n-----END OPENSSH PRIVATE KEY-----\n", hostPublicKey: "ssh-ed25519 AAAAhost nginx1" };

    it("user-data: the host's name, the SSH user with the lab's key and passwordless sudo, and only the injected host key", () => {
        const text = r.renderUserData(s, s.realServers[0], keys);
        expect(text.startsWith("#cloud-config\n")).toBe(true);
        const doc = JSON.parse(text.slice("#cloud-config\n".length));
        expect(doc.hostname).toBe("nginx1");
        expect(doc.manage_etc_hosts).toBe(true);
        expect(doc.users).toEqual([{ name: s.sshUser, sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: [keys.authorizedKey] }]);
        expect(doc.ssh_deletekeys).toBe(true);
        expect(doc.ssh_genkeytypes).toEqual(["ed25519"]);
        expect(doc.ssh_keys).toEqual({ ed25519_private: keys.hostPrivateKey, ed25519_public: keys.hostPublicKey });
        expect(doc).not.toHaveProperty("ssh_pwauth");
    });

    it("user-data: no config-stage module runs, and of the final stage only the message that marks cloud-init's end", () => {
        const doc = JSON.parse(r.renderUserData(s, s.director, keys).split("\n").slice(1).join("\n"));
        expect(doc.cloud_config_modules).toEqual([]);
        expect(doc.cloud_final_modules).toEqual(["final-message"]);
    });

    it("network-config: the NIC named by its MAC, its static address and the default route", () => {
        const doc = JSON.parse(r.renderNetworkConfig(s, s.realServers[1]));
        expect(doc).toEqual({ version: 2, ethernets: { ens33: { match: { macaddress: s.realServers[1].mac }, "set-name": "ens33", dhcp4: false, addresses: ["192.168.168.20/24"], routes: [{ to: "0.0.0.0/0", via: s.realServers[1].gateway }] } } });
        expect(r.renderMetaData(s, s.client)).toBe("instance-id: lvs-lab-default-client\nlocal-hostname: client\n");
    });

    it("NAT: a real server boots with the segment's gateway, and its step routes it through the director (or the floating gateway), so neither is in its seed", () => {
        for (const stack of ["nat", "nat-ha"]) {
            const lab = spec(stack);
            const rs = lab.realServers[0];
            expect(JSON.parse(r.renderNetworkConfig(lab, rs)).ethernets.ens33.routes, stack).toEqual([{ to: "0.0.0.0/0", via: lab.network.gateway }]);
            expect(rs.gateway, stack).not.toBe(lab.network.gateway);
            expect(r.renderRealServer(lab, rs).create, stack).toContain(`ip route replace default via ${rs.gateway} dev ens33`);
            // Every other machine's seed has its own gateway.
            expect(JSON.parse(r.renderNetworkConfig(lab, lab.director)).ethernets.ens33.routes, stack).toEqual([{ to: "0.0.0.0/0", via: lab.director.gateway }]);
        }
        // The seed of a NAT real server is the same with HA or without: growing a NAT lab into NAT HA re-runs its step and keeps its machine.
        const nat = spec("nat");
        const grown = spec("nat", (raw) => (raw.ha = { peers: [{ name: "director2", ip: "172.25.7.5" }], natGateway: { ip: "172.25.7.254", virtualRouterId: 52 } }));
        expect(r.renderNetworkConfig(grown, grown.realServers[0])).toBe(r.renderNetworkConfig(nat, nat.realServers[0]));
        expect(r.renderRealServer(grown, grown.realServers[0]).create).not.toBe(r.renderRealServer(nat, nat.realServers[0]).create);
    });
});

describe("director", () => {
    it("DR: no forwarding, no redirects, VIP on the NIC alias", () => {
        const s = spec("default");
        expect(r.sysctlConf(r.directorSysctls(s))).toBe(
            [
                "net.ipv4.ip_forward = 0",
                "net.ipv4.conf.all.send_redirects = 0",
                "net.ipv4.conf.default.send_redirects = 0",
                "net.ipv4.conf.ens33.send_redirects = 0",
            ].join("\n"),
        );
        expect(r.renderDirector(s).create).toContain("ip addr replace 192.168.168.100/24 dev ens33 label ens33:0");
        expect(r.renderDirector(s).delete).toContain("ip addr del 192.168.168.100/24 dev ens33");
    });

    it("NAT: forwards", () => {
        expect(r.sysctlConf(r.directorSysctls(spec("nat")))).toContain("net.ipv4.ip_forward = 1");
    });

    it("names the configured NIC", () => {
        const s = spec("default", (raw) => (raw.director.nic = "eth1"));
        expect(r.directorVip(s)).toBe("192.168.168.100/24 dev eth1 label eth1:0");
        expect(r.sysctlConf(r.directorSysctls(s))).toContain("net.ipv4.conf.eth1.send_redirects = 0");
    });
});

describe("keepalived (director HA)", () => {
    const natHa = (ha: Record<string, unknown> = {}) =>
        spec("ha", (raw) => {
            raw.service.mode = "nat";
            Object.assign(raw.ha, { natGateway: { ip: "192.168.169.254", virtualRouterId: 52 }, ...ha });
        });
    const instance = (conf: string, name: string) => conf.slice(conf.indexOf(`vrrp_instance ${name} {`)).split("\n}\n")[0];

    it("NAT with HA: only the VIP's instance notifies and is tracked; the floating gateway's instance only follows it", () => {
        const s = natHa();
        const conf = r.renderKeepalivedConf(s, s.director);
        expect(instance(conf, "VI_VIP")).toContain("notify /usr/local/sbin/lvs-lab-vrrp-notify");
        expect(instance(conf, "VI_VIP")).toContain("track_script");
        expect(instance(conf, "VI_GW")).not.toContain("notify");
        expect(instance(conf, "VI_GW")).not.toContain("track_script");
        expect(instance(conf, "VI_GW")).toContain("192.168.169.254/24 dev ens33 label ens33:1");
    });

    it("NAT with HA, without connection sync and the split-brain guard: the whole configuration", async () => {
        const s = natHa({ syncConnections: false, splitBrainGuard: false });
        await expect(r.renderKeepalivedConf(s, s.director)).toMatchFileSnapshot("variants/keepalived-nat-ha-no-sync-no-guard.conf");
    });

    it("forgets the recorded VRRP state and the guard's yield at every keepalived start (a systemd drop-in), and its removal takes the drop-in away", () => {
        const s = spec("ha");
        const create = r.renderKeepalived(s, s.director, []).create;
        expect(create).toContain(`lvs_write ${r.KEEPALIVED_DROP_IN} 0644 <<'LVSLAB_FILE_EOF'\n[Service]\nExecStartPre=/bin/rm -f ${r.VRRP_STATE} ${r.VRRP_YIELDED}\nLVSLAB_FILE_EOF\nlvs_systemd_reload\n`);
        // Written, and systemd told, before keepalived can start.
        expect(create.indexOf(r.KEEPALIVED_DROP_IN)).toBeLessThan(create.indexOf("systemctl start keepalived.service"));
        expect(r.keepalivedRemoval()).toEqual(expect.arrayContaining([`lvs_remove ${r.KEEPALIVED_DROP_IN}`, "lvs_systemd_reload"]));
        expect(r.keepalivedRemoval().indexOf("lvs_systemd_reload")).toBeGreaterThan(r.keepalivedRemoval().indexOf(`lvs_remove ${r.KEEPALIVED_DROP_IN}`));
    });

    const ha = (edit: (raw: any) => void = () => {}) => spec("ha", edit);

    it("a single director has no keepalived; HA directors keep the VIP off the base step and set backup_only", () => {
        expect(() => r.renderKeepalived(spec("default"), spec("default").director, [])).toThrow("keepalived renders only for a lab with an `ha` section");
        const s = ha();
        for (const d of directors(s)) {
            const base = r.renderDirector(s, d).create;
            expect(base).not.toContain("ip addr replace");
            expect(base).toContain("net.ipv4.vs.backup_only = 1");
            expect(base).toContain("Before=keepalived.service");
        }
    });

    it("VRRP version: v2 by default with its password; v3 with sub-second adverts and no authentication block", () => {
        const v2 = r.renderKeepalivedConf(ha(), ha().director);
        expect(v2).toMatch(/\nglobal_defs \{\n(    .*\n)*    vrrp_version 2\n/);
        expect(v2).toContain("    advert_int 1\n");
        expect(v2).toContain("    authentication {\n        auth_type PASS\n        auth_pass lvslab\n    }\n");
        const s = ha((raw) => Object.assign(raw.ha, { vrrpVersion: 3, advertInterval: 0.35 }));
        for (const d of directors(s)) {
            const v3 = r.renderKeepalivedConf(s, d);
            expect(v3).toMatch(/\nglobal_defs \{\n(    .*\n)*    vrrp_version 3\n/);
            expect(v3).toContain("    advert_int 0.35\n");
            expect(v3).not.toContain("authentication");
            expect(v3).not.toContain("auth_");
            // Nothing stands in for the authentication block: the peers are followed by the VIP.
            expect(v3).toMatch(/\n {4}unicast_peer \{\n {8}\S+\n {4}\}\n {4}virtual_ipaddress \{\n/);
        }
    });

    it("VRRP: unicast between the directors, each with its own priority; nopreempt starts all BACKUP", () => {
        const s = ha();
        const [d1, d2] = directors(s);
        const conf1 = r.renderKeepalivedConf(s, d1);
        const conf2 = r.renderKeepalivedConf(s, d2);
        expect(conf1).toContain("    unicast_src_ip 192.168.169.50\n    unicast_peer {\n        192.168.169.51\n    }");
        expect(conf2).toContain("    unicast_src_ip 192.168.169.51\n    unicast_peer {\n        192.168.169.50\n    }");
        expect(conf1).toMatch(/state BACKUP\n    nopreempt\n    interface ens33\n    virtual_router_id 51\n    priority 150\n    advert_int 1\n/);
        expect(conf2).toMatch(/state BACKUP\n    nopreempt\n.*\n.*\n    priority 100\n/);
        expect(conf1).toContain("virtual_ipaddress {\n        192.168.169.100/24 dev ens33 label ens33:0\n    }");
        expect(conf1).toContain("auth_type PASS\n        auth_pass lvslab");
        expect(conf1).toContain("lvs_sync_daemon ens33 VI_VIP id 51");
        expect(conf1).toContain("track_script {\n        lvs_lab_guard\n    }");
    });

    it("without nopreempt the highest priority starts MASTER and takes the VIP back", () => {
        const s = ha((raw) => (raw.ha.nopreempt = false));
        const [d1, d2] = directors(s);
        expect(r.renderKeepalivedConf(s, d1)).toMatch(/state MASTER\n    interface ens33/);
        expect(r.renderKeepalivedConf(s, d2)).toMatch(/state BACKUP\n    interface ens33/);
        expect(r.renderKeepalivedConf(s, d1)).not.toContain("nopreempt");
    });

    it("virtual servers come from the same service model as the ipvsadm rules, with the health check", () => {
        const s = ha((raw) => {
            raw.service.scheduler = "wlc";
            raw.service.persistence = 300;
            raw.service.ports = [80, 8080];
            raw.realServers[1].weight = 3;
        });
        const conf = r.renderKeepalivedConf(s, s.director);
        for (const port of [80, 8080]) {
            expect(conf).toContain(`virtual_server 192.168.169.100 ${port} {\n    delay_loop 2\n    lb_algo wlc\n    lb_kind DR\n    persistence_timeout 300\n    protocol TCP\n`);
            expect(conf).toContain(`    real_server 192.168.169.20 ${port} {\n        weight 3\n        HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            connect_timeout 2\n            retry 1\n            delay_before_retry 1\n        }\n    }`);
        }
        expect(r.renderIpvsRules(s)).toContain("-a -t 192.168.169.100:8080 -r 192.168.169.20:8080 -g -w 3");
        const tcp = r.renderKeepalivedConf(ha((raw) => (raw.service.healthCheck = { type: "tcp", interval: 5, timeout: 3, retries: 2, retryDelay: 2 })), s.director);
        expect(tcp).toContain("delay_loop 5");
        expect(tcp).toContain("TCP_CHECK {\n            connect_timeout 3\n            retry 2\n            delay_before_retry 2\n        }");
    });

    it("turns sync and the guard off when asked", () => {
        const conf = r.renderKeepalivedConf(ha((raw) => Object.assign(raw.ha, { syncConnections: false, splitBrainGuard: false })), spec("ha").director);
        expect(conf).not.toContain("lvs_sync_daemon");
        expect(conf).not.toContain("vrrp_script");
        expect(conf).not.toContain("track_script");
    });

    it("NAT: the real servers' gateway floats in a second instance, synced with the VIP's", () => {
        const s = spec("nat", (raw) => (raw.ha = { peers: [{ name: "director2", ip: "172.25.7.9" }], natGateway: { ip: "172.25.7.254", virtualRouterId: 52 } }));
        const conf = r.renderKeepalivedConf(s, s.director);
        expect(conf).toContain("vrrp_sync_group VG_LVS {\n    group {\n        VI_VIP\n        VI_GW\n    }\n}");
        expect(conf).toContain("vrrp_instance VI_GW {");
        expect(conf).toContain("virtual_router_id 52");
        expect(conf).toContain("172.25.7.254/24 dev ens33 label ens33:1");
        expect(conf).toContain("lb_kind NAT");
        expect(r.renderRealServer(s, s.realServers[0]).create).toContain("ip route replace default via 172.25.7.254 dev ens33");
    });

    it("starts keepalived, or reloads it only when the file changed; the delete stops it and clears the service", () => {
        const s = ha();
        const step = r.renderKeepalived(s, s.director, []);
        expect(step.create).toContain("keepalived --config-test -f /etc/keepalived/keepalived.conf");
        expect(step.create).toMatch(/elif \[\[ \$conf_before != "\$\(sha256sum \/etc\/keepalived\/keepalived.conf\)" \]\]; then\n    systemctl reload keepalived.service/);
        expect(step.delete).toContain("systemctl disable -q --now keepalived.service");
        expect(step.delete).toContain("ipvsadm -D -t 192.168.169.100:80");
    });

    it("runs the commands it is given before it writes the configuration or touches keepalived", () => {
        const s = ha();
        const lines = r.renderKeepalived(s, s.director, ["echo taking the ipvsadm path off"]).create.split("\n");
        const given = lines.indexOf("echo taking the ipvsadm path off");
        expect(given).toBeGreaterThan(lines.indexOf("set -euo pipefail"));
        const firstOwn = lines.findIndex((l) => /keepalived|conf_before/.test(l) && !l.startsWith("#"));
        expect(firstOwn).toBeGreaterThan(given);
    });
});

describe("the scripts' systemd functions against a stand-in systemctl", () => {
    // A stand-in systemctl, unit tests only: records its arguments; `is-enabled` exits $ENABLED.
    const dir = standIns("systemctl", { systemctl: 'echo "${SYSTEMCTL_SKIP_SYSV:+SYSTEMCTL_SKIP_SYSV=$SYSTEMCTL_SKIP_SYSV }$*" >>"$CALLS"; if [[ $1 == is-enabled ]]; then exit "$ENABLED"; fi' });

    /** Runs `body` in a rendered script; returns the systemctl calls it made. */
    function run(body: string[], enabled = "0"): string[] {
        const calls = join(dir, "calls");
        writeFileSync(calls, "");
        execFileSync("bash", ["-c", r.script("systemd functions", body)], { env: { PATH: `${dir}:/usr/bin:/bin`, CALLS: calls, ENABLED: enabled } });
        return readFileSync(calls, "utf8").split("\n").filter(Boolean);
    }

    it("enables a unit only when it is not enabled yet", () => {
        expect(run(["lvs_enable nginx.service"])).toEqual(["is-enabled -q nginx.service"]);
        expect(run(["lvs_enable nginx.service"], "1")).toEqual(["is-enabled -q nginx.service", "SYSTEMCTL_SKIP_SYSV=1 enable --no-reload -q nginx.service"]);
    });

    it("counts a changed unit file or any drop-in as a change to reload for, and a new unit file not", () => {
        const reloads = (path: string, existed: number) => run([`lvs_unit_written ${path} ${existed}`, "lvs_systemd_reload"]);
        expect(reloads("/etc/systemd/system/lvs-lab-ipvs.service", 0)).toEqual([]);
        expect(reloads("/etc/systemd/system/lvs-lab-ipvs.service", 1)).toEqual(["daemon-reload"]);
        expect(reloads("/etc/systemd/system/nginx.service.d/lvs-lab.conf", 0)).toEqual(["daemon-reload"]);
        expect(reloads("/etc/nginx/sites-enabled/lvs-lab", 1)).toEqual([]);
    });

    it("reloads systemd only when the run changed a unit file", () => {
        expect(run(["lvs_remove /etc/systemd/system/lvs-lab-absent.service", "lvs_systemd_reload"])).toEqual([]);
        expect(run(["lvs_units_changed=1", "lvs_systemd_reload", "lvs_systemd_reload"])).toEqual(["daemon-reload"]);
    });

    it("is what every step enables and reloads with", () => {
        const s = spec("dr-nfs");
        const steps = [r.renderDirector(s, s.director), r.renderNginx(s, s.realServers[0]), r.renderKeepalived(spec("ha"), directors(spec("ha"))[0], [])];
        const prelude = r.script("none", []).split("\n").slice(3).join("\n");
        for (const step of steps) {
            const [, body] = step.create.split(prelude);
            expect(body).toMatch(/lvs_enable /);
            expect(body).not.toMatch(/systemctl (enable|daemon-reload)/);
        }
    });
});

describe("split-brain guard against stand-in ping and arping", () => {
    // Stand-ins, unit tests only: ping exits $PING; arping prints the replies in $ARPING.
    const dir = standIns("guard", { ping: 'exit "$PING"', arping: 'printf "%s" "$ARPING"' });
    const s = spec("ha");
    const [d1, d2] = directors(s);
    const reply = (mac: string) => `Unicast reply from 192.168.169.100 [${mac.toUpperCase()}]  0.7ms\n`;

    const yielded = join(dir, "yielded");
    const hasYielded = () => existsSync(yielded);

    /** Runs the guard of `director` of `lab` in `state`; returns its exit code. */
    function guard(director: typeof d1, state: string, env: { PING?: string; ARPING?: string }, lab = s): number {
        writeFileSync(join(dir, "state"), state);
        const text = r.renderVrrpGuard(lab, director).replaceAll(r.VRRP_STATE, join(dir, "state")).replaceAll(r.VRRP_YIELDED, yielded);
        expect(text).not.toContain("/run/lvs-lab");
        try {
            execFileSync("bash", ["-c", text], { env: { PATH: `${dir}:/usr/bin:/bin`, PING: "0", ARPING: "", ...env } });
            return 0;
        } catch (e: any) {
            return e.status;
        }
    }

    it("fails on a director that lost the gateway, whatever its state", () => {
        expect(guard(d1, "MASTER", { PING: "1" })).toBe(1);
        expect(guard(d2, "BACKUP", { PING: "1" })).toBe(1);
    });

    it("fails on a lower-priority MASTER while the higher-priority director answers for the VIP, and keeps it yielding in FAULT", () => {
        rmSync(yielded, { force: true });
        expect(guard(d2, "MASTER", { ARPING: reply(d1.mac) })).toBe(1);
        expect(hasYielded()).toBe(true);
        expect(guard(d2, "FAULT", { ARPING: reply(d1.mac) })).toBe(1);
        // The higher-priority director is gone: the yield ends, and the adverts decide again.
        expect(guard(d2, "FAULT", { ARPING: "" })).toBe(0);
        expect(hasYielded()).toBe(false);
    });

    it("lets a director in FAULT for another reason (the gateway, a run that timed out) return once the gateway answers", () => {
        rmSync(yielded, { force: true });
        expect(guard(d2, "FAULT", { PING: "1", ARPING: reply(d1.mac) })).toBe(1);
        expect(guard(d2, "FAULT", { ARPING: reply(d1.mac) })).toBe(0);
        expect(hasYielded()).toBe(false);
    });

    it("forgets a yield once the director is BACKUP: the adverts decide there", () => {
        writeFileSync(yielded, "");
        expect(guard(d2, "BACKUP", { ARPING: reply(d1.mac) })).toBe(0);
        expect(hasYielded()).toBe(false);
    });

    it("passes in BACKUP, when nobody else holds the VIP, and always on the highest priority", () => {
        expect(guard(d2, "BACKUP", { ARPING: reply(d1.mac) })).toBe(0);
        expect(guard(d2, "MASTER", { ARPING: "" })).toBe(0);
        expect(guard(d1, "MASTER", { ARPING: reply(d2.mac) })).toBe(0);
    });

    it("with three directors, the lowest yields to either higher one that answers for the VIP, and not to a lower one", () => {
        const three = spec("ha", (raw) => raw.ha.peers.push({ name: "director3", ip: "192.168.169.52", priority: 50 }));
        const [top, middle, low] = directors(three);
        const guardOf = (director: typeof d1, arping: string) => {
            rmSync(yielded, { force: true });
            return guard(director, "MASTER", { ARPING: arping }, three);
        };
        expect(guardOf(low, reply(top.mac))).toBe(1);
        expect(guardOf(low, reply(middle.mac))).toBe(1);
        expect(guardOf(middle, reply(top.mac))).toBe(1);
        expect(guardOf(middle, reply(low.mac))).toBe(0);
        expect(guardOf(top, reply(middle.mac) + reply(low.mac))).toBe(0);
    });
});

describe("IPVS rules", () => {
    it("one service and a route entry per real server in DR", () => {
        expect(r.renderIpvsRules(spec("default"))).toBe(
            ["-A -t 192.168.168.100:80 -s rr", "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1", "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 1", ""].join("\n"),
        );
    });

    it("carries the scheduler, weights, persistence and protocol", () => {
        const tcp = spec("tun", (raw) => {
            raw.service.persistence = 60;
            raw.realServers[0].weight = 3;
        });
        expect(r.renderIpvsRules(tcp)).toContain("-A -t 172.25.8.100:80 -s wrr -p 60\n");
        const udp = spec("tun", (raw) => {
            raw.service.persistence = 60;
            raw.service.udpPorts = [5300, 53];
            raw.service.ops = false;
            raw.realServers[0].weight = 3;
        });
        expect(r.renderIpvsRules(udp).split("\n").filter((l) => l.includes(" -u "))).toEqual([
            "-A -u 172.25.8.100:5300 -s wrr -p 60",
            "-a -u 172.25.8.100:5300 -r 172.25.8.3:5300 -i -w 3 --tun-type ipip",
            "-a -u 172.25.8.100:5300 -r 172.25.8.4:5300 -i -w 1 --tun-type ipip",
            "-A -u 172.25.8.100:53 -s wrr -p 60",
            "-a -u 172.25.8.100:53 -r 172.25.8.3:53 -i -w 3 --tun-type ipip",
            "-a -u 172.25.8.100:53 -r 172.25.8.4:53 -i -w 1 --tun-type ipip",
        ]);
        // One-packet scheduling after persistence, as ipvsadm-save prints it; the TCP service has none.
        const ops = spec("tun", (raw) => (raw.service.persistence = 60));
        expect(r.renderIpvsRules(ops)).toContain("-A -t 172.25.8.100:80 -s wrr -p 60\n-a");
        expect(r.renderIpvsRules(ops)).toContain("-A -u 172.25.8.100:5300 -s wrr -p 60 -o\n-a -u 172.25.8.100:5300 -r 172.25.8.3:5300 -i -w 1 --tun-type ipip\n");
    });

    it("NAT masquerades and may remap the port; several ports make several services", () => {
        const nat = spec("nat", (raw) => (raw.realServers[1].port = 8080));
        expect(r.renderIpvsRules(nat)).toContain("-a -t 172.25.7.100:80 -r 172.25.7.4:8080 -m -w 1");
        const multi = spec("default", (raw) => (raw.service.ports = [80, 443]));
        expect(r.renderIpvsRules(multi).match(/^-A /gm)).toHaveLength(2);
    });

    it("renders the same bytes for an equal spec built another way, and other bytes for another weight", () => {
        const stack = spec("dr-tomcat");
        // The same lab built another way: every default spelled out, every map's keys in reverse order.
        const raw = structuredClone(loadStackConfig("dr-tomcat")) as any;
        raw.director.nic = "ens33";
        Object.assign(raw.service, { protocol: "tcp", persistence: 0 });
        for (const rs of raw.realServers) rs.port = 80;
        const reversed = (o: any): any => (Array.isArray(o) ? o.map(reversed) : o && typeof o === "object" ? Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, reversed(v)])) : o);
        const spelledOut = parseLabConfig(reversed(raw));
        expect(spelledOut).toEqual(stack);
        // Nothing runs before the rules unless the plan says so (keepalived's removal on a switch from HA):
        // the lines given come right after the shared prelude, before the package check.
        const before = r.renderIpvsStep(stack, ["echo first"]).create.split("\n");
        expect(before[before.indexOf("echo first") + 1]).toBe("lvs_install ipvsadm ipvsadm ipvsadm");
        const plain = r.renderIpvsStep(stack).create.split("\n");
        expect(plain.slice(before.indexOf("echo first"), before.indexOf("echo first") + 1)).toEqual(["lvs_install ipvsadm ipvsadm ipvsadm"]);
        expect(r.renderIpvsStep(spelledOut).create).toBe(r.renderIpvsStep(stack).create);
        expect(r.renderIpvsStep(spelledOut).delete).toBe(r.renderIpvsStep(stack).delete);
        expect(r.renderIpvsStep(spec("dr-tomcat", (raw) => (raw.realServers[1].weight = 3))).create).not.toBe(r.renderIpvsStep(stack).create);
    });
});

describe("reconciler (lvs-lab-ipvs-apply) against a recording ipvsadm", () => {
    // A stand-in ipvsadm: -Sn prints the table file; other calls are recorded. Unit tests only.
    const dir = standIns("ipvs", { ipvsadm: 'if [[ $1 == -Sn ]]; then cat "$TABLE"; else echo "$*" >>"$CALLS"; fi', modprobe: "exit 0" });
    writeFileSync(join(dir, "apply"), r.IPVS_APPLY_SCRIPT);

    /** Runs `command` with the stand-ins against a kernel whose table is `table`; returns the ipvsadm calls made. */
    function recorded(table: string, command: string[]): string[] {
        writeFileSync(join(dir, "table"), table);
        writeFileSync(join(dir, "calls"), "");
        execFileSync("bash", command, { env: { PATH: `${dir}:/usr/bin:/bin`, TABLE: join(dir, "table"), CALLS: join(dir, "calls") } });
        return readFileSync(join(dir, "calls"), "utf8").split("\n").filter(Boolean);
    }

    /** Applies `rules` to a kernel whose table is `table`; returns the ipvsadm calls made. */
    function apply(table: string, rules: string): string[] {
        writeFileSync(join(dir, "rules"), rules);
        return recorded(table, [join(dir, "apply"), join(dir, "rules")]);
    }

    /**
     * Expects exactly the `expected` calls, in any order but the one that matters: a service is
     * added before any real server is added to it. The reconciler walks bash associative arrays,
     * whose order is the hash's, not the rules file's.
     */
    function expectCalls(calls: string[], expected: string[]): void {
        expect([...calls].sort()).toEqual([...expected].sort());
        calls.forEach((call, i) => {
            const service = /^-a (-[tuf] \S+) -r /.exec(call)?.[1];
            const added = calls.findIndex((c) => c.startsWith(`-A ${service} `));
            if (service && added >= 0) expect(added, `${call} must come after its service's -A`).toBeLessThan(i);
        });
    }
    const rules = r.renderIpvsRules(spec("dr-tomcat"));

    it("builds an empty table from scratch", () => {
        expectCalls(apply("", rules), [
            "-A -t 192.168.168.100:80 -s wrr",
            "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1",
            "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 1",
        ]);
    });

    it("adds each service before its real servers, with several services and servers", () => {
        const many = spec("dr-tomcat", (raw) => {
            raw.service.ports = [80, 443, 8080];
            raw.realServers.push({ name: "nginx3", ip: "192.168.168.30", weight: 3 }, { name: "nginx4", ip: "192.168.168.31", weight: 4 });
        });
        const lines = r.renderIpvsRules(many).split("\n").filter(Boolean);
        expect(lines).toHaveLength(3 + 3 * 4);
        // From scratch, every line of the rules file is one call, as written.
        expectCalls(apply("", r.renderIpvsRules(many)), lines);
        // One new port on a table that has the others: only its service and its servers.
        const without443 = r.renderIpvsRules(spec("dr-tomcat", (raw) => {
            raw.service.ports = [80, 8080];
            raw.realServers.push({ name: "nginx3", ip: "192.168.168.30", weight: 3 }, { name: "nginx4", ip: "192.168.168.31", weight: 4 });
        }));
        expectCalls(apply(without443, r.renderIpvsRules(many)), lines.filter((l) => l.includes(":443 ")));
    });

    it("the IPVS step's boot script applies the step's rules file with the step's reconciler, as the guest runs it now and at boot", () => {
        const s = spec("dr-tomcat", (raw) => (raw.realServers[1].weight = 3));
        const step = r.renderIpvsStep(s).create;
        const files = writtenFiles(step);
        expect(files.get(r.IPVS_RULES_PATH)).toEqual({ mode: "0644", text: r.renderIpvsRules(s) });
        expect(files.get(r.IPVS_APPLY)).toEqual({ mode: "0755", text: r.IPVS_APPLY_SCRIPT });
        const unit = files.get("/etc/systemd/system/lvs-lab-ipvs.service")!.text;
        expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/lvs-lab-ipvs$/m);
        expect(unit).toMatch(/^After=.* lvs-lab-director\.service$/m);
        expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
        // The step enables the unit and runs the boot script once now, after writing the files.
        const run = topLevelLines(step);
        expect(run).toContain("lvs_enable lvs-lab-ipvs.service");
        const lastWrite = Math.max(...run.map((line, i) => (line.startsWith("lvs_write ") ? i : -1)));
        expect(run.indexOf("/usr/local/sbin/lvs-lab-ipvs")).toBeGreaterThan(lastWrite);
        // The guest's files under a stand-in root (the boot script's paths moved there), run against an empty table.
        const root = join(dir, "root");
        for (const [path, file] of files) {
            const text = path === "/usr/local/sbin/lvs-lab-ipvs" ? file.text.replaceAll(r.IPVS_APPLY, join(root, r.IPVS_APPLY)).replaceAll(r.IPVS_RULES_PATH, join(root, r.IPVS_RULES_PATH)) : file.text;
            mkdirSync(dirname(join(root, path)), { recursive: true });
            writeFileSync(join(root, path), text, { mode: parseInt(file.mode, 8) });
        }
        expectCalls(recorded("", [join(root, "usr/local/sbin/lvs-lab-ipvs")]), [
            "-A -t 192.168.168.100:80 -s wrr",
            "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1",
            "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 3",
        ]);
    });

    it("does nothing when the table already matches (idempotent)", () => {
        expect(apply(rules, rules)).toEqual([]);
    });

    it("edits one weight in place", () => {
        const changed = r.renderIpvsRules(spec("dr-tomcat", (raw) => (raw.realServers[1].weight = 3)));
        expect(apply(rules, changed)).toEqual(["-e -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 3"]);
    });

    it("edits the scheduler in place", () => {
        const changed = r.renderIpvsRules(spec("dr-tomcat", (raw) => (raw.service.scheduler = "lc")));
        expect(apply(rules, changed)).toEqual(["-E -t 192.168.168.100:80 -s lc"]);
    });

    it("removes a server and a service the file no longer has", () => {
        const one = r.renderIpvsRules(spec("dr-tomcat", (raw) => raw.realServers.pop()));
        expect(apply(rules, one)).toEqual(["-d -t 192.168.168.100:80 -r 192.168.168.20:80"]);
        expect(apply(rules, "")).toEqual(["-D -t 192.168.168.100:80"]);
    });

    // The sorry server on the ipvsadm path, as the director's table goes through it: each mode's
    // stack with the key set (NAT with a remapped real server, whose port the sorry server keeps).
    it.each([
        // The last column: what ipvsadm-save prints after a destination's weight (a tunnel's type).
        ["default", "-t 192.168.168.100:80", "192.168.168.10:80 -g", "192.168.168.20:80 -g", "192.168.168.50:80 -g", ""],
        ["nat", "-t 172.25.7.100:80", "172.25.7.3:80 -m", "172.25.7.4:8080 -m", "172.25.7.2:80 -m", ""],
        ["tun", "-t 172.25.8.100:80", "172.25.8.3:80 -i", "172.25.8.4:80 -i", "172.25.8.2:80 -i", " --tun-type ipip"],
    ])("%s: every weight 0 adds the director's own address at weight 1; a weight back takes it out again", (stack, service, rs1, rs2, sorry, tail) => {
        const rulesWith = (weights: number[], sorryServer = true) => r.renderIpvsRules(spec(stack, (raw) => {
            raw.service.sorryServer = sorryServer;
            // The TCP services only: the UDP ones have no sorry server ("UDP services" below).
            raw.service.udpPorts = [];
            delete raw.service.ops;
            if (stack === "nat") raw.realServers[1].port = 8080;
            raw.realServers.forEach((rs: any, i: number) => (rs.weight = weights[i]));
        }));
        const serving = rulesWith([1, 1]);
        // Set while the real servers serve, the key changes nothing in the table.
        expect(apply(rulesWith([1, 1], false), serving)).toEqual([]);
        const allOut = rulesWith([0, 0]);
        expectCalls(apply(serving, allOut), [`-e ${service} -r ${rs1} -w 0${tail}`, `-e ${service} -r ${rs2} -w 0${tail}`, `-a ${service} -r ${sorry} -w 1${tail}`]);
        expect(apply(allOut, allOut)).toEqual([]);
        expectCalls(apply(allOut, rulesWith([2, 0])), [`-e ${service} -r ${rs1} -w 2${tail}`, `-d ${service} -r ${sorry.split(" ")[0]}`]);
        // Without the key every weight 0 leaves the service with no server to send to.
        expect(apply(rulesWith([1, 1], false), rulesWith([0, 0], false)).sort()).toEqual([`-e ${service} -r ${rs1} -w 0${tail}`, `-e ${service} -r ${rs2} -w 0${tail}`]);
    });

    it("several ports: a sorry server in each service, on that service's port", () => {
        const allOut = r.renderIpvsRules(spec("default", (raw) => {
            Object.assign(raw.service, { sorryServer: true, ports: [80, 443] });
            for (const rs of raw.realServers) rs.weight = 0;
        }));
        const sorry = apply("", allOut).filter((call) => call.includes(" -r 192.168.168.50:"));
        expect(sorry.sort()).toEqual(["-a -t 192.168.168.100:443 -r 192.168.168.50:443 -g -w 1", "-a -t 192.168.168.100:80 -r 192.168.168.50:80 -g -w 1"]);
    });
});

describe("sorry server (service.sorryServer)", () => {
    const sorryOn = (stack: string, edit: (raw: any) => void = () => {}) => spec(stack, (raw) => {
        raw.service.sorryServer = true;
        edit(raw);
    });
    /** Each mode's stack with director HA (keepalived): the ha stack is DR; NAT and TUN gain a second director. */
    const haLabs: [string, (raw: any) => void][] = [
        ["ha", () => {}],
        ["nat", (raw) => (raw.ha = { peers: [{ name: "director2", ip: "172.25.7.9" }], natGateway: { ip: "172.25.7.254", virtualRouterId: 52 } })],
        ["tun", (raw) => (raw.ha = { peers: [{ name: "director2", ip: "172.25.8.9" }] })],
    ];
    /** keepalived.conf's virtual_server blocks by `VIP PORT`, each as its lines. */
    const virtualServerBlocks = (conf: string): Map<string, string[]> =>
        new Map([...conf.matchAll(/^virtual_server (\S+ \d+) \{\n([\s\S]*?)^\}$/gm)].map((m) => [m[1], m[2].split("\n")]));

    it.each(haLabs)("keepalived (%s): every virtual_server names its own director's address as the sorry server, after lb_kind", (stack, withHa) => {
        const s = sorryOn(stack, (raw) => {
            withHa(raw);
            raw.service.ports = [80, 8080];
            raw.service.udpPorts = [];
            delete raw.service.ops;
        });
        for (const d of directors(s)) {
            const blocks = virtualServerBlocks(r.renderKeepalivedConf(s, d));
            expect([...blocks.keys()]).toEqual([`${s.service.vip} 80`, `${s.service.vip} 8080`]);
            for (const [key, lines] of blocks) {
                const port = key.split(" ")[1];
                expect(lines.filter((l) => l.includes("sorry_server")), `${d.name} ${key}`).toEqual([`    sorry_server ${d.ip} ${port}`]);
                // keepalived gives the sorry server the forwarding method read so far.
                const kind = lines.indexOf(`    lb_kind ${s.service.mode.toUpperCase()}`);
                expect(kind, `${d.name} ${key}`).toBeGreaterThan(-1);
                expect(lines.indexOf(`    sorry_server ${d.ip} ${port}`)).toBeGreaterThan(kind);
            }
        }
        // Without the key no virtual_server has one.
        const off = spec(stack, withHa);
        for (const d of directors(off)) expect(r.renderKeepalivedConf(off, d)).not.toContain("sorry_server");
    });

    it.each(["default", "nat", "tun", "ha"])("%s: each director's nginx site answers 503 on every service port of any address, naming the director", (stack) => {
        const s = sorryOn(stack, (raw) => (raw.service.ports = stack === "nat" ? [80, 8080] : [80, 443]));
        for (const d of directors(s)) {
            const site = r.renderSorrySite(s, d).split("\n").map((l) => l.trim());
            expect(site.filter((l) => l.startsWith("listen "))).toEqual(s.service.ports.map((p) => `listen ${p} default_server;`));
            expect(site).toContain(`add_header X-Lvs-Real-Server ${d.name} always;`);
            expect(site.find((l) => l.startsWith("return "))).toMatch(new RegExp(`^return 503 "sorry: .*${d.name} answered\\\\n";$`));
        }
    });

    it("the whole site nginx reads, and the step's title", () => {
        const s = sorryOn("default", (raw) => (raw.service.ports = [80, 8080]));
        expect(r.renderSorrySite(s, s.director).split("\n")).toEqual([
            "# lvs-lab: sorry server on director, for 192.168.168.100 while every real server is out",
            "server {",
            "    listen 80 default_server;",
            "    listen 8080 default_server;",
            "    server_name _;",
            "    default_type text/plain;",
            "    add_header X-Lvs-Real-Server director always;",
            '    return 503 "sorry: no real server of 192.168.168.100 is available; director answered\\n";',
            "}",
        ]);
        expect(r.renderSorryServer(s, s.director).create.split("\n")[1]).toBe("# lvs-lab: sorry server on director for 192.168.168.100");
    });

    it("set: the step writes the site, drops the stock default_server, and starts nginx only once its config tests clean", () => {
        const s = sorryOn("ha");
        for (const d of directors(s)) {
            const create = r.renderSorryServer(s, d).create;
            expect(writtenFiles(create).get(r.SORRY_SITE)).toEqual({ mode: "0644", text: `${r.renderSorrySite(s, d)}\n` });
            const run = topLevelLines(create);
            const order = ["rm -f /etc/nginx/sites-enabled/default", "nginx -t -q", "lvs_enable nginx.service", "systemctl reload-or-restart nginx.service"].map((l) => run.indexOf(l));
            expect(order.every((i) => i > 0)).toBe(true);
            expect(order).toEqual([...order].sort((a, b) => a - b));
            expect(run.findIndex((l) => l.startsWith(`lvs_write ${r.SORRY_SITE} `))).toBeLessThan(order[0]);
        }
    });

    describe("unset, or undone by hand: nginx back to the image's state, against a stand-in root and systemctl", () => {
        // Stand-in systemctl, unit tests only: records its arguments; is-active exits $ACTIVE, is-enabled $ENABLED.
        const dir = standIns("sorry", { systemctl: 'echo "${SYSTEMCTL_SKIP_SYSV:+SYSTEMCTL_SKIP_SYSV=$SYSTEMCTL_SKIP_SYSV }$*" >>"$CALLS"; case $1 in is-active) exit "$ACTIVE" ;; is-enabled) exit "$ENABLED" ;; esac' });
        const root = join(dir, "root");
        const nginx = join(root, "etc/nginx");

        /** Runs a script with /etc/nginx under the stand-in root; returns the systemctl calls it made. */
        function run(text: string, nginxRunning: boolean): string[] {
            const calls = join(dir, "calls");
            writeFileSync(calls, "");
            expect(text).toContain("/etc/nginx/");
            const env = { PATH: `${dir}:/usr/bin:/bin`, CALLS: calls, ACTIVE: nginxRunning ? "0" : "3", ENABLED: nginxRunning ? "0" : "1" };
            execFileSync("bash", ["-c", text.replaceAll("/etc/nginx/", `${nginx}/`)], { env });
            return readFileSync(calls, "utf8").split("\n").filter(Boolean);
        }
        /** What the set step leaves: the site, no stock site enabled. */
        function asSet(): void {
            rmSync(root, { recursive: true, force: true });
            mkdirSync(join(nginx, "conf.d"), { recursive: true });
            mkdirSync(join(nginx, "sites-available"));
            mkdirSync(join(nginx, "sites-enabled"));
            writeFileSync(join(nginx, "sites-available/default"), "server {}\n");
            writeFileSync(join(nginx, "conf.d/lvs-lab-sorry.conf"), "server {}\n");
        }
        const s = spec("default");
        const step = r.renderSorryServer(s, s.director);

        it("the step of a lab without the key stops and disables nginx, removes the site and enables the stock site again; run again, it changes nothing", () => {
            expect(step.create).toContain("# lvs-lab: no sorry server on director\n");
            asSet();
            expect(run(step.create, true)).toEqual([
                "is-active -q nginx.service",
                "stop nginx.service",
                "is-enabled -q nginx.service",
                "SYSTEMCTL_SKIP_SYSV=1 disable --no-reload -q nginx.service",
            ]);
            expect(existsSync(join(nginx, "conf.d/lvs-lab-sorry.conf"))).toBe(false);
            expect(readFileSync(join(nginx, "sites-enabled/default"), "utf8")).toBe("server {}\n");
            expect(run(step.create, false)).toEqual(["is-active -q nginx.service", "is-enabled -q nginx.service"]);
            expect(readdirSync(join(nginx, "sites-enabled"))).toEqual(["default"]);
        });

        it("the delete script undoes the set step the same way", () => {
            asSet();
            run(step.delete, true);
            expect(existsSync(join(nginx, "conf.d/lvs-lab-sorry.conf"))).toBe(false);
            expect(readdirSync(join(nginx, "sites-enabled"))).toEqual(["default"]);
        });
    });
});

describe("real servers", () => {
    it("DR: ARP sysctls on all and lo, applied before the VIP goes on lo:0 as /32", () => {
        const s = spec("default");
        const create = r.renderRealServer(s, s.realServers[0]).create;
        expect(r.sysctlConf(r.realServerSysctls(s, s.realServers[0]))).toBe(
            [
                "net.ipv4.conf.all.arp_ignore = 1",
                "net.ipv4.conf.all.arp_announce = 2",
                "net.ipv4.conf.lo.arp_ignore = 1",
                "net.ipv4.conf.lo.arp_announce = 2",
            ].join("\n"),
        );
        const sysctl = create.indexOf("sysctl -q -p /etc/sysctl.d/90-lvs-lab-realserver.conf");
        const vip = create.indexOf("ip addr replace 192.168.168.100/32 dev lo label lo:0");
        expect(sysctl).toBeGreaterThan(0);
        expect(vip).toBeGreaterThan(sysctl);
    });

    it("TUN: VIP on tunl0 with rp_filter off", () => {
        const s = spec("tun");
        const create = r.renderRealServer(s, s.realServers[0]).create;
        expect(create).toContain("modprobe ipip");
        expect(create).toContain("ip addr replace 172.25.8.100/32 dev tunl0");
        expect(create).toContain("net.ipv4.conf.tunl0.rp_filter = 0");
    });

    it("NAT: default route and client route via the director", () => {
        const s = spec("nat");
        const create = r.renderRealServer(s, s.realServers[0]).create;
        expect(create).toContain("ip route replace default via 172.25.7.2 dev ens33");
        expect(create).toContain("ip route replace 172.25.7.60/32 via 172.25.7.2 dev ens33");
        expect(create).not.toContain("dev lo");
    });

    it("nginx proxies .jsp to the weighted tomcat upstream and names itself", () => {
        const s = spec("dr-tomcat");
        const site = r.renderNginxSite(s, s.realServers[0]);
        expect(site).toContain("upstream lvs_lab_tomcat {\n    server 192.168.168.40:8080 weight=2;\n    server 192.168.168.90:8080 weight=1;\n}");
        expect(site).toContain("location ~ .*\\.jsp$ {");
        expect(site).toContain("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;");
        expect(site).toContain("add_header X-Lvs-Real-Server nginx1 always;");
    });

    it("mounts the NFS export with _netdev and makes nginx wait for it", () => {
        const s = spec("dr-nfs");
        expect(r.nfsFstabLine(s, s.realServers[1])).toBe("20.0.0.40:/opt/benet /var/www/lvs-lab nfs _netdev,hard,timeo=50 0 0 # lvs-lab web root");
        expect(r.renderNginx(s, s.realServers[1]).create).toContain("RequiresMountsFor=/var/www/lvs-lab");
    });
});

describe("tomcat and NFS", () => {
    it("index.jsp names the backend", () => {
        const s = spec("dr-tomcat");
        expect(r.renderIndexJsp(s.tomcats[1])).toContain('response.setHeader("X-Lvs-Backend", "tomcat2")');
    });

    it("exports to the lab subnet with root_squash and never world-writable", () => {
        const s = spec("dr-nfs");
        expect(r.renderExports(s, s.nfs!)).toBe(
            "/opt/kgc 20.0.0.0/24(rw,sync,root_squash,no_subtree_check)\n/opt/benet 20.0.0.0/24(rw,sync,root_squash,no_subtree_check)",
        );
        const create = r.renderNfsServer(s, s.nfs!).create;
        expect(create).toContain("install -d -m 0755 -o root -g root /opt/kgc");
        expect(create).not.toMatch(/777|o\+w|a\+w/);
    });
});

describe("request loop", () => {
    it("asks the VIP with a 1 s timeout and prints the time and the answering server", () => {
        const loop = r.renderRequestLoop(spec("default"), 30);
        expect(loop).toContain("end=$((SECONDS + 30))");
        expect(loop).toContain("curl -sS -m 1 -o /dev/null -D - 'http://192.168.168.100:80/'");
        expect(shellcheck({ loop })).toBe("");
    });

    it("without a log or a stop file: the whole loop, bounded only by its time", () => {
        const lines = r.renderRequestLoop(spec("default"), 30).split("\n");
        expect(lines[1]).toBe("# lvs-lab: request loop through http://192.168.168.100:80/ for at most 30 s");
        // Before the loop, only the header and prelude every script has: no log file is emptied.
        const title = "request loop through http://192.168.168.100:80/ for at most 30 s";
        expect(lines.slice(0, lines.indexOf("end=$((SECONDS + 30))")).join("\n")).toBe(r.script(title, []).trimEnd());
        expect(lines.slice(lines.indexOf("end=$((SECONDS + 30))"))).toEqual([
            "end=$((SECONDS + 30))",
            "while ((SECONDS < end)); do",
            "    at=$(date +%s%3N)",
            "    name=$(curl -sS -m 1 -o /dev/null -D - 'http://192.168.168.100:80/' | tr -d '\\r' | awk -F': ' 'tolower($1) == tolower(\"X-Lvs-Real-Server\") { print $2 }') || name=\"error:$?\"",
            '    echo "$at ${name:-error}"',
            "    sleep 0.2",
            "done",
            "",
        ]);
    });

    it("reads only whole result lines, and counts no outage before the first answer or in an empty loop", () => {
        expect(r.parseRequestLoop("  1000 nginx1  \nnoise 1000 nginx2\n1000 nginx2 extra\n1200 error\n1400 error:28\n")).toEqual([
            { atMs: 1000, server: "nginx1" },
            { atMs: 1200 },
            { atMs: 1400, curlExit: 28 },
        ]);
        expect(r.summariseRequestLoop([])).toEqual({ requests: 0, failed: 0, outageSeconds: 0 });
        expect(r.summariseRequestLoop(r.parseRequestLoop("1000 error\n1200 nginx1\n1400 nginx2\n"))).toEqual({ requests: 3, failed: 1, outageSeconds: 0 });
        // A probe starts only at a line's start: an indented or quoted "# probe" is not one.
        expect(r.parseVerification("# probe /\n  nginx1 3  \nx nginx2 4\nnginx2 4 x\n  # probe /x\nsaid # probe /y\n")).toEqual([{ target: "/", answers: { nginx1: 3 } }]);
        // Only the whole word: a server named like an error is a server.
        expect(r.parseRequestLoop("1000 xerror:28\n1200 errors\n")).toEqual([{ atMs: 1000, server: "xerror:28" }, { atMs: 1200, server: "errors" }]);
    });

    it("with a log and a stop file: logs each line as it goes and ends when the stop file appears", () => {
        const loop = r.renderRequestLoop(spec("default"), 300, { logFile: "/tmp/loop.log", stopFile: "/tmp/loop.stop" });
        expect(loop).toContain(": >/tmp/loop.log");
        expect(loop).toContain("while ((SECONDS < end)) && [[ ! -e /tmp/loop.stop ]]; do");
        expect(loop).toContain('echo "$at ${name:-error}" | tee -a /tmp/loop.log');
        expect(loop).toMatch(/done\nrm -f \/tmp\/loop\.stop\n?$/);
        expect(shellcheck({ loop })).toBe("");
    });

    it("run against a stand-in curl: logs every request as it goes and ends once the stop file appears", () => {
        // Stand-in curl, unit tests only: notes how many lines the log holds when it is called, answers
        // as nginx1, fails its 2nd request, and on its 3rd creates the stop file.
        const dir = standIns("loop", {
            curl: 'wc -l <"$LOG" >>"$LOGGED"\nn=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$COUNT"\n' +
                '(( n == 3 )) && touch "$STOP"\n(( n == 2 )) && exit 28\nprintf "HTTP/1.1 200 OK\\r\\n%s: nginx1\\r\\n\\r\\n" "$HEADER"',
        });
        const [log, stop, logged] = [join(dir, "loop.log"), join(dir, "loop.stop"), join(dir, "logged")];
        const loop = r.renderRequestLoop(spec("default"), 30, { gapSeconds: 0, logFile: log, stopFile: stop });
        const out = execFileSync("bash", ["-c", loop], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, COUNT: join(dir, "count"), STOP: stop, LOG: log, LOGGED: logged, HEADER: r.REAL_SERVER_HEADER },
        });
        const requests = r.parseRequestLoop(out);
        // Exactly three requests with no gap: ended by the stop file, not by its 30 s bound.
        expect(requests.map((q) => q.server)).toEqual(["nginx1", undefined, "nginx1"]);
        // The failed request keeps curl's exit status.
        expect(requests[1].curlExit).toBe(28);
        expect(readFileSync(log, "utf8")).toBe(out);
        // As it goes: each request finds every earlier one in the log already (what a watcher reads mid-loop).
        expect(readFileSync(logged, "utf8").split("\n").filter(Boolean)).toEqual(["0", "1", "2"]);
        expect(() => readFileSync(stop)).toThrow();
    });

    it("measures the outage from the last answer before the failures to the first after", () => {
        const out = "1000 nginx1\n1200 nginx2\n1400 error\n2600 error\n3900 nginx2\n4100 nginx1\n4300 error\n4500 nginx2\n";
        const loop = r.parseRequestLoop(out);
        expect(loop[2]).toEqual({ atMs: 1400 });
        expect(r.summariseRequestLoop(loop)).toEqual({ requests: 8, failed: 3, outageSeconds: 2.7 });
        expect(r.summariseRequestLoop(r.parseRequestLoop("1000 nginx1\n1200 nginx2\n"))).toEqual({ requests: 2, failed: 0, outageSeconds: 0 });
        expect(r.summariseRequestLoop(r.parseRequestLoop("1000 nginx1\n1200 error\n")).outageSeconds).toBe(Infinity);
    });
});

describe("client verification", () => {
    it("counts the sorry server's answers per director, apart from the real servers'", () => {
        const ha = spec("ha");
        expect(r.verificationOf(ha, "# probe http://v/\ndirector1 20\n")).toEqual({ realServers: {}, sorryServers: { director1: 20 } });
        expect(r.verificationOf(ha, "# probe http://v/\ndirector2 3\nerror 1\nnginx1 16\n")).toEqual({ realServers: { error: 1, nginx1: 16 }, sorryServers: { director2: 3 } });
        expect(r.verificationOf(ha, "# probe http://v/\nnginx1 10\nnginx2 10\n")).toEqual({ realServers: { nginx1: 10, nginx2: 10 } });
        const tomcat = spec("dr-tomcat");
        expect(r.verificationOf(tomcat, "# probe http://v/\ndirector 2\nnginx1 8\n# probe http://v/index.jsp\ntomcat1 7\nerror 3\n")).toEqual({
            realServers: { nginx1: 8 }, sorryServers: { director: 2 }, tomcats: { tomcat1: 7, error: 3 },
        });
        // An `up --target` that left the step out: nothing was asked.
        expect(r.verificationOf(ha, "")).toEqual({ realServers: {} });
    });

    it("parses the probe output per probe", () => {
        expect(r.parseVerification("# probe http://v/\nnginx1 5\nnginx2 5\n# probe http://v/index.jsp\ntomcat1 7\ntomcat2 3\n# probe udp://v:53 (one socket)\nnginx1 2\n")).toEqual([
            { target: "http://v/", answers: { nginx1: 5, nginx2: 5 } },
            { target: "http://v/index.jsp", answers: { tomcat1: 7, tomcat2: 3 } },
            { target: "udp://v:53", answers: { nginx1: 2 } },
        ]);
    });

    it("with UDP ports: probes the first over UDP after the page, and counts those answers apart, wherever that probe is", () => {
        const tun = spec("tun");
        const verify = r.renderVerification(tun, 20).create;
        expect(verify).toContain("# lvs-lab: verify the lab through the VIP (rs1, rs2)");
        const page = verify.indexOf("echo '# probe http://172.25.8.100:80/'");
        expect(page).toBeGreaterThan(0);
        expect(page).toBeLessThan(verify.indexOf("echo '# probe udp://172.25.8.100:5300 (a socket per datagram)'"));
        expect(verify).toContain(`python3 - 172.25.8.100 5300 20 new <<'${r.FILE_EOF}' | sort | uniq -c | awk '{ print $2, $1 }'\n${r.UDP_ASK_SCRIPT}${r.FILE_EOF}\n`);
        expect(r.renderClient(tun).create).toContain("lvs_install python3 python3 python3");
        expect(r.renderClient(spec("default")).create).not.toContain("python3");
        expect(r.verificationOf(tun, "# probe http://v/\nrs1 10\nrs2 10\n# probe udp://v:5300 (a socket per datagram)\nrs1 9\nerror 1\n")).toEqual({
            realServers: { rs1: 10, rs2: 10 }, udp: { rs1: 9, error: 1 },
        });
        const tomcat = spec("dr-tomcat", (raw) => (raw.service.udpPorts = [53]));
        expect(r.verificationOf(tomcat, "# probe http://v/\nnginx1 1\n# probe udp://v:53\nnginx2 2\n# probe http://v/index.jsp\ntomcat1 3\n")).toEqual({
            realServers: { nginx1: 1 }, udp: { nginx2: 2 }, tomcats: { tomcat1: 3 },
        });
        expect(r.renderVerification(spec("default"), 20).create).not.toContain("udp://");
        expect(() => r.udpProbeLines(spec("default"), 3, "one")).toThrow("udpProbeLines needs a port in service.udpPorts");
        // The probe's title says which way it asked (one socket: only --ops spreads its datagrams).
        expect(r.udpProbeLines(tun, 3, "one")[0]).toBe("echo '# probe udp://172.25.8.100:5300 (one socket)'");
        expect(r.udpAsk("172.25.8.100", 5300, 3, "one")).toBe(`python3 - 172.25.8.100 5300 3 one <<'${r.FILE_EOF}'\n${r.UDP_ASK_SCRIPT}${r.FILE_EOF}`);
    });
});

describe("firewall-mark services (service.firewallMark) and TLS ports (service.tlsPorts)", () => {
    const marked = (stack: string, edit: (raw: any) => void = () => {}) => spec(stack, (raw) => {
        Object.assign(raw.service, { ports: [80, 443], tlsPorts: [443], firewallMark: 7, persistence: 300 });
        edit(raw);
    });

    it("ipvsadm: one -f service for every port, each destination's port 0, as ipvsadm-save prints them; the UDP services stay apart", () => {
        const rules = r.renderIpvsRules(marked("tun"));
        expect(rules.split("\n").filter((l) => / -f /.test(l))).toEqual([
            "-A -f 7 -s wrr -p 300",
            "-a -f 7 -r 172.25.8.3:0 -i -w 1 --tun-type ipip",
            "-a -f 7 -r 172.25.8.4:0 -i -w 1 --tun-type ipip",
        ]);
        expect(rules).not.toContain("-t ");
        expect(rules).toContain("-A -u 172.25.8.100:5300 -s wrr -p 300 -o\n");
        // The sorry server too keeps the packet's port.
        const allOut = r.renderIpvsRules(marked("default", (raw) => {
            raw.service.tlsPorts = [];
            raw.service.sorryServer = true;
            for (const rs of raw.realServers) rs.weight = 0;
        }));
        expect(allOut).toContain("-a -f 7 -r 192.168.168.50:0 -g -w 1\n");
    });

    it("the director marks the VIP's TCP ports in prerouting, at boot before the table, and takes the rules off without a mark", () => {
        const s = marked("default");
        expect(r.renderFirewallMarkRules(s).split("\n").slice(1)).toEqual([
            "table ip lvs_lab_fwmark",
            "delete table ip lvs_lab_fwmark",
            "table ip lvs_lab_fwmark {",
            "    chain prerouting {",
            "        type filter hook prerouting priority mangle; policy accept;",
            "        ip daddr 192.168.168.100 tcp dport { 80, 443 } meta mark set 7",
            "    }",
            "}",
        ]);
        const step = r.renderIpvsStep(s).create;
        expect(step).toContain("lvs_install nft nftables nftables\n");
        // The boot step loads the rules file, and its unit and the file say what they are for.
        expect(step).toContain(`\nnft -f ${r.FWMARK_RULES_PATH}\n`);
        expect(step).toContain(`Description=lvs-lab: mark the service ports of 192.168.168.100 (${r.FWMARK_RULES_PATH})\n`);
        expect(step).toContain("# lvs-lab: TCP ports 80, 443 of 192.168.168.100 are one IPVS service, firewall mark 7\n");
        expect(step).toContain("Before=lvs-lab-ipvs.service keepalived.service");
        // The marking rules are loaded (the boot step's script run on its own line) before the IPVS rules are written.
        const lines = step.split("\n");
        const loaded = lines.indexOf("/usr/local/sbin/lvs-lab-fwmark");
        expect(loaded).toBeGreaterThan(-1);
        expect(loaded).toBeLessThan(lines.findIndex((l) => l.startsWith("lvs_write /etc/lvs-lab/ipvs.rules ")));
        const plain = r.renderIpvsStep(spec("default")).create;
        expect(plain).toContain("if [[ -e /etc/lvs-lab/fwmark.nft ]]; then\n    nft delete table ip lvs_lab_fwmark 2>/dev/null || true\n");
        expect(plain).not.toContain("lvs_write /etc/lvs-lab/fwmark.nft");
    });

    it("keepalived: virtual_server fwmark, its real servers checked on the first port; the step marks too and waits for FWM", () => {
        const s = marked("ha", (raw) => (raw.service.udpPorts = []));
        const conf = r.renderKeepalivedConf(s, s.director);
        // No protocol and no real-server port: keepalived warns about either, and --config-test fails on the warning.
        expect(conf).toContain("virtual_server fwmark 7 {\n    delay_loop 2\n    lb_algo rr\n    lb_kind DR\n    persistence_timeout 300\n    real_server 192.168.169.10 {\n        weight 1\n        HTTP_GET {");
        expect(conf).toContain("            connect_port 80\n            connect_timeout 2\n");
        const sorry = r.renderKeepalivedConf(marked("ha", (raw) => Object.assign(raw.service, { udpPorts: [], tlsPorts: [], sorryServer: true })), s.director);
        expect(sorry).toContain(`    sorry_server ${s.director.ip}\n`);
        expect(conf).not.toContain("virtual_server 192.168.169.100");
        const step = r.renderKeepalived(s, s.director, []);
        expect(step.create).toContain("meta mark set 7");
        expect(step.create).toContain("    [[ $(ipvsadm -Ln) == *'FWM  7 '* ]] && break");
        expect(step.delete).toContain("ipvsadm -D -f 7 2>/dev/null || true");
    });

    it("keepalived: without a mark, the TLS port's virtual_server checks with SSL_GET, the plain one with HTTP_GET", () => {
        const s = marked("ha", (raw) => delete raw.service.firewallMark);
        const conf = r.renderKeepalivedConf(s, s.director);
        const block = (port: number) => conf.slice(conf.indexOf(`virtual_server 192.168.169.100 ${port} {`)).split(/\n\}\n/)[0];
        expect(block(443)).toContain("        SSL_GET {\n            url {\n                path /\n                status_code 200");
        expect(block(443)).not.toContain("HTTP_GET");
        expect(block(80)).toContain("        HTTP_GET {");
        expect(block(80)).not.toContain("SSL_GET");
    });

    it("nginx: the TLS ports listen with ssl and the real server's certificate, made once for the VIP; without TLS ports both files go", () => {
        const s = marked("default");
        const site = r.renderNginxSite(s, s.realServers[0]);
        expect(site).toContain("    listen 80 default_server;\n    listen 443 ssl default_server;\n    ssl_certificate /etc/nginx/lvs-lab-tls.crt;\n    ssl_certificate_key /etc/nginx/lvs-lab-tls.key;\n");
        const create = r.renderNginx(s, s.realServers[0]).create;
        expect(create).toContain("if [[ ! -s /etc/nginx/lvs-lab-tls.key || ! -s /etc/nginx/lvs-lab-tls.crt ]]; then\n    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=192.168.168.100'");
        expect(create.indexOf("openssl req")).toBeLessThan(create.indexOf("lvs_write /etc/nginx/conf.d/lvs-lab.conf"));
        const plain = spec("default");
        expect(r.renderNginxSite(plain, plain.realServers[0])).not.toContain("ssl");
        expect(r.renderNginx(plain, plain.realServers[0]).create).toContain("rm -f /etc/nginx/lvs-lab-tls.key /etc/nginx/lvs-lab-tls.crt\n");
    });
});

describe("UDP services", () => {
    it("the responder answers each datagram with its name, and the probe counts who answered, with a socket per datagram or one for all", async () => {
        // Both programs for real, on loopback: the responder on a free port, the probe asking it.
        const dir = mkdtempSync(join(tmpdir(), "lvs-lab-udp-"));
        writeFileSync(join(dir, "responder.py"), r.UDP_RESPONDER_SCRIPT);
        const port = 20000 + (process.pid % 20000);
        const responder = spawn("/usr/bin/python3", [join(dir, "responder.py"), "rs7", `${port},${port + 1}`, "127.0.0.1"], { stdio: ["ignore", "pipe", "inherit"] });
        try {
            await new Promise<void>((resolve, reject) => {
                responder.stdout!.once("data", () => resolve());
                responder.once("exit", (code) => reject(new Error(`the responder exited with ${code}`)));
            });
            const ask = (p: number, count: number, sockets: string) => execFileSync("/usr/bin/python3", ["-", "127.0.0.1", String(p), String(count), sockets], { input: r.UDP_ASK_SCRIPT, encoding: "utf8" });
            expect(ask(port, 3, "new")).toBe("rs7\nrs7\nrs7\n");
            expect(ask(port + 1, 3, "one")).toBe("rs7\nrs7\nrs7\n");
            // A port the responder does not answer on: no reply within 3 s is an error.
            expect(ask(port + 2, 1, "new")).toBe("error\n");
        } finally {
            responder.kill();
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("every real server runs the responder on its own address and, in DR and TUN, the VIP; NAT only its own", () => {
        const tun = spec("tun");
        expect(r.udpResponderAddresses(tun, tun.realServers[0])).toEqual(["172.25.8.3", "172.25.8.100"]);
        expect(r.renderUdpResponderUnit(tun, tun.realServers[1])).toContain("ExecStart=/usr/bin/python3 /usr/local/lib/lvs-lab/udp-responder.py rs2 5300 172.25.8.4 172.25.8.100\n");
        const nat = spec("nat", (raw) => (raw.service.udpPorts = [53, 5300]));
        expect(r.renderUdpResponderUnit(nat, nat.realServers[0])).toContain("ExecStart=/usr/bin/python3 /usr/local/lib/lvs-lab/udp-responder.py rs1 53,5300 172.25.7.3\n");
        // After the real server's boot step, which puts the VIP in place.
        expect(r.renderUdpResponderUnit(tun, tun.realServers[0])).toMatch(/^After=network-online\.target lvs-lab-realserver\.service$/m);
    });

    it("the step installs and (re)starts the responder with ports, and takes it off without", () => {
        const tun = spec("tun");
        const on = r.renderUdpResponder(tun, tun.realServers[0]).create;
        expect(on).toContain("# lvs-lab: UDP responder on rs1 (5300)");
        expect(on).toContain(`lvs_write /usr/local/lib/lvs-lab/udp-responder.py 0644 <<'${r.FILE_EOF}'\n${r.UDP_RESPONDER_SCRIPT}${r.FILE_EOF}`);
        expect(on).toMatch(/then\n    systemctl restart lvs-lab-udp-responder\.service\nfi\n/);
        const off = r.renderUdpResponder(spec("default"), spec("default").realServers[0]);
        expect(off.create).toContain("# lvs-lab: no UDP responder on nginx1");
        expect(off.create).toContain("lvs_remove /etc/systemd/system/lvs-lab-udp-responder.service /usr/local/lib/lvs-lab/udp-responder.py");
        expect(off.create).not.toContain("systemctl restart");
        expect(off.delete.split("\n").slice(-5)).toEqual(off.create.split("\n").slice(-5));
    });

    it("ipvsadm and keepalived: UDP services after the TCP ones, one-packet scheduling on UDP only, UDP_CHECK that needs a reply, no sorry server", () => {
        const ha = spec("ha", (raw) => {
            raw.service.ops = true;
            raw.service.sorryServer = true;
        });
        const services = r.virtualServices(ha);
        expect(services.map((vs) => [vs.protocol, vs.port, vs.ops, vs.sorryServer !== undefined])).toEqual([["tcp", 80, false, true], ["udp", 5300, true, false]]);
        const conf = r.renderKeepalivedConf(ha, ha.director);
        const udp = conf.slice(conf.indexOf("virtual_server 192.168.169.100 5300 {"));
        expect(udp).toContain("    protocol UDP\n    ops\n    real_server 192.168.169.10 5300 {");
        expect(udp).toContain("        UDP_CHECK {\n            connect_timeout 2\n            retry 1\n            delay_before_retry 1\n            require_reply\n        }");
        expect(udp).not.toContain("sorry_server");
        expect(conf.slice(0, conf.indexOf("virtual_server 192.168.169.100 5300 {"))).not.toContain("ops\n");
        // ipvsadm: every weight 0 puts the sorry server in the TCP service only.
        const allOut = r.renderIpvsRules(spec("tun", (raw) => {
            raw.service.sorryServer = true;
            for (const rs of raw.realServers) rs.weight = 0;
        }));
        expect(allOut.split("\n").filter((l) => l.includes("172.25.8.2:"))).toEqual(["-a -t 172.25.8.100:80 -r 172.25.8.2:80 -i -w 1 --tun-type ipip"]);
        const removal = r.renderKeepalived(ha, ha.director, []).delete;
        expect(removal).toContain("ipvsadm -D -t 192.168.169.100:80 2>/dev/null || true\nipvsadm -D -u 192.168.169.100:5300 2>/dev/null || true");
    });
});



describe("shell building blocks", () => {
    it("a boot step's unit orders itself after and before every unit it names, space-separated as systemd reads the lists", () => {
        const lines = r.installBootStep({ name: "lvs-lab-x", description: "x", up: [":"], after: ["a.service", "b.service"], before: ["c.service", "d.service"] }).join("\n");
        expect(lines).toMatch(/^After=network-online\.target a\.service b\.service$/m);
        expect(lines).toMatch(/^Before=c\.service d\.service$/m);
    });

    it("refuses a file whose content holds the heredoc terminator as a line, naming the file", () => {
        expect(() => r.writeFile("/etc/x.conf", `a\n${r.FILE_EOF}\nb`)).toThrow(`file /etc/x.conf contains the heredoc terminator ${r.FILE_EOF}`);
        // Inside a line it cannot end the heredoc, so it is written.
        expect(r.writeFile("/etc/x.conf", `a ${r.FILE_EOF} b`)).toContain(`\na ${r.FILE_EOF} b\n${r.FILE_EOF}`);
    });
});

describe("nginx's listen ports", () => {
    it("NAT: the real server's own (remapped) port only; DR and TUN: every service port, which the packets keep", () => {
        const nat = spec("nat", (raw) => {
            raw.service.ports = [80];
            raw.realServers[0].port = 8080;
        });
        expect(r.listenPorts(nat, nat.realServers[0])).toEqual([8080]);
        expect(r.renderNginxSite(nat, nat.realServers[0])).toMatch(/listen 8080\b/);
        expect(r.renderNginxSite(nat, nat.realServers[0])).not.toMatch(/listen 80\b/);
        const dr = spec("default", (raw) => (raw.service.ports = [80, 8080]));
        expect(r.listenPorts(dr, dr.realServers[0])).toEqual([80, 8080]);
    });
});
