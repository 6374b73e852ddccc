#!/usr/bin/env bash
# supervise_cli.sh - `zhiliang supervise` as a bureau runs it: the clocks
# with their sources, a deadline across the 2026 Spring Festival (dates
# counted by hand from the State Council's notice), a configuration that
# changes a period, an operator's calendar file, a year without holiday
# data (an error, or with --fallback a warned guess), and usage errors.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "supervise_cli: $*"; exit 1; }

"$ZL" supervise clocks --json > "$T/c.json"
jq -e '[.clocks[].step] == ["retest-apply","stop-sale","rectify","recheck","announce","second-recheck","suspend","publish"]' \
  "$T/c.json" >/dev/null || fail "clock list: $(cat "$T/c.json")"
jq -e '.clocks[] | select(.step == "retest-apply") | .days == 15 and (.source | test("产品质量法"))' \
  "$T/c.json" >/dev/null || fail "retest-apply default"
jq -e '.clocks[] | select(.step == "publish") | .days == 20 and .unit == "working-days"' \
  "$T/c.json" >/dev/null || fail "publish default"
jq -e 'all(.clocks[]; .url | startswith("http"))' "$T/c.json" >/dev/null || fail "a clock without a URL"
"$ZL" supervise clocks | grep -q '企业信息公示暂行条例' || fail "text listing"

# 20 working days from 10 Feb 2026: 11-14 (14th a make-up Saturday),
# 24-28 (28th a make-up Saturday), 2-13 March, 16 March.
"$ZL" supervise deadline publish 2026-02-10 --at 2026-03-16 --json > "$T/d.json"
jq -e '.deadline == "2026-03-16" and .overdue == false and .left == 0' "$T/d.json" >/dev/null ||
  fail "publish deadline: $(cat "$T/d.json")"
"$ZL" supervise deadline publish 2026-02-10 --at 2026-03-17 | grep -q OVERDUE || fail "overdue not flagged"
# 15 days from 31 Jan end on Sunday 15 Feb, a holiday: next working day 24 Feb.
"$ZL" supervise deadline retest-apply 2026-01-31 --at 2026-02-01 --json |
  jq -e '.deadline == "2026-02-24" and .left == 23' >/dev/null || fail "retest across the Spring Festival"

# A region's configuration: rectify in 30 working days.
echo '{"clocks": {"rectify": {"days": 30, "unit": "working-days", "source": "某市规定"}}}' > "$T/cfg.json"
"$ZL" supervise deadline rectify 2026-02-10 --at 2026-02-10 --config "$T/cfg.json" --json |
  jq -e '.deadline == "2026-03-30" and .source == "某市规定"' >/dev/null || fail "configured rectify"
echo '{"clocks": {"rectfy": {"days": 30}}}' > "$T/bad.json"
set +e; "$ZL" supervise clocks --config "$T/bad.json" 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q rectfy "$T/err" || fail "typo in config: rc $rc"

# 2027 has no data: an error naming the year, or a warned guess.
set +e; "$ZL" supervise deadline publish 2026-12-20 --at 2026-12-21 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 2027 "$T/err" || fail "no 2027 data: rc $rc $(cat "$T/err")"
"$ZL" supervise deadline publish 2026-12-20 --at 2026-12-21 --fallback --json 2> "$T/err" > "$T/d.json"
jq -e '.guessed == true and .deadline == "2027-01-15"' "$T/d.json" >/dev/null || fail "fallback: $(cat "$T/d.json")"
grep -q warning "$T/err" || fail "fallback without a warning"
# An operator's 2027 file: 1 Jan 2027 (Friday) off, so one day later.
printf 'date,kind,name\n2027-01-01,holiday,元旦\n' > "$T/cn-2027.csv"
"$ZL" supervise deadline publish 2026-12-20 --at 2026-12-21 --calendar "$T/cn-2027.csv" --json |
  jq -e '.guessed == false and .deadline == "2027-01-18"' >/dev/null || fail "operator calendar"
"$ZL" supervise calendar 2026-02-10 2026-03-01 --json |
  jq -e '.workingDays == 9 and (.days | length) == 11' >/dev/null || fail "calendar listing"

set +e; "$ZL" supervise deadline fix 2026-02-10 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "unknown step: rc $rc"
set +e; "$ZL" supervise deadline publish 2026-02-30 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "bad date: rc $rc"
set +e; "$ZL" supervise 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "no subcommand: rc $rc"
echo "supervise_cli: ok"
