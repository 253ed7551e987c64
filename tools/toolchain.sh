#!/usr/bin/env bash
# Builds the Pulumi toolchain from Go modules, for machines that reach only the npm registry, the
# Go module proxy and Debian: the CLI at the version package.json pins, the Node.js language host
# from the same commit, and the resource plugins, installed into the project's PULUMI_HOME.
# Idempotent: finished binaries are kept in LVS_LAB_CACHE and only missing pieces are built.
# On a machine with internet and a system `pulumi` of the pinned version, it does nothing.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# pulumi-language-nodejs has no tags; the Go proxy serves it at the commit of these releases.
declare -A LANGUAGE_HOST_PSEUDO=(
    [3.121.0]=v3.0.0-20240622000434-79e814fe0f21
)
export GOFLAGS=-mod=mod CGO_ENABLED=0
# The checksum database has no entry for the language host's pseudo-version.
export GONOSUMDB=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs
RELEASE_FLAGS=(-trimpath -tags "osusergo,grpcnotrace")
# Older releases read the version from pkg/v3/version, newer ones from sdk/v3; set both.
VERSION_FLAGS="-X github.com/pulumi/pulumi/pkg/v3/version.Version=v$PULUMI_VERSION -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"

system_pulumi() {
    [[ ${LVS_LAB_TOOLCHAIN:-auto} != offline ]] && command -v pulumi >/dev/null 2>&1 &&
        [[ $(pulumi version 2>/dev/null) == "v$PULUMI_VERSION" ]]
}

# The stamp of a plugin's Go sources: a build is redone only when they change.
plugin_stamp() {
    # A module without .json files (the command plugin's) leaves a glob unmatched: cat fails on it,
    # and under pipefail a build that succeeded would count as failed.
    { cat "$1"/go.mod "$1"/go.sum "$1"/*.go "$1"/*.json 2>/dev/null || true; } | sha256sum | cut -c1-16
}

# True when OUT was built from SRC as it is now.
plugin_built() {
    local src=$1 out=$2
    [[ -x $out && -f $out.stamp && $(cat "$out.stamp") == "$(plugin_stamp "$src")" ]]
}

COMMAND_PLUGIN_BUILD=$LVS_LAB_CACHE/toolchain/plugins/pulumi-resource-command-v$COMMAND_VERSION-lvs-lab
LIBVIRT_PLUGIN_BUILD=$LVS_LAB_CACHE/toolchain/plugins/pulumi-resource-libvirt-v$LIBVIRT_VERSION

# --needs-go: exit 0 when a run would build something from Go modules, 1 when everything is there
# or comes from the system pulumi (tools/requirements.sh asks, so Go is required only then). A
# first run that may install the official command plugin does not count: the CLI build decides.
if [[ ${1:-} == --needs-go ]]; then
    system_pulumi && exit 1
    [[ -x $TOOLCHAIN_DIR/pulumi && -x $TOOLCHAIN_DIR/pulumi-language-nodejs &&
        $("$TOOLCHAIN_DIR/pulumi" version 2>/dev/null) == "v$PULUMI_VERSION" ]] || exit 0
    plugin_built "$LVS_LAB_REPO/tools/libvirt-provider" "$LIBVIRT_PLUGIN_BUILD" || exit 0
    marker=$(cat "$COMMAND_PLUGIN_MARKER" 2>/dev/null || true)
    if [[ $marker == lvs-lab || ($marker != official && ${LVS_LAB_TOOLCHAIN:-auto} == offline) ]]; then
        plugin_built "$LVS_LAB_REPO/tools/command-provider" "$COMMAND_PLUGIN_BUILD" || exit 0
    fi
    exit 1
fi

mkdir -p "$LVS_LAB_CACHE/toolchain" "$PULUMI_HOME_DIR"

# The command plugin: the official one when the ordinary `pulumi plugin install` can fetch it,
# otherwise the project's own implementation (tools/command-provider) built from Go modules.
# Which one is in use is written to $COMMAND_PLUGIN_MARKER for `lab status` and the README.
#   install_official_command_plugin CLI
install_official_command_plugin() {
    [[ ${LVS_LAB_TOOLCHAIN:-auto} == offline ]] && return 1
    PULUMI_HOME=$PULUMI_HOME_DIR timeout 120 "$1" plugin install resource command "$COMMAND_VERSION" \
        >"$LVS_LAB_CACHE/toolchain/command-install.log" 2>&1
}

if system_pulumi; then
    lvs_log "using the system pulumi v$PULUMI_VERSION; plugins install from the network as usual"
    if [[ $(cat "$COMMAND_PLUGIN_MARKER" 2>/dev/null) == official ]] || install_official_command_plugin pulumi; then
        echo official >"$COMMAND_PLUGIN_MARKER"
        lvs_log "command plugin: the official pulumi-resource-command v$COMMAND_VERSION"
    else
        rm -f "$COMMAND_PLUGIN_MARKER"
        lvs_log "the official command plugin could not be installed now (see $LVS_LAB_CACHE/toolchain/command-install.log); pulumi up installs it"
    fi
    exit 0
fi

mkdir -p "$TOOLCHAIN_DIR" "$LVS_LAB_CACHE/toolchain/src"

build_cli() {
    local src=$LVS_LAB_CACHE/toolchain/src/pulumi-v$PULUMI_VERSION
    local host=${LANGUAGE_HOST_PSEUDO[$PULUMI_VERSION]:-}
    if [[ -z $host ]]; then
        lvs_log "no known pulumi-language-nodejs pseudo-version for v$PULUMI_VERSION; add it to LANGUAGE_HOST_PSEUDO"
        return 1
    fi
    if [[ -x $TOOLCHAIN_DIR/pulumi && -x $TOOLCHAIN_DIR/pulumi-language-nodejs &&
        $("$TOOLCHAIN_DIR/pulumi" version) == "v$PULUMI_VERSION" ]]; then
        return 0
    fi
    lvs_log "building pulumi v$PULUMI_VERSION and pulumi-language-nodejs from Go modules (cold: about 10 minutes)"
    mkdir -p "$src"
    cat >"$src/go.mod" <<GOMOD
module lvs-lab.local/pulumi-toolchain

go 1.22

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 $host
)

// pkg's own go.mod replaces clipboard; replaces are not inherited, so repeat it.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
    cat >"$src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
)
GO
    (
        cd "$src"
        go mod tidy
        go build "${RELEASE_FLAGS[@]}" -ldflags "$VERSION_FLAGS" \
            -o "$TOOLCHAIN_DIR/pulumi-language-nodejs.new" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
        # -checklinkname=0: this release's pgavlin/text links to internal/bytealg, which Go >= 1.23 refuses.
        go build "${RELEASE_FLAGS[@]}" -ldflags "-checklinkname=0 $VERSION_FLAGS" \
            -o "$TOOLCHAIN_DIR/pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        # The dynamic-provider launcher ships with the Node SDK's sources in the sdk module.
        install -m 0755 "$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)/nodejs/dist/pulumi-resource-pulumi-nodejs" \
            "$TOOLCHAIN_DIR/pulumi-resource-pulumi-nodejs"
    )
    mv "$TOOLCHAIN_DIR/pulumi-language-nodejs.new" "$TOOLCHAIN_DIR/pulumi-language-nodejs"
    mv "$TOOLCHAIN_DIR/pulumi.new" "$TOOLCHAIN_DIR/pulumi"
}

# Builds a plugin from a Go module in this repository into OUT, once per content of its sources.
#   build_plugin_source SRC OUT [go build flags...]
build_plugin_source() {
    local src=$1 out=$2
    shift 2
    plugin_built "$src" "$out" && return 0
    lvs_log "building $(basename "$out") from ${src#"$LVS_LAB_REPO"/}"
    mkdir -p "$(dirname "$out")"
    (cd "$src" && go build "${RELEASE_FLAGS[@]}" "$@" -o "$out" .)
    plugin_stamp "$src" >"$out.stamp"
}

install_plugin() {
    local name=$1 version=$2 file=$3
    if [[ ! -x $PULUMI_HOME_DIR/plugins/resource-$name-v$version/pulumi-resource-$name ]] ||
        ! cmp -s "$file" "$PULUMI_HOME_DIR/plugins/resource-$name-v$version/pulumi-resource-$name"; then
        PULUMI_HOME=$PULUMI_HOME_DIR "$TOOLCHAIN_DIR/pulumi" plugin install resource "$name" "$version" --file "$file" --reinstall
    fi
}

build_cli
mkdir -p "$PULUMI_HOME_DIR"
missing=()
if build_plugin_source "$LVS_LAB_REPO/tools/libvirt-provider" "$LIBVIRT_PLUGIN_BUILD"; then
    install_plugin libvirt "$LIBVIRT_VERSION" "$LIBVIRT_PLUGIN_BUILD"
else
    missing+=("libvirt $LIBVIRT_VERSION")
fi
if [[ $(cat "$COMMAND_PLUGIN_MARKER" 2>/dev/null) == official ]] ||
    { [[ ! -f $COMMAND_PLUGIN_MARKER ]] && install_official_command_plugin "$TOOLCHAIN_DIR/pulumi"; }; then
    echo official >"$COMMAND_PLUGIN_MARKER"
    lvs_log "command plugin: the official pulumi-resource-command v$COMMAND_VERSION"
elif build_plugin_source "$LVS_LAB_REPO/tools/command-provider" "$COMMAND_PLUGIN_BUILD" -ldflags "-X main.version=$COMMAND_VERSION"; then
    install_plugin command "$COMMAND_VERSION" "$COMMAND_PLUGIN_BUILD"
    echo lvs-lab >"$COMMAND_PLUGIN_MARKER"
    lvs_log "command plugin: the official one could not be installed (see $LVS_LAB_CACHE/toolchain/command-install.log); using lvs-lab's own v$COMMAND_VERSION (tools/command-provider)"
else
    missing+=("command $COMMAND_VERSION")
fi
lvs_log "toolchain: $("$TOOLCHAIN_DIR/pulumi" version) (pulumi, pulumi-language-nodejs) in $TOOLCHAIN_DIR"
PULUMI_HOME=$PULUMI_HOME_DIR "$TOOLCHAIN_DIR/pulumi" plugin ls >&2
if ((${#missing[@]})); then
    lvs_log "could not build the plugins ${missing[*]} (the go build's output is above); no lab comes up without them"
    exit 1
fi
