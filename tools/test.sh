#!/usr/bin/env bash
# The test command (README, CI): unit tests, then the engine and VM tests, which run the real
# Pulumi engine and providers against a libvirtd in a private network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx vitest run "$@"
