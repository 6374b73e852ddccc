# playwright_common.sh - sourced by the browser tests: Debian's Chromium
# ($CHROMIUM) driven by playwright-core from npm, pinned and installed
# once per build directory ($PW_MODULES: its node_modules). Exits 77
# (skip) without chromium or npm, 1 when the install fails.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] || ! command -v npm >/dev/null; then
  echo "SKIP: chromium or npm missing"; exit 77
fi
PW_VERSION=1.65.2
pw_cache=${ZL_BUILD_DIR:-${TMPDIR:-/tmp}}/npm-playwright
mkdir -p "$pw_cache"
if ! grep -q "\"version\": \"$PW_VERSION\"" "$pw_cache/node_modules/playwright-core/package.json" 2>/dev/null; then
  printf '{"name":"zl-layout","private":true,"dependencies":{"playwright-core":"%s"}}\n' "$PW_VERSION" >"$pw_cache/package.json"
  (cd "$pw_cache" && timeout 300 npm install --no-audit --no-fund >"$pw_cache/npm.log" 2>&1) ||
    { echo "FAIL: npm install playwright-core"; tail -20 "$pw_cache/npm.log"; exit 1; }
fi
PW_MODULES=$pw_cache/node_modules
