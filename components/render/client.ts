import { LabSpec, directors } from "../config";
import { REAL_SERVER_HEADER } from "./nginx";
import { BACKEND_HEADER } from "./tomcat";
import { HostScript, PACKAGES, heredoc, install, installBootStep, ipv6AddressLines, nothingToUndo, removeBootStep, script } from "./shell";
import { UDP_ASK_SCRIPT } from "./udp";

/** The client's boot step, in a dual-stack lab: its IPv6 address. */
export const CLIENT_BOOT_STEP = "lvs-lab-client";

/**
 * The client's tools: curl, and python3 for the UDP probe; in a dual-stack lab its IPv6 address,
 * now and at every boot (an IPv4-only lab takes it off).
 */
export function renderClient(spec: LabSpec): HostScript {
    const { client } = spec;
    const { ipv6 } = spec.network;
    const address = ipv6 && client.ip6
        ? installBootStep({ name: CLIENT_BOOT_STEP, description: `lvs-lab: client address ${client.ip6}`, up: ipv6AddressLines(client.nic, [`${client.ip6}/${ipv6.prefix}`]) })
        : [...removeBootStep(CLIENT_BOOT_STEP), ...ipv6AddressLines(client.nic, [])];
    return {
        create: script(`client ${client.name}`, [...install(PACKAGES.curl, ...(spec.service.udpPorts.length ? [PACKAGES.python3] : [])), ...address]),
        delete: script(`undo client ${client.name}`, [...removeBootStep(CLIENT_BOOT_STEP), ...ipv6AddressLines(client.nic, [])]),
    };
}

/** The prefix of a UDP probe's target in the verification's output. */
const UDP_TARGET = "udp://";

/** Lines that count the lines of a loop's output: "<name> <count>" each. */
const COUNT_ANSWERS = "sort | uniq -c | awk '{ print $2, $1 }'";

/** The URL of `path` on the VIP's first port: the IPv4 VIP, or with `ipv6` the IPv6 one (in brackets). */
function vipUrl(spec: LabSpec, path: string, ipv6 = false): string {
    const host = ipv6 ? `[${spec.service.vip6}]` : spec.service.vip;
    return `http://${host}:${spec.service.ports[0]}${path}`;
}

/**
 * The line that asks the VIP once and sets `name` to the server that answered (from `header`),
 * or to '' when the request failed.
 * @param timeout seconds the request may take.
 */
function askVip(spec: LabSpec, path: string, header: string, timeout: number, ipv6 = false, onFailure = "''"): string {
    // Quoted, and -g: the brackets of an IPv6 URL are neither a shell glob nor a curl one.
    return `name=$(curl -sS${ipv6 ? " -g" : ""} -m ${timeout} -o /dev/null -D - '${vipUrl(spec, path, ipv6)}' | tr -d '\\r' | awk -F': ' 'tolower($1) == tolower("${header}") { print $2 }') || name=${onFailure}`;
}

/**
 * Lines that count which server answers N requests for `path` on the VIP's first port: they print
 * "<name> <count>" lines, with "error" for requests that failed. Bounded: 3 s per request.
 * @param header the response header that names the server.
 * @param ipv6 ask the IPv6 VIP (a dual-stack lab's).
 */
export function probeLines(spec: LabSpec, requests: number, path: string, header: string, ipv6 = false): string[] {
    return [
        `echo '# probe ${vipUrl(spec, path, ipv6)}'`,
        `for _ in $(seq ${requests}); do`,
        `    ${askVip(spec, path, header, 3, ipv6)}`,
        '    echo "${name:-error}"',
        `done | ${COUNT_ANSWERS}`,
    ];
}

/**
 * Lines that count which real server answers N datagrams to the VIP's first UDP port, printed
 * as probeLines prints them. Bounded: 3 s per datagram.
 * @param sockets `new`: a socket per datagram, so IPVS schedules each anew; `one`: one socket
 *   for all, whose datagrams only one-packet scheduling (`service.ops`) spreads.
 */
export function udpProbeLines(spec: LabSpec, requests: number, sockets: "new" | "one"): string[] {
    const [port] = spec.service.udpPorts;
    if (port === undefined) throw new Error("udpProbeLines needs a port in service.udpPorts");
    return [
        `echo '# probe ${UDP_TARGET}${spec.service.vip}:${port} (${sockets === "new" ? "a socket per datagram" : "one socket"})'`,
        udpAsk(spec.service.vip, port, requests, sockets, `| ${COUNT_ANSWERS}`),
    ];
}

/**
 * Lines that send N datagrams to an address and port and print who answered each (a name, or
 * "error" after 3 s without a reply from that address).
 * @param sockets as `udpProbeLines`.
 * @param pipe what the output goes through, e.g. "| sort"; "" for none.
 */
export function udpAsk(address: string, port: number, requests: number, sockets: "new" | "one", pipe = ""): string {
    return heredoc(`python3 - ${address} ${port} ${requests} ${sockets}`, UDP_ASK_SCRIPT, "the UDP probe", pipe);
}

/** Options of a request loop. */
export interface RequestLoopOptions {
    /** Pause between requests, in seconds. */
    gapSeconds?: number;
    /** A file on the client the loop also appends each line to, so a watcher can read it while the loop runs. */
    logFile?: string;
    /** A file on the client whose appearance ends the loop early; the loop removes it when it ends. */
    stopFile?: string;
}

/**
 * A request loop through the VIP, the way fault tests watch a lab: one request every
 * `gapSeconds` (0.2) with a 1 s timeout, each printed as "<unix time in ms> <server|error[:curl's exit status]>".
 * @param seconds how long the loop runs at most (its bound).
 * @param options where the loop logs and what stops it.
 */
export function renderRequestLoop(spec: LabSpec, seconds: number, options: RequestLoopOptions = {}): string {
    const { gapSeconds = 0.2, logFile, stopFile } = options;
    return script(`request loop through ${vipUrl(spec, "/")} for at most ${seconds} s`, [
        ...(logFile ? [`: >${logFile}`] : []),
        `end=$((SECONDS + ${seconds}))`,
        `while ((SECONDS < end))${stopFile ? ` && [[ ! -e ${stopFile} ]]` : ""}; do`,
        "    at=$(date +%s%3N)",
        // A failure keeps curl's exit status (pipefail): 7 refused, 28 timed out, 56 reset.
        `    ${askVip(spec, "/", REAL_SERVER_HEADER, 1, false, '"error:$?"')}`,
        `    echo "$at \${name:-error}"${logFile ? ` | tee -a ${logFile}` : ""}`,
        `    sleep ${gapSeconds}`,
        "done",
        ...(stopFile ? [`rm -f ${stopFile}`] : []),
    ]);
}

/**
 * One request of a request loop: when it started (ms) and who answered (undefined: it failed);
 * for a failed request, curl's exit status when curl failed (none when the answer lacked the header).
 */
export interface LoopRequest {
    atMs: number;
    server?: string;
    curlExit?: number;
}

/** Parses a request loop's output. */
export function parseRequestLoop(stdout: string): LoopRequest[] {
    return stdout.split("\n").flatMap((line) => {
        const m = /^(\d+) (\S+)$/.exec(line.trim());
        if (!m) return [];
        const failed = /^error(?::(\d+))?$/.exec(m[2]);
        return [{ atMs: Number(m[1]), ...(!failed ? { server: m[2] } : failed[1] ? { curlExit: Number(failed[1]) } : {}) }];
    });
}

/**
 * What a request loop saw of a fault: the failed requests, and the outage, from the last answer
 * before the longest run of failures to the first answer after it (0 when nothing failed,
 * Infinity when the loop ended still failing).
 */
export function summariseRequestLoop(requests: LoopRequest[]): { requests: number; failed: number; outageSeconds: number } {
    let outageMs = 0;
    let lastAnswer: number | undefined;
    let failing = false;
    for (const r of requests) {
        if (r.server === undefined) {
            failing = true;
        } else {
            if (failing && lastAnswer !== undefined) outageMs = Math.max(outageMs, r.atMs - lastAnswer);
            failing = false;
            lastAnswer = r.atMs;
        }
    }
    if (failing) outageMs = Infinity;
    return { requests: requests.length, failed: requests.filter((r) => r.server === undefined).length, outageSeconds: outageMs / 1000 };
}

/**
 * The client's verification: the static page across real servers, with tomcats `.jsp` across
 * the backends, and with UDP ports the first one's answers across the real servers (a socket
 * per datagram). Read-only, so its delete does nothing. Its title names the servers it
 * expects, so a server added or removed re-runs it; a weight change does not.
 * @param requests how many requests each probe sends.
 */
export function renderVerification(spec: LabSpec, requests: number): HostScript {
    const lines = probeLines(spec, requests, "/", REAL_SERVER_HEADER);
    if (spec.tomcats.length) lines.push(...probeLines(spec, requests, "/index.jsp", BACKEND_HEADER));
    if (spec.service.udpPorts.length) lines.push(...udpProbeLines(spec, requests, "new"));
    if (spec.service.vip6) lines.push(...probeLines(spec, requests, "/", REAL_SERVER_HEADER, true));
    return {
        create: script(`verify the lab through the VIP (${[...spec.realServers, ...spec.tomcats].map((s) => s.name).join(", ")})`, lines),
        delete: nothingToUndo("verification"),
    };
}

/** One probe of the verification: what it asked, and the answers per server name. */
export interface Probe {
    /** The URL, or `udp://VIP:PORT`, as its `# probe` line names it. */
    target: string;
    answers: Record<string, number>;
}

/** Parses the verification output into its probes, in order. */
export function parseVerification(stdout: string): Probe[] {
    const probes: Probe[] = [];
    for (const line of stdout.split("\n")) {
        const probe = /^# probe (\S+)/.exec(line);
        if (probe) probes.push({ target: probe[1], answers: {} });
        const m = /^(\S+) (\d+)$/.exec(line.trim());
        if (m && probes.length) probes[probes.length - 1].answers[m[1]] = Number(m[2]);
    }
    return probes;
}

/** What the client's verification saw: answers per server name, by who answered. */
export interface Verification {
    /** Answers for the static page per real server; failed requests count as `error`. */
    realServers: Record<string, number>;
    /** Answers for the static page per director whose sorry server answered; only when one did. */
    sorryServers?: Record<string, number>;
    /** Answers for index.jsp per tomcat; only with tomcats. */
    tomcats?: Record<string, number>;
    /** Answers over UDP (the first of `service.udpPorts`) per real server; only with UDP ports. */
    udp?: Record<string, number>;
    /** Answers for the static page through the IPv6 VIP per server; only in a dual-stack lab. */
    ipv6?: Record<string, number>;
}

/**
 * The verification's output as answers per server. The sorry server names its director in the
 * header the real servers name themselves in, and a director's name is no other machine's.
 * @param stdout what the verification step printed; empty when an `up --target` left it out.
 */
export function verificationOf(spec: LabSpec, stdout: string): Verification {
    const probes = parseVerification(stdout);
    const ipv6Probe = (p: Probe) => p.target.startsWith("http://[");
    const [page = {}, tomcats] = probes.filter((p) => !p.target.startsWith(UDP_TARGET) && !ipv6Probe(p)).map((p) => p.answers);
    const udp = probes.find((p) => p.target.startsWith(UDP_TARGET))?.answers;
    const ipv6 = probes.find(ipv6Probe)?.answers;
    const director = new Set(directors(spec).map((d) => d.name));
    const answers = Object.entries(page);
    const sorryServers = Object.fromEntries(answers.filter(([name]) => director.has(name)));
    return {
        realServers: Object.fromEntries(answers.filter(([name]) => !director.has(name))),
        ...(Object.keys(sorryServers).length ? { sorryServers } : {}),
        ...(tomcats ? { tomcats } : {}),
        ...(udp ? { udp } : {}),
        ...(ipv6 ? { ipv6 } : {}),
    };
}
