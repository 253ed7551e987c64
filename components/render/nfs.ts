import { LabSpec, NfsSpec } from "../config";
import { HostScript, PACKAGES, install, script, writeFile } from "./shell";

const EXPORTS = "/etc/exports.d/lvs-lab.exports";

/**
 * /etc/exports lines: each path to the lab subnet only, rw and sync as in the reference, with
 * root_squash spelled out so no client's root owns the web roots.
 */
export function renderExports(spec: LabSpec, nfs: NfsSpec): string {
    return nfs.exports.map((path) => `${path} ${spec.network.cidr}(rw,sync,root_squash,no_subtree_check)`).join("\n");
}

/** The page each export serves; identical on every real server that mounts it. */
export function exportPage(nfs: NfsSpec, path: string): string {
    return `served from ${nfs.name}:${path}`;
}

/** The NFS server: root-owned 0755 export directories (never world-writable), exports, service. */
export function renderNfsServer(spec: LabSpec, nfs: NfsSpec): HostScript {
    const create = script(`NFS server ${nfs.name}`, [
        ...install(PACKAGES.nfsServer),
        ...nfs.exports.flatMap((path) => [`install -d -m 0755 -o root -g root ${path}`, writeFile(`${path}/index.html`, exportPage(nfs, path))]),
        writeFile(EXPORTS, renderExports(spec, nfs)),
        "lvs_enable nfs-server.service",
        "systemctl start nfs-server.service",
        "exportfs -ra",
    ]);
    const del = script(`remove NFS exports from ${nfs.name}`, [
        `rm -f ${EXPORTS}`,
        "if command -v exportfs >/dev/null 2>&1; then exportfs -ra; fi",
        ...nfs.exports.flatMap((path) => [`rm -f ${path}/index.html`, `rmdir ${path} 2>/dev/null || true`]),
    ]);
    return { create, delete: del };
}
