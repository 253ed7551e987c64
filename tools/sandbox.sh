#!/usr/bin/env bash
# The lab's sandbox: a private network namespace with its own libvirtd and virtlogd, so lab
# bridges, VMs and addresses never touch the host's network. The engine runs inside it too
# (`sandbox.sh exec`), so SSH to the guests never leaves the namespace.
#   sandbox.sh up        create the namespace and start the daemons (idempotent)
#   sandbox.sh exec CMD  run CMD inside the namespace
#   sandbox.sh status    print whether it is up
#   sandbox.sh down      stop the daemons it started (by PID) and remove the namespace
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

NS=${LVS_LAB_NETNS:-lvslab}
RUN_DIR=$LVS_LAB_REPO/.lab/sandbox
LIBVIRT_SOCK=/var/run/libvirt/libvirt-sock

pid_alive() {
    local file=$1
    [[ -f $file ]] && kill -0 "$(cat "$file")" 2>/dev/null
}

need() {
    local missing=()
    for tool in ip libvirtd virtlogd virsh qemu-system-x86_64; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        lvs_log "prerequisite missing: ${missing[*]} (run 'npm run setup')"
        exit 1
    fi
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
        ip netns exec "$NS" libvirtd -d -p "$RUN_DIR/libvirtd.pid" 2>>"$RUN_DIR/libvirtd.log"
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
