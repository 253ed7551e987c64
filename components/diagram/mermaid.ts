/**
 * The little of Mermaid's flowchart syntax the topology diagram needs, as pure string builders.
 * Only the forms both GitHub's Mermaid and the SVG renderer (beautiful-mermaid) read are used.
 */

/** Node shapes: a box for a machine, a stadium for an address that is not a machine. */
export type NodeShape = "box" | "stadium";

/** Line styles: solid for requests, dashed for replies, both ways for peers talking to each other. */
export type EdgeStyle = "solid" | "dashed" | "both";

const ARROWS: Record<EdgeStyle, string> = { solid: "-->", dashed: "-.->", both: "<-->" };

/**
 * A node id Mermaid accepts from any lab name (names hold a-z, 0-9 and '-').
 * @param prefix what kind of node this is (`vm`, `replies`); keeps ids of different kinds apart,
 *   and keeps a host named like a Mermaid keyword (`end`) from being read as one.
 * @param name the host name, unique in the lab.
 */
export function nodeId(prefix: string, name: string): string {
    return `${prefix}_${name.replace(/-/g, "_")}`;
}

/**
 * A quoted label; lines are joined with `<br/>`, which both renderers break on.
 * @param lines the label's lines, in order; none may be empty.
 */
export function label(lines: readonly string[]): string {
    return `"${lines.map((l) => l.replace(/"/g, "#quot;")).join("<br/>")}"`;
}

/**
 * A node declaration line.
 * @param id from `nodeId` (or a fixed id such as `vip` that no `nodeId` can produce).
 * @param lines the label's lines.
 * @param shape `box` for machines, `stadium` for the VIP.
 */
export function node(id: string, lines: readonly string[], shape: NodeShape = "box"): string {
    return shape === "box" ? `${id}[${label(lines)}]` : `${id}([${label(lines)}])`;
}

/**
 * An edge line `from --> to`, with an optional label.
 * @param from source node id.
 * @param to target node id.
 * @param text the edge label; omitted when empty.
 * @param style `solid` draws `-->`, `dashed` draws `-.->` (replies), `both` draws `<-->`.
 */
export function edge(from: string, to: string, text = "", style: EdgeStyle = "solid"): string {
    const arrow = ARROWS[style];
    return text ? `${from} ${arrow}|${label([text])}| ${to}` : `${from} ${arrow} ${to}`;
}

/**
 * A whole left-to-right flowchart.
 * @param comments `%%` comment lines at the top (what the diagram is and where it comes from).
 * @param nodes node declaration lines, in the order the layout should prefer.
 * @param edges edge lines.
 */
export function flowchart(comments: readonly string[], nodes: readonly string[], edges: readonly string[]): string {
    return [...comments.map((c) => `%% ${c}`), "flowchart LR", ...[...nodes, ...edges].map((l) => `  ${l}`), ""].join("\n");
}
