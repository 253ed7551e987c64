import { execFileSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { afterAll, describe, expect, it } from "vitest";
import { LabSpec, parseLabConfig } from "../../components/config";
import * as r from "../../components/render";
import { embeddedScripts, shellcheck } from "../shellcheck";
import { loadStackConfig, stackNames } from "../stacks";

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
    add("director", r.renderDirector(s));
    add("ipvs", r.renderIpvsStep(s));
    for (const rs of s.realServers) {
        add(`${rs.name}.lvs`, r.renderRealServer(s, rs));
        add(`${rs.name}.nginx`, r.renderNginx(s, rs));
    }
    for (const t of s.tomcats) add(t.name, r.renderTomcat(t));
    if (s.nfs) add(s.nfs.name, r.renderNfsServer(s, s.nfs));
    add("client", r.renderClient(s));
    add("verify", r.renderVerification(s, 10));
    for (const h of [s.director, s.client]) {
        out[`${h.name}.ssh-wait`] = r.renderSshWait(h.ip, `/var/log/libvirt/qemu/${h.name}-console.log`);
        out[`${h.name}.cloud-init`] = r.renderCloudInitWait(h).create;
    }
    return out;
}

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

describe("IPVS rules", () => {
    it("one service and a route entry per real server in DR", () => {
        expect(r.renderIpvsRules(spec("default"))).toBe(
            ["-A -t 192.168.168.100:80 -s rr", "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1", "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 1", ""].join("\n"),
        );
    });

    it("carries the scheduler, weights, persistence and protocol", () => {
        const s = spec("tun", (raw) => {
            raw.service.persistence = 60;
            raw.service.protocol = "udp";
            raw.realServers[0].weight = 3;
        });
        expect(r.renderIpvsRules(s)).toBe(
            ["-A -u 172.25.8.100:80 -s wrr -p 60", "-a -u 172.25.8.100:80 -r 172.25.8.3:80 -i -w 3", "-a -u 172.25.8.100:80 -r 172.25.8.4:80 -i -w 1", ""].join("\n"),
        );
    });

    it("NAT masquerades and may remap the port; several ports make several services", () => {
        const nat = spec("nat", (raw) => (raw.realServers[1].port = 8080));
        expect(r.renderIpvsRules(nat)).toContain("-a -t 172.25.7.100:80 -r 172.25.7.4:8080 -m -w 1");
        const multi = spec("default", (raw) => (raw.service.ports = [80, 443]));
        expect(r.renderIpvsRules(multi).match(/^-A /gm)).toHaveLength(2);
    });

    it("renders the same bytes for the same spec", () => {
        expect(r.renderIpvsStep(spec("dr-tomcat"))).toEqual(r.renderIpvsStep(spec("dr-tomcat")));
    });
});

describe("reconciler (lvs-lab-ipvs-apply) against a recording ipvsadm", () => {
    const dir = mkdtempSync(join(tmpdir(), "lvs-lab-ipvs-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // A stand-in ipvsadm: -Sn prints the table file; other calls are recorded. Unit tests only.
    writeFileSync(join(dir, "ipvsadm"), '#!/usr/bin/env bash\nif [[ $1 == -Sn ]]; then cat "$TABLE"; else echo "$*" >>"$CALLS"; fi\n');
    writeFileSync(join(dir, "modprobe"), "#!/usr/bin/env bash\nexit 0\n");
    chmodSync(join(dir, "ipvsadm"), 0o755);
    chmodSync(join(dir, "modprobe"), 0o755);
    writeFileSync(join(dir, "apply"), r.IPVS_APPLY_SCRIPT);

    /** Applies `rules` to a kernel whose table is `table`; returns the ipvsadm calls made. */
    function apply(table: string, rules: string): string[] {
        writeFileSync(join(dir, "table"), table);
        writeFileSync(join(dir, "rules"), rules);
        writeFileSync(join(dir, "calls"), "");
        execFileSync("bash", [join(dir, "apply"), join(dir, "rules")], {
            env: { PATH: `${dir}:/usr/bin:/bin`, TABLE: join(dir, "table"), CALLS: join(dir, "calls") },
        });
        return readFileSync(join(dir, "calls"), "utf8").split("\n").filter(Boolean);
    }
    const rules = r.renderIpvsRules(spec("dr-tomcat"));

    it("builds an empty table from scratch", () => {
        expect(apply("", rules)).toEqual([
            "-A -t 192.168.168.100:80 -s wrr",
            "-a -t 192.168.168.100:80 -r 192.168.168.10:80 -g -w 1",
            "-a -t 192.168.168.100:80 -r 192.168.168.20:80 -g -w 1",
        ].sort().sort((a, b) => (a.startsWith("-A") ? -1 : b.startsWith("-A") ? 1 : 0)));
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

describe("client verification", () => {
    it("parses the probe output per probe", () => {
        expect(r.parseVerification("# probe http://v/\nnginx1 5\nnginx2 5\n# probe http://v/index.jsp\ntomcat1 7\ntomcat2 3\n")).toEqual([
            { nginx1: 5, nginx2: 5 },
            { tomcat1: 7, tomcat2: 3 },
        ]);
    });
});

describe("every rendered script", () => {
    it.each(stackNames())("%s: starts in strict mode, parses, and passes shellcheck", (name) => {
        const scripts = allScripts(spec(name));
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
