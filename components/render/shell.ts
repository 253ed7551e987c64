/**
 * Building blocks for the rendered shell scripts. Every script the lab runs on a guest is
 * assembled from these, so each piece of shell text exists once.
 */

/** A remote step: the idempotent script that sets it up and the script that undoes it. */
export interface HostScript {
    /** Safe to run any number of times; converges the host to the rendered state. */
    create: string;
    /** Undoes `create`; safe when `create` never ran or ran partly. */
    delete: string;
}

/** Terminates heredocs that carry file contents; rendered content must never hold this line. */
export const FILE_EOF = "LVSLAB_FILE_EOF";

/** Shell functions every script starts with. */
const PRELUDE = String.raw`# Installs a package when the command or file it provides is missing (apt, dnf or yum).
lvs_install() {
    local provides=$1 apt_pkg=$2 rpm_pkg=$3
    if [[ $provides == /* ]]; then
        [[ -e $provides ]] && return 0
    else
        command -v "$provides" >/dev/null 2>&1 && return 0
    fi
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "$apt_pkg" || { apt-get update -q && apt-get install -y -q "$apt_pkg"; }
    elif command -v dnf >/dev/null 2>&1; then
        dnf install -y -q "$rpm_pkg"
    elif command -v yum >/dev/null 2>&1; then
        yum install -y -q "$rpm_pkg"
    else
        echo "lvs-lab: cannot install $apt_pkg: no apt-get, dnf or yum" >&2
        return 1
    fi
}
# Set when this run changed a unit file or drop-in that systemd may have loaded: only then must
# systemd re-read them (see lvs_unit_written).
lvs_units_changed=0
# Writes standard input to a file only when the content differs, so re-runs change nothing.
lvs_write() {
    local path=$1 mode=$2 tmp existed=0
    tmp=$(mktemp)
    cat >"$tmp"
    if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"
    else
        if [[ -e $path ]]; then existed=1; fi
        install -D -m "$mode" "$tmp" "$path"
        rm -f "$tmp"
        lvs_unit_written "$path" "$existed"
    fi
}
# Notes a written file under /etc/systemd. A changed unit file or a drop-in (which changes a unit
# that is loaded) needs a daemon-reload before systemd acts on it; a new unit file does not:
# systemd loads a unit it has not loaded from disk when it is first used, and at boot.
lvs_unit_written() {
    local path=$1 existed=$2
    if [[ $path == /etc/systemd/* ]] && { ((existed)) || [[ $path == *.d/* ]]; }; then lvs_units_changed=1; fi
}
# Removes files that exist; a removed systemd unit file counts as a change to the units.
lvs_remove() {
    local path
    for path in "$@"; do
        if [[ -e $path || -L $path ]]; then
            rm -f "$path"
            if [[ $path == /etc/systemd/* ]]; then lvs_units_changed=1; fi
        fi
    done
}
# Makes systemd re-read its units, only when this run changed one. A daemon-reload re-parses
# every unit: on an emulated guest that is seconds of CPU, which keepalived's checks need.
lvs_systemd_reload() {
    if ((lvs_units_changed)); then
        systemctl daemon-reload
        lvs_units_changed=0
    fi
}
# Enables a unit at boot unless it already is: its [Install] links and nothing else. A plain
# systemctl enable reloads systemd, and for a unit with a SysV script runs update-rc.d, which
# reloads it again: each reload re-parses every unit, about 8 s on an emulated guest. Boot reads
# the links from disk, and the steps start what they need themselves, so neither is needed.
lvs_enable() {
    systemctl is-enabled -q "$1" 2>/dev/null || SYSTEMCTL_SKIP_SYSV=1 systemctl enable --no-reload -q "$1"
}`;

/**
 * A complete script: shebang, strict mode, the shared functions, then the body.
 * @param title what the script does, shown in its header and in `pulumi preview --diff`.
 * @param body the script's lines, in order.
 */
export function script(title: string, body: string[]): string {
    return ["#!/usr/bin/env bash", `# lvs-lab: ${title}`, "set -euo pipefail", PRELUDE, ...body].join("\n") + "\n";
}

/** The delete script of a step that changes nothing on the guest. */
export function nothingToUndo(what: string): string {
    return script(`${what}: nothing to undo`, [":"]);
}

/**
 * Writes a file from a heredoc, only when its content changes.
 * @param path absolute path on the guest.
 * @param content the file's text; a trailing newline is added when missing.
 * @param mode octal file mode.
 */
export function writeFile(path: string, content: string, mode = "0644"): string {
    return heredoc(`lvs_write ${path} ${mode}`, content, `file ${path}`);
}

/**
 * A command fed `body` on its stdin by a quoted heredoc (no expansion), ended by `FILE_EOF`.
 * @param command the command line that reads the body.
 * @param body the text; a trailing newline is added when missing.
 * @param what what the body is, for the error when it holds the terminator.
 * @param pipe what the command's output goes through, e.g. "| sort"; "" for none.
 * @internal
 */
export function heredoc(command: string, body: string, what: string, pipe = ""): string {
    const text = body.endsWith("\n") ? body : `${body}\n`;
    if (text.split("\n").includes(FILE_EOF)) throw new Error(`${what} contains the heredoc terminator ${FILE_EOF}`);
    return `${command} <<'${FILE_EOF}'${pipe ? ` ${pipe}` : ""}\n${text}${FILE_EOF}`;
}

/** A package the scripts install when the command (or absolute path) it provides is missing. */
export interface Package {
    provides: string;
    apt: string;
    rpm: string;
}

/** Packages by what the lab needs them for. */
export const PACKAGES = {
    ipvsadm: { provides: "ipvsadm", apt: "ipvsadm", rpm: "ipvsadm" },
    nginx: { provides: "nginx", apt: "nginx", rpm: "nginx" },
    curl: { provides: "curl", apt: "curl", rpm: "curl" },
    tomcat: { provides: "/usr/share/tomcat10", apt: "tomcat10", rpm: "tomcat" },
    nfsServer: { provides: "exportfs", apt: "nfs-kernel-server", rpm: "nfs-utils" },
    nfsClient: { provides: "mount.nfs", apt: "nfs-common", rpm: "nfs-utils" },
    keepalived: { provides: "keepalived", apt: "keepalived", rpm: "keepalived" },
    arping: { provides: "arping", apt: "iputils-arping", rpm: "iputils" },
    python3: { provides: "python3", apt: "python3", rpm: "python3" },
    nftables: { provides: "nft", apt: "nftables", rpm: "nftables" },
    openssl: { provides: "openssl", apt: "openssl", rpm: "openssl" },
} satisfies Record<string, Package>;

/** Lines that install the packages that are missing. */
export function install(...pkgs: Package[]): string[] {
    return pkgs.map((p) => `lvs_install ${p.provides} ${p.apt} ${p.rpm}`);
}

/** One kernel parameter the lab sets, with the value that undoing restores. */
export interface Sysctl {
    key: string;
    value: string;
    /** The kernel default, written back by the delete script. */
    reset: string;
}

/** Path of the lab's sysctl drop-in for a role. */
export function sysctlPath(role: string): string {
    return `/etc/sysctl.d/90-lvs-lab-${role}.conf`;
}

/** The sysctl drop-in's text: one `key = value` line each. */
export function sysctlConf(entries: Sysctl[]): string {
    return entries.map((e) => `${e.key} = ${e.value}`).join("\n");
}

/** Lines that remove the drop-in and write the kernel defaults back. */
export function sysctlReset(role: string, entries: Sysctl[]): string[] {
    return [`rm -f ${sysctlPath(role)}`, ...entries.map((e) => `sysctl -q -w ${e.key}=${e.reset} || true`)];
}

/**
 * A step that must also happen at every boot: a script in /usr/local/sbin run now and by a
 * oneshot systemd unit at boot, so the guest comes back configured after a reboot.
 */
export interface BootStep {
    /** Unit and script name, e.g. `lvs-lab-vip`. */
    name: string;
    description: string;
    /** The script's body (strict mode is added). */
    up: string[];
    /** systemd ordering: units this must start before. */
    before?: string[];
    /** systemd ordering: units this must start after. */
    after?: string[];
}

/** Where a boot step's script lives on the guest (run by its unit at boot, and by the lab). */
export function bootStepScript(name: string): string {
    return `/usr/local/sbin/${name}`;
}

/** Lines that install a boot step, enable its unit and run it once now. */
export function installBootStep(step: BootStep): string[] {
    const unit = [
        "[Unit]",
        `Description=${step.description}`,
        "After=network-online.target" + (step.after?.length ? ` ${step.after.join(" ")}` : ""),
        "Wants=network-online.target",
        ...(step.before?.length ? [`Before=${step.before.join(" ")}`] : []),
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=${bootStepScript(step.name)}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ].join("\n");
    return [
        writeFile(bootStepScript(step.name), ["#!/usr/bin/env bash", `# ${step.description}`, "set -euo pipefail", ...step.up].join("\n"), "0755"),
        writeFile(`/etc/systemd/system/${step.name}.service`, unit),
        "lvs_systemd_reload",
        `lvs_enable ${step.name}.service`,
        bootStepScript(step.name),
    ];
}

/**
 * Lines that make a device's global IPv6 addresses the lab's: the listed ones added (without
 * duplicate address detection: the lab hands each address out once), any other removed. The
 * lab's network sends no router adverts, so every other global address is one an earlier config
 * left; with none listed (an IPv4-only lab) the device keeps none.
 * @param own the machine's addresses, `addr/len`.
 * @param services service addresses, `addr/len`: deprecated (`preferred_lft 0`), so the kernel
 *   never picks one as the source of the machine's own traffic, while they still receive.
 * @param leave addresses another program manages on the device (keepalived's VIP): kept, not added.
 */
export function ipv6AddressLines(dev: string, own: string[], services: string[] = [], leave: string[] = []): string[] {
    const keep = [...own, ...services, ...leave].map((a) => a.split("/")[0]);
    return [
        ...(keep.length
            ? [
                  `for a in $(ip -6 -o addr show dev ${dev} scope global | awk '{ print $4 }'); do`,
                  `    case \${a%/*} in ${keep.join("|")}) ;; *) ip -6 addr del "$a" dev ${dev} ;; esac`,
                  "done",
              ]
            : [`ip -6 addr flush dev ${dev} scope global`]),
        ...own.map((a) => `ip -6 addr replace ${a} dev ${dev} nodad`),
        ...services.map((a) => `ip -6 addr replace ${a} dev ${dev} nodad preferred_lft 0`),
    ];
}

/** Lines that run `lines` only when `path` exists on the guest. */
export function ifPresent(path: string, lines: string[]): string[] {
    return [`if [[ -e ${path} ]]; then`, ...lines.map((l) => `    ${l}`), "fi"];
}

/** Lines that disable and remove a boot step (its effects are undone by the caller). */
export function removeBootStep(name: string): string[] {
    return [
        `systemctl disable ${name}.service 2>/dev/null || true`,
        `lvs_remove /etc/systemd/system/${name}.service ${bootStepScript(name)}`,
        "lvs_systemd_reload",
    ];
}
