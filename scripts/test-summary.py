#!/usr/bin/env python3
"""Sum meson's testlog.json files into the line CI reads: 'N passed, N failed'.

A skipped test (exit 77) is reported as skipped and counts as neither.
A build that failed before writing its log counts as one failure (so
does a run that never started, such as the PostgreSQL run of test.sh
when its server would not start: testlog-pg.json is missing).
"""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            lines = [l for l in f if l.strip()]
    except OSError:
        print(f"{path}: missing (build or run failed?)")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {t.get('name')} ({r}) in {path}")
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
