#!/usr/bin/env bash
# id_cli.sh ZHILIANG_EXE - `zhiliang id`: forms printed, exit codes, the
# "invalid: <rule> (value: ...)" line, USCC detection, option errors.
set -u
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
z=${1:?usage: id_cli.sh ZHILIANG_EXE}
fails=0 passes=0

check() { # name, expected exit, expected output substring, args...
  local name=$1 want_rc=$2 want=$3 out rc
  shift 3
  out=$("$z" id "$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want_rc" ] || [[ "$out" != *"$want"* ]]; then
    echo "FAIL $name: exit $rc (want $want_rc), output:"
    echo "$out" | sed 's/^/    /'
    echo "  wanted: $want"
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

check urn_forms 0 "Digital Link:       https://id.gs1.org/01/10614141073464/21/2017" \
  urn:epc:id:sgtin:0614141.107346.2017
check urn_es 0 "element string:     (01)10614141073464(21)2017" \
  urn:epc:id:sgtin:0614141.107346.2017
check dl_urn 0 "EPC URN:            urn:epc:id:sgln:0614141.07346.1234" \
  --gcp-len 7 https://example.com/x/414/0614141073467/254/1234
check dl_needs_len 0 "give --gcp-len N" https://id.gs1.org/00/106141411234567897
check raw_gs 0 "https://id.gs1.org/01/09506000134352/10/ABC/21/123" \
  "$(printf ']C10109506000134352\x31\x30ABC\x1d21123')"
check bad_check 1 "invalid: bad check digit in AI (01): expected 2, got 3 (value: 09506000134353)" \
  "(01)09506000134353"
check unknown_ai 1 "invalid: unknown AI '89'" "(01)09506000134352(89)1"
check split 1 "invalid: impossible company prefix split" \
  urn:epc:id:sgtin:0614141.10734.1
check uscc 0 "organisation code:       M000100Y4" 91350100M000100Y43
check uscc_digits 0 "administrative division: 440300" 914403001922038216
check uscc_bad 1 "invalid: bad check character (position 18): expected 3, got 4 (value: 91350100M000100Y44)" \
  91350100M000100Y44
check json 0 '"scheme":"lgtin","is_class":true' --json \
  "https://id.gs1.org/01/09506000134352/10/ABC?17=201231"
check json_invalid 1 '"valid":false' --json "(01)09506000134353"
check many 1 "invalid:" urn:epc:id:sscc:0614141.1234567890 "(01)09506000134353"
check bad_len 2 "--gcp-len takes a number from 6 to 12" --gcp-len 13 x
check no_code 2 "usage: zhiliang id" --json
check help 0 "usage: zhiliang id" --help

echo "id_cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
