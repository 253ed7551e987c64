#!/usr/bin/env bash
# The lab's sandbox: a network namespace with its own libvirtd and virtlogd, so lab bridges, VMs
# and addresses never touch the host's network, and a mount namespace of the daemons' own, where
# libvirt's directories (sockets, runtime state, definitions, caches) are private directories of
# the sandbox's state, so a host libvirtd that systemd runs keeps running beside it, each seeing
# only its own objects. The engine, its providers and virsh run inside both namespaces too
# (`sandbox.sh exec`): there `qemu:///system` is the sandbox's libvirtd, and SSH to the guests
# never leaves the network namespace.
#   sandbox.sh up               create the namespaces and start the daemons (idempotent)
#   sandbox.sh exec CMD...      run CMD inside the namespaces (fails when the sandbox is down)
#   sandbox.sh status           print whether it is up
#   sandbox.sh clean NAME...    remove the libvirt objects of the labs whose network.name is NAME
#   sandbox.sh down [--force]   stop the daemons and remove the namespace once no lab is left in
#                               it; --force removes every lab's objects first
# libvirtd runs with the sandbox's own config (libvirtd -f, written by `up`); /dev/kvm is hidden
# in its mount namespace when KVM does not run guests here (see start_daemons).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NS=${LVS_LAB_NETNS:-lvslab}
# The sandbox's state: pid files, config, logs and libvirt's private directories. Outside any
# checkout, so one sandbox serves every clone and a CI checkout that actions/checkout cleans
# keeps it; LVS_LAB_SANDBOX_DIR moves it.
SANDBOX_DIR=${LVS_LAB_SANDBOX_DIR:-/var/lib/lvs-lab/sandbox}
# libvirt's directories and the sandbox's own copy of each (under SANDBOX_DIR/libvirt), bind-mounted
# over them in the daemons' mount namespace: runtime state and sockets (/var/run/libvirt is the
# same directory), persistent definitions, the daemons' config, and the QEMU capability cache (a
# host libvirtd that sees /dev/kvm and this one, which may not, would otherwise overwrite each
# other's cache). /var/log/libvirt stays shared: the console logs are read there from the host.
PRIVATE_DIRS=(/run/libvirt:run /var/lib/libvirt:lib /etc/libvirt:etc /var/cache/libvirt:cache)
LIBVIRT_URI=qemu:///system
# A lab's network.name (components/config/schema.ts): its objects are named lvs-NAME...
LAB_NAME='^[a-z][a-z0-9-]{0,10}$'

# Refuses a state directory inside one of the directories the namespace replaces: the daemons
# would write their pid files where the host does not see them.
check_sandbox_dir() {
    local pair dir
    if [[ $SANDBOX_DIR != /* ]]; then
        lvs_log "LVS_LAB_SANDBOX_DIR must be an absolute path; got '$SANDBOX_DIR'"
        exit 2
    fi
    for pair in "${PRIVATE_DIRS[@]}" /var/run/libvirt:; do
        dir=${pair%%:*}
        if [[ ${SANDBOX_DIR%/}/ == "$dir"/* ]]; then
            lvs_log "LVS_LAB_SANDBOX_DIR must be outside $dir, which the sandbox replaces with a directory of its own; got $SANDBOX_DIR"
            exit 2
        fi
    done
}

need() {
    local missing=()
    for tool in ip libvirtd virtlogd virsh qemu-system-x86_64 unshare nsenter mount mknod; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        lvs_log "prerequisite missing: ${missing[*]} (run 'npm run setup')"
        exit 1
    fi
}

usage() {
    echo "usage: $0 up|exec CMD...|status|clean NAME...|down [--force]" >&2
    exit 2
}

# The pid in a daemon's pid file (libvirtd or virtlogd) when that process is the sandbox's: that
# daemon, in the sandbox's network namespace, in a mount namespace other than this shell's. A pid
# file that outlived its daemon (a reboot, a kill) may name another process by now, which must be
# neither entered nor killed.
daemon_pid() {
    local name=$1 pid
    [[ -f $SANDBOX_DIR/$name.pid ]] || return 1
    pid=$(<"$SANDBOX_DIR/$name.pid")
    [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" && -e /run/netns/$NS ]] || return 1
    [[ $(stat -Lc %i "/proc/$pid/ns/net" 2>/dev/null) == "$(stat -Lc %i "/run/netns/$NS")" ]] || return 1
    [[ $(stat -Lc %i "/proc/$pid/ns/mnt" 2>/dev/null) != "$(stat -Lc %i /proc/self/ns/mnt)" ]] || return 1
    echo "$pid"
}

# The sandbox libvirtd's pid; when the sandbox is down, says so and fails.
sandbox_pid() {
    daemon_pid libvirtd && return 0
    lvs_log "the sandbox ($NS) is down: start it with 'bash tools/sandbox.sh up' (or 'npm run lab -- up')"
    return 1
}

# Runs CMD inside the sandbox, in the current directory: in the network and mount namespaces of
# its libvirtd, where `qemu:///system` is that libvirtd. `in_sandbox exec CMD...` becomes CMD.
in_sandbox() {
    local pid
    pid=$(sandbox_pid) || return 1
    if [[ $1 == exec ]]; then
        shift
        exec nsenter --target "$pid" --mount --net --wd="$PWD" -- "$@"
    fi
    nsenter --target "$pid" --mount --net --wd="$PWD" -- "$@"
}

sandbox_virsh() {
    in_sandbox virsh -q -c "$LIBVIRT_URI" "$@"
}

# The sandbox's lab objects of one kind (list, net-list or pool-list): every name lvs-* (virsh
# pads pool names with spaces).
lab_objects() {
    sandbox_virsh "$1" --all --name 2>/dev/null | awk '$1 ~ /^lvs-/ { print $1 }'
}

# The sandbox's libvirtd.conf. `libvirtd -f` reads only this file, so every setting not named here
# keeps libvirt's compiled default, which is also what Debian's /etc/libvirt/libvirtd.conf (all
# commented out) gives: the same socket paths (/var/run/libvirt/libvirt-sock, the sandbox's own in
# its mount namespace), auth and logging.
# The libvirt provider sends every call of a `pulumi up` over one connection, one call at a time
# per resource, and Pulumi creates a lab's machines side by side: with a machine's volume,
# cloud-init disk and domain, a lab of eight machines can have 3 x 8 = 24 calls in flight on that
# connection. At the default max_client_requests = 5, libvirtd stops reading the connection
# ("Client hit max requests limit 5"), so every further call, however short, waits for one of the
# five to finish: while defines and starts re-probed QEMU (see start_daemons), a version query
# sent beside eight domain creates waited 231 s (0.00 s at 32). 32 leaves room above 24.
# Each call in flight holds a worker thread, so max_workers (default 20) is 32 for that
# connection plus 8 for every other client (virsh from the tests, the lab command) = 40.
# Keepalive keeps its defaults (a ping every 5 s, 5 missed = dropped): a client at the limit is
# not read, so its pongs would go unread and libvirtd would drop it after 30 s, but libvirtd pings
# only clients that ask for keepalive, and the provider's client (go-libvirt) never does; virsh
# does, with one call in flight. Measured: docs/maintainers.md.
write_libvirtd_conf() {
    cat >"$SANDBOX_DIR/libvirtd.conf" <<'CONF'
# Written by tools/sandbox.sh (see write_libvirtd_conf there); libvirt defaults for the rest.
max_client_requests = 32
max_workers = 40
CONF
}

# The sandbox's copies of libvirt's directories (PRIVATE_DIRS), made on first use. /etc/libvirt
# holds only what the sandbox writes: the QEMU driver runs domains as libvirt-qemu, as Debian's
# libvirt does (and tools/kvm-probe.sh asks about that user), and the host's networks, domains,
# pools and their autostart links stay the host's. Runtime state starts empty at every start, as
# /run does at boot: what a dead libvirtd left names QEMU and dnsmasq processes that are gone.
seed_private_dirs() {
    local dir=$SANDBOX_DIR/libvirt
    rm -rf "$dir/run"
    install -d -m 0755 "$dir/run" "$dir/lib" "$dir/etc"
    install -d -m 0711 "$dir/cache" "$dir/lib/images"
    cat >"$dir/etc/qemu.conf" <<'CONF'
# Written by tools/sandbox.sh (see seed_private_dirs there); libvirt defaults for the rest.
user = "libvirt-qemu"
group = "libvirt-qemu"
CONF
}

# Starts virtlogd and libvirtd (with the sandbox's config, libvirtd -f) in the network namespace
# and in one new mount namespace, where each of libvirt's directories is the sandbox's own copy.
# Both daemons share it: libvirtd reaches virtlogd at /run/libvirt/virtlogd-sock.
# libvirtd must see one consistent answer about KVM: its QEMU capability probe opens /dev/kvm with
# CAP_DAC_OVERRIDE, while its check of the cache asks whether the QEMU user (libvirt-qemu) may
# open it. A /dev/kvm of root 0600 (no udev to give it to the kvm group) passes the first and
# fails the second, so the capability cache is never valid and every domain define and start
# re-probes QEMU (44 s for one `virsh create`). Hence /dev/kvm is covered, in the daemons' mount
# namespace only (and so in their domains'), by a node of /dev/null's device with mode 0: the probe
# opens it but finds no KVM there, and the QEMU user may not open it, so both say "no KVM".
# Plain /dev/null would not do (the user may open it, so the check would say yes), nor would a
# regular file (libvirt bind-mounts regular files into each domain's /dev, which needs shared
# mount propagation this namespace does not have: "Unable to move ... mount to /dev/kvm").
# /dev/kvm is hidden only where KVM does not run guests: tools/kvm-probe.sh boots a tiny guest
# under KVM as the QEMU user, the same probe that resolves `libvirt.domainType` auto, so a lab
# whose `auto` became `kvm` finds KVM in this libvirtd and one that became `qemu` does not. A host
# where it runs keeps /dev/kvm, and both of libvirt's checks say yes.
# LVS_LAB_SANDBOX_KVM=host keeps the host's /dev/kvm and =hide hides it, whatever the probe says.
# The mounts are made under `ip netns exec` (which gives the namespace its own /sys, where the
# lab's bridges are) and `unshare --mount`: none of them is seen outside, and clients enter this
# mount namespace through the libvirtd's pid (in_sandbox).
start_daemons() {
    write_libvirtd_conf
    seed_private_dirs
    local hide=$SANDBOX_DIR/kvm-hidden
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
    local pair
    local -a mounts=()
    for pair in "${PRIVATE_DIRS[@]}"; do
        mounts+=("$SANDBOX_DIR/libvirt/${pair#*:}" "${pair%%:*}")
    done
    # shellcheck disable=SC2016 # expanded by the inner shell
    ip netns exec "$NS" unshare --mount --propagation slave bash -c '
        set -euo pipefail
        dir=$1 hide=$2
        shift 2
        while (($#)); do
            mkdir -p "$2"
            mount --bind "$1" "$2"
            shift 2
        done
        if [[ -n $hide ]]; then mount --bind "$hide" /dev/kvm; fi
        virtlogd -d -p "$dir/virtlogd.pid"
        exec libvirtd -d -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid"' bash "$SANDBOX_DIR" "$hide" "${mounts[@]}" \
        2>>"$SANDBOX_DIR/libvirtd.log"
}

# Refuses a fresh start in a namespace where processes already run: a libvirtd, QEMU or dnsmasq
# this sandbox does not know (one a sandbox of an older lvs-lab started, with its pid files in the
# clone's .lab/sandbox; or QEMU left by a libvirtd that died) would share the lab's bridges and
# addresses with the new daemons.
refuse_strangers() {
    local pid
    local -a pids=() seen=()
    mapfile -t pids < <(ip netns pids "$NS")
    ((${#pids[@]})) || return 0
    for pid in "${pids[@]}"; do
        seen+=("$pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo gone))")
    done
    lvs_log "namespace $NS already runs processes this sandbox ($SANDBOX_DIR) did not start: ${seen[*]}"
    lvs_log "a sandbox of an older lvs-lab (pid files in the clone's .lab/sandbox) is taken down with that version's 'tools/sandbox.sh down' (it removes its labs); else stop these processes by pid"
    exit 1
}

# Lab definitions an older lvs-lab left in the host's own /etc/libvirt (its sandbox's libvirtd
# used the host's directories): a host libvirtd would start those networks on the host's network.
warn_host_leftovers() {
    local -a left=()
    mapfile -t left < <(compgen -G '/etc/libvirt/qemu/networks/lvs-*.xml'; compgen -G '/etc/libvirt/qemu/lvs-*.xml'; compgen -G '/etc/libvirt/storage/lvs-*.xml')
    if ((${#left[@]})); then
        lvs_log "warning: the host's /etc/libvirt holds ${#left[@]} lab definitions (lvs-*.xml) that a sandbox of an older lvs-lab wrote, which a host libvirtd would start on the host's network; once no older sandbox runs, remove them (the host's virsh net-undefine, undefine, pool-undefine; or, with no host libvirtd running, delete the files and their autostart links)"
    fi
}

up() {
    need
    mkdir -p "$SANDBOX_DIR"
    if [[ ! -e /run/netns/$NS ]]; then
        ip netns add "$NS"
    fi
    ip -n "$NS" link set lo up
    if daemon_pid libvirtd >/dev/null; then
        if ! daemon_pid virtlogd >/dev/null; then
            in_sandbox virtlogd -d -p "$SANDBOX_DIR/virtlogd.pid"
        fi
    else
        # A virtlogd whose libvirtd is gone has a mount namespace of its own: a new one starts
        # beside the new libvirtd.
        stop_daemon virtlogd
        refuse_strangers
        warn_host_leftovers
        start_daemons
    fi
    for _ in $(seq 60); do
        if sandbox_virsh version >/dev/null 2>&1; then
            lvs_log "sandbox $NS is up (libvirtd pid $(daemon_pid libvirtd), state in $SANDBOX_DIR)"
            return 0
        fi
        sleep 0.5
    done
    lvs_log "libvirtd did not answer within 30 s; see $SANDBOX_DIR/libvirtd.log"
    exit 1
}

# Stops one of the sandbox's daemons by pid: TERM, up to 10 s, then KILL. A pid file that names
# no daemon of the sandbox is only removed.
stop_daemon() {
    local name=$1 pid
    if ! pid=$(daemon_pid "$name"); then
        rm -f "$SANDBOX_DIR/$name.pid"
        return 0
    fi
    kill "$pid"
    for _ in $(seq 40); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$SANDBOX_DIR/$name.pid"; return 0; }
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$SANDBOX_DIR/$name.pid"
}

# The lab an object belongs to: the longest of the given lab names (network.name) whose lvs-NAME
# is the object's name or begins it, followed by '-'. The longest, as names hold '-': lab a-b's
# domain lvs-a-b-web1 begins with lvs-a- too. Empty when none does.
owner_of() {
    local object=$1 best='' lab
    shift
    for lab in "$@"; do
        if [[ $object == "lvs-$lab" || $object == lvs-"$lab"-* ]] && ((${#lab} > ${#best})); then
            best=$lab
        fi
    done
    printf '%s\n' "$best"
}

# The lab a domain belongs to: the network its NIC is on (lvs-NAME; a lab's machines are on its
# network, whatever their names), else by its name (owner_of).
domain_lab() {
    local dom=$1 net
    shift
    net=$(sandbox_virsh domiflist "$dom" 2>/dev/null | awk '$2 == "network" && $3 ~ /^lvs-/ { print substr($3, 5); exit }')
    if [[ -n $net ]]; then echo "$net"; else owner_of "$dom" "$@"; fi
}

remove_domain() {
    sandbox_virsh destroy "$1" >/dev/null 2>&1 || true
    sandbox_virsh undefine "$1" >/dev/null 2>&1 || true
}

remove_network() {
    sandbox_virsh net-destroy "$1" >/dev/null 2>&1 || true
    sandbox_virsh net-undefine "$1" >/dev/null 2>&1 || true
}

# A pool goes with its volumes and its directory.
remove_pool() {
    local vol
    sandbox_virsh pool-start "$1" >/dev/null 2>&1 || true
    for vol in $(sandbox_virsh vol-list "$1" 2>/dev/null | awk '{print $1}'); do
        sandbox_virsh vol-delete --pool "$1" "$vol" >/dev/null 2>&1 || true
    done
    sandbox_virsh pool-destroy "$1" >/dev/null 2>&1 || true
    sandbox_virsh pool-delete "$1" >/dev/null 2>&1 || true
    sandbox_virsh pool-undefine "$1" >/dev/null 2>&1 || true
}

# Removes the libvirt objects of the named labs, or with no name of every lab (every lvs-*
# object): domains first, then networks and pools. What a failed run or a test left behind goes,
# and nothing of a lab not named. Prints what it removed.
remove_labs() {
    local -A named=()
    local name dom net pool lab
    local -a nets=() doms=() pools=() known=() gone=()
    for name in "$@"; do named[$name]=1; done
    mapfile -t nets < <(lab_objects net-list)
    mapfile -t doms < <(lab_objects list)
    mapfile -t pools < <(lab_objects pool-list)
    known=("${nets[@]#lvs-}" "$@")
    for dom in "${doms[@]}"; do
        # Every lab goes when none is named: no need to ask libvirt whose each domain is.
        if (($# == 0)) || { lab=$(domain_lab "$dom" "${known[@]}") && [[ -n $lab && -n ${named[$lab]:-} ]]; }; then
            remove_domain "$dom"
            gone+=("domain $dom")
        fi
    done
    for net in "${nets[@]}"; do
        if (($# == 0)) || [[ -n ${named[${net#lvs-}]:-} ]]; then
            remove_network "$net"
            gone+=("network $net")
        fi
    done
    for pool in "${pools[@]}"; do
        lab=$(owner_of "$pool" "${known[@]}")
        if (($# == 0)) || [[ -n $lab && -n ${named[$lab]:-} ]]; then
            remove_pool "$pool"
            gone+=("pool $pool")
        fi
    done
    if ((${#gone[@]})); then
        local list
        list=$(printf '%s, ' "${gone[@]}")
        lvs_log "removed from the sandbox: ${list%, }"
    else
        lvs_log "nothing of ${*:-any lab} is in the sandbox"
    fi
}

clean() {
    local name
    (($#)) || usage
    for name in "$@"; do
        if [[ ! $name =~ $LAB_NAME ]]; then
            lvs_log "not a lab's network.name: '$name' (a-z, 0-9 and '-', starting with a letter, at most 11 characters)"
            exit 2
        fi
    done
    sandbox_pid >/dev/null || exit 1
    remove_labs "$@"
}

down() {
    local force=$1
    local -a left=()
    if daemon_pid libvirtd >/dev/null; then
        if [[ -n $force ]]; then
            remove_labs
        else
            mapfile -t left < <(lab_objects net-list; lab_objects list; lab_objects pool-list)
            if ((${#left[@]})); then
                lvs_log "sandbox $NS stays up: labs are left in it (${left[*]}); 'npm run lab -- destroy STACK' destroys one, 'sandbox.sh down --force' removes every lab and stops it"
                return 0
            fi
        fi
    fi
    stop_daemon libvirtd
    stop_daemon virtlogd
    if [[ -e /run/netns/$NS ]]; then
        local -a pids=()
        mapfile -t pids < <(ip netns pids "$NS")
        if ((${#pids[@]})); then
            lvs_log "the daemons are stopped, but processes this sandbox did not start run in namespace $NS (pids ${pids[*]}): it stays"
            exit 1
        fi
        ip netns delete "$NS"
    fi
    lvs_log "sandbox $NS is down"
}

main() {
    local pid
    check_sandbox_dir
    case ${1:-} in
        up) (($# == 1)) || usage; up ;;
        down)
            case $#:${2:-} in
                1:) down '' ;;
                2:--force) down force ;;
                *) usage ;;
            esac
            ;;
        clean) shift; clean "$@" ;;
        exec)
            shift
            (($#)) || usage
            in_sandbox exec "$@" || exit 1
            ;;
        status)
            (($# == 1)) || usage
            if pid=$(daemon_pid libvirtd); then echo "up: namespace $NS, libvirtd pid $pid, state in $SANDBOX_DIR"; else echo down; fi ;;
        *) usage ;;
    esac
}

# Sourced (the unit tests call its functions), it only defines them.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
