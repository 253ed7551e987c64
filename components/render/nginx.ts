import { LabSpec, RealServerSpec } from "../config";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

/** nginx's document root on every real server (an NFS mount when the server has an export). */
export const WEB_ROOT = "/var/www/lvs-lab";
/** Response header that names the real server, so a client can count who answered. */
export const REAL_SERVER_HEADER = "X-Lvs-Real-Server";
const SITE = "/etc/nginx/conf.d/lvs-lab.conf";
const FSTAB_MARK = "# lvs-lab web root";
/** Debian's stock site as the nginx package enables it. */
const STOCK_SITE = { available: "/etc/nginx/sites-available/default", enabled: "/etc/nginx/sites-enabled/default" };
/** The line that disables Debian's stock site, which also claims `default_server` on port 80. */
export const DISABLE_STOCK_SITE = `rm -f ${STOCK_SITE.enabled}`;
/** The line that enables the stock site again, as the package left it. */
export const ENABLE_STOCK_SITE = `if [[ -e ${STOCK_SITE.available} && ! -e ${STOCK_SITE.enabled} ]]; then ln -s ${STOCK_SITE.available} ${STOCK_SITE.enabled}; fi`;
/** Lines that check nginx's configuration, then enable it and start it or make it reload. */
export const NGINX_START = ["nginx -t -q", "lvs_enable nginx.service", "systemctl reload-or-restart nginx.service"];
const DROP_IN = "/etc/systemd/system/nginx.service.d/lvs-lab.conf";
/** The real server's self-signed certificate for the VIP, and its key (`service.tlsPorts`). */
export const TLS_CERTIFICATE = "/etc/nginx/lvs-lab-tls.crt";
const TLS_KEY = "/etc/nginx/lvs-lab-tls.key";

/**
 * nginx's `listen` lines for a port: IPv4's wildcard and, in a dual-stack lab, IPv6's too.
 * @param options what follows the address, e.g. " ssl".
 */
export function listenLines(spec: LabSpec, port: number, options = ""): string[] {
    return [`    listen ${port}${options} default_server;`, ...(spec.service.vip6 ? [`    listen [::]:${port}${options} default_server;`] : [])];
}

/** Ports nginx listens on: the service ports, or the remapped port in NAT. */
export function listenPorts(spec: LabSpec, rs: RealServerSpec): number[] {
    return spec.service.mode === "nat" ? [rs.port] : spec.service.ports;
}

/**
 * The nginx site: static pages from the web root, `.jsp` proxied to the tomcat upstream with
 * its weights, and a header naming this real server.
 */
export function renderNginxSite(spec: LabSpec, rs: RealServerSpec): string {
    const upstream = spec.tomcats.length
        ? ["upstream lvs_lab_tomcat {", ...spec.tomcats.map((t) => `    server ${t.ip}:${t.port} weight=${t.weight};`), "}", ""]
        : [];
    const jsp = spec.tomcats.length
        ? [
              "    location ~ .*\\.jsp$ {",
              "        proxy_pass http://lvs_lab_tomcat;",
              "        proxy_set_header Host $host;",
              "        proxy_set_header X-Real-IP $remote_addr;",
              "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
              "    }",
          ]
        : [];
    return [
        `# lvs-lab: real server ${rs.name}`,
        ...upstream,
        "server {",
        ...listenPorts(spec, rs).flatMap((p) => listenLines(spec, p, spec.service.tlsPorts.includes(p) ? " ssl" : "")),
        ...(spec.service.tlsPorts.length ? [`    ssl_certificate ${TLS_CERTIFICATE};`, `    ssl_certificate_key ${TLS_KEY};`] : []),
        "    server_name _;",
        `    root ${WEB_ROOT};`,
        "    index index.html;",
        `    add_header ${REAL_SERVER_HEADER} ${rs.name} always;`,
        ...jsp,
        "}",
    ].join("\n");
}

/** The fstab line that mounts the server's NFS export on the web root. */
export function nfsFstabLine(spec: LabSpec, rs: RealServerSpec): string | undefined {
    if (!rs.nfsExport || !spec.nfs) return undefined;
    return `${spec.nfs.ip}:${rs.nfsExport} ${WEB_ROOT} nfs _netdev,hard,timeo=50 0 0 ${FSTAB_MARK}`;
}

/** nginx on a real server: web root (local page or NFS mount), the site, and a reload. */
export function renderNginx(spec: LabSpec, rs: RealServerSpec): HostScript {
    const fstab = nfsFstabLine(spec, rs);
    const source = fstab?.split(" ")[0];
    const webRoot = fstab
        ? [
              ...install(PACKAGES.nfsClient),
              `install -d -m 0755 ${WEB_ROOT}`,
              `sed -i '\\|${FSTAB_MARK}$|d' /etc/fstab`,
              `echo '${fstab}' >>/etc/fstab`,
              // Remount when the export changed; mount when nothing is mounted yet.
              `if [[ "$(findmnt -n -o SOURCE ${WEB_ROOT} || true)" != "${source}" ]]; then`,
              `    umount ${WEB_ROOT} 2>/dev/null || true`,
              `    mount ${WEB_ROOT}`,
              "fi",
              // nginx must never start serving an empty directory before the mount.
              writeFile(DROP_IN, `[Unit]\nRequiresMountsFor=${WEB_ROOT}\nAfter=remote-fs.target`),
          ]
        : [`install -d -m 0755 ${WEB_ROOT}`, writeFile(`${WEB_ROOT}/index.html`, `this is ${rs.name}`), `lvs_remove ${DROP_IN}`];
    // One certificate per real server, made once: a new one on every run would change nothing a client checks.
    const tls = spec.service.tlsPorts.length
        ? [
              ...install(PACKAGES.openssl),
              `if [[ ! -s ${TLS_KEY} || ! -s ${TLS_CERTIFICATE} ]]; then`,
              `    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=${spec.service.vip}' -keyout ${TLS_KEY} -out ${TLS_CERTIFICATE} 2>/dev/null`,
              `    chmod 0600 ${TLS_KEY}`,
              "fi",
          ]
        : [`rm -f ${TLS_KEY} ${TLS_CERTIFICATE}`];
    const create = script(`nginx on ${rs.name}`, [
        ...install(PACKAGES.nginx),
        ...webRoot,
        ...tls,
        writeFile(SITE, renderNginxSite(spec, rs)),
        DISABLE_STOCK_SITE,
        "lvs_systemd_reload",
        ...NGINX_START,
    ]);
    const del = script(`remove nginx site from ${rs.name}`, [
        `lvs_remove ${SITE} ${DROP_IN}`,
        `rm -f ${TLS_KEY} ${TLS_CERTIFICATE}`,
        ENABLE_STOCK_SITE,
        "lvs_systemd_reload",
        "if systemctl is-active --quiet nginx.service; then systemctl reload nginx.service; fi",
        `if mountpoint -q ${WEB_ROOT}; then umount ${WEB_ROOT}; fi`,
        `sed -i '\\|${FSTAB_MARK}$|d' /etc/fstab`,
        `rm -f ${WEB_ROOT}/index.html`,
        `rmdir ${WEB_ROOT} 2>/dev/null || true`,
    ]);
    return { create, delete: del };
}
