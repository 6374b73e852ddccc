#!/usr/bin/env bash
# credit_cli.sh - `zhiliang credit score`: a history scored and explained
# line by line, the class and the sampling ratio; a region's configuration;
# the documented rule (docs/sampling.md) recomputed independently in Python
# over random histories; bad input.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "credit_cli: $*"; exit 1; }

cat > "$T/h.json" <<'JSON'
{"uscc": "91110000710926094P", "name": "某乳业有限公司",
 "events": [
   {"kind": "spot-fail", "date": "2026-03-01", "serious": true, "ref": "CC-2026-0012"},
   {"kind": "spot-pass", "date": "2025-09-01"},
   {"kind": "recall", "date": "2025-03-01", "serious": true},
   {"kind": "complaint", "date": "2024-05-01"},
   {"kind": "penalty", "date": "2022-01-01", "serious": true},
   {"kind": "abnormal-list", "date": "2021-01-01", "active": true}]}
JSON
"$ZL" credit score "$T/h.json" --at 2026-06-30 --json > "$T/s.json"
jq -e '.class == "C" and .score == 46 and .samplingRatio == [21, 60] and
       ([.lines[].total] == [25, -2, 7.5, 0.5, 0, 15]) and
       (.lines[0].ref == "CC-2026-0012") and (.lines[2].reason | test("1-2 years"))' \
  "$T/s.json" >/dev/null || fail "scored history: $(cat "$T/s.json")"
"$ZL" credit score "$T/h.json" --at 2026-06-30 > "$T/s.txt"
grep -q 'class C' "$T/s.txt" && grep -q 'still listed' "$T/s.txt" || fail "text: $(cat "$T/s.txt")"
# A region: lower thresholds, failures weigh less, abnormal list ignored.
echo '{"points": {"spot-fail": [8, 20], "abnormal-list": 0}, "thresholds": {"B": 5, "C": 20, "D": 40}, "ratios": {"C": [30, 50]}}' > "$T/cfg.json"
"$ZL" credit score "$T/h.json" --at 2026-06-30 --config "$T/cfg.json" --json |
  jq -e '.score == 26 and .class == "C" and .samplingRatio == [30, 50]' >/dev/null || fail "configured"

# The documented rule, recomputed: random histories, every class reached.
python3 - "$ZL" "$T" <<'PY' || fail "differential against the documented rule"
import datetime, json, random, subprocess, sys
zl, tmp = sys.argv[1], sys.argv[2]
POINTS = {"spot-pass": (-2, -2), "spot-fail": (10, 25), "recall": (5, 15),
          "complaint": (2, 2), "overdue-report": (5, 5), "penalty": (10, 30),
          "abnormal-list": (15, 15), "serious-list": (60, 60)}
at = datetime.date(2026, 6, 30)
rnd = random.Random(12)
seen = set()
for trial in range(60):
    events = []
    for _ in range(rnd.randrange(0, 9)):
        k = rnd.choice(list(POINTS))
        if k == "serious-list" and rnd.random() < 0.7:
            k = "spot-pass"
        d = at - datetime.timedelta(days=rnd.randrange(0, 1500))
        events.append({"kind": k, "date": d.isoformat(),
                       "serious": rnd.random() < 0.4, "active": rnd.random() < 0.5})
    path = f"{tmp}/r.json"
    json.dump({"events": events}, open(path, "w"))
    out = json.loads(subprocess.run([zl, "credit", "score", path, "--at", "2026-06-30", "--json"],
                                    check=True, capture_output=True).stdout)
    total, forced = 0.0, False
    for e in events:
        pts = POINTS[e["kind"]][1 if e["serious"] else 0]
        age = (at - datetime.date.fromisoformat(e["date"])).days
        listed = e["kind"] in ("abnormal-list", "serious-list") and e["active"]
        w = 1 if listed else 1 if age < 365 else 0.5 if age < 730 else 0.25 if age < 1095 else 0
        total += pts * w
        forced |= e["kind"] == "serious-list" and listed
    score = max(total, 0)
    cls = "D" if forced or score >= 60 else "C" if score >= 30 else "B" if score >= 10 else "A"
    assert abs(out["score"] - score) < 1e-9, (events, out["score"], score)
    assert out["class"] == cls, (events, out["class"], cls)
    assert len(out["lines"]) == len(events)
    seen.add(cls)
assert seen == {"A", "B", "C", "D"}, seen
PY

set +e
echo '{"events": [{"kind": "fine", "date": "2026-01-01"}]}' > "$T/b.json"
"$ZL" credit score "$T/b.json" 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'events\[0\]' "$T/err" || fail "unknown kind: rc $rc"
echo '{"events": [{"kind": "penalty", "date": "2026-07-01"}]}' > "$T/b.json"
"$ZL" credit score "$T/b.json" --at 2026-06-30 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'after the day scored' "$T/err" || fail "future event: rc $rc $(cat "$T/err")"
echo '{"uscc": "91110000710926094X", "events": []}' > "$T/b.json"
"$ZL" credit score "$T/b.json" 2>/dev/null; rc=$?
[ $rc = 1 ] || fail "bad USCC: rc $rc"
echo '{"thresholds": {"B": 50, "C": 30, "D": 60}}' > "$T/c.json"
"$ZL" credit score "$T/h.json" --config "$T/c.json" 2>/dev/null; rc=$?
[ $rc = 1 ] || fail "descending thresholds: rc $rc"
"$ZL" credit 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "no subcommand: rc $rc"
set -e
echo "credit_cli: ok"
