#!/usr/bin/env python3
"""Re-run a Zhiliang inspection draw (双随机) from its public export.

    zhiliang inspect export PLAN > export.json
    python3 docs/draw_plan_verify.py export.json

Python 3 standard library only. Checks that the published plan is the
record logged at the beacon's plan leaf, rebuilds the key string and the
seed, re-runs the draw and every redraw exactly as docs/supervision.md
states (integers only), prints the result and says whether it is
identical to what was logged. Exit 0 identical, 1 different.
Check the beacon itself (the root, against a signed checkpoint) with
docs/draw_verify.py beacon and the evidence of `zhiliang draw beacon`.
"""
import datetime
import hashlib
import json
import sys

# The default credit rule (docs/credit.md) for the kinds a computed
# snapshot lists: points (ordinary, serious), age weights by band, class
# thresholds.
POINTS = {"spot-pass": (-2, -2), "spot-fail": (10, 25),
          "overdue-rectification": (10, 10), "penalty": (10, 30),
          "complaint": (2, 2), "recall": (5, 15)}


def credit_class(events, day):
    at = datetime.date.fromisoformat(day)
    score = 0.0
    for e in events:
        age = (at - datetime.date.fromisoformat(e["date"])).days
        w = 1 if age < 365 else 0.5 if age < 730 else 0.25 if age < 1095 else 0
        score += POINTS[e["kind"]][1 if e.get("serious") else 0] * w
    return "D" if score >= 60 else "C" if score >= 30 else \
        "B" if score >= 10 else "A"


def jcs(v):
    # RFC 8785 for what these records hold (strings, integers, booleans):
    # members sorted, no whitespace, UTF-8, minimal escapes.
    return json.dumps(v, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def hmod(seed, what, a, b, m):
    msg = "%s|%s|%s|%d" % (seed, what, a, b)
    return int.from_bytes(hashlib.sha256(msg.encode()).digest(), "big") % m


def draw(plan, ents, insps, prev, seed, unavail, recusals):
    cats, regions, level = plan["categories"], plan["regions"], plan["level"]
    team_size, weights = plan["team"], plan["weights"]
    strata = {}
    for e in sorted(ents, key=lambda e: e["uscc"].encode()):
        w = weights.get(e["credit"], 0)
        if not w or not any(e["region"].startswith(r) for r in regions):
            continue
        seen = []
        for c in e["categories"]:
            if c in cats and c not in seen:
                seen.append(c)
                strata.setdefault(e["region"][:level] + "/" + c, []).append(e)
    pools = {}
    for x in sorted(insps, key=lambda x: x["id"].encode()):
        if len(x["region"]) < level:
            continue
        seen = []
        for q in x["qualifications"]:
            if q in cats and q not in seen:
                seen.append(q)
                pools.setdefault(x["region"][:level] + "/" + q, []).append(x)
    out_strata, tasks = [], []
    for name in sorted(strata, key=lambda s: s.encode()):
        mem = strata[name]
        w = [weights[e["credit"]] for e in mem]
        total, n = sum(w), len(mem)
        want = plan["count"] if "count" in plan else \
            (n * plan["permille"] + 999) // 1000
        want, drawn = min(want, n), 0
        for k in range(want):
            if not total:
                break
            x, cum, pos = hmod(seed, "pick", name, k, total), 0, 0
            for pos in range(n):
                cum += w[pos]
                if cum > x:
                    break
            total -= w[pos]
            w[pos] = 0
            drawn += 1
            tasks.append({"task": len(tasks) + 1, "stratum": name,
                          "category": name.split("/", 1)[1],
                          "uscc": mem[pos]["uscc"], "_e": mem[pos]})
        out_strata.append({"stratum": name, "population": n, "drawn": drawn})
    for t in tasks:
        e, tn = t.pop("_e"), t["task"]
        rem = list(pools.get(t["stratum"], []))
        team, recused, j = [], [], 0
        while len(team) < team_size and rem:
            c = rem.pop(hmod(seed, "team", tn, j, len(rem)))
            j += 1
            if (tn, c["id"]) in unavail:
                continue
            if c["unit"] in e["units"] or (c["id"], e["uscc"]) in prev:
                continue  # derived conflict: licensing unit, last draw
            if (tn, c["id"]) in recusals:
                recused.append(c["id"])  # declared conflict (not public)
                continue
            team.append(c["id"])
        t["team"] = team
        if recused:
            t["recused"] = recused
        if len(team) < team_size:
            t["short"] = True
    return out_strata, tasks


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: draw_plan_verify.py EXPORT.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        ex = json.load(f)
    plan, d = ex["plan"], ex["draw"]
    if d is None:
        sys.exit("the plan has not been drawn")
    ok = True
    leaf = hashlib.sha256(b"\x00\x04" + jcs(plan)).hexdigest()
    if leaf != d["beacon"]["leaf"]:
        print("DIFFERENT: the published plan is not the logged plan leaf")
        ok = False
    b = d["beacon"]
    key = d.get("outside", "") + "zl1:%s:%d:%s./" % (b["leaf"], b["size"],
                                                     b["root"])
    seed = hashlib.sha256(key.encode()).hexdigest()
    if key != d["key"] or seed != d["seed"] or \
            b["size"] != ex["plan_leaf"] + plan["beacon_distance"] or \
            b["plan_index"] != ex["plan_leaf"]:
        print("DIFFERENT: key string or seed")
        ok = False
    cr = d.get("credit")
    if cr is not None:
        # computed classes: the draw record's snapshot, each class redone
        # from the published spot checks it lists, and the export's agree
        for u, c in cr["classes"].items():
            if credit_class(c["events"], cr["day"]) != c["class"]:
                print("DIFFERENT: credit class of %s from its events" % u)
                ok = False
        for e in ex["enterprises"]:
            want = cr["classes"].get(e["uscc"], {}).get("class", cr["default"])
            if e["credit"] != want:
                print("DIFFERENT: credit class of %s" % e["uscc"])
                ok = False
        print("credit classes computed on %s: %d enterprises with events"
              % (cr["day"], len(cr["classes"])))
    recs = [d] + ex["redraws"]
    recusals = {(t["task"], i) for r in recs
                for t in (r["tasks"] if r is d else [r])
                for i in t.get("recused", [])}
    prev = {(p[0], p[1]) for p in ex["previous"]}
    strata, tasks = draw(plan, ex["enterprises"], ex["inspectors"], prev,
                         seed, set(), recusals)
    print("key string: %s\nseed: %s" % (key, seed))
    if strata != d["strata"] or tasks != d["tasks"]:
        print("DIFFERENT: the draw")
        ok = False
    unavail = set()
    for r in ex["redraws"]:
        unavail.add((r["task"], r["inspector"]))
        _, again = draw(plan, ex["enterprises"], ex["inspectors"], prev,
                        seed, unavail, recusals)
        t = again[r["task"] - 1]
        if t["team"] != r["team"] or t.get("recused") != r.get("recused"):
            print("DIFFERENT: redraw of task %d" % r["task"])
            ok = False
        tasks[r["task"] - 1] = t
    for t in tasks:
        print("%4d  %-16s %s  team: %s" % (t["task"], t["stratum"], t["uscc"],
                                           ", ".join(t["team"])))
    print("identical to the logged draw" if ok else "NOT identical")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
