import { LabSpec } from "../config";
import { REAL_SERVER_HEADER } from "./nginx";
import { BACKEND_HEADER } from "./tomcat";
import { HostScript, PACKAGES, install, nothingToUndo, script } from "./shell";

/** The client's tools: curl. Nothing else to undo. */
export function renderClient(spec: LabSpec): HostScript {
    return {
        create: script(`client ${spec.client.name}`, install(PACKAGES.curl)),
        delete: nothingToUndo(`client ${spec.client.name}`),
    };
}

/**
 * Lines that count which server answers N requests for `path` on the VIP's first port: they print
 * "<name> <count>" lines, with "error" for requests that failed. Bounded: 3 s per request.
 * @param header the response header that names the server.
 */
export function probeLines(spec: LabSpec, requests: number, path: string, header: string): string[] {
    const url = `http://${spec.service.vip}:${spec.service.ports[0]}${path}`;
    return [
        `echo '# probe ${url}'`,
        `for _ in $(seq ${requests}); do`,
        `    name=$(curl -sS -m 3 -o /dev/null -D - ${url} | tr -d '\\r' | awk -F': ' 'tolower($1) == tolower("${header}") { print $2 }') || name=''`,
        '    echo "${name:-error}"',
        "done | sort | uniq -c | awk '{ print $2, $1 }'",
    ];
}

/**
 * The client's verification: the static page across real servers and, with tomcats, `.jsp`
 * across the backends. Read-only, so its delete does nothing.
 * @param requests how many requests each probe sends.
 */
export function renderVerification(spec: LabSpec, requests: number): HostScript {
    const lines = probeLines(spec, requests, "/", REAL_SERVER_HEADER);
    if (spec.tomcats.length) lines.push(...probeLines(spec, requests, "/index.jsp", BACKEND_HEADER));
    return {
        create: script("verify the lab through the VIP", lines),
        delete: nothingToUndo("verification"),
    };
}

/** Parses the verification output into answers per server name, one record per probe. */
export function parseVerification(stdout: string): Record<string, number>[] {
    const probes: Record<string, number>[] = [];
    for (const line of stdout.split("\n")) {
        if (line.startsWith("# probe")) probes.push({});
        const m = /^(\S+) (\d+)$/.exec(line.trim());
        if (m && probes.length) probes[probes.length - 1][m[1]] = Number(m[2]);
    }
    return probes;
}
