import { DirectorSpec, LabSpec } from "../config";
import { DISABLE_STOCK_SITE, ENABLE_STOCK_SITE, NGINX_START, REAL_SERVER_HEADER, listenLines } from "./nginx";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

/** nginx's site for the sorry server on a director. */
export const SORRY_SITE = "/etc/nginx/conf.d/lvs-lab-sorry.conf";
/** What the sorry server answers: the service is unavailable for now, not gone. */
export const SORRY_STATUS = 503;

/**
 * The sorry server's nginx site: on every service port, a 503 whose `X-Lvs-Real-Server` names the
 * director, so a client counts its answers like a real server's. It listens on the wildcard
 * address, where every packet IPVS delivers to it arrives (`VirtualService.sorryServer`), and a
 * director that is not the VRRP master has no VIP to bind.
 * @param director the director it runs on.
 */
export function renderSorrySite(spec: LabSpec, director: DirectorSpec): string {
    return [
        `# lvs-lab: sorry server on ${director.name}, for ${spec.service.vip} while every real server is out`,
        "server {",
        ...spec.service.ports.flatMap((p) => listenLines(spec, p)),
        "    server_name _;",
        "    default_type text/plain;",
        `    add_header ${REAL_SERVER_HEADER} ${director.name} always;`,
        `    return ${SORRY_STATUS} "sorry: no real server of ${spec.service.vip} is available; ${director.name} answered\\n";`,
        "}",
    ].join("\n");
}

/**
 * Lines that take the sorry server off a director, back to the image's state (nginx disabled and
 * stopped, the stock site enabled); they change nothing where it never ran.
 */
export function sorryServerRemoval(): string[] {
    return [
        "if systemctl is-active -q nginx.service; then systemctl stop nginx.service; fi",
        // As lvs_enable: links only, no systemd reload and no update-rc.d.
        "if systemctl is-enabled -q nginx.service 2>/dev/null; then SYSTEMCTL_SKIP_SYSV=1 systemctl disable --no-reload -q nginx.service; fi",
        `lvs_remove ${SORRY_SITE}`,
        ENABLE_STOCK_SITE,
    ];
}

/**
 * The director's sorry-server step, on every director whether `service.sorryServer` is set or
 * not: steps have no delete command, so turning the key off is this step's update, whose script
 * takes the sorry server off. Set, it starts nginx with the sorry site; IPVS sends connections to
 * it only while every real server is out (the service step's table, or keepalived). It runs
 * before the service step, so nginx answers before the table can name it.
 * @param director the director this step configures.
 */
export function renderSorryServer(spec: LabSpec, director: DirectorSpec): HostScript {
    const create = spec.service.sorryServer
        ? script(`sorry server on ${director.name} for ${spec.service.vip}`, [
              ...install(PACKAGES.nginx),
              writeFile(SORRY_SITE, renderSorrySite(spec, director)),
              DISABLE_STOCK_SITE,
              ...NGINX_START,
          ])
        : script(`no sorry server on ${director.name}`, sorryServerRemoval());
    return { create, delete: script(`remove the sorry server from ${director.name}`, sorryServerRemoval()) };
}
