#!/usr/bin/env bash
# demo.sh - the README's first command: set up, build, and run the main job
# on the embedded store (SQLite):
#   a generated dairy + vegetable supply chain is captured, the log is
#   checkpointed and verified, a contamination is found in one milk
#   collection lot, its recall scope is computed, one retail item is traced
#   back to the farms, and the portal is served.
# Options: --scale S (default 20, about 2,000 events), --no-serve,
# --pg (the same job on PostgreSQL: a throwaway server from scripts/pg.sh,
# the store in its schema "demo", made afresh).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=20
SERVE=1
PG=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --no-serve) SERVE=0; shift ;;
    --pg) PG=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ $PG = 1 ]; then bash scripts/install-deps.sh --pg; else bash scripts/install-deps.sh; fi
[ -d build ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null
ZL=$PWD/build/cli/zhiliang
OUT=$PWD/demo-run
rm -rf "$OUT"; mkdir -p "$OUT"
export ZHILIANG_STORE=$OUT/zhiliang.db
if [ $PG = 1 ]; then
  PGURI=$(bash scripts/pg.sh start)
  /usr/lib/postgresql/15/bin/psql -q "$PGURI" \
    -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS demo CASCADE"
  export ZHILIANG_STORE="$PGURI?schema=demo"
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Create the store"
"$ZL" init --origin zhiliang.demo/log

step "2. Generate a supply chain (seed 7, scale $SCALE)"
"$ZL" demo generate --seed 7 --scale "$SCALE" --sector all --out "$OUT/chain"

step "3. Register the parties and products"
"$ZL" party import "$OUT/chain/parties.json"

step "3b. Supervision registries and an inspection plan (双随机: fixed before its seed exists)"
"$ZL" registry import category "$OUT/chain/registry-categories.json"
"$ZL" registry import enterprise "$OUT/chain/registry-enterprises.json"
"$ZL" registry import inspector "$OUT/chain/registry-inspectors.json"
"$ZL" inspect plan --id DAIRY-2026-03 --title "2026年3月乳制品监督抽查（双随机）" \
  --category RAW_MILK --category UHT_MILK --region 13 --region 15 \
  --count 2 --team 2 --weights A=1,B=2,C=4,D=8 --distance 100 \
  --from 2026-03-01 --to 2026-03-31

step "4. Capture every document (validated, hashed, logged)"
"$ZL" capture "$OUT"/chain/chain-*.jsonld

step "5. Sign a log checkpoint and verify everything against it"
"$ZL" log checkpoint
"$ZL" verify

step "5b. Draw the plan: seeded by the log's root 100 records after the plan"
"$ZL" inspect draw DAIRY-2026-03
"$ZL" inspect draw --verify DAIRY-2026-03
"$ZL" inspect export DAIRY-2026-03 > "$OUT/draw-export.json"
echo "a citizen re-runs it from the public export:"
python3 docs/draw_plan_verify.py "$OUT/draw-export.json" | tail -1

step "5c. Spot checks: sampling and test reports for the first drawn tasks (one fails)"
# Measured values at the category's limits pass (limits are inclusive);
# the failed task has its last upper-limited item (aflatoxin M1 for raw
# milk) 24% over the limit.
SLOT=$("$ZL" demo sample --store "$ZHILIANG_STORE" --what collection-lot 2>/dev/null || true)
if [ -n "$SLOT" ]; then
  "$ZL" inspect show DAIRY-2026-03 --json | jq -c '.current[:3][]' | while read -r t; do
    n=$(jq -r .task <<<"$t")
    task="DAIRY-2026-03:$n"
    cat=$("$ZL" registry show category "$(jq -r .category <<<"$t")")
    "$ZL" inspect sample "$task" --date 2026-03-10 --product "$(jq -r .name_zh <<<"$cat")" \
      --lot "$SLOT" --quantity 4 --code "$SLOT/21/$n" --sampler "$(jq -r '.team[0]' <<<"$t")" >/dev/null
    items=$(jq -r --argjson bad "$([ "$n" = 1 ] && echo true || echo false)" '
        (.items | map(.max != null and .max != "") | rindex(true)) as $f
        | .items | to_entries[] | .value as $i
        | "--item=\($i.item)=\(if $bad and .key == $f then ($i.max | tonumber * 1.24 | tostring)
                               elif ($i.min // "") != "" then $i.min else $i.max end)"' <<<"$cat")
    # shellcheck disable=SC2086
    "$ZL" inspect report "$task" --date 2026-03-17 --no "JC-2026-03-$n" --lab "河北省食品检验研究院" \
      $(sed 's/^--item=/--item /' <<<"$items") | sed "s/^/  /"
    "$ZL" inspect notify "$task" --date 2026-03-18 >/dev/null
    "$ZL" inspect publish "$task" --date 2026-03-25 >/dev/null
  done
  "$ZL" inspect stop-sale DAIRY-2026-03:1 --date 2026-03-18 >/dev/null
  "$ZL" inspect task DAIRY-2026-03:1 --at 2026-03-26
  echo "published results (一公开) and the pass rate:"
  "$ZL" inspect results
fi

step "6. Shipping events at a glance"
"$ZL" events EQ_bizStep=shipping eventCountLimit=5

LOT=$("$ZL" demo sample --store "$ZHILIANG_STORE" --what collection-lot 2>/dev/null || true)
ITEM=$("$ZL" demo sample --store "$ZHILIANG_STORE" --what sold-item 2>/dev/null || true)

if [ -n "$LOT" ]; then
  step "7. Contamination found in milk collection lot $LOT: recall scope"
  "$ZL" recall scope --lot "$LOT" --report --csv "$OUT/fsma204.csv"
  echo "FSMA 204 sortable spreadsheet: $OUT/fsma204.csv"
  step "7b. Open the recall case and notify every holder"
  CASE=$("$ZL" recall open --lot "$LOT" --hazard-class I \
           --reason "收奶批次黄曲霉毒素M1超过 GB 2761 限量" \
           --reason-en "Aflatoxin M1 above the GB 2761 limit in a milk collection lot" \
           --advice "请立即停止饮用，保留包装，到购买门店退货或拨打 12315。" \
           --advice-en "Stop drinking it now, keep the pack and return it to the shop, or call 12315." \
           --json | jq -r .case)
  "$ZL" recall notify "$CASE"
  "$ZL" recall status "$CASE"
fi
if [ -n "$ITEM" ]; then
  step "8. Where did retail item $ITEM come from? (来源可查)"
  "$ZL" trace back "$ITEM" --svg "$OUT/trace.svg"
fi

step "8b. Quality control on the filling line: an SPC stream that raises an alarm (issue 13)"
# Fill volume of the 250 mL cartons, I-MR chart with limits from the line's
# validated process (250.0 mL, sigma 0.8); the last readings drift high.
"$ZL" spc stream create fill-250 --chart imr --characteristic "灌装量 fill volume" \
  --unit mL --center 250 --sigma 0.8 --rules nelson >/dev/null
"$ZL" spc append fill-250 250.3 249.6 250.8 249.9 250.1 249.4 250.6 250.2 249.8 250.4 >/dev/null
"$ZL" spc append fill-250 251.2 251.5 251.1 251.8 251.4 251.6 253.9 ${ITEM:+--code "$ITEM"} >/dev/null
"$ZL" spc alarms fill-250
"$ZL" spc stream show fill-250 --svg "$OUT/fill-250.svg" >/dev/null && echo "chart: $OUT/fill-250.svg"

if [ -n "$ITEM" ]; then
  step "8c. Shoppers complain about the same pack: a signal within the hour (issue 14)"
  # what a shopper reads off the pack: the GTIN and the batch printed on it
  GTIN=$("$ZL" id "$ITEM" --json | jq -r .canonical | sed -n 's#.*/01/\([0-9]*\)/.*#\1#p')
  PACK=$("$ZL" trace back "$ITEM" --json | jq -r '.nodes[] | select(.kind == "lot") | .id' | grep "/01/$GTIN/10/" | head -1)
  for who in 1 2 3; do
    printf '{"occurred":"2026-03-04","region":"110105","category":"灭菌乳","description":"牛奶有异味，喝后腹泻","gs1":"%s"}' "${PACK:-$ITEM}" |
      "$ZL" risk report complaint --json - >/dev/null
  done
  "$ZL" risk reports
  "$ZL" risk signals --reports --by lot
  # the regulator handles them: the first accepted and closed, the others
  # merged into it as duplicates; the public side shows counts only
  "$ZL" party add --name 北京市朝阳区市场监督管理局 --id reg-chaoyang --kind regulator \
    --region 110105 >/dev/null
  mapfile -t CIDS < <("$ZL" risk reports --kind complaint --json | jq -r '.reports[-3:][].id')
  "$ZL" risk review "${CIDS[0]}" accept --as reg-chaoyang
  "$ZL" risk review "${CIDS[1]}" merge --into "${CIDS[0]}" --as reg-chaoyang
  "$ZL" risk review "${CIDS[2]}" merge --into "${CIDS[0]}" --as reg-chaoyang
  "$ZL" risk review "${CIDS[0]}" close --outcome settled --as reg-chaoyang
  "$ZL" risk published
  # the signal becomes a risk case with a consumer warning on the portal
  # (on /warnings and the pack's own pages until it is withdrawn)
  CASE=$("$ZL" risk dispose open --from-report "${CIDS[0]}" --hazard 该批次异味致腹泻 \
    --hazard-en "Off-flavour batch causing diarrhoea" --as reg-chaoyang)
  "$ZL" risk dispose act "$CASE" warning --title 暂停饮用该批次 \
    --title-en "Do not drink this batch" \
    --text "该批次牛奶有异味，已有消费者饮用后腹泻。请暂停饮用，联系企业退换。" \
    --text-en "Shoppers report an off flavour and diarrhoea. Stop drinking it and return it." \
    --as reg-chaoyang >/dev/null
  "$ZL" risk dispose show "$CASE"
fi

if [ "$SERVE" = 1 ]; then
  step "9. The portal"
  echo "open http://127.0.0.1:8080/ (Ctrl-C to stop)"
  [ -n "$ITEM" ] && echo "product page of the traced item: http://127.0.0.1:8080/qr?code=$ITEM"
  echo "the draw and how to verify it: http://127.0.0.1:8080/inspections/DAIRY-2026-03"
  echo "published spot checks and pass-rate charts: http://127.0.0.1:8080/results"
  [ -n "$SLOT" ] && echo "the failed spot check on its product's page: http://127.0.0.1:8080$("$ZL" id "$SLOT" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')"
  exec "$ZL" serve --listen 127.0.0.1:8080
fi
