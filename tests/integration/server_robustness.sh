#!/usr/bin/env bash
# server_robustness.sh ZHILIANG_EXE - hostile and malformed requests:
# bad methods, huge headers and URIs, bad percent-encoding and UTF-8,
# invalid and deeply nested JSON, lying Content-Length, random bytes,
# slowloris-style half-open requests, connection floods, HTTP/1.1
# framing (two Content-Length values, Host missing or twice, NUL in the
# target) and counts that must not wrap (perPage=-1, 40 digits). Each must
# get a 4xx/5xx answer or a closed connection (never a crash), and the
# server must keep answering normal requests throughout and afterwards.
# The access log shows no token and no raw control character.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
"$EXE" init --store "$STORE" >/dev/null || exit 1
"$EXE" party add --name 测试企业 --id t1 --gln 6940277700002 --store "$STORE" >/dev/null || exit 1
TOK=$("$EXE" token create --party t1 --store "$STORE" 2>/dev/null)
zl_serve --timeout 2 --per-ip 24 --max-body 65536 --threads 2
port=${U##*:}

py() { python3 - "$port" "$TOK" "$@"; }

# Each probe prints "name status" where status is the HTTP status or
# "closed"; the checks below compare with what the probe must get.
py >"$TMP/probes" <<'PY'
import socket, sys, random
port, tok = int(sys.argv[1]), sys.argv[2]
def raw(data, timeout=4, eof=False):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(timeout)
    out = b""
    try:
        s.sendall(data)
        if eof:  # half-close: the server sees the end at once
            s.shutdown(socket.SHUT_WR)
        while b"\r\n" not in out:
            d = s.recv(65536)
            if not d: break
            out += d
    except Exception:
        pass
    s.close()
    line = out.split(b"\r\n")[0].split(b" ")
    return line[1].decode() if len(line) > 1 and out.startswith(b"HTTP/") else "closed"
H = b"Host: 127.0.0.1\r\n"
A = ("Authorization: Bearer %s\r\n" % tok).encode()
probes = [
  ("bad_method", b"FOO /events HTTP/1.1\r\n" + H + b"\r\n"),
  ("delete", b"DELETE /capture HTTP/1.1\r\n" + H + b"\r\n"),
  ("huge_header", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n"),
  ("many_headers", b"GET / HTTP/1.1\r\n" + H + b"".join(b"H%d: v\r\n" % i for i in range(5000)) + b"\r\n"),
  ("huge_uri", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n" + H + b"\r\n"),
  ("pct_bad", b"GET /01/%zz HTTP/1.1\r\n" + H + b"\r\n"),
  ("pct_short", b"GET /01/09506000134352/10/%4 HTTP/1.1\r\n" + H + b"\r\n"),
  ("pct_query", b"GET /events?EQ_bizStep=%G1 HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("pct_nul", b"GET /search?q=%00 HTTP/1.1\r\n" + H + b"\r\n"),
  ("bad_utf8", b"GET /search?q=%FF%FE HTTP/1.1\r\n" + H + b"\r\n"),
  ("raw_utf8_bad", b"GET /01/\xff\xfe HTTP/1.1\r\n" + H + b"\r\n"),
  ("dl_bad_check", b"GET /01/09506000134353 HTTP/1.1\r\n" + H + b"\r\n"),
  ("dl_garbage", b"GET /01/abc/10/%2F%2F HTTP/1.1\r\n" + H + b"\r\n"),
  ("http_version", b"GET / HTTP/9.9\r\n\r\n"),
  ("neg_length", b"POST /capture HTTP/1.1\r\n" + H + b"Content-Length: -5\r\n\r\n"),
  ("huge_length", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Length: 99999999999\r\n\r\n"),
  ("invalid_json", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"type\":,"),
  ("deep_json", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n" + b"[" * 60000),
  ("json_not_utf8", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"type\":\"\xff\"}"),
  ("too_many_params", b"GET /events?" + b"&".join(b"a%d=1" % i for i in range(500)) + b" HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("bad_token", b"GET /events HTTP/1.1\r\n" + H + b"Authorization: Bearer \x01\x02zlt_\r\n\r\n"),
  ("long_token", b"GET /events HTTP/1.1\r\n" + H + b"Authorization: Bearer zlt_" + b"a" * 5000 + b"\r\n\r\n"),
  ("bad_epc_format", b"GET /events HTTP/1.1\r\n" + H + A + b"GS1-EPC-Format: \xff\r\n\r\n"),
  ("qr_long", b"GET /qr?code=" + b"1" * 5000 + b" HTTP/1.1\r\n" + H + b"\r\n"),
  ("host_injection", b"GET /01/09506000134352?linkType=all HTTP/1.1\r\nHost: evil\"><script>\r\n\r\n"),
  # HTTP/1.1 framing and target rules (RFC 9112 3.2, 6.3)
  ("two_content_lengths", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x"),
  ("same_content_length_twice", b"GET /healthz HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n"),
  ("length_and_chunked", b"POST /capture HTTP/1.1\r\n" + H + A + b"Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"),
  ("http11_no_host", b"GET /healthz HTTP/1.1\r\n\r\n"),
  ("two_hosts", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
  ("http10_no_host", b"GET /healthz HTTP/1.0\r\n\r\n"),
  ("nul_raw_path", b"GET /healthz\x00/x HTTP/1.1\r\n" + H + b"\r\n"),
  ("nul_raw_query", b"GET /events?EQ_bizStep=a\x00b HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("nul_pct_path", b"GET /01/%00 HTTP/1.1\r\n" + H + b"\r\n"),
  # query parameters that must not wrap or be clamped silently
  ("per_page_negative", b"GET /events?perPage=-1 HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("per_page_zero", b"GET /events?perPage=0 HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("per_page_40_digits", b"GET /events?perPage=" + b"9" * 40 + b" HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("count_limit_40_digits", b"GET /events?eventCountLimit=" + b"9" * 40 + b" HTTP/1.1\r\n" + H + A + b"\r\n"),
  ("max_count_signed", b"GET /events?maxEventCount=%2B5 HTTP/1.1\r\n" + H + A + b"\r\n"),
]
for name, data in probes:
    print(name, raw(data))
random.seed(1)
bad = 0
for i in range(200):
    n = random.randint(1, 400)
    junk = bytes(random.randint(0, 255) for _ in range(n))
    if random.random() < 0.5:
        junk = b"GET /" + junk + b" HTTP/1.1\r\n" + H + b"\r\n"
    else:
        junk += b"\r\n\r\n"
    st = raw(junk, timeout=3, eof=True)
    if st != "closed" and not (st.isdigit() and 400 <= int(st) < 600):
        bad += 1
print("fuzz_bad", bad)
PY

want() { # probe, allowed statuses (regex)
  local got
  got=$(awk -v p="$1" '$1 == p {print $2}' "$TMP/probes")
  n=$((n + 1))
  if [[ "$got" =~ ^($2)$ ]]; then pass=$((pass + 1)); echo "ok $n - $1 -> $got"
  else fail=$((fail + 1)); echo "not ok $n - $1 -> '$got', want $2"; fi
}
want bad_method 405
want delete 405
want huge_header 431
want many_headers 431
want huge_uri '414|431'
want pct_bad 400
want pct_short 400
want pct_query 400
want pct_nul 400
want bad_utf8 400
want raw_utf8_bad 400
want dl_bad_check 400
want dl_garbage 400
want http_version '505|400'
want neg_length '400|closed'
want huge_length 413
want invalid_json 400
want deep_json '400|413'
want json_not_utf8 400
want too_many_params '400|431|closed'
want bad_token '401|400|closed'
want long_token 401
want bad_epc_format 400
want qr_long 400
want host_injection 200
want two_content_lengths 400
want same_content_length_twice 200
want length_and_chunked 400
want http11_no_host 400
want two_hosts 400
want http10_no_host 200
want nul_raw_path 400
want nul_raw_query 400
want nul_pct_path 400
want per_page_negative 400
want per_page_zero 400
want per_page_40_digits 400
want count_limit_40_digits 400
want max_count_signed 400
want fuzz_bad 0
# A bad count names the parameter in the problem body.
for p in "perPage=-1" "perPage=$(printf '9%.0s' $(seq 40))" "eventCountLimit=0"; do
  body=$(curl -s -H "Authorization: Bearer $TOK" "$U/events?$p")
  ok "400 body names ${p%%=*}" jq -e --arg n "${p%%=*}" '.status == 400 and (.detail | startswith($n + ":"))' <<<"$body"
done
# Connections the probes left are reaped asynchronously and may still
# count against --per-ip for a moment: allow up to 3 s.
alive() {
  local i
  for i in $(seq 1 30); do
    [ "$(status "$U/healthz")" = 200 ] && { echo 200; return; }
    sleep 0.1
  done
  echo dead
}
is "alive after the probes" "$(alive)" 200
is "Host header never reaches the output" "$(curl -s -H 'Host: evil"><script>' "$U/01/09506000134352?linkType=all" | grep -c '<script>')" 0

sleep 2.5  # let the idle timeout reap half-closed probe connections
# A client that keeps the connection busy (a header byte every second,
# never idle for the 2 s timeout) is answered 408 after 4 x 2 s.
py >"$TMP/trickle" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
for i in range(10):
    time.sleep(1)
    s.sendall(b"X-%d: y\r\n" % i)
s.sendall(b"\r\n")
out = s.recv(200)
print("trickle", out.split(b" ")[1].decode() if out.startswith(b"HTTP/") else "closed")
PY
# Slowloris: 12 connections that send half a request line and then a
# byte every second; a normal client must be served meanwhile, and the
# idle timeout (2 s) must close the stragglers.
py >"$TMP/slow" <<'PY'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
socks = []
for i in range(12):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ")
    socks.append(s)
t0 = time.time()
ok = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5).status == 200
print("served_during", "yes" if ok else "no", round(time.time() - t0, 2))
time.sleep(4)
closed = 0
for s in socks:
    s.settimeout(1)
    try:
        s.sendall(b"b")
        if s.recv(100) == b"":
            closed += 1
    except Exception:
        closed += 1
print("closed_after_timeout", closed)
PY
is "request trickled past 4x the idle timeout -> 408" "$(awk '$1=="trickle"{print $2}' "$TMP/trickle")" 408
is "normal request served during slowloris" "$(awk '$1=="served_during"{print $2}' "$TMP/slow")" yes
is "idle slow connections closed by the timeout" "$(awk '$1=="closed_after_timeout"{print $2}' "$TMP/slow")" 12

# Concurrent captures and queries from several clients while the store is
# written: every capture commits, every query answers 200.
pids=()
for i in $(seq 1 8); do
  (
    body="{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\"2026-05-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-05-0${i}T08:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"epcList\":[\"https://id.gs1.org/01/09506000134352/21/C$i\"],\"bizLocation\":{\"id\":\"https://id.gs1.org/414/6940277700002\"}}]}}"
    s1=$(status -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' -d "$body" "$U/capture")
    s2=$(status -H "Authorization: Bearer $TOK" "$U/events?perPage=5")
    echo "$s1 $s2"
  ) >"$TMP/conc.$i" &
  pids+=($!)
done
wait "${pids[@]}"
is "concurrent captures all 202, queries all 200" "$(cat "$TMP"/conc.* | sort -u | tr '\n' ' ')" "202 200 "
is "all 8 concurrent events stored" "$(curl -s -H "Authorization: Bearer $TOK" "$U/events?MATCH_epc=https://id.gs1.org/01/09506000134352/21/*&perPage=100" | jq '.epcisBody.queryResults.resultsBody.eventList|length')" 8
sleep 2.5  # let the idle timeout reap what the concurrent clients left
# Connection flood from one address: past --per-ip the server refuses,
# and it serves again once they are gone.
py >"$TMP/flood" <<'PY'
import socket, sys
port = int(sys.argv[1])
socks, refused = [], 0
for i in range(40):  # 40 > --per-ip 24
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(2)
        if s.recv(100) == b"":
            refused += 1
        socks.append(s)
    except Exception:
        refused += 1
print("refused", refused)
for s in socks: s.close()
PY
ok "connections past --per-ip are refused" test "$(awk '$1=="refused"{print $2}' "$TMP/flood")" -ge 10
sleep 2.5
is "serves again after the flood" "$(alive)" 200

# The access log (a second server on the same store, not --quiet): no
# bearer token from the Authorization header or the URL, no raw control
# character from the request-target.
"$EXE" serve --store "$STORE" --listen 127.0.0.1:0 >"$TMP/log.out" 2>"$TMP/log.err" &
LPID=$!
for i in $(seq 1 100); do grep -q "listening on" "$TMP/log.out" 2>/dev/null && break; sleep 0.05; done
LU=$(sed -n 's/^listening on //p' "$TMP/log.out")
curl -s -o /dev/null -H "Authorization: Bearer $TOK" "$LU/events?perPage=1"
curl -s -o /dev/null -H "Authorization: Bearer $TOK" "$LU/events?access_token=$TOK&token=zlt_0123456789abcdef_secret"
python3 - "${LU##*:}" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /search?q=\x1b]0;pwned\x07\x1b[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
s.recv(100); s.close()
PY
sleep 0.3
kill -TERM "$LPID"; wait "$LPID" 2>/dev/null
is "access log has the requests" "$(grep -c '^GET /events' "$TMP/log.err")" 2
is "no token in the access log" "$(grep -c -e "$TOK" -e 'zlt_0123' "$TMP/log.err")" 0
is "token parameters are shown redacted" "$(grep -c 'access_token=\[redacted\]&token=\[redacted\]' "$TMP/log.err")" 1
is "no raw control character in the access log" "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/log.err")" 0
is "control characters shown escaped" "$(grep -c 'q=\\u001b\]0;pwned\\u0007' "$TMP/log.err")" 1

zl_finish
