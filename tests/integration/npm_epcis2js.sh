# npm_epcis2js.sh - sourced by the tests that run the npm package epcis2.js
# (epcis2js_oracle.sh, server_epcis2js.sh):
#
#   npm_epcis2js CACHE NAME   installs epcis2.js $EPCIS2JS_VERSION into
#                             CACHE (an npm project called NAME) unless that
#                             version is already there; on failure prints the
#                             end of npm's log and returns 1.
#
# epcis2.js 2.7.3 depends on the placeholder package fs@0.0.1-security, which
# the registry no longer serves; an npm "overrides" entry points it at an
# empty local package.
EPCIS2JS_VERSION=2.7.3

npm_epcis2js() {
  local cache=$1 name=$2 pkg=$1/node_modules/epcis2.js
  if [ -f "$pkg/package.json" ] &&
     grep -q "\"version\": \"$EPCIS2JS_VERSION\"" "$pkg/package.json"; then
    return 0
  fi
  mkdir -p "$cache/empty-fs"
  printf '{"name":"fs","version":"0.0.1-security"}\n' \
    >"$cache/empty-fs/package.json"
  cat >"$cache/package.json" <<JSON
{"name":"$name","private":true,
 "dependencies":{"epcis2.js":"$EPCIS2JS_VERSION"},
 "overrides":{"fs":"file:./empty-fs"}}
JSON
  if ! (cd "$cache" && timeout 300 npm install --no-audit --no-fund \
        >"$cache/npm.log" 2>&1); then
    echo "FAIL: npm install epcis2.js@$EPCIS2JS_VERSION failed:"
    tail -20 "$cache/npm.log"
    return 1
  fi
}
