#!/usr/bin/env bash
# digital_link_oracle.sh ZHILIANG_EXE - differential test of our GS1 Digital
# Link parser against the npm package digital-link.js (GS1's reference SDK).
#
# The package is installed once into the build directory
# ($ZL_BUILD_DIR/digital-link-oracle, else next to the binary's build
# directory, or $ZL_ORACLE_CACHE) and reused. Exit 77
# (meson's "skipped") when node or npm is missing or the registry cannot be
# reached: the test compares with an outside implementation and has nothing
# to say without it.
set -u
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
exe=${1:?usage: digital_link_oracle.sh ZHILIANG_EXE}
here=$(cd "$(dirname "$0")" && pwd)
version=1.4.3

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the digital-link.js oracle"
  exit 77
fi
builddir=${ZL_BUILD_DIR:-$(cd "$(dirname "$exe")/.." && pwd)}
cache=${ZL_ORACLE_CACHE:-$builddir/digital-link-oracle}
pkg=$cache/node_modules/digital-link.js
if [ ! -f "$pkg/package.json" ] ||
   ! grep -q "\"version\": \"$version\"" "$pkg/package.json"; then
  mkdir -p "$cache"
  if ! timeout 180 npm install --prefix "$cache" --no-audit --no-fund \
       --no-save "digital-link.js@$version" >"$cache/npm.log" 2>&1; then
    echo "SKIP: npm install digital-link.js@$version failed:"
    tail -5 "$cache/npm.log"
    exit 77
  fi
fi
exec node "$here/digital_link_oracle.mjs" "$exe" "$pkg"
