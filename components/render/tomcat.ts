import { TomcatSpec } from "../config";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

/** The header a tomcat backend sets, so a client can count which backend served a page. */
export const BACKEND_HEADER = "X-Lvs-Backend";
/** Bounded wait for tomcat's first answer: cold starts take about 36 s under TCG. */
const READY_TRIES = 90;

/** The ROOT webapp's index.jsp, naming the backend in the body and a header. */
export function renderIndexJsp(t: TomcatSpec): string {
    return `<%@ page contentType="text/plain; charset=UTF-8" %><% response.setHeader("${BACKEND_HEADER}", "${t.name}"); %>dynamic page from ${t.name}`;
}

/** Shell that finds the distribution's tomcat unit and webapps directory. */
const FIND_TOMCAT = [
    "unit=''",
    "for candidate in tomcat10 tomcat9 tomcat; do",
    '    if systemctl cat "$candidate.service" >/dev/null 2>&1; then unit=$candidate; break; fi',
    "done",
    '[[ -n $unit ]] || { echo "lvs-lab: no tomcat unit found" >&2; exit 1; }',
    'webapps=/var/lib/$unit/webapps',
    '[[ -d $webapps ]] || webapps=/usr/share/tomcat/webapps',
];

/** A tomcat backend: the package, index.jsp in the ROOT context, and a wait until it answers. */
export function renderTomcat(t: TomcatSpec): HostScript {
    const create = script(`tomcat backend ${t.name}`, [
        ...install(PACKAGES.tomcat, PACKAGES.curl),
        ...FIND_TOMCAT,
        'install -d -m 0755 "$webapps/ROOT"',
        writeFile("/etc/lvs-lab/index.jsp", renderIndexJsp(t)),
        'install -m 0644 /etc/lvs-lab/index.jsp "$webapps/ROOT/index.jsp"',
        'lvs_enable "$unit.service"',
        'systemctl start "$unit.service"',
        "answered=0",
        `for _ in $(seq ${READY_TRIES}); do`,
        `    if curl -fsS -o /dev/null http://127.0.0.1:${t.port}/index.jsp; then answered=1; break; fi`,
        "    sleep 2",
        "done",
        "if ((!answered)); then",
        `    echo "lvs-lab: tomcat on ${t.name} did not answer on port ${t.port}" >&2`,
        '    journalctl -u "$unit.service" -n 30 --no-pager >&2 || true',
        "    exit 1",
        "fi",
    ]);
    const del = script(`remove the lvs-lab page from ${t.name}`, [
        "for dir in /var/lib/tomcat10/webapps /var/lib/tomcat9/webapps /var/lib/tomcat/webapps /usr/share/tomcat/webapps; do",
        '    rm -f "$dir/ROOT/index.jsp"',
        "done",
        "rm -f /etc/lvs-lab/index.jsp",
    ]);
    return { create, delete: del };
}
