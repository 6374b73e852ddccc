#!/usr/bin/env python3
"""bench_pg_trade.py - an enterprise's first pages on PostgreSQL, and the
cost of capture, for this build and a peer (the build before the trade
index on PostgreSQL, schema 31), side by side in the same run. The
sibling of bench_pg_sites.py (a regulator's pages), whose helpers it uses.

    bench_pg_trade.py --exe ZHILIANG --peer-exe EXE
                      [--server postgresql://postgres@127.0.0.1:25432]
                      [--dir DIR] [--scale N] [--rounds R] [--keep]
                      [--reuse]

Each build gets a database of its own (pgtrade_this, pgtrade_peer: made
here, dropped at the end unless --keep) on the server, so the PostgreSQL
backends that work for each are told apart and their CPU time counted
(/proc; the server runs on this machine).
1. Capture: the demo chain (`zhiliang demo generate --seed 1 --scale N`,
   default 1,000: ~100k events, 65 parties; 6% of its events carry a
   source or destination, which the new trigger indexes), its files in
   runs of 10, alternating between the builds: events/s (wall), the
   client's CPU and its backend's (polled every 0.1 s).
2. Pages: one server of each build; GET /events as the dairy plant and
   as the distribution centre, perPage 100, for EQ_bizStep=receiving,
   EQ_bizStep=retail_selling, EQ_readPoint=<the demo's busiest readPoint>,
   GE_eventTime=<the middle of the events' times> and MATCH_epc=<a retail
   item the centre shipped>; R rounds alternating between the servers
   after 3 warm-up pages each (3 rounds for a build whose page takes a
   second or more; the other's rounds go on alone after them):
   median and p90 wall, CPU a request (the server's and its backends'),
   and the answers compared (byte for byte, creationDate and the events'
   recordTimes aside).
3. `zhiliang events --as PARTY EQ_bizStep=receiving perPage=100` (a
   fresh handle, which reads the candidates): wall and client CPU.
"""
import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_first_page as fp  # noqa: E402 (run)
import bench_pg_sites as ps  # noqa: E402 (psql, backend_cpu, capture)
import bench_reads_http  # noqa: E402 (Server)

PARTIES = (("dairy plant", "91130102117504341K"),
           ("distribution centre", "91110105858066959G"))


class Server(bench_reads_http.Server):
    """A build's server with a token for each party and one keep-alive
    connection for timed GETs."""

    def __init__(self, exe, store, name, d, parties):
        self.tokens = {}
        for p in parties:
            self.tokens[p] = fp.run([exe, "token", "create", "--party", p,
                                     "--store", store]).strip().split()[-1]
        super().__init__(exe, store, d, name)
        self.connect()

    def connect(self):
        u = urllib.parse.urlsplit(self.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port,
                                               timeout=120)

    def get(self, party, path):
        """(ms, status, body)"""
        t = time.perf_counter()
        try:
            self.conn.request("GET", path, headers={
                "Authorization": "Bearer " + self.tokens[party]})
            r = self.conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.connect()
            raise
        return (time.perf_counter() - t) * 1000, r.status, body


def answer(body):
    """The page without its creationDate and its events' recordTimes (each
    build captured the events into its own database)."""
    return re.sub(rb'"(creationDate|recordTime)":"[^"]*"', b"", body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--peer-exe", required=True)
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:25432")
    ap.add_argument("--dir", default="/tmp/bench-pg-trade")
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="the databases of an earlier --keep run: no capture")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    demo = os.path.join(a.dir, "demo-%d" % a.scale)
    if not os.path.exists(demo):
        fp.run([a.peer_exe, "demo", "generate", "--seed", "1", "--scale",
                str(a.scale), "--out", demo])
    chain = [os.path.join(demo, f) for f in sorted(os.listdir(demo))
             if f.startswith("chain-")]
    builds = []
    for name, exe in (("this", a.exe), ("peer", a.peer_exe)):
        db = "pgtrade_" + name
        b = {"name": name, "exe": exe, "db": db, "server": a.server,
             "uri": "%s/%s" % (a.server, db), "wall": 0.0, "cpu": 0.0,
             "be": 0.0}
        builds.append(b)
        if a.reuse:
            continue
        ps.psql(a.server, "postgres", "drop database if exists " + db)
        ps.psql(a.server, "postgres", "create database " + db)
        fp.run([exe, "init", "--store", b["uri"]])
        fp.run([exe, "party", "import", os.path.join(demo, "parties.json"),
                "--store", b["uri"]])
    load0 = os.getloadavg()[0]
    for k in range(0, 0 if a.reuse else len(chain), 10):
        for b in builds:
            w, c, be = ps.capture(b, chain[k:k + 10])
            b["wall"] += w
            b["cpu"] += c
            b["be"] += be
    for b in builds:
        b["n"] = int(ps.psql(a.server, b["db"],
                             "select count(*) from zhiliang.events"))
    if not a.reuse:
        print("capture of the demo chain (%d events, %d files, 10 a run,"
              " alternating), load %.1f" % (builds[0]["n"], len(chain), load0))
        for b in builds:
            print("  %-5s %.0f events/s; client CPU %.1f s, its backend %.1f s"
                  " (%.0f us an event in all, %.0f us the backend's)" %
                  (b["name"], b["n"] / b["wall"], b["cpu"], b["be"],
                   (b["cpu"] + b["be"]) / b["n"] * 1e6,
                   b["be"] / b["n"] * 1e6))
    db = builds[0]["db"]
    rp = ps.psql(a.server, db, "select read_point from zhiliang.events where"
                 " read_point is not null group by 1 order by count(*) desc"
                 " limit 1")
    mid = int(ps.psql(a.server, db, "select percentile_disc(0.5) within group"
                      " (order by event_time) from zhiliang.events"))
    mid = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mid // 1000))
    epc = ps.psql(a.server, db, "select i.id from zhiliang.event_ids i join"
                  " zhiliang.events e on e.hash = i.hash where"
                  " e.biz_step like '%retail_selling' order by i.event_time"
                  " limit 1 offset 100")
    queries = [("EQ_bizStep", "receiving"), ("EQ_bizStep", "retail_selling"),
               ("EQ_readPoint", rp), ("GE_eventTime", mid),
               ("MATCH_epc", epc)]
    try:
        pages(a, builds, queries)
    finally:
        for b in builds:
            if "srv" in b:
                b["srv"].stop()
    cli_page(a, builds)


def pages(a, builds, queries):
    """Step 2 (the module's comment)."""
    for b in builds:
        b["srv"] = Server(b["exe"], b["uri"], b["name"], a.dir,
                          [p for _, p in PARTIES])
    print("pages, %d events; up to %d rounds, load %.1f" %
          (builds[0]["n"], a.rounds, os.getloadavg()[0]))
    for what, party in PARTIES:
        print("  %s %s" % (what, party))
        for param, value in queries:
            path = "/events?" + urllib.parse.urlencode(
                {param: value, "perPage": "100"})
            print("    %s=%s" % (param, value))
            res = {}
            for b in builds:
                for _ in range(3):
                    ms, st, body = b["srv"].get(party, path)
                b["body"], b["status"] = body, st
                # a build whose page takes a second or more: 3 rounds
                b["rounds"] = a.rounds if ms < 1000 else 3
                res[b["name"]] = {"ms": [], "cpu": 0.0, "bad": 0}
            for i in range(max(b["rounds"] for b in builds)):
                for b in builds:
                    if i >= b["rounds"]:
                        continue
                    c0 = b["srv"].cpu()
                    be0 = ps.backend_cpu(a.server, b["db"])
                    ms, st, body = b["srv"].get(party, path)
                    be1 = ps.backend_cpu(a.server, b["db"])
                    res[b["name"]]["ms"].append(ms)
                    res[b["name"]]["bad"] += st != 200
                    res[b["name"]]["cpu"] += b["srv"].cpu() - c0 + sum(
                        be1[p] - be0.get(p, 0) for p in be1)
            med = {}
            for b in builds:
                v = res[b["name"]]["ms"]
                med[b["name"]] = statistics.median(v)
                n_ev = b["body"].count(b'"eventTime"')
                print("      %-5s median %.1f ms, p90 %.1f ms, CPU %.1f ms a"
                      " request (server and backends), %d events a page,"
                      " %d rounds%s" %
                      (b["name"], med[b["name"]],
                       sorted(v)[min(len(v) - 1, int(len(v) * 0.9))],
                       res[b["name"]]["cpu"] / b["rounds"] * 1000, n_ev,
                       b["rounds"], ", %d not 200" % res[b["name"]]["bad"]
                       if res[b["name"]]["bad"] else ""))
            same = (builds[0]["status"] == builds[1]["status"] == 200 and
                    answer(builds[0]["body"]) == answer(builds[1]["body"]))
            print("      peer / this: %.1fx; answers %s" %
                  (med["peer"] / med["this"],
                   "the same" if same else "DIFFER (statuses %d, %d)" %
                   (builds[0]["status"], builds[1]["status"])))


def cli_page(a, builds):
    """Step 3 (the module's comment), then the databases dropped."""
    for what, party in PARTIES:
        print("`zhiliang events --as %s EQ_bizStep=receiving perPage=100` "
              "(%s, a fresh handle), load %.1f" %
              (party, what, os.getloadavg()[0]))
        cli = {b["name"]: [] for b in builds}
        for _ in range(3):
            for b in builds:
                c0, t0 = ps.child_cpu(), time.perf_counter()
                subprocess.run([b["exe"], "events", "--store", b["uri"],
                                "--as", party, "--json",
                                "EQ_bizStep=receiving", "perPage=100"],
                               capture_output=True, timeout=600)
                cli[b["name"]].append((time.perf_counter() - t0,
                                       ps.child_cpu() - c0))
        for b in builds:
            v = cli[b["name"]]
            print("  %-5s median %.2f s wall, %.2f s client CPU" %
                  (b["name"], statistics.median(x[0] for x in v),
                   statistics.median(x[1] for x in v)))
    if not a.keep:
        for b in builds:
            ps.psql(a.server, "postgres", "drop database " + b["db"])


if __name__ == "__main__":
    sys.exit(main())
