#!/usr/bin/env bash
# Sets up everything lvs-lab needs on a Debian host, idempotently (a warm run takes seconds):
# Debian packages, npm dependencies, the Pulumi toolchain and the guest image.
# Run as root (libvirtd, network namespaces and loop devices need it).
set -euo pipefail
# Node.js, npm, root, Debian, Go when the toolchain must be built (README: Requirements), before
# anything is installed, and before lib.sh, which needs Node.js. --packages needs none of them.
if [[ ${1:-} != --packages ]]; then
    bash "$(dirname "$0")/requirements.sh"
fi
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
started=$SECONDS

# Host packages: tools/host-packages.txt names every host command lvs-lab, its providers and its
# tests run, with the Debian package that provides it (test/unit/hostPackages.test.ts keeps it
# complete). Setup installs the packages of its lines with no third field; the others come with
# Debian 12 itself, with the README's requirements, or from setup's own builds.
mapfile -t PACKAGES < <(awk '{ sub(/#.*/, "") } NF == 2 && $2 != "-" { print $2 }' "$LVS_LAB_REPO/tools/host-packages.txt" | sort -u)
if [[ ${1:-} == --packages ]]; then
    echo "${PACKAGES[*]}"
    exit 0
fi


missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    lvs_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # Services are started by the sandbox, inside its namespace, never by the package scripts
    # (libvirt-daemon-system, openssh-server): a policy-rc.d that denies every start, for the
    # install only, unless the machine has its own.
    policy=/usr/sbin/policy-rc.d
    if [[ -e $policy ]]; then
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        apt-get install -y -q --no-install-recommends "${missing[@]}" || { rm -f "$policy"; exit 1; }
        rm -f "$policy"
    fi
fi

# npm dependencies: reinstall only when the lock file changed.
stamp=$LVS_LAB_REPO/node_modules/.lvs-lab-lock.sha256
want=$(sha256sum "$LVS_LAB_REPO/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    lvs_log "installing npm dependencies (npm ci)"
    (cd "$LVS_LAB_REPO" && npm ci --no-audit --no-fund --ignore-scripts)
    echo "$want" >"$stamp"
fi

bash "$LVS_LAB_REPO/tools/toolchain.sh"
bash "$LVS_LAB_REPO/tools/build-image.sh"

# actionlint, for the unit test of .github/workflows (built once per version from Go modules).
if [[ ! -x $ACTIONLINT ]]; then
    if command -v go >/dev/null 2>&1; then
        lvs_log "building actionlint v$ACTIONLINT_VERSION from Go modules"
        GOBIN=$(dirname "$ACTIONLINT") CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
    else
        lvs_log "no Go toolchain, so no actionlint: the workflow unit test will fail"
    fi
fi

lvs_log "setup finished in $((SECONDS - started)) s"
