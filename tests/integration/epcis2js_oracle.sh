#!/usr/bin/env bash
# epcis2js_oracle.sh ZHILIANG_EXE - differential test of our EPCIS 2.0
# validation against the npm package epcis2.js (its validateEpcisDocument:
# the GS1 JSON Schema through ajv plus field-name checks).
#
# Rule: whatever epcis2.js rejects, `zhiliang hash --check` must reject too
# (we may be stricter, e.g. GS1 check digits, duplicate keys). Inputs: every
# GS1 example document, the CBV hash corpus, hand-written invalid documents,
# mutants of the examples, and a demo chain when `zhiliang demo generate`
# exists.
#
# epcis2.js is installed by npm_epcis2js.sh, cached under the build
# directory. Exit 77 (skipped) only when node or npm is missing.
set -u
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
exe=${1:?usage: epcis2js_oracle.sh ZHILIANG_EXE}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the epcis2.js oracle"
  exit 77
fi
builddir=${ZL_BUILD_DIR:-$(cd "$(dirname "$exe")/.." && pwd)}
cache=${ZL_EPCIS2JS_CACHE:-$builddir/epcis2js-oracle}
pkg=$cache/node_modules/epcis2.js
. "$here/npm_epcis2js.sh"
npm_epcis2js "$cache" zl-epcis2js-oracle || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a demo chain, when the demo generator is built in
if "$exe" demo generate --help >/dev/null 2>&1; then
  if "$exe" demo generate --seed 7 --scale 2 --per-doc 60 --out "$work/demo" \
       >/dev/null 2>"$work/demo.err"; then
    :
  else
    echo "note: zhiliang demo generate failed: $(head -3 "$work/demo.err")"
  fi
fi
node "$here/epcis2js_oracle.mjs" "$exe" "$pkg" "$work"
