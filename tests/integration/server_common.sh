# server_common.sh - sourced by the server_*.sh integration tests: a fresh
# store with the demo chain and its parties, a server on an ephemeral port
# of 127.0.0.1, and small assertion helpers printing TAP-style lines.
#
#   zl_setup [serve options...]   sets EXE, TMP, STORE, U (base URL), PID
#                                 (STORE: a URI on the run's backend, see
#                                 store_common.sh)
#   ok NAME COMMAND...            passes when COMMAND succeeds
#   is NAME GOT WANT              passes when GOT == WANT
#   zl_finish                     stops the server, prints the totals
set -u
. "$(dirname "${BASH_SOURCE[0]}")/store_common.sh"
EXE=${1:?usage: $0 ZHILIANG_EXE}
pass=0 fail=0 n=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zl-server-test.XXXXXX")
STORE=$(zl_store_uri z "$TMP")
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null; fi
  # Sanitizer reports of the server (ASan/UBSan builds) would vanish with
  # $TMP: show them.
  if grep -q 'Sanitizer\|runtime error' "$TMP/serve.err" 2>/dev/null; then
    echo "# server sanitizer report:"; sed 's/^/# /' "$TMP/serve.err" | head -80
  fi
  rm -rf "$TMP"
  zl_store_cleanup
}
trap cleanup EXIT

ok() {
  local name=$1; shift
  n=$((n + 1))
  if "$@" >/dev/null 2>&1; then pass=$((pass + 1)); echo "ok $n - $name"
  else fail=$((fail + 1)); echo "not ok $n - $name"; fi
}
is() {
  n=$((n + 1))
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok $n - $1"
  else fail=$((fail + 1)); echo "not ok $n - $1 (got '$2', want '$3')"; fi
}

# Store with the demo dairy chain (seed 7, scale 2) and its master data.
zl_store() {
  "$EXE" init --store "$STORE" >/dev/null || exit 1
  "$EXE" demo generate --seed 7 --scale 2 --out "$TMP/demo" >/dev/null || exit 1
  "$EXE" party import "$TMP/demo/parties.json" --store "$STORE" >/dev/null || exit 1
  for f in "$TMP"/demo/chain-*.jsonld; do
    "$EXE" capture --store "$STORE" "$f" >/dev/null || exit 1
  done
}

# Start the server on a free port (port 0: the kernel picks, the server
# prints it) and wait until it answers.
zl_serve() {
  # emptied here, not only by the server's redirection: that happens in the
  # child after the fork, so the wait below could otherwise read the last
  # server's "listening on" line and then find the file empty
  : >"$TMP/serve.out"
  "$EXE" serve --store "$STORE" --listen 127.0.0.1:0 --quiet "$@" \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
  PID=$!
  local i
  # up to 30 s: a loaded machine (CI runs several builds' suites) has
  # taken more than 5 s to start a server; a server that died stops the
  # wait at once
  for i in $(seq 1 600); do
    if grep -q "listening on" "$TMP/serve.out" 2>/dev/null; then break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  U=$(sed -n 's/^listening on //p' "$TMP/serve.out")
  if [ -z "$U" ]; then echo "Bail out! server did not start"; cat "$TMP/serve.err"; exit 1; fi
}

zl_setup() {
  zl_store
  zl_serve "$@"
}

# HTTP status of a curl request (extra curl args follow the URL).
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

zl_finish() {
  echo "1..$n"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
