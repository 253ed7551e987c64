import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostSpec } from "../../components/config";
import * as r from "../../components/render";
import { loadStackConfig } from "../stacks";
import { ok } from "./harness";
import { ProgramLab, clientSplit, tally, upProgramLab } from "./vmLab";

/** Counts of "<real server> <backend>" for `n` requests for `path` through the VIP, from the client. */
async function pairs(lab: ProgramLab, path: string, n: number): Promise<Record<string, number>> {
    const { spec, guests } = lab;
    const headers = `tr -d '\\r' | awk -F': ' 'tolower($1) == tolower("${r.REAL_SERVER_HEADER}") { rs = $2 } tolower($1) == tolower("${r.BACKEND_HEADER}") { be = $2 } END { print rs, (be == "" ? "-" : be) }'`;
    const loop = `for _ in $(seq ${n}); do curl -sS -m 5 -o /dev/null -D - http://${spec.service.vip}:${spec.service.ports[0]}${path} | ${headers}; done`;
    return tally(ok(await guests.sh(spec.client, loop), `requests for ${path} through the VIP`).stdout);
}

/** Which `pulumi up` steps changed what, from its summary line ("~ 2 updated"). */
const updated = (stdout: string) => /~ (\d+) updated/.exec(stdout)?.[1];

/**
 * Topology A through the real program: LVS-DR across two nginx real servers, which proxy `.jsp`
 * to two tomcats weighted 2:1. One nginx worker (one vCPU) runs nginx's smooth weighted
 * round-robin, so any 3 picks in a row hold 2 of tomcat1 and 1 of tomcat2.
 */
describe("LVS-DR with nginx in front of tomcat, through `pulumi up` of the program", () => {
    let lab: ProgramLab;
    beforeAll(async () => {
        lab = await upProgramLab("vmtomcat", loadStackConfig("dr-tomcat"));
    });
    afterAll(async () => lab?.teardown());

    it("static pages come from nginx, balanced by LVS; .jsp goes on to tomcat, split per the upstream weights on every nginx", async () => {
        const { outputs } = lab;
        expect(outputs.verification.realServers).toEqual({ nginx1: 10, nginx2: 10 });
        expect(Object.keys(outputs.verification.tomcats).sort()).toEqual(["tomcat1", "tomcat2"]);
        expect(await pairs(lab, "/", 20)).toEqual({ "nginx1 -": 10, "nginx2 -": 10 });
        // 60 requests: LVS gives each nginx 30, and each nginx's upstream gives 20 to weight 2 and 10 to weight 1.
        expect(await pairs(lab, "/index.jsp", 60)).toEqual({ "nginx1 tomcat1": 20, "nginx1 tomcat2": 10, "nginx2 tomcat1": 20, "nginx2 tomcat2": 10 });
    });

    it("a tomcat weight changed in the stack reaches every nginx's upstream through `pulumi up`", async () => {
        ok(await lab.pulumi(["config", "set", "--path", "tomcats[1].weight", "2"]), "config set tomcats[1].weight");
        const up = ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up with tomcat2 at weight 2");
        // Only the two nginx steps hold the upstream.
        expect(updated(up.stdout)).toBe("2");
        expect(await pairs(lab, "/index.jsp", 60)).toEqual({ "nginx1 tomcat1": 15, "nginx1 tomcat2": 15, "nginx2 tomcat1": 15, "nginx2 tomcat2": 15 });
    });
});

/**
 * Topology B through the real program: LVS-DR where each web server mounts its web root from
 * the NFS server, so what the NFS server holds is what every real server serves.
 */
describe("LVS-DR with NFS web roots, through `pulumi up` of the program", () => {
    let lab: ProgramLab;
    const sh = async (host: HostSpec, cmd: string) => ok(await lab.guests.sh(host, cmd, 120_000), `${host.name}: ${cmd}`).stdout;
    beforeAll(async () => {
        lab = await upProgramLab("vmnfs", loadStackConfig("dr-nfs"));
    });
    afterAll(async () => lab?.teardown());

    it("each web root is the NFS mount of its export, which the NFS server keeps root-owned and scoped to the lab's subnet", async () => {
        const { spec, outputs } = lab;
        const nfs = spec.nfs!;
        expect(outputs.verification).toEqual({ realServers: { web1: 10, web2: 10 } });
        for (const s of spec.realServers) {
            expect(await sh(s, `findmnt -n -o SOURCE,FSTYPE ${r.WEB_ROOT}`)).toMatch(new RegExp(`^${nfs.ip}:${s.nfsExport}\\s+nfs4?\\n$`));
            // Straight from the real server, the page is the export's file (the verification covered the VIP).
            const page = await sh(nfs, `cat ${s.nfsExport}/index.html`);
            expect(page).toBe(`${r.exportPage(nfs, s.nfsExport!)}\n`);
            expect(await sh(spec.client, `curl -sS -m 5 http://${s.ip}/`)).toBe(page);
        }
        expect(await sh(nfs, `stat -c '%U:%G %a %n' ${nfs.exports.join(" ")}`)).toBe(nfs.exports.map((p) => `root:root 755 ${p}\n`).join(""));
        const exported = await sh(nfs, "exportfs -v");
        for (const p of nfs.exports) expect(exported).toMatch(new RegExp(`${p}\\s+${spec.network.cidr.replace(/\./g, "\\.")}\\(`));
    });

    it("with one export on every real server (set through `pulumi up`), a file written on the NFS server is served byte-identical by each of them", async () => {
        const { spec } = lab;
        const nfs = spec.nfs!;
        const [web1, web2] = spec.realServers;
        ok(await lab.pulumi(["config", "set", "--path", "realServers[1].nfsExport", web1.nfsExport!]), "config set realServers[1].nfsExport");
        const up = ok(await lab.pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000), "pulumi up with one export");
        expect(updated(up.stdout)).toBe("1");
        expect(await sh(web2, `findmnt -n -o SOURCE ${r.WEB_ROOT}`)).toBe(`${nfs.ip}:${web1.nfsExport}\n`);
        const file = `${web1.nfsExport}/shared.txt`;
        const written = (await sh(nfs, `head -c 49152 /dev/urandom | base64 >${file} && sha256sum <${file}`)).trim();
        for (const s of [web1, web2]) expect((await sh(spec.client, `curl -sS -m 5 http://${s.ip}/shared.txt | sha256sum`)).trim()).toBe(written);
        // Through the VIP: both real servers answer, each with the same bytes.
        const viaVip = await sh(spec.client, `for _ in $(seq 10); do curl -sS -m 5 -D /tmp/h -o /tmp/b http://${spec.service.vip}/shared.txt; echo "$(tr -d '\\r' </tmp/h | awk -F': ' 'tolower($1) == tolower("${r.REAL_SERVER_HEADER}") { print $2 }') $(sha256sum </tmp/b)"; done`);
        expect(tally(viaVip)).toEqual({ [`web1 ${written}`]: 5, [`web2 ${written}`]: 5 });
        await sh(nfs, `rm -f ${file}`);
        expect(await clientSplit(lab, 10)).toEqual({ web1: 5, web2: 5 });
    });
});
