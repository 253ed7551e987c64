import { DirectorSpec, directors, HostSpec, LabSpec, Mode, RealServerSpec } from "../config";
import { edge, flowchart, node, nodeId } from "./mermaid";

/** How the diagram names each role. */
const ROLE_NAMES: Record<HostSpec["role"], string> = {
    director: "director",
    realServer: "real server",
    tomcat: "tomcat",
    nfs: "NFS server",
    client: "client",
};

/** How each forwarding method is usually written. */
const MODE_NAMES: Record<Mode, string> = { dr: "LVS-DR", nat: "LVS-NAT", tun: "LVS-TUN" };

/** Id of the VIP's node; `nodeId` always inserts `_`, so no host id can equal it. */
export const VIP_NODE = "vip";

/**
 * Id of a machine's node.
 * @param host the machine.
 */
export function hostNode(host: HostSpec): string {
    return nodeId("vm", host.name);
}

/**
 * Id of the node where replies reach the client. The client is drawn twice, sending on the left
 * and receiving on the right, so the request path reads left to right and the graph stays
 * acyclic (a layered layout otherwise breaks the cycle at an arbitrary edge).
 * @param spec the lab.
 */
export function repliesNode(spec: LabSpec): string {
    return nodeId("replies", spec.client.name);
}

/**
 * The first label lines of every machine: name and role, then its address.
 * @param host the machine.
 * @param address the address to show; a NAT real server's remapped port goes here.
 */
function hostLines(host: HostSpec, address = host.ip): string[] {
    return [`${host.name} · ${ROLE_NAMES[host.role]}`, address, ...(host.ip6 ? [host.ip6] : [])];
}

/**
 * Where a real server holds the VIP, or for NAT, where its replies go instead.
 * @param spec the lab; its mode decides.
 * @param rs the real server.
 */
function realServerVip(spec: LabSpec, rs: RealServerSpec): string {
    switch (spec.service.mode) {
        case "dr":
            return spec.service.vip6 ? "VIP on lo:0 /32, IPv6 VIP on lo /128" : "VIP on lo:0 /32";
        case "tun":
            return "VIP on tunl0 /32";
        case "nat":
            return `no VIP; gateway ${rs.gateway}`;
    }
}

/**
 * What the director does to a request for one real server.
 * @param spec the lab; its mode decides.
 * @param rs the real server the request goes to.
 */
function forwarding(spec: LabSpec, rs: RealServerSpec): string {
    switch (spec.service.mode) {
        case "dr":
            return `MAC rewrite, weight ${rs.weight}`;
        case "tun":
            return `IPIP to ${rs.ip}, weight ${rs.weight}`;
        case "nat":
            return `DNAT to ${rs.ip}:${rs.port}, weight ${rs.weight}`;
    }
}

/**
 * The real server's address as shown: with the port when NAT remaps it.
 * @param spec the lab.
 * @param rs the real server.
 */
function realServerAddress(spec: LabSpec, rs: RealServerSpec): string {
    return spec.service.ports.includes(rs.port) ? rs.ip : `${rs.ip}:${rs.port}`;
}

/**
 * A director's label: where it holds the VIP, its VRRP priority with HA, and the IPVS service.
 * @param spec the lab.
 * @param director one of `directors(spec)`.
 */
function directorLines(spec: LabSpec, director: DirectorSpec): string[] {
    const { service } = spec;
    const ipvs = `IPVS ${service.scheduler} · ${MODE_NAMES[service.mode]}`;
    if (!spec.ha) return [...hostLines(director), `VIP on ${director.nic}:0`, ipvs];
    const gateway = spec.ha.natGateway ? [`gateway ${spec.ha.natGateway.ip} on ${director.nic}:1 while VRRP master`] : [];
    return [...hostLines(director), `VIP on ${director.nic}:0 while VRRP master`, ...gateway, `VRRP priority ${director.priority}`, ipvs];
}

/** The TCP service ports, `(tls)` after those nginx serves over TLS, and the firewall mark that makes them one service. */
function tcpLine(service: LabSpec["service"]): string {
    const ports = service.ports.map((p) => (service.tlsPorts.includes(p) ? `${p}(tls)` : `${p}`)).join(",");
    return `${service.protocol}/${ports}${service.firewallMark !== undefined ? ` fwmark ${service.firewallMark}` : ""}`;
}

/**
 * Every machine's node, the VIP's node and the client's replies node, in request-path order.
 * @param spec the lab.
 */
function nodes(spec: LabSpec): string[] {
    const { service, client } = spec;
    const persistence = service.persistence > 0 ? [`persistence ${service.persistence} s`] : [];
    const udp = service.udpPorts.length ? [`udp/${service.udpPorts.join(",")}${service.ops ? " one-packet" : ""}`] : [];
    return [
        node(hostNode(client), hostLines(client)),
        node(VIP_NODE, [`VIP ${service.vip}`, ...(service.vip6 ? [`VIP ${service.vip6}`] : []), tcpLine(service), ...udp, ...persistence], "stadium"),
        ...directors(spec).map((d) => node(hostNode(d), directorLines(spec, d))),
        ...spec.realServers.map((rs) => node(hostNode(rs), [...hostLines(rs, realServerAddress(spec, rs)), realServerVip(spec, rs)])),
        ...spec.tomcats.map((t) => node(hostNode(t), hostLines(t, `${t.ip}:${t.port}`))),
        ...(spec.nfs ? [node(hostNode(spec.nfs), [...hostLines(spec.nfs), `exports ${spec.nfs.exports.join(", ")}`])] : []),
        node(repliesNode(spec), [...hostLines(client), "receives the replies"]),
    ];
}

/**
 * Where the VIP lives: on the director, or with HA on the VRRP master, which the first director
 * is meant to be; the directors advertise to each other over unicast VRRP.
 * @param spec the lab.
 */
function vipEdges(spec: LabSpec): string[] {
    const [first, ...peers] = directors(spec);
    if (!spec.ha) return [edge(VIP_NODE, hostNode(first))];
    const { virtualRouterId, natGateway, syncConnections } = spec.ha;
    const routerIds = natGateway ? `router ids ${virtualRouterId} (VIP), ${natGateway.virtualRouterId} (gateway)` : `router id ${virtualRouterId}`;
    const vrrp = [`VRRP unicast, ${routerIds}`, ...(syncConnections ? ["connection sync"] : [])].join(", ");
    return [
        edge(VIP_NODE, hostNode(first), "VRRP master"),
        ...peers.flatMap((p) => [edge(VIP_NODE, hostNode(p), "on failover"), edge(hostNode(first), hostNode(p), vrrp, "both")]),
    ];
}

/**
 * The request path: client → VIP → director → real servers → tomcats and NFS.
 * @param spec the lab.
 */
function requestEdges(spec: LabSpec): string[] {
    const director = hostNode(spec.director);
    return [
        edge(hostNode(spec.client), VIP_NODE, "request"),
        ...vipEdges(spec),
        ...spec.realServers.map((rs) => edge(director, hostNode(rs), forwarding(spec, rs))),
        ...spec.realServers.flatMap((rs) => spec.tomcats.map((t) => edge(hostNode(rs), hostNode(t), `.jsp, weight ${t.weight}`))),
        ...spec.realServers.flatMap((rs) => (spec.nfs && rs.nfsExport ? [edge(hostNode(rs), hostNode(spec.nfs), `web root ${rs.nfsExport}`)] : [])),
    ];
}

/**
 * Where replies flow, dashed: DR and TUN answer the client straight from the VIP; NAT answers go
 * back through the director (the real servers' gateway), which rewrites the source to the VIP.
 * @param spec the lab.
 */
function replyEdges(spec: LabSpec): string[] {
    const replies = repliesNode(spec);
    if (spec.service.mode !== "nat") {
        return spec.realServers.map((rs) => edge(hostNode(rs), replies, "reply from the VIP, bypasses the director", "dashed"));
    }
    const director = hostNode(spec.director);
    return [
        ...spec.realServers.map((rs) => edge(hostNode(rs), director, `reply via gateway ${rs.gateway}`, "dashed")),
        edge(director, replies, "reply, source rewritten to the VIP", "dashed"),
    ];
}

/**
 * The lab's topology as Mermaid flowchart source: every machine with its address and role, the
 * VIP and where it lives, the mode and scheduler, the request path and where replies flow.
 * Pure: the same spec always gives the same text.
 * @param spec the validated lab.
 * @param comments `%%` lines to put first, such as where the diagram was generated from.
 */
export function topologyDiagram(spec: LabSpec, comments: readonly string[] = []): string {
    const { service, network } = spec;
    const summary = `${MODE_NAMES[service.mode]}, scheduler ${service.scheduler}, network ${network.bridge} ${network.cidr}`;
    return flowchart([...comments, summary], nodes(spec), [...requestEdges(spec), ...replyEdges(spec)]);
}
