#!/usr/bin/env bash
# The test command (README, CI): unit tests, then the engine and VM tests, which run the real
# Pulumi engine and providers against a libvirtd in a private network namespace.
#   tools/test.sh          both vitest projects (what CI runs)
#   tools/test.sh --vm     the engine and VM suites only (`npm run test:vm`)
# Extra arguments go to vitest (e.g. a file to run one suite).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1-} == --vm ]]; then
    shift
    exec npx vitest run --project engine "$@"
fi
exec npx vitest run "$@"
