#!/usr/bin/env python3
"""bench_reads_http.py - reads through the doors users open, over HTTP.

    bench_reads_http.py STORE [--exe ZHILIANG] [--peer-exe EXE --peer-store S]
                        [--party ID]... [--dur SECS] [--conn N] [--samples N]
                        [--only NAME] [--capture-docs DIR --capture-every S]

What it measures, with wrk (Debian package wrk) over keep-alive
connections (default 2), each request a different sampled value:
  1. GET /events with one filter, first page of 100 by eventTime (what
     `zhiliang events` and an EPCIS client ask): EQ_bizStep,
     EQ_disposition, EQ_readPoint, EQ_bizLocation, MATCH_epc, MATCH_anyEPC,
     MATCH_anyEPC with a GTIN class pattern (<GTIN>/21/*), GE_eventTime,
     LT_eventTime, EQ_eventID; values from events picked at uniformly
     random event times (so a value is asked as often as events carry it).
  2. GET /api/trace/back of retail-sold items, /api/trace/forward of the
     same items and of lots (a sampled event's quantity classes: milk and
     collection lots, thousands of nodes each).
Each request carries a token of one party (--party, repeatable; default:
a regulator of region 15, BENCH-REG-15, registered if missing): the read
rule decides what a party sees, so the figures are per party kind.

Each figure carries the server's CPU time per request (user + system,
from /proc, over the run), beside the wall-clock latencies. Before wrk
asks a trace line's ids, each is asked once and timed on its own (the
"first ask": the page cache and the server's memo cold for that item;
ours first, then the peer's); wrk's figures are of a server that has
answered each id once.

Peers, same run: --peer-exe serving --peer-store (the previous build on its
own copy of the store: the same requests, one after the other per line),
and for traces WITH RECURSIVE over the same tables on the same ids
(bench_trace's SQL, run here through Python's sqlite3, median / p99 of
each id). Prints req/s, p50 and p99 for ours and the peer's and the ratio.

--capture-docs DIR (documents DIR/*.jsonld, e.g. bench_capture --keep's,
of another seed) with --capture-every S: while wrk asks a trace line, a
`zhiliang capture` of the next document lands on the server's store every S
seconds (the peer's store gets the same documents in the same order), so
the trace figures are those of a platform that is capturing.

The store is written to (a party and tokens are added): use a copy.
"""
import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

WRK_LUA = r"""
local paths = {}
for line in io.lines(os.getenv("ZL_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Server:
    def __init__(self, exe, store, tmp, name):
        self.out = open(os.path.join(tmp, name + ".out"), "w+")
        self.p = subprocess.Popen(
            [exe, "serve", "--store", store, "--listen", "127.0.0.1:0",
             "--quiet"], stdout=self.out, stderr=subprocess.STDOUT)
        for _ in range(600):
            self.out.seek(0)
            m = re.search(r"listening on (\S+)", self.out.read())
            if m:
                self.url = m.group(1)
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("bench_reads_http: %s did not start" % exe)

    def cpu(self):
        """CPU seconds (user + system) the server has used so far."""
        with open("/proc/%d/stat" % self.p.pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.p.terminate()
        self.p.wait()


def events(exe, store, *params):
    r = run([exe, "events", "--store", store, "--json"] + list(params))
    if r.returncode:
        return []
    try:
        d = json.loads(r.stdout)
    except ValueError:
        return []
    return d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def ms_of(t):
    r = run(["date", "-u", "-d", t, "+%s%3N"])
    return int(r.stdout.strip())


def iso(ms):
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
    return "%s.%03dZ" % (s, ms % 1000)


def sample(exe, store, n, rng):
    """n events at uniformly random event times (local access)."""
    lo = events(exe, store, "perPage=1")
    hi = events(exe, store, "perPage=1", "orderDirection=DESC")
    if not lo or not hi:
        raise SystemExit("bench_reads_http: the store has no events")
    t0, t1 = ms_of(lo[0]["eventTime"]), ms_of(hi[0]["eventTime"])
    out = []
    for _ in range(n):
        t = t0 + int(rng.random() * (t1 - t0))
        out += events(exe, store, "perPage=1", "GE_eventTime=" + iso(t))
    return out, t0, t1


def first_epc(ev, roles=("epcList", "childEPCs")):
    for k in roles:
        if ev.get(k):
            return ev[k][0]
    return None


def any_epc(ev):
    return ev.get("parentID") or first_epc(
        ev, ("epcList", "childEPCs", "inputEPCList", "outputEPCList"))


ID_CACHE = {}


def id_forms(exe, v):
    """`zhiliang id --json` of identifier v (cached)."""
    if v not in ID_CACHE:
        r = run([exe, "id", "--json", v])
        try:
            ID_CACHE[v] = json.loads(r.stdout)
        except ValueError:
            ID_CACHE[v] = {}
    return ID_CACHE[v]


def dl(exe, v):
    """The canonical form of identifier v (as the store keeps it)."""
    if not v:
        return v
    return id_forms(exe, v).get("canonical") or v


def class_pattern(exe, v):
    """<GTIN>/21/* for a serialised item in any form, else None."""
    v = dl(exe, v)
    m = v and re.match(r"(https://id\.gs1\.org/01/\d{14}/21/)", v)
    return m.group(1) + "*" if m else None


def idpat(exe, v):
    """urn:epc:idpat:sgtin:C.I.* for a serialised item, else None."""
    u = v and id_forms(exe, v).get("epc_urn") or ""
    m = re.match(r"urn:epc:id:sgtin:(\d+\.\d+)\.", u)
    return "urn:epc:idpat:sgtin:%s.*" % m.group(1) if m else None


def filters(exe, sm):
    f = {k: [] for k in [
        "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
        "MATCH_epc", "MATCH_anyEPC", "MATCH_anyEPC=<GTIN>/21/*",
        "MATCH_anyEPC=idpat:sgtin:C.I.*",
        "GE_eventTime", "LT_eventTime", "EQ_eventID", "EQ_action",
        "EQ_transformationID"]}
    for ev in sm:
        def put(k, v):
            if v:
                f[k].append(v)
        put("EQ_bizStep", ev.get("bizStep"))
        put("EQ_disposition", ev.get("disposition"))
        put("EQ_readPoint", (ev.get("readPoint") or {}).get("id"))
        put("EQ_bizLocation", (ev.get("bizLocation") or {}).get("id"))
        put("MATCH_epc", first_epc(ev))
        put("MATCH_anyEPC", any_epc(ev))
        put("MATCH_anyEPC=<GTIN>/21/*", class_pattern(exe, any_epc(ev)))
        put("MATCH_anyEPC=idpat:sgtin:C.I.*", idpat(exe, any_epc(ev)))
        put("GE_eventTime", ev.get("eventTime"))
        put("LT_eventTime", ev.get("eventTime"))
        put("EQ_eventID", ev.get("eventID"))
        put("EQ_action", ev.get("action"))
        put("EQ_transformationID", ev.get("transformationID"))
    return f


class Capturer:
    """Captures the next of docs into store every `every` seconds, on a
    thread, until stopped (a platform capturing while it answers)."""

    def __init__(self, exe, store, docs, every):
        self.exe, self.store, self.docs, self.every = exe, store, docs, every
        self.n = 0
        self.done = threading.Event()
        self.t = threading.Thread(target=self.loop)
        self.t.start()

    def loop(self):
        while not self.done.wait(self.every) and self.docs:
            r = subprocess.run([self.exe, "capture", "--store", self.store,
                                self.docs.pop(0)], capture_output=True)
            if r.returncode:
                sys.exit("capture failed: %s" % r.stderr.decode())
            self.n += 1

    def stop(self):
        self.done.set()
        self.t.join()
        return self.n


def wrk(srv, paths, token, tmp, dur, conn):
    url = srv.url
    c0 = srv.cpu()
    pf = os.path.join(tmp, "paths.txt")
    with open(pf, "w") as o:
        o.write("\n".join(paths) + "\n")
    lua = os.path.join(tmp, "paths.lua")
    with open(lua, "w") as o:
        o.write(WRK_LUA)
    env = dict(os.environ, ZL_PATHS=pf)
    r = run(["wrk", "-t%d" % min(conn, 2), "-c%d" % conn, "-d%ds" % dur,
             "--latency", "--timeout", "10s", "-s", lua, "-H", "Authorization: Bearer " + token,
             url], env=env)
    o = r.stdout

    def lat(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\b" % p, o, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", o)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", o)
    reqs = re.search(r"(\d+) requests in", o)
    n = int(reqs.group(1)) if reqs else 0
    cpu = srv.cpu() - c0
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": lat(50),
            "p99": lat(99), "bad": int(bad.group(1)) if bad else 0,
            "cpu": cpu, "cpu_req": cpu * 1e3 / n if n else float("nan")}


def first_asks(srv, paths, token):
    """Each path asked once over one keep-alive connection, timed (ms,
    sorted): the requests that meet the page cache and the server's memo
    cold for their item. wrk's run that follows measures a server that has
    answered each path once, as one that has been serving would have."""
    u = urllib.parse.urlparse(srv.url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    lat = []
    for p in paths:
        t = time.perf_counter()
        c.request("GET", p, headers={"Authorization": "Bearer " + token})
        c.getresponse().read()
        lat.append((time.perf_counter() - t) * 1e3)
    c.close()
    return sorted(lat)


def fmt(r):
    if not r["rps"]:
        return "%-32s" % "none answered in time"
    s = "%8.1f req/s %8.2f %8.2f ms, server CPU %.2f ms/req" % (
        r["rps"], r["p50"], r["p99"], r["cpu_req"])
    return s + ("  (non-2xx %d)" % r["bad"] if r["bad"] else "")


def ratio(a, b):
    if not a["rps"] or not b["rps"]:
        return ""
    return "  %.1fx req/s" % (a["rps"] / b["rps"])


def token(exe, store, party):
    r = run([exe, "token", "create", "--party", party, "--store", store])
    if r.returncode:
        raise SystemExit("bench_reads_http: token for %s: %s" %
                         (party, r.stderr.strip()))
    return r.stdout.strip().split()[-1]


def ensure_regulator(exe, store, party, region):
    r = run([exe, "party", "list", "--json", "--store", store])
    if any(p.get("id") == party for p in json.loads(r.stdout or "[]")):
        return
    r = run([exe, "party", "add", "--name", "Bench regulator " + region,
             "--kind", "regulator", "--region", region, "--id", party,
             "--store", store])
    if r.returncode:
        raise SystemExit("bench_reads_http: %s" % r.stderr.strip())


# bench_trace.c's recursive SQL over the interned tables (schema >= 12).
SQL_CONTAINER = (
    " UNION SELECT p.n FROM r JOIN event_occ c ON c.n = r.n"
    "  AND c.role IN (3,7) JOIN events ce ON ce.rid = c.ev"
    "  AND ce.action = 1 AND ce.type IN (2,5)"
    "  JOIN event_occ p ON p.ev = c.ev AND p.role = 2")


def sql_step(frm, to, cls, inst):
    return (
        " UNION SELECT t.n FROM r JOIN event_occ f ON f.n = r.n"
        "  AND f.role IN " + frm + " JOIN event_occ t ON t.ev = f.ev"
        "  AND t.role IN " + to +
        " UNION SELECT t.n FROM r JOIN event_occ f ON f.n = r.n"
        "  AND f.role IN " + frm + " JOIN events e ON e.rid = f.ev"
        "  JOIN events e2 ON e2.transformation_id = e.transformation_id"
        "  JOIN event_occ t ON t.ev = e2.rid AND t.role IN " + to +
        " UNION SELECT q.n FROM r JOIN event_occ x ON x.n = r.n"
        "  AND x.role = " + cls + " JOIN events xe ON xe.rid = x.ev"
        "  AND xe.type = 1 AND xe.action = 1"
        "  JOIN event_occ q ON q.ev = x.ev AND q.role = " + inst)


def sql_trace(steps):
    return ("WITH RECURSIVE r(n) AS (SELECT n FROM idents WHERE id = ?1" +
            SQL_CONTAINER + steps + ") SELECT (SELECT count(*) FROM r),"
            " (SELECT count(DISTINCT ev) FROM event_occ WHERE n IN r)")


SQL_BACK = sql_trace(sql_step("(5,9)", "(4,8)", "1", "6"))
SQL_FWD = sql_trace(sql_step("(4,8)", "(5,9)", "6", "1"))


def recursive(store, sql, ids, dur):
    """Median and p99 (ms) of the recursive SQL over ids for dur seconds,
    or None when the store is not an SQLite file with interned tables."""
    if "://" in store:
        return None
    db = sqlite3.connect(store)
    # since schema 26 idents holds codes (ident_code.c), which this SQL
    # cannot look up without the C function zl_ident_code (bench_trace
    # registers it and runs the same SQL): no peer line here then
    if not db.execute("SELECT count(*) FROM pragma_table_info('idents')"
                      " WHERE name = 'id'").fetchone()[0]:
        db.close()
        return None
    try:
        db.execute("CREATE INDEX IF NOT EXISTS bench_event_occ_ev"
                   " ON event_occ(ev, role)")
        db.commit()
    except sqlite3.Error:
        return None
    lat, t0, i = [], time.monotonic(), 0
    while time.monotonic() - t0 < dur or i < 5:
        t = time.monotonic()
        db.execute(sql, (ids[i % len(ids)],)).fetchall()
        lat.append((time.monotonic() - t) * 1e3)
        i += 1
    db.close()
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(0.99 * len(lat)))]


def drop_recursive_index(store):
    if "://" in store:
        return
    db = sqlite3.connect(store)
    db.execute("DROP INDEX IF EXISTS bench_event_occ_ev")
    db.commit()
    db.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--exe", default="build/cli/zhiliang")
    ap.add_argument("--peer-exe")
    ap.add_argument("--peer-store")
    ap.add_argument("--party", action="append")
    ap.add_argument("--dur", type=int, default=3)
    ap.add_argument("--conn", type=int, default=2)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--only")
    ap.add_argument("--no-traces", action="store_true")
    ap.add_argument("--no-queries", action="store_true")
    ap.add_argument("--capture-docs")
    ap.add_argument("--capture-every", type=float, default=1.0)
    a = ap.parse_args()
    exe = os.path.abspath(a.exe)
    peer = a.peer_exe and a.peer_store
    parties = a.party or ["BENCH-REG-15"]
    rng = random.Random(1)
    docs = sorted(os.path.join(a.capture_docs, f)
                  for f in os.listdir(a.capture_docs)
                  if f.endswith(".jsonld")) if a.capture_docs else []
    queues = {}
    with tempfile.TemporaryDirectory(prefix="zl-reads-http.") as tmp:
        stores = [(exe, a.store)] + ([(os.path.abspath(a.peer_exe),
                                       a.peer_store)] if peer else [])
        toks = {}
        for e, st in stores:
            for p in parties:
                if p.startswith("BENCH-REG-"):
                    ensure_regulator(e, st, p, p[len("BENCH-REG-"):])
                toks[(st, p)] = token(e, st, p)
        sm, t0, t1 = sample(exe, a.store, a.samples, rng)
        fl = filters(exe, sm)
        print("store %s: %d sample events; wrk %d connections, %d s each,"
              " keep-alive; load average %s" %
              (a.store, len(sm), a.conn, a.dur,
               open("/proc/loadavg").read().split()[0]))
        srv = [Server(e, st, tmp, "s%d" % i) for i, (e, st) in
               enumerate(stores)]
        try:
            for p in parties:
                print("party %s: ours | peer (%s), req/s  p50  p99" %
                      (p, a.peer_exe if peer else "none"))
                if not a.no_queries:
                    for name, vals in fl.items():
                        if a.only and a.only != name:
                            continue
                        key = name.split("=")[0]
                        paths = ["/events?%s=%s&perPage=100" %
                                 (key, urllib.parse.quote(v, safe=""))
                                 for v in vals]
                        if not paths:
                            print("  %-26s (no sample)" % name)
                            continue
                        rs = [wrk(s, paths, toks[(st, p)], tmp, a.dur,
                                  a.conn) for s, (e, st) in zip(srv, stores)]
                        line = "  %-26s %s" % (name, fmt(rs[0]))
                        if peer:
                            line += " | %s%s" % (fmt(rs[1]),
                                                 ratio(rs[0], rs[1]))
                        print(line)
                        sys.stdout.flush()
                if a.no_traces:
                    continue
                items = [dl(exe, v) for ev in sm
                         if ev.get("bizStep", "").endswith("retail_selling")
                         for v in (ev.get("epcList") or [])[:1]]
                lots = sorted({q["epcClass"] for ev in sm
                               for k in ("quantityList", "inputQuantityList",
                                         "outputQuantityList")
                               for q in (ev.get(k) or [])})
                lots = [dl(exe, v) for v in lots][:8]
                for name, path, ids, sql in [
                        ("trace back, retail item", "/api/trace/back", items,
                         SQL_BACK),
                        ("trace forward, retail item", "/api/trace/forward",
                         items, SQL_FWD),
                        ("trace forward, lot", "/api/trace/forward",
                         lots, SQL_FWD)]:
                    if not ids:
                        print("  %-26s (no sample)" % name)
                        continue
                    paths = ["%s?id=%s" % (path, urllib.parse.quote(v, safe=""))
                             for v in ids]
                    fa = [first_asks(s, paths, toks[(st, p)])
                          for s, (e, st) in zip(srv, stores)]
                    rs, caps = [], []
                    for s, (e, st) in zip(srv, stores):
                        cap = docs and Capturer(e, st, queues.setdefault(
                            st, list(docs)), a.capture_every)
                        rs.append(wrk(s, paths, toks[(st, p)], tmp, a.dur,
                                      a.conn))
                        caps.append(cap.stop() if cap else 0)
                    line = "  %-26s %s" % (name, fmt(rs[0]))
                    if docs:
                        line += " (%s captures during it)" % "/".join(
                            str(c) for c in caps)
                    if peer:
                        line += " | %s" % fmt(rs[1])
                    line += "\n  %-26s first ask of each id (cold): " \
                        "median %.2f, max %.1f ms" % (
                            "", fa[0][len(fa[0]) // 2], fa[0][-1])
                    if peer:
                        line += " | %.2f, %.1f ms" % (
                            fa[1][len(fa[1]) // 2], fa[1][-1])
                    rec = recursive(a.store, sql, ids, a.dur)
                    if rec:
                        line += " | WITH RECURSIVE %.2f / %.2f ms (%d ids)" % (
                            rec[0], rec[1], len(ids))
                    print(line)
                    sys.stdout.flush()
        finally:
            for s in srv:
                s.stop()
            if not a.no_traces:
                drop_recursive_index(a.store)


if __name__ == "__main__":
    main()
