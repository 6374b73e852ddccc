#!/usr/bin/env python3
"""bench_first_page.py - a regulator's first page right after a capture,
over HTTP, on a store with many locations.

    bench_first_page.py --exe ZHILIANG [--peer-exe EXE] [--dir DIR]
                        [--locations N] [--share F] [--rounds R]
                        [--step STEP]

A server keeps, per handle, the sites a regulator's read rule admitted
(sqlite_query.c, "admitted sites"). While capture runs, every commit moves
the store on: the first page a regulator asks for after it is what this
measures. Each round:
  1. `zhiliang capture` (another process, as a user would) of one event at
     a known place, or (every other round) at a place the store has not
     seen, then
  2. GET /events?EQ_bizStep=STEP&perPage=100 as BENCH-REG-15 (the first
     page after the commit), then the same again (the server's workers
     each keep their own handle: the next may meet a stale one too).
Then R pages with no capture between them (every handle up to date).
The store (built once in DIR with --peer-exe, or --exe without a peer):
the demo chain at scale 100 (~10k events, 65 parties), then N events
(default 100,000) each at a place of its own, GLNs with an extension
(https://id.gs1.org/414/<GLN>/254/<i>) of the demo's parties: a share F
(default 0.015) of them owned by parties of region 15, the rest by other
regions' (a provincial regulator sees a small part of a national store).
Each server serves its own copy; the rounds alternate between them, so
both see the same machine load. Prints, for each, the median and p90 of
the first page after a capture and of the page after it, and the
server's CPU time per request (user + system, /proc).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_reads_http  # noqa: E402 (the shared Server)

PARTY = "BENCH-REG-15"


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        raise SystemExit("bench_first_page: %s: %s" % (" ".join(cmd[:3]),
                                                       r.stderr.strip()))
    return r.stdout


def doc(events):
    return json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/"
                     "epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-04-01T00:00:00Z",
        "epcisBody": {"eventList": events}})


def event(i, loc, step):
    return {"type": "ObjectEvent", "action": "OBSERVE",
            "eventTime": "2026-11-%02dT%02d:%02d:%02dZ" % (
                1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60),
            "eventTimeZoneOffset": "+00:00", "bizStep": step,
            "epcList": ["https://id.gs1.org/01/06900000000021/21/B%d" % i],
            "bizLocation": {"id": loc}}


def glns(parties, in_region):
    out = []
    for p in parties["parties"]:
        if ((p.get("uscc") or "")[2:4] == "15") != in_region:
            continue
        out.append(p["gln"])
        out += [l["gln"] for l in p.get("locations", [])]
    return out


def build(exe, d, n, share, step):
    store = os.path.join(d, "store.db")
    if os.path.exists(store):
        return store
    demo = os.path.join(d, "demo")
    run([exe, "demo", "generate", "--seed", "1", "--scale", "100", "--out",
         demo])
    tmp = store + ".tmp"
    for f in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    run([exe, "init", "--store", tmp])
    run([exe, "party", "import", os.path.join(demo, "parties.json"),
         "--store", tmp])
    chain = sorted(f for f in os.listdir(demo) if f.startswith("chain-"))
    run([exe, "capture", "--store", tmp] +
        [os.path.join(demo, f) for f in chain])
    parties = json.load(open(os.path.join(demo, "parties.json")))
    inr, outr = glns(parties, True), glns(parties, False)
    rng = random.Random(1)
    for k in range(0, n, 1000):
        evs = []
        for i in range(k, min(n, k + 1000)):
            g = rng.choice(inr if rng.random() < share else outr)
            evs.append(event(i, "https://id.gs1.org/414/%s/254/%d" % (g, i),
                             step))
        path = os.path.join(d, "locs.jsonld")
        with open(path, "w") as f:
            f.write(doc(evs))
        run([exe, "capture", "--store", tmp, path])
    run([exe, "party", "add", "--name", "Bench regulator 15", "--kind",
         "regulator", "--region", "15", "--id", PARTY, "--store", tmp])
    run([exe, "log", "checkpoint", "--store", tmp])
    os.rename(tmp, store)
    return store


class Server(bench_reads_http.Server):
    """bench_reads_http's server (start, wait for "listening on", CPU
    time, stop), with a regulator's token and one keep-alive connection
    for timed GETs."""

    def __init__(self, exe, store, name, d):
        self.exe, self.store = exe, store
        self.token = run([exe, "token", "create", "--party", PARTY,
                          "--store", store]).strip().split()[-1]
        super().__init__(exe, store, d, name)
        u = urllib.parse.urlsplit(self.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
        self.first, self.again, self.quiet = [], [], []
        self.cpu_s, self.reqs = 0.0, 0

    def get(self, path):
        t = time.perf_counter()
        self.conn.request("GET", path,
                          headers={"Authorization": "Bearer " + self.token})
        r = self.conn.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t) * 1000
        if r.status != 200:
            raise SystemExit("bench_first_page: %d %s" % (r.status, body[:200]))
        return ms, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--peer-exe")
    ap.add_argument("--dir", default="/tmp/bench-first-page")
    ap.add_argument("--locations", type=int, default=100000)
    ap.add_argument("--share", type=float, default=0.015)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--step", default="receiving")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    src = build(a.peer_exe or a.exe, a.dir, a.locations, a.share, a.step)
    servers = []
    for name, exe in (("this", a.exe), ("peer", a.peer_exe)):
        if not exe:
            continue
        st = os.path.join(a.dir, name + ".db")
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(st + sfx):
                os.unlink(st + sfx)
        shutil.copy(src, st)
        servers.append((name, Server(exe, st, name, a.dir)))
    path = "/events?" + urllib.parse.urlencode(
        {"EQ_bizStep": a.step, "perPage": "100"})
    sizes = {}
    for name, s in servers:  # warm: every worker's handle, the page cache
        for _ in range(8):
            sizes[name] = len(s.get(path)[1])
    one = os.path.join(a.dir, "one.jsonld")
    for r in range(a.rounds):
        for name, s in servers:
            i = 10 ** 7 + r
            loc = ("https://id.gs1.org/414/6924051500002/254/new%d" % r
                   if r % 2 else "https://id.gs1.org/414/6924051500002")
            with open(one, "w") as f:
                f.write(doc([event(i, loc, a.step)]))
            run([s.exe, "capture", "--store", s.store, one])
            c0 = s.cpu()
            s.first.append(s.get(path)[0])
            s.again.append(s.get(path)[0])
            s.cpu_s += s.cpu() - c0
            s.reqs += 2
    for r in range(a.rounds):  # nothing captured: every handle up to date
        for name, s in servers:
            s.quiet.append(s.get(path)[0])
    print("a regulator's EQ_bizStep=%s page after a one-event capture, "
          "%d locations (share %.3f in region 15), %d rounds" %
          (a.step, a.locations, a.share, a.rounds))
    for name, s in servers:
        q = lambda v: sorted(v)[min(len(v) - 1, int(len(v) * 0.9))]
        print("  %-5s first page after the capture: median %.1f ms, p90 %.1f"
              " ms; the next: median %.1f ms, p90 %.1f ms; server CPU %.1f ms"
              " a request; %d bytes a page" %
              (name, statistics.median(s.first), q(s.first),
               statistics.median(s.again), q(s.again),
               s.cpu_s / s.reqs * 1000, sizes[name]))
        print("        with no capture: median %.1f ms, p90 %.1f ms" %
              (statistics.median(s.quiet), q(s.quiet)))
        s.stop()


if __name__ == "__main__":
    sys.exit(main())
