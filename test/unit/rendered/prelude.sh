# Installs a package when the command or file it provides is missing (apt, dnf or yum).
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
}
