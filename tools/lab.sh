#!/usr/bin/env bash
# Day-to-day commands for a lab in the sandbox (default stack: `default`).
#   lab.sh up [STACK]        start the sandbox and `pulumi up` the stack inside it
#   lab.sh preview [STACK]   `pulumi preview --diff` inside the sandbox
#   lab.sh destroy [STACK]   `pulumi destroy`, then stop the sandbox
#   lab.sh exec CMD...       run a command inside the sandbox (e.g. curl the VIP)
#   lab.sh status            whether the sandbox is up
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

engine() {
    local stack=$1
    shift
    bash "$here/sandbox.sh" exec bash "$here/pulumi" -C "$LVS_LAB_REPO" --non-interactive "$@" --stack "$stack"
}

cmd=${1:-}
stack=${2:-default}
case $cmd in
    up)
        bash "$here/sandbox.sh" up
        bash "$here/pulumi" -C "$LVS_LAB_REPO" stack select --create "$stack" >/dev/null
        engine "$stack" up --yes
        ;;
    preview)
        bash "$here/sandbox.sh" up
        bash "$here/pulumi" -C "$LVS_LAB_REPO" stack select --create "$stack" >/dev/null
        engine "$stack" preview --diff
        ;;
    destroy)
        bash "$here/sandbox.sh" up
        engine "$stack" destroy --yes
        bash "$here/sandbox.sh" down
        ;;
    exec)
        shift
        exec bash "$here/sandbox.sh" exec "$@"
        ;;
    status) bash "$here/sandbox.sh" status ;;
    *)
        sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
