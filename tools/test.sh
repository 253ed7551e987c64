#!/usr/bin/env bash
# The test command (README, CI): unit tests, then the engine and VM tests, which run the real
# Pulumi engine and providers against a libvirtd in a private network namespace.
# The VM suites listed in OUTSIDE_CI do not fit CI's time budget beside the others; `npm run
# test:vm` (tools/test.sh --all-vm) runs every VM suite, these included, one after another.
set -euo pipefail
cd "$(dirname "$0")/.."
OUTSIDE_CI=(test/engine/vm-dr-backends.test.ts)
if [[ ${1-} == --all-vm ]]; then
    shift
    exec npx vitest run --project engine "$@"
fi
exec npx vitest run "${OUTSIDE_CI[@]/#/--exclude=}" "$@"
