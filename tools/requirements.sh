#!/usr/bin/env bash
# What lvs-lab needs from the host, checked before setup installs anything (README: Requirements).
#   requirements.sh    check this machine: print what is missing and what to do about it;
#                      exit 1 when something setup cannot do without is missing
# The verdict is one pure function, requirements_verdict, of the machine's facts; the test
# (test/unit/requirements.test.ts) sources this file and runs it with made-up facts.
# Runs without Node.js (it checks for it) and does not source lib.sh, which needs Node.

# The lock's floor: vite 8 and rolldown need ^20.19.0 || >=22.12.0, vitest 4 ^20 || ^22 || >=24,
# StrykerJS's prompts (@inquirer) ^22.13.0 on Node 22.
NODE_RANGE_TEXT="20.19+, 22.13+ or 24+"
# npm reads package.json's `overrides` from 8.3 on.
NPM_MIN=8.3.0
# The toolchain's own go.mod (tools/toolchain.sh) says go 1.22; newer go directives of the plugins
# are fetched by the go command itself (GOTOOLCHAIN=auto) from the module proxy.
GO_MIN=1.22
# About 1 GiB of host memory per machine (512 MiB guests plus QEMU under TCG); the default lab has 4.
MEM_DEFAULT_LAB_MIB=4096
# A lab's pool holds a copy of the 1.1 GiB guest image plus the machines' overlays.
DISK_LAB_MIB=2048
# Building the toolchain fills the Go module and build caches (about 5 GiB).
DISK_GO_MIB=6144

# True when version $1 >= version $2 (dotted numbers; a leading "v" or "go" is ignored).
version_ge() {
    local a=${1#v} b=${2#v}
    a=${a#go}
    b=${b#go}
    [[ $(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1) == "$b" ]]
}

# True when Node.js version $1 satisfies ^20.19.0 || ^22.13.0 || >=24.0.0.
node_ok() {
    local v=${1#v} major
    major=${v%%.*}
    [[ $major =~ ^[0-9]+$ ]] || return 1
    case $major in
        20) version_ge "$v" 20.19.0 ;;
        22) version_ge "$v" 22.13.0 ;;
        *) ((major >= 24)) ;;
    esac
}

# One finding that stops setup.
missing() {
    printf 'missing: %s\n' "$*"
    REQUIREMENTS_FAILED=1
}

# requirements_verdict KEY=VALUE...: prints one line per finding, "missing: ..." (setup stops),
# "warning: ..." or "note: ..." (setup goes on); returns 1 when any line is "missing".
# Keys (empty or absent = not found):
#   node npm go        versions of the commands on PATH
#   go_needed          yes when setup would build the Pulumi toolchain from Go modules
#   gotoolchain        `go env GOTOOLCHAIN` (local keeps go from fetching a newer go)
#   go_wants           the highest go directive of the modules setup would build
#   pulumi             the Pulumi version package.json pins
#   uid                the user id setup runs as
#   apt                yes when apt-get and dpkg-query are there
#   os                 ID and VERSION_ID of /etc/os-release, e.g. "debian 12"
#   mem_mib            the host's memory
#   disk_mib           free space where the images and labs go (/var)
#   image              yes when the guest image is built already
#   kvm                yes when /dev/kvm is there
requirements_verdict() {
    local -A f=()
    local kv
    for kv in "$@"; do f[${kv%%=*}]=${kv#*=}; done
    REQUIREMENTS_FAILED=0

    if [[ -z ${f[node]:-} ]]; then
        missing "Node.js ($NODE_RANGE_TEXT) with npm: install it (Debian 12's own nodejs is 18, too old; e.g. NodeSource's nodejs 22 or nvm), then run 'npm ci && npm run setup'"
    elif ! node_ok "${f[node]}"; then
        missing "Node.js ${f[node]#v} cannot run package-lock.json's tools (vite 8 needs 20.19+ or 22.12+, StrykerJS 22.13+ on 22; vitest 4 does not support 21 or 23): install Node.js $NODE_RANGE_TEXT (Debian 12's own nodejs is 18; e.g. NodeSource's nodejs 22 or nvm), then run 'npm ci && npm run setup'"
    fi
    if [[ -n ${f[node]:-} ]]; then
        if [[ -z ${f[npm]:-} ]]; then
            missing "npm (${NPM_MIN}+): it comes with Node.js from NodeSource or nvm; Debian's nodejs needs the separate npm package"
        elif ! version_ge "${f[npm]}" "$NPM_MIN"; then
            missing "npm ${f[npm]} is too old (package.json's overrides need ${NPM_MIN}+): run 'npm install -g npm@10'"
        fi
    fi

    if [[ ${f[go_needed]:-} == yes ]]; then
        local fix="install Go ${GO_MIN}+ (https://go.dev/dl; Debian 12's golang is 1.19) and put it on PATH, or put the Pulumi CLI v${f[pulumi]:-that package.json pins} on PATH, which needs no build"
        if [[ -z ${f[go]:-} ]]; then
            missing "Go ${GO_MIN}+, to build the Pulumi toolchain from Go modules: $fix"
        elif ! version_ge "${f[go]}" "$GO_MIN"; then
            missing "Go ${f[go]#go} is too old to build the Pulumi toolchain (${GO_MIN}+): $fix"
        elif [[ -n ${f[go_wants]:-} && ${f[gotoolchain]:-auto} == local* ]] && ! version_ge "${f[go]}" "${f[go_wants]}"; then
            missing "Go ${f[go]#go} with GOTOOLCHAIN=${f[gotoolchain]} cannot build the plugins (their go.mod asks for go ${f[go_wants]}): run 'go env -w GOTOOLCHAIN=auto' so go fetches it, or install Go ${f[go_wants]}+"
        fi
    fi

    if [[ ${f[uid]:-} != 0 ]]; then
        missing "root: setup and the labs run apt-get, libvirtd, network namespaces and loop devices; run it as root (e.g. 'sudo -i', then 'npm run setup')"
    fi
    if [[ ${f[apt]:-} != yes ]]; then
        missing "apt-get and dpkg-query: setup installs Debian packages; lvs-lab runs on Debian 12 (bookworm)"
    elif [[ ${f[os]:-} != "debian 12" ]]; then
        printf 'warning: %s\n' "this is ${f[os]:-an unknown system}, not Debian 12 (bookworm): setup installs Debian 12's package names and builds a Debian 12 guest image, which may fail here"
    fi

    if [[ -n ${f[mem_mib]:-} ]] && ((f[mem_mib] < MEM_DEFAULT_LAB_MIB)); then
        printf 'warning: %s\n' "${f[mem_mib]} MiB of memory: a lab needs about 1 GiB per machine, 4 GiB for the default lab (4 machines), 6 GiB for dr-tomcat"
    fi
    if [[ -n ${f[disk_mib]:-} ]]; then
        local want=$DISK_LAB_MIB what="a lab's pool"
        [[ ${f[image]:-} == yes ]] || { want=$((want + 4096)); what+=", the guest image and its build"; }
        [[ ${f[go_needed]:-} == yes ]] && { want=$((want + DISK_GO_MIB)); what+=", the Go caches of the toolchain build"; }
        if ((f[disk_mib] < want)); then
            printf 'warning: %s\n' "${f[disk_mib]} MiB free under /var: $what need about $want MiB; free some space"
        fi
    fi
    if [[ ${f[kvm]:-} == yes ]]; then
        printf 'note: %s\n' "/dev/kvm is there: the labs use KVM where a guest runs under it (tools/kvm-probe.sh decides when a lab comes up), and emulation (TCG) otherwise"
    else
        printf 'note: %s\n' "no /dev/kvm: the guests run under emulation (TCG), several times slower than with KVM; enable virtualization (VT-x/AMD-V, or nested virtualization in a VM) to get it"
    fi
    return "$REQUIREMENTS_FAILED"
}

# The facts of this machine, as KEY=VALUE lines for requirements_verdict.
requirements_facts() {
    local here repo v
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    repo=$(cd "$here/.." && pwd)
    v=$(node --version 2>/dev/null) && echo "node=$v"
    v=$(npm --version 2>/dev/null) && echo "npm=$v"
    v=$(go env GOVERSION 2>/dev/null) && echo "go=$v"
    v=$(go env GOTOOLCHAIN 2>/dev/null) && echo "gotoolchain=$v"
    echo "go_wants=$(awk '$1 == "go" { print $2 }' "$repo"/tools/*/go.mod | sort -V | tail -n1)"
    # The toolchain check needs a working Node.js (lib.sh reads the versions from package.json).
    if node_ok "$(node --version 2>/dev/null)"; then
        echo "pulumi=$(node -p "require('$repo/package.json').dependencies['@pulumi/pulumi']")"
        if bash "$here/toolchain.sh" --needs-go; then echo go_needed=yes; else echo go_needed=no; fi
    fi
    echo "uid=$(id -u)"
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 && echo apt=yes
    # shellcheck disable=SC1091 # the host's file
    [[ -r /etc/os-release ]] && echo "os=$(. /etc/os-release && echo "${ID:-} ${VERSION_ID:-}")"
    echo "mem_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
    echo "disk_mib=$(df -Pm /var | awk 'NR == 2 { print $4 }')"
    [[ -f ${LVS_LAB_IMAGE_DIR:-/var/cache/lvs-lab/images}/lvs-lab-bookworm.qcow2 ]] && echo image=yes
    [[ -c /dev/kvm ]] && echo kvm=yes
    return 0
}

# Sourced (the test), only the functions; run, the check.
if ! (return 0 2>/dev/null); then
    set -euo pipefail
    mapfile -t facts < <(requirements_facts)
    status=0
    verdict=$(requirements_verdict "${facts[@]}") || status=$?
    while IFS= read -r line; do
        [[ -n $line ]] && printf 'lvs-lab: %s\n' "$line" >&2
    done <<<"$verdict"
    if ((status)); then
        printf 'lvs-lab: %s\n' "setup stopped before changing anything: fix what is missing above and run it again" >&2
    fi
    exit "$status"
fi
