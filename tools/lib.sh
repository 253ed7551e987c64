# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file
# Shared paths and pinned versions for lvs-lab's tools. Sourced, not run.
# Everything reusable lives outside the clone (LVS_LAB_CACHE); the clone holds only .lab/ state.
LVS_LAB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LVS_LAB_CACHE=${LVS_LAB_CACHE:-$HOME/.cache/lvs-lab}
# Versions come from the manifests, so there is one place to bump them.
PULUMI_VERSION=$(node -p "require('$LVS_LAB_REPO/package.json').dependencies['@pulumi/pulumi']")
COMMAND_VERSION=$(node -p "require('$LVS_LAB_REPO/package.json').dependencies['@pulumi/command']")
LIBVIRT_VERSION=$(node -p "require('$LVS_LAB_REPO/tools/libvirt-provider/schema.json').version")
TOOLCHAIN_DIR=$LVS_LAB_CACHE/toolchain/pulumi-v$PULUMI_VERSION
# Project-local engine home (plugins, credentials) and file backend: nothing touches ~/.pulumi.
# LVS_LAB_PULUMI_HOME moves the home (the unit tests of setup's tools use their own).
PULUMI_HOME_DIR=${LVS_LAB_PULUMI_HOME:-$LVS_LAB_REPO/.lab/pulumi-home}
PULUMI_STATE_DIR=$LVS_LAB_REPO/.lab/state
# Which command plugin setup installed: "official" or "lvs-lab" (tools/command-provider).
COMMAND_PLUGIN_MARKER=$PULUMI_HOME_DIR/command-plugin
# The GitHub workflow linter the unit tests run (test/unit/workflow.test.ts); setup builds it.
ACTIONLINT_VERSION=1.7.12
ACTIONLINT=$LVS_LAB_CACHE/actionlint-v$ACTIONLINT_VERSION/actionlint

lvs_log() {
    printf 'lvs-lab: %s\n' "$*" >&2
}
