#!/usr/bin/env bash
# The lab's sandbox: a private network namespace with its own libvirtd and virtlogd, so lab
# bridges, VMs and addresses never touch the host's network. The engine runs inside it too
# (`sandbox.sh exec`), so SSH to the guests never leaves the namespace.
#   sandbox.sh up        create the namespace and start the daemons (idempotent)
#   sandbox.sh exec CMD  run CMD inside the namespace
#   sandbox.sh status    print whether it is up
#   sandbox.sh down      stop the daemons it started (by PID) and remove the namespace
# libvirtd runs with the sandbox's own config (libvirtd -f, written by `up`) and in its own mount
# namespace, where /dev/kvm is hidden when KVM does not run guests here (see start_libvirtd).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

NS=${LVS_LAB_NETNS:-lvslab}
# The daemons' pid files, config and logs. LVS_LAB_SANDBOX_DIR moves them, e.g. out of a CI
# checkout that actions/checkout cleans.
RUN_DIR=${LVS_LAB_SANDBOX_DIR:-$LVS_LAB_REPO/.lab/sandbox}
LIBVIRT_SOCK=/var/run/libvirt/libvirt-sock

pid_alive() {
    local file=$1
    [[ -f $file ]] && kill -0 "$(cat "$file")" 2>/dev/null
}

need() {
    local missing=()
    for tool in ip libvirtd virtlogd virsh qemu-system-x86_64 unshare mount mknod; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        lvs_log "prerequisite missing: ${missing[*]} (run 'npm run setup')"
        exit 1
    fi
}

# The sandbox's libvirtd.conf. `libvirtd -f` reads only this file, so every setting not named here
# keeps libvirt's compiled default, which is also what Debian's /etc/libvirt/libvirtd.conf (all
# commented out) gives: the same sockets (/var/run/libvirt/libvirt-sock), auth and logging.
# The libvirt provider sends every call of a `pulumi up` over one connection, one call at a time
# per resource, and Pulumi creates a lab's machines side by side: with a machine's volume,
# cloud-init disk and domain, a lab of eight machines can have 3 x 8 = 24 calls in flight on that
# connection. At the default max_client_requests = 5, libvirtd stops reading the connection
# ("Client hit max requests limit 5"), so every further call, however short, waits for one of the
# five to finish: while defines and starts re-probed QEMU (see start_libvirtd), a version query
# sent beside eight domain creates waited 231 s (0.00 s at 32). 32 leaves room above 24.
# Each call in flight holds a worker thread, so max_workers (default 20) is 32 for that
# connection plus 8 for every other client (virsh from the tests, the lab command) = 40.
# Keepalive keeps its defaults (a ping every 5 s, 5 missed = dropped): a client at the limit is
# not read, so its pongs would go unread and libvirtd would drop it after 30 s, but libvirtd pings
# only clients that ask for keepalive, and the provider's client (go-libvirt) never does; virsh
# does, with one call in flight. Measured: docs/maintainers.md.
write_libvirtd_conf() {
    cat >"$RUN_DIR/libvirtd.conf" <<'CONF'
# Written by tools/sandbox.sh (see write_libvirtd_conf there); libvirt defaults for the rest.
max_client_requests = 32
max_workers = 40
CONF
}

# Starts libvirtd in the namespace, with the sandbox's config (libvirtd -f), in a mount namespace
# of its own.
# libvirtd must see one consistent answer about KVM: its QEMU capability probe opens /dev/kvm with
# CAP_DAC_OVERRIDE, while its check of the cache asks whether the QEMU user (libvirt-qemu) may
# open it. A /dev/kvm of root 0600 (no udev to give it to the kvm group) passes the first and
# fails the second, so the capability cache is never valid and every domain define and start
# re-probes QEMU (44 s for one `virsh create`). Hence /dev/kvm is covered, in libvirtd's mount
# namespace only (and so in its domains'), by a node of /dev/null's device with mode 0: the probe
# opens it but finds no KVM there, and the QEMU user may not open it, so both say "no KVM".
# Plain /dev/null would not do (the user may open it, so the check would say yes), nor would a
# regular file (libvirt bind-mounts regular files into each domain's /dev, which needs shared
# mount propagation this namespace does not have: "Unable to move ... mount to /dev/kvm").
# /dev/kvm is hidden only where KVM does not run guests: tools/kvm-probe.sh boots a tiny guest
# under KVM as the QEMU user, the same probe that resolves `libvirt.domainType` auto, so a lab
# whose `auto` became `kvm` finds KVM in this libvirtd and one that became `qemu` does not. A host
# where it runs keeps /dev/kvm, and both of libvirt's checks say yes.
# LVS_LAB_SANDBOX_KVM=host keeps the host's /dev/kvm and =hide hides it, whatever the probe says.
start_libvirtd() {
    write_libvirtd_conf
    local hide=$RUN_DIR/kvm-hidden
    local kvm=${LVS_LAB_SANDBOX_KVM:-auto}
    if [[ $kvm == auto && -e /dev/kvm ]] && bash "$LVS_LAB_REPO/tools/kvm-probe.sh" >/dev/null; then
        kvm=host
    fi
    if [[ $kvm == host || ! -e /dev/kvm ]]; then
        hide=''
    else
        if [[ ! -c $hide ]]; then
            rm -f "$hide"
            mknod -m 0 "$hide" c 1 3
        fi
    fi
    # shellcheck disable=SC2016 # expanded by the inner shell
    ip netns exec "$NS" unshare --mount --propagation slave bash -c '
        if [[ -n $1 ]]; then mount --bind "$1" /dev/kvm; fi
        exec libvirtd -d -f "$2" -p "$3"' libvirtd "$hide" "$RUN_DIR/libvirtd.conf" "$RUN_DIR/libvirtd.pid" \
        2>>"$RUN_DIR/libvirtd.log"
}

up() {
    need
    mkdir -p "$RUN_DIR"
    if ! ip netns list | grep -qw "$NS"; then
        ip netns add "$NS"
    fi
    ip -n "$NS" link set lo up
    # Another libvirtd would share the socket path; refuse rather than guess whose it is.
    if [[ -S $LIBVIRT_SOCK ]] && ! pid_alive "$RUN_DIR/libvirtd.pid"; then
        lvs_log "a libvirtd this sandbox did not start owns $LIBVIRT_SOCK; stop it or run 'sandbox.sh down'"
        exit 1
    fi
    if ! pid_alive "$RUN_DIR/virtlogd.pid"; then
        ip netns exec "$NS" virtlogd -d -p "$RUN_DIR/virtlogd.pid"
    fi
    if ! pid_alive "$RUN_DIR/libvirtd.pid"; then
        start_libvirtd
    fi
    for _ in $(seq 60); do
        if ip netns exec "$NS" virsh -c qemu:///system version >/dev/null 2>&1; then
            lvs_log "sandbox $NS is up (libvirtd pid $(cat "$RUN_DIR/libvirtd.pid"))"
            return 0
        fi
        sleep 0.5
    done
    lvs_log "libvirtd did not answer within 30 s; see $RUN_DIR/libvirtd.log"
    exit 1
}

stop_pid() {
    local file=$1
    pid_alive "$file" || { rm -f "$file"; return 0; }
    local pid
    pid=$(cat "$file")
    kill "$pid"
    for _ in $(seq 40); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$file"; return 0; }
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$file"
}

down() {
    if pid_alive "$RUN_DIR/libvirtd.pid"; then
        # Whatever a failed run left behind in this libvirtd (lab objects are named lvs-*):
        # stop and forget domains, networks and pools, so the next run starts clean.
        local virsh=(ip netns exec "$NS" virsh -q -c qemu:///system)
        for dom in $("${virsh[@]}" list --all --name 2>/dev/null | grep '^lvs-' || true); do
            "${virsh[@]}" destroy "$dom" >/dev/null 2>&1 || true
            "${virsh[@]}" undefine "$dom" >/dev/null 2>&1 || true
        done
        for net in $("${virsh[@]}" net-list --all --name 2>/dev/null | grep '^lvs-' || true); do
            "${virsh[@]}" net-destroy "$net" >/dev/null 2>&1 || true
            "${virsh[@]}" net-undefine "$net" >/dev/null 2>&1 || true
        done
        for pool in $("${virsh[@]}" pool-list --all --name 2>/dev/null | grep '^lvs-' || true); do
            "${virsh[@]}" pool-start "$pool" >/dev/null 2>&1 || true
            for vol in $("${virsh[@]}" vol-list "$pool" 2>/dev/null | awk '{print $1}'); do
                "${virsh[@]}" vol-delete --pool "$pool" "$vol" >/dev/null 2>&1 || true
            done
            "${virsh[@]}" pool-destroy "$pool" >/dev/null 2>&1 || true
            "${virsh[@]}" pool-delete "$pool" >/dev/null 2>&1 || true
            "${virsh[@]}" pool-undefine "$pool" >/dev/null 2>&1 || true
        done
    fi
    stop_pid "$RUN_DIR/libvirtd.pid"
    stop_pid "$RUN_DIR/virtlogd.pid"
    if ip netns list | grep -qw "$NS"; then
        ip netns delete "$NS"
    fi
    lvs_log "sandbox $NS is down"
}

case ${1:-} in
    up) up ;;
    down) down ;;
    exec) shift; exec ip netns exec "$NS" "$@" ;;
    status)
        if pid_alive "$RUN_DIR/libvirtd.pid"; then echo "up: namespace $NS, libvirtd pid $(cat "$RUN_DIR/libvirtd.pid")"; else echo down; fi ;;
    *) echo "usage: $0 up|exec CMD...|status|down" >&2; exit 2 ;;
esac
