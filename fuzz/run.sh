#!/usr/bin/env bash
# run.sh FUZZER CORPUS SECONDS - a short bounded libFuzzer run for CI.
# New inputs go to a temporary directory, so the checked-in seed corpus
# stays as it is; a crash fails the test and leaves its reproducer in the log.
set -euo pipefail
fuzzer=$1 corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work" "$corpus"
