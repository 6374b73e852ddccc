#!/usr/bin/env python3
"""bench_pg_sites.py - a regulator's first pages on PostgreSQL, and the
cost of capture, for this build and a peer (the build before the sites
index, schema 30), side by side in the same run.

    bench_pg_sites.py --exe ZHILIANG --peer-exe EXE
                      [--server postgresql://postgres@127.0.0.1:25432]
                      [--dir DIR] [--locations N] [--share F]
                      [--rounds R] [--keep]

Each build gets a database of its own (pgsites_this, pgsites_peer: made
here, dropped at the end unless --keep) on the server, so the PostgreSQL
backends that work for each are told apart (pg_stat_activity.datname) and
their CPU time counted (/proc; the server runs on this machine).
The store: the demo chain at scale 100 (~10k events, 65 parties), then N
events (default 90,000) each at a place of its own, GLNs with an
extension of the demo's parties, a share F (default 0.015) owned by
region 15's (bench_first_page.py's store), then regulator BENCH-REG-15.
1. Capture: the N events in files of 1,000, ten files a `zhiliang capture`
   run, the runs alternating between the builds: events/s (wall), the
   client's CPU and its backend's (polled every 0.1 s).
2. Pages: one server of each build; GET /events as BENCH-REG-15, perPage
   100, for EQ_bizStep=receiving, EQ_readPoint=<the busiest readPoint of
   the demo, outside region 15> and GE_eventTime=<the middle of the
   located events>; R rounds alternating between the servers after 4
   warm-up pages each: median and p90 wall, and CPU a request (the
   server's and its backends').
3. `zhiliang events --as BENCH-REG-15 EQ_bizStep=receiving perPage=100`
   (a fresh handle, which asks the rule about every location): wall, 5
   runs each.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_first_page as fp  # noqa: E402 (the store's events, Server)

PARTY = fp.PARTY


def psql(server, db, sql):
    u = urllib.parse.urlsplit(server)
    r = subprocess.run(["psql", "-h", u.hostname, "-p", str(u.port), "-U",
                        u.username or "postgres", "-d", db, "-Atc", sql],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("bench_pg_sites: psql: " + r.stderr.strip())
    return r.stdout.strip()


def backend_cpu(server, db):
    """CPU seconds of the backends now connected to db, by pid."""
    out = {}
    pids = psql(server, "postgres", "select pid from pg_stat_activity"
                " where datname = '%s'" % db)
    for pid in pids.split():
        try:
            with open("/proc/%s/stat" % pid) as f:
                v = f.read().rsplit(")", 1)[1].split()
            out[pid] = (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return out


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def capture(b, files):
    """One `zhiliang capture` of files: wall, its CPU (its own rusage, not
    the psql runs that poll its backend), its backend's CPU."""
    t0, seen = time.perf_counter(), {}
    p = subprocess.Popen([b["exe"], "capture", "--quiet", "--store",
                          b["uri"]] + files, stdout=subprocess.DEVNULL)
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        for bp, cpu in backend_cpu(b["server"], b["db"]).items():
            seen[bp] = max(seen.get(bp, 0), cpu)
        time.sleep(0.1)
    if status:
        raise SystemExit("bench_pg_sites: capture failed")
    return (time.perf_counter() - t0, ru.ru_utime + ru.ru_stime,
            sum(seen.values()))


def warm(srv, path):
    """GET path until it answers (a new handle asks the rule about every
    location first; past the query budget, 503, it goes on from there next
    time): the seconds that took, the 503s, the page's size."""
    t0, fails = time.perf_counter(), 0
    while True:
        try:
            size = len(srv.get(path)[1])
            return time.perf_counter() - t0, fails, size
        except SystemExit:
            fails += 1
            if fails > 50:
                raise
            srv.conn.close()
            srv.conn = fp.http.client.HTTPConnection(
                urllib.parse.urlsplit(srv.url).hostname,
                urllib.parse.urlsplit(srv.url).port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--peer-exe", required=True)
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:25432")
    ap.add_argument("--dir", default="/tmp/bench-pg-sites")
    ap.add_argument("--locations", type=int, default=90000)
    ap.add_argument("--share", type=float, default=0.015)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="the databases of an earlier --keep run: no capture")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    demo = os.path.join(a.dir, "demo")
    if not os.path.exists(demo):
        fp.run([a.peer_exe, "demo", "generate", "--seed", "1", "--scale",
                "100", "--out", demo])
    parties = fp.json.load(open(os.path.join(demo, "parties.json")))
    inr, outr = fp.glns(parties, True), fp.glns(parties, False)
    rng = fp.random.Random(1)
    files = []
    for k in range(0, a.locations, 1000):
        path = os.path.join(a.dir, "locs-%06d.jsonld" % k)
        evs = []
        for i in range(k, min(a.locations, k + 1000)):
            g = rng.choice(inr if rng.random() < a.share else outr)
            evs.append(fp.event(i, "https://id.gs1.org/414/%s/254/%d" % (g, i),
                                "receiving"))
        with open(path, "w") as f:
            f.write(fp.doc(evs))
        files.append(path)
    builds = []
    for name, exe in (("this", a.exe), ("peer", a.peer_exe)):
        db = "pgsites_" + name
        if a.reuse:
            builds.append({"name": name, "exe": exe, "db": db,
                           "server": a.server,
                           "uri": "%s/%s" % (a.server, db)})
            continue
        psql(a.server, "postgres", "drop database if exists " + db)
        psql(a.server, "postgres", "create database " + db)
        b = {"name": name, "exe": exe, "db": db, "server": a.server,
             "uri": "%s/%s" % (a.server, db), "wall": 0.0, "cpu": 0.0,
             "be": 0.0}
        fp.run([exe, "init", "--store", b["uri"]])
        fp.run([exe, "party", "import", os.path.join(demo, "parties.json"),
                "--store", b["uri"]])
        chain = sorted(f for f in os.listdir(demo) if f.startswith("chain-"))
        fp.run([exe, "capture", "--quiet", "--store", b["uri"]] +
               [os.path.join(demo, f) for f in chain])
        builds.append(b)
    load0 = os.getloadavg()[0]
    for k in range(0, 0 if a.reuse else len(files), 10):
        for b in builds:
            w, c, be = capture(b, files[k:k + 10])
            b["wall"] += w
            b["cpu"] += c
            b["be"] += be
    if not a.reuse:
        print("capture of %d located events (1,000 a file, 10 files a run),"
              " load %.1f" % (a.locations, load0))
    for b in builds if not a.reuse else []:
        print("  %-5s %.0f events/s; client CPU %.1f s, its backend %.1f s "
              "(%.0f us an event in all)" %
              (b["name"], a.locations / b["wall"], b["cpu"], b["be"],
               (b["cpu"] + b["be"]) / a.locations * 1e6))
    for b in builds:
        if a.reuse:
            b["n"] = psql(a.server, b["db"],
                          "select count(*) from zhiliang.events")
            continue
        fp.run([b["exe"], "party", "add", "--name", "Bench regulator 15",
                "--kind", "regulator", "--region", "15", "--id", PARTY,
                "--store", b["uri"]])
        b["n"] = psql(a.server, b["db"],
                      "select count(*) from zhiliang.events")
    rp = psql(a.server, builds[0]["db"],
              "select read_point from zhiliang.events where read_point is not null"
              " group by 1 order by count(*) desc limit 1")
    mid = fp.event(a.locations // 2, "", "")["eventTime"]
    queries = [("EQ_bizStep", "receiving"), ("EQ_readPoint", rp),
               ("GE_eventTime", mid)]
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
        b["srv"] = fp.Server(b["exe"], b["uri"], b["name"], a.dir)
    print("pages as %s (region 15), %s events; %d rounds, load %.1f" %
          (PARTY, builds[0]["n"], a.rounds, os.getloadavg()[0]))
    for param, value in queries:
        path = "/events?" + urllib.parse.urlencode(
            {param: value, "perPage": "100"})
        print("  %s=%s" % (param, value))
        res = {}
        for b in builds:
            w, fails, b["size"] = warm(b["srv"], path)
            print("    %-5s first answer after %.1f s (%d answers of 503"
                  " before it)" % (b["name"], w, fails))
            for _ in range(3):
                b["size"] = len(b["srv"].get(path)[1])
            res[b["name"]] = {"ms": [], "cpu": 0.0}
        for _ in range(a.rounds):
            for b in builds:
                c0 = b["srv"].cpu()
                be0 = backend_cpu(a.server, b["db"])
                res[b["name"]]["ms"].append(b["srv"].get(path)[0])
                be1 = backend_cpu(a.server, b["db"])
                res[b["name"]]["cpu"] += b["srv"].cpu() - c0 + sum(
                    be1[p] - be0.get(p, 0) for p in be1)
        med = {}
        for b in builds:
            v = res[b["name"]]["ms"]
            med[b["name"]] = statistics.median(v)
            print("    %-5s median %.1f ms, p90 %.1f ms, CPU %.1f ms a request"
                  " (server and backends), %d bytes a page" %
                  (b["name"], med[b["name"]],
                   sorted(v)[int(len(v) * 0.9)],
                   res[b["name"]]["cpu"] / a.rounds * 1000, b["size"]))
        print("    peer / this: %.1fx" % (med["peer"] / med["this"]))


def cli_page(a, builds):
    """Step 3 (the module's comment), then the databases dropped."""
    print("`zhiliang events --as %s EQ_bizStep=receiving perPage=100` "
          "(a fresh handle), load %.1f" % (PARTY, os.getloadavg()[0]))
    cli = {b["name"]: [] for b in builds}
    for _ in range(5):
        for b in builds:
            c0, t0 = child_cpu(), time.perf_counter()
            fp.run([b["exe"], "events", "--store", b["uri"], "--as", PARTY,
                    "--json", "EQ_bizStep=receiving", "perPage=100"])
            cli[b["name"]].append((time.perf_counter() - t0,
                                   child_cpu() - c0))
    for b in builds:
        v = cli[b["name"]]
        print("  %-5s median %.2f s wall, %.2f s client CPU" %
              (b["name"], statistics.median(x[0] for x in v),
               statistics.median(x[1] for x in v)))
    if not a.keep:
        for b in builds:
            psql(a.server, "postgres", "drop database " + b["db"])


if __name__ == "__main__":
    sys.exit(main())
