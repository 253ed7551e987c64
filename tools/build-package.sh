#!/usr/bin/env bash
# Builds the components package (`npm run build`): components/ compiled to JS with declarations,
# plus the assets the renderers read at run time, into PKG_DIR/bin.
#   build-package.sh            into the clone itself (bin/, what package.json's exports name)
#   build-package.sh PKG_DIR    into PKG_DIR as an installed copy (bin/ and package.json), e.g.
#                               <consumer>/node_modules/lvs-lab, which the tests use
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

pkg_dir=${1:-$LVS_LAB_REPO}
mkdir -p "$pkg_dir"
pkg_dir=$(cd "$pkg_dir" && pwd)
rm -rf "${pkg_dir:?}/bin"
(cd "$LVS_LAB_REPO" && npx --no-install tsc -p tsconfig.build.json --outDir "$pkg_dir/bin")
# The IPVS renderer reads its reconciler from next to itself (render/assets/).
cp -r "$LVS_LAB_REPO/components/render/assets" "$pkg_dir/bin/render/"
if [[ $pkg_dir != "$LVS_LAB_REPO" ]]; then
    cp "$LVS_LAB_REPO/package.json" "$pkg_dir/"
fi
