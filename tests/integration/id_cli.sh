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
# bare keys and scanner input (docs/gs1.md)
check bare_gtin13 0 "Digital Link:       https://id.gs1.org/01/06940277700019" 6940277700019
check bare_gtin13_canon 0 '"canonical":"https://id.gs1.org/01/06940277700019"' --json 6940277700019
check bare_gtin8 0 "element string:     (01)00000096385074" 96385074
check bare_gtin12 0 "element string:     (01)00036000291452" 036000291452
check bare_gtin14 0 "scheme:             gtin" 09506000134352
check bare_gtin_bad 1 "invalid: unknown AI '6940'" 6940277700018
check bare_sscc 0 "scheme:             sscc" 106141412345678908
check uscc_digits_still 0 "scheme:                  uscc" 914403001922038216
check scan_q1 0 "https://id.gs1.org/01/09506000134352/10/ABC" "]Q1https://example.com/01/09506000134352/10/ABC"
check scan_e0 0 "(01)06940277700019" "]E06940277700019"
check dl_zero_suppressed 1 "zero-suppressed GTIN" https://id.gs1.org/01/6940277700019
check pair_01_02 1 "invalid pair: AI (02) cannot be used with (01)" "(01)09506000134352(02)09506000134352"
check new_ai_7040 0 "(8004)9520123ABC(7040)1ABC" "(8004)9520123ABC(7040)1ABC"
check gmn_key 0 "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K" "(8013)1987654Ad4X4bL5ttr2310c2K"
check ginc_zero 1 "bad key in AI (401)" "(401)0"

echo "id_cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
