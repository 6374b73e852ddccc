#!/usr/bin/env bash
# tsan_clean.sh - no ThreadSanitizer report from the threaded tests.
# scripts/test.sh runs the tests that start threads (the server's workers,
# the capture pipeline, subscriptions and streams, hashing on two threads)
# in a -Db_sanitize=thread build with TSAN_OPTIONS=log_path=DIR/report,
# then this test with ZL_TSAN_REPORTS=DIR: every report file fails it,
# printed. Without ZL_TSAN_REPORTS (any other run) it is skipped (77).
d=${ZL_TSAN_REPORTS:-}
[ -n "$d" ] || exit 77
[ -d "$d" ] || { echo "tsan_clean: $d: no such directory"; exit 1; }
shopt -s nullglob
reports=("$d"/report.*)
if [ "${#reports[@]}" -gt 0 ]; then
  echo "tsan_clean: ${#reports[@]} ThreadSanitizer report file(s):"
  cat "${reports[@]}"
  exit 1
fi
echo "tsan_clean: no report"
