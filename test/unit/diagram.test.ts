import fc from "fast-check";
import { existsSync, readFileSync } from "fs";
import { join, relative } from "path";
import { beforeEach, describe, expect, it } from "vitest";
import { allHosts, directors, LabSpec, parseLabConfig } from "../../components/config";
import { hostNode, nodeId, repliesNode, topologyDiagram, VIP_NODE } from "../../components/diagram";
import { generatedFiles } from "../../tools/diagrams";
import { loadStackConfig, stackNames } from "../stacks";

const REPO = join(__dirname, "..", "..");

function specOf(stack: string): LabSpec {
    return parseLabConfig(loadStackConfig(stack));
}

/** The diagram's lines without indentation. */
function linesOf(diagram: string): string[] {
    return diagram.split("\n").map((l) => l.trim());
}

/** Edge lines from one node to another (any label), with the given arrow. */
function edges(diagram: string, from: string, arrow: string, to: string): string[] {
    return linesOf(diagram).filter((l) => l.startsWith(`${from} ${arrow}`) && l.endsWith(` ${to}`));
}

/** A node's declaration line. */
function nodeLine(diagram: string, id: string): string {
    const line = linesOf(diagram).find((l) => l.startsWith(`${id}[`) || l.startsWith(`${id}(`));
    if (!line) throw new Error(`no node ${id} in\n${diagram}`);
    return line;
}

/** Rendering the SVGs takes seconds: once for the whole file. */
let generated: ReturnType<typeof generatedFiles> | undefined;
const generatedOnce = () => (generated ??= generatedFiles());

it("the committed diagrams (stacks/<stack>.mmd and .svg, README's block) are what the renderer gives now", async () => {
    const files = await generatedOnce();
    expect(files.size).toBe(2 * stackNames().length + 1);
    const stale = [...files]
        .filter(([path, content]) => !existsSync(path) || readFileSync(path, "utf8") !== content)
        .map(([path]) => relative(REPO, path));
    expect(stale, "stale diagrams: run `npm run diagrams` and commit the result").toEqual([]);
});

it("the SVGs fetch nothing (no web fonts, no external references)", async () => {
    for (const [path, content] of await generatedOnce()) {
        if (!path.endsWith(".svg")) continue;
        expect(content.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), path).toBe(true);
        expect(content, path).not.toMatch(/@import|https:/);
    }
});

describe.each(stackNames())("the %s stack's diagram", (stack) => {
    // Drawn in each test, not at collection time: StrykerJS switches a mutant on just before the
    // tests run, so a diagram drawn here would never see it.
    let spec: LabSpec, diagram: string, vip: string, mode: LabSpec["service"]["mode"], scheduler: string, replies: string;
    beforeEach(() => {
        spec = specOf(stack);
        diagram = topologyDiagram(spec);
        ({ vip, mode, scheduler } = spec.service);
        replies = repliesNode(spec);
    });

    it("shows every machine with its address and role, the VIP, the mode and the scheduler", () => {
        for (const host of allHosts(spec)) {
            // A dual-stack lab's IPv6 address on the line after the IPv4 one.
            expect(nodeLine(diagram, hostNode(host))).toContain(host.ip6 ? `${host.ip}<br/>${host.ip6}` : host.ip);
        }
        expect(nodeLine(diagram, replies)).toContain(spec.client.ip);
        const vip6 = spec.service.vip6 ? `<br/>VIP ${spec.service.vip6}` : "";
        expect(nodeLine(diagram, VIP_NODE)).toContain(`VIP ${vip}${vip6}<br/>tcp/${spec.service.ports.join(",")}`);
        // The UDP services, from the tun stack (one-packet) and the ha stack, and none elsewhere.
        const udp = ({ tun: "<br/>udp/5300 one-packet", ha: "<br/>udp/5300" } as Record<string, string>)[stack];
        if (udp) expect(nodeLine(diagram, VIP_NODE)).toContain(`/80${udp}`);
        else expect(nodeLine(diagram, VIP_NODE)).not.toContain("udp/");
        expect(nodeLine(diagram, VIP_NODE)).not.toContain("fwmark");
        // A mark, and the TLS ports, as a stack would set them.
        const marked = specOf(stack);
        if (marked.service.mode !== "nat") {
            const s = { ...marked, service: { ...marked.service, ports: [80, 443], tlsPorts: [443], firewallMark: 3 } };
            expect(nodeLine(topologyDiagram(s), VIP_NODE)).toContain("<br/>tcp/80,443(tls) fwmark 3");
        }
        for (const d of directors(spec)) {
            expect(nodeLine(diagram, hostNode(d))).toContain(`${d.name} · director<br/>${d.ip}<br/>${d.ip6 ? `${d.ip6}<br/>` : ""}VIP on ${d.nic}:0`);
            expect(nodeLine(diagram, hostNode(d))).toContain(`IPVS ${scheduler} · LVS-${mode.toUpperCase()}`);
        }
        for (const rs of spec.realServers) expect(nodeLine(diagram, hostNode(rs))).toContain(`${rs.name} · real server`);
    });

    it("shows where real servers hold the VIP: lo:0 in DR, tunl0 in TUN, nowhere in NAT", () => {
        const where = { dr: "VIP on lo:0 /32", tun: "VIP on tunl0 /32", nat: `no VIP; gateway ${spec.realServers[0].gateway}` }[mode];
        for (const rs of spec.realServers) expect(nodeLine(diagram, hostNode(rs))).toContain(where);
    });

    it("draws the request path client → VIP → director → every real server (→ tomcats, NFS)", () => {
        const [first] = directors(spec);
        expect(edges(diagram, hostNode(spec.client), "-->", VIP_NODE)).toHaveLength(1);
        expect(edges(diagram, VIP_NODE, "-->", hostNode(first))).toHaveLength(1);
        for (const rs of spec.realServers) {
            expect(edges(diagram, hostNode(first), "-->", hostNode(rs))).toEqual([expect.stringContaining(`weight ${rs.weight}`)]);
            for (const t of spec.tomcats) expect(edges(diagram, hostNode(rs), "-->", hostNode(t))).toHaveLength(1);
            if (spec.nfs && rs.nfsExport) {
                expect(edges(diagram, hostNode(rs), "-->", hostNode(spec.nfs))).toEqual([expect.stringContaining(rs.nfsExport)]);
            }
        }
    });

    it("draws replies dashed: straight to the client in DR and TUN, back through the director in NAT", () => {
        const [first] = directors(spec);
        for (const rs of spec.realServers) {
            expect(edges(diagram, hostNode(rs), "-.->", replies)).toHaveLength(mode === "nat" ? 0 : 1);
            expect(edges(diagram, hostNode(rs), "-.->", hostNode(first))).toHaveLength(mode === "nat" ? 1 : 0);
        }
        expect(edges(diagram, hostNode(first), "-.->", replies)).toHaveLength(mode === "nat" ? 1 : 0);
    });

    it("with HA, draws every director, the VIP's failover, VRRP between the directors and NAT's floating gateway", () => {
        const [first, ...peers] = directors(spec);
        expect(peers.length > 0).toBe(spec.ha !== undefined);
        for (const p of peers) {
            expect(edges(diagram, VIP_NODE, "-->", hostNode(p))).toEqual([expect.stringContaining("on failover")]);
            const { virtualRouterId, natGateway } = spec.ha!;
            const ids = natGateway ? `router ids ${virtualRouterId} (VIP), ${natGateway.virtualRouterId} (gateway)` : `router id ${virtualRouterId}`;
            expect(edges(diagram, hostNode(first), "<-->", hostNode(p))).toEqual([expect.stringContaining(`VRRP unicast, ${ids}`)]);
            expect(nodeLine(diagram, hostNode(p))).toContain(`VRRP priority ${p.priority}`);
        }
        // NAT's floating gateway moves with the VIP: every director holds it while master, on <nic>:1.
        const natGateway = spec.ha?.natGateway;
        for (const d of directors(spec)) {
            if (natGateway) expect(nodeLine(diagram, hostNode(d))).toContain(`VIP on ${d.nic}:0 while VRRP master<br/>gateway ${natGateway.ip} on ${d.nic}:1 while VRRP master<br/>VRRP priority ${d.priority}`);
            else expect(nodeLine(diagram, hostNode(d))).not.toContain("gateway");
        }
    });
});

describe("what the config adds to the diagram", () => {
    const edited = (stack: string, edit: (raw: any) => void) => {
        const raw = structuredClone(loadStackConfig(stack)) as any;
        edit(raw);
        return parseLabConfig(raw);
    };

    it("NAT: a real server whose port is remapped shows it after its address; the others show the address alone", () => {
        const spec = edited("nat", (raw) => (raw.realServers[1].port = 8080));
        const diagram = topologyDiagram(spec);
        const [rs1, rs2] = spec.realServers;
        expect(nodeLine(diagram, hostNode(rs1))).toContain(`<br/>${rs1.ip}<br/>`);
        expect(nodeLine(diagram, hostNode(rs2))).toContain(`<br/>${rs2.ip}:8080<br/>`);
    });

    it("persistence: the VIP shows its timeout, and nothing without one", () => {
        expect(nodeLine(topologyDiagram(edited("default", (raw) => (raw.service.persistence = 300))), VIP_NODE)).toContain("<br/>persistence 300 s");
        expect(nodeLine(topologyDiagram(specOf("default")), VIP_NODE)).not.toContain("persistence");
    });

    it("HA: the VRRP edge names connection sync only while it is on", () => {
        const vrrpEdge = (spec: LabSpec) => edges(topologyDiagram(spec), hostNode(spec.director), "<-->", hostNode(spec.ha!.peers[0]))[0];
        expect(vrrpEdge(specOf("ha"))).toContain("VRRP unicast, router id 51, connection sync");
        expect(vrrpEdge(edited("ha", (raw) => (raw.ha.syncConnections = false)))).not.toContain("connection sync");
    });

    it("NFS: an edge to the NFS server only from a real server that mounts an export", () => {
        const spec = edited("dr-nfs", (raw) => delete raw.realServers[1].nfsExport);
        const diagram = topologyDiagram(spec);
        const [web1, web2] = spec.realServers;
        expect(edges(diagram, hostNode(web1), "-->", hostNode(spec.nfs!))).toHaveLength(1);
        expect(edges(diagram, hostNode(web2), "-->", hostNode(spec.nfs!))).toEqual([]);
    });

    it("no comments unless given: the summary is the only comment", () => {
        const spec = specOf("default");
        const comments = linesOf(topologyDiagram(spec)).filter((l) => l.startsWith("%%"));
        expect(comments).toEqual([`%% LVS-DR, scheduler rr, network ${spec.network.bridge} ${spec.network.cidr}`]);
        // A given comment comes first, as a `%%` line of its own.
        expect(linesOf(topologyDiagram(spec, ["from here"])).filter((l) => l.startsWith("%%"))).toEqual(["%% from here", comments[0]]);
    });
});

it("a weight change is one changed line of the diagram", () => {
    const spec = specOf("dr-tomcat");
    const reweighted: LabSpec = { ...spec, realServers: spec.realServers.map((rs, i) => (i === 1 ? { ...rs, weight: 3 } : rs)) };
    const before = linesOf(topologyDiagram(spec));
    const after = linesOf(topologyDiagram(reweighted));
    const changed = after.filter((line, i) => line !== before[i]);
    expect(after).toHaveLength(before.length);
    expect(changed).toEqual([`${hostNode(spec.director)} -->|"MAC rewrite, weight 3"| ${hostNode(spec.realServers[1])}`]);
});

it("node ids stay valid Mermaid for any host name, and apart by kind", () => {
    // Any names the config accepts: ids of word characters only, one per name.
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]([a-z0-9-]{0,29}[a-z0-9])?$/), { minLength: 1, maxLength: 8 }), (names) => {
        const ids = names.map((n) => nodeId("vm", n));
        for (const id of ids) expect(id).toMatch(/^vm_[a-z0-9_]+$/);
        expect(new Set(ids).size).toBe(ids.length);
    }));
    expect(nodeId("vm", "web-1")).toBe("vm_web_1");
    expect(nodeId("vm", "web-1")).not.toBe(nodeId("vm", "web1"));
    expect(nodeId("vm", "end")).toBe("vm_end");
    expect(nodeId("replies", "client")).not.toBe(nodeId("vm", "client"));
    expect(topologyDiagram(specOf("default"), ["from a test"]).split("\n").slice(0, 3)).toEqual([
        "%% from a test",
        "%% LVS-DR, scheduler rr, network lvs-default 192.168.168.0/24",
        "flowchart LR",
    ]);
});
