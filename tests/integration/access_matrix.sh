#!/usr/bin/env bash
# access_matrix.sh ZHILIANG_EXE - who reads what (docs/access.md), walked
# as a matrix of roles x endpoints x data, over HTTP and the CLI.
#
# A small chain, every event captured with its party's token:
#   E1 farm commissions milk lot MILK at the farm
#   E2 farm ships MILK to the dairy            (source farm, destination dairy)
#   E3 dairy receives MILK                     (source farm, destination dairy)
#   E4 dairy turns MILK into product lot PROD  (planted: a price, a person's
#      name and phone, a purchase order)
#   E5 dairy ships PROD to the shop            (planted: another price and
#      purchase order)
#   E6 shop receives PROD                      (source dairy, destination shop)
#   E7 dairy declares PROD recalled at its site (the shop holds it: custody)
#   E8 an unrelated pharmacy commissions its own goods
# Roles: public (no token), farm, dairy, shop, pharmacy, a regulator of
# the dairy's region (13), one outside it (44), an operator. Each cell
# (role x endpoint x event) is checked: visible, filtered out, 401, 403 or
# 404, and no body carries a planted value of an event its role may not
# see. The number of cells checked is printed.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
"$EXE" init --store "$STORE" >/dev/null || exit 1

gln() { # prefix + reference -> 13 digits with the GS1 check digit
  python3 - "$1$2" <<'PY'
import sys
d = sys.argv[1].ljust(12, "0")[:12]
s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d))
print(d + str((10 - s % 10) % 10))
PY
}
G_FARM=$(gln 6900001 1); G_DAIRY=$(gln 6900002 1); G_SHOP=$(gln 6900003 1); G_PHARM=$(gln 6900004 1)
GT_MILK=0$(gln 6900001 00011); GT_PROD=0$(gln 6900002 00012); GT_DRUG=0$(gln 6900004 00013)
MILK="https://id.gs1.org/01/$GT_MILK/10/MILK1"
PROD="https://id.gs1.org/01/$GT_PROD/10/PROD1"
DRUG="https://id.gs1.org/01/$GT_DRUG/10/DRUG1"

add() { "$EXE" party add --store "$STORE" "$@" >/dev/null || { echo "Bail out! party add $*"; exit 1; }; }
add --id farm1 --name 青草牧场 --gln "$G_FARM" --prefix 6900001 --region 150102
add --id dairy1 --name 长青乳业 --gln "$G_DAIRY" --prefix 6900002 --region 130102
add --id shop1 --name 鲜丰超市 --gln "$G_SHOP" --prefix 6900003 --region 110105
add --id pharm1 --name 康宁药房 --gln "$G_PHARM" --prefix 6900004 --region 310115
add --id reg-in --name 河北省市场监督管理局 --kind regulator --region 13
add --id reg-out --name 广东省市场监督管理局 --kind regulator --region 44
add --id op1 --name 平台运维 --kind operator
ROLES="farm1 dairy1 shop1 pharm1 reg-in reg-out op1"
declare -A TOK
for r in $ROLES; do TOK[$r]=$("$EXE" token create --party "$r" --store "$STORE" 2>/dev/null); done
zl_serve

# Events E1..E8, told apart by their eventTime (hour k = Ek).
ev() { # k type-and-body-members
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://example.com/ex/"}],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-04-01T00:00:00Z",
 "epcisBody":{"eventList":[{"eventTime":"2026-05-01T0$1:00:00+08:00","eventTimeZoneOffset":"+08:00",$2}]}}
JSON
}
at() { echo "\"readPoint\":{\"id\":\"https://id.gs1.org/414/$1\"},\"bizLocation\":{\"id\":\"https://id.gs1.org/414/$1\"}"; }
src() { echo "\"sourceList\":[{\"type\":\"owning_party\",\"source\":\"https://id.gs1.org/417/$1\"}]"; }
dst() { echo "\"destinationList\":[{\"type\":\"owning_party\",\"destination\":\"https://id.gs1.org/417/$1\"}]"; }
qty() { echo "\"$1\":[{\"epcClass\":\"$2\",\"quantity\":100,\"uom\":\"KGM\"}]"; }
post() { # role file
  local s
  s=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer ${TOK[$1]}" \
    -H 'Content-Type: application/json' --data-binary @"$2" "$U/capture")
  is "capture $(basename "$2") as $1 -> 202" "$s" 202
}
ev 1 "\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\",$(qty quantityList "$MILK"),$(at "$G_FARM")" >"$TMP/e1.json"
ev 2 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":\"shipping\",\"disposition\":\"in_transit\",$(qty quantityList "$MILK"),\"readPoint\":{\"id\":\"https://id.gs1.org/414/$G_FARM\"},$(src "$G_FARM"),$(dst "$G_DAIRY")" >"$TMP/e2.json"
ev 3 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":\"receiving\",\"disposition\":\"in_progress\",$(qty quantityList "$MILK"),$(at "$G_DAIRY"),$(src "$G_FARM"),$(dst "$G_DAIRY")" >"$TMP/e3.json"
ev 4 "\"type\":\"TransformationEvent\",\"bizStep\":\"commissioning\",$(qty inputQuantityList "$MILK"),$(qty outputQuantityList "$PROD"),$(at "$G_DAIRY"),\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":\"urn:epcglobal:cbv:bt:$G_DAIRY:PO-SECRET-4\"}],\"ex:price\":1212.34,\"ex:contact\":{\"ex:name\":\"王小明\",\"ex:phone\":\"13800138000\"}" >"$TMP/e4.json"
ev 5 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":\"shipping\",\"disposition\":\"in_transit\",$(qty quantityList "$PROD"),\"readPoint\":{\"id\":\"https://id.gs1.org/414/$G_DAIRY\"},$(src "$G_DAIRY"),$(dst "$G_SHOP"),\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":\"urn:epcglobal:cbv:bt:$G_DAIRY:PO-SHIP-5\"}],\"ex:price\":5656.78" >"$TMP/e5.json"
ev 6 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":\"receiving\",\"disposition\":\"in_progress\",$(qty quantityList "$PROD"),$(at "$G_SHOP"),$(src "$G_DAIRY"),$(dst "$G_SHOP")" >"$TMP/e6.json"
ev 7 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":\"holding\",\"disposition\":\"recalled\",$(qty quantityList "$PROD"),$(at "$G_DAIRY")" >"$TMP/e7.json"
ev 8 "\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\",$(qty quantityList "$DRUG"),$(at "$G_PHARM"),\"ex:price\":9999.01" >"$TMP/e8.json"
post farm1 "$TMP/e1.json"; post farm1 "$TMP/e2.json"; post dairy1 "$TMP/e3.json"; post dairy1 "$TMP/e4.json"
post dairy1 "$TMP/e5.json"; post shop1 "$TMP/e6.json"; post dairy1 "$TMP/e7.json"; post pharm1 "$TMP/e8.json"
CASE=$("$EXE" recall open --store "$STORE" --lot "$PROD" --reason 'matrix test' --hazard-class II 2>/dev/null | grep -oE '[0-9a-f-]{36}' | head -1)
ok "recall case opened" test -n "$CASE"

# Planted values, by the event that carries them. Prices of four digits
# before the point: a time's seconds ("...:12.345Z") cannot spell them.
declare -A PLANT=([4]='1212.34|王小明|13800138000|PO-SECRET-4' [5]='5656.78|PO-SHIP-5' [8]='9999.01')
# What each role may see (docs/access.md): events by number.
declare -A SEES=([farm1]="1 2 3" [dairy1]="2 3 4 5 6 7" [shop1]="5 6 7" [pharm1]="8"
                 [reg-in]="3 4 5 7" [reg-out]="" [local]="1 2 3 4 5 6 7 8")
# Traces: back from PROD, forward from MILK (events reached).
declare -A BACK=([farm1]="" [dairy1]="2 3 4 5 6 7" [shop1]="5 6 7" [pharm1]=""
                 [reg-in]="3 4 5 7" [reg-out]="" [local]="1 2 3 4 5 6 7")
declare -A FWD=([farm1]="1 2 3" [dairy1]="2 3 4 5 6 7" [shop1]="" [pharm1]=""
                [reg-in]="3 4 5 7" [reg-out]="" [local]="1 2 3 4 5 6 7")
ALL="1 2 3 4 5 6 7 8"

# Event numbers found in a body: the hours (+08:00) of its 2026-05-01
# eventTimes, whatever offset they are written with.
labels() { python3 - "$1" <<'PY'
import re, sys, datetime as dt
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
out = set()
for m in re.finditer(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)", text):
    t = dt.datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))
    t = t.astimezone(dt.timezone(dt.timedelta(hours=8)))
    if t.date() == dt.date(2026, 5, 1) and 1 <= t.hour <= 8 and t.minute == 0:
        out.add(t.hour)
print(" ".join(str(x) for x in sorted(out)))
PY
}
norm() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
# No planted value of an event outside `allowed` appears in file.
noleak() { # name file allowed-events
  local k v hit=""
  for k in "${!PLANT[@]}"; do
    case " $3 " in *" $k "*) continue ;; esac
    IFS='|' read -ra vals <<<"${PLANT[$k]}"
    for v in "${vals[@]}"; do grep -qF -- "$v" "$2" && hit="$hit $v"; done
  done
  is "$1: no planted value leaks" "${hit:-none}" none
}
# ... and those of the events it may see are there (the plant is real).
shown() { # name file allowed-events
  local k v miss=""
  for k in "${!PLANT[@]}"; do
    case " $3 " in *" $k "*) ;; *) continue ;; esac
    IFS='|' read -ra vals <<<"${PLANT[$k]}"
    for v in "${vals[@]}"; do grep -qF -- "$v" "$2" || miss="$miss $v"; done
  done
  is "$1: the planted values of its events are shown" "${miss:-none}" none
}
get() { # role url -> status, body in $TMP/body
  if [ "$1" = public ]; then curl -s -o "$TMP/body" -w '%{http_code}' "$2"
  else curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer ${TOK[$1]}" "$2"; fi
}

# Event IDs, read with local (operator) access.
"$EXE" events --store "$STORE" --json >"$TMP/all.json"
declare -A EID
for k in $ALL; do
  EID[$k]=$(jq -r --arg h "0$k" '.epcisBody.queryResults.resultsBody.eventList[]
    | select(.eventTime | startswith("2026-05-01T" + $h)) | .eventID' "$TMP/all.json")
done
is "local access reads all 8 events" "$(labels "$TMP/all.json")" "$ALL"

enc() { jq -rn --arg v "$1" '$v|@uri'; }
cells0=$n
for role in public $ROLES; do
  # GET /events
  s=$(get "$role" "$U/events?perPage=1000")
  case $role in
    public) is "$role GET /events -> 401" "$s" 401 ;;
    op1) is "$role GET /events -> 403" "$s" 403 ;;
    *) is "$role GET /events -> 200" "$s" 200
       is "$role GET /events: exactly its events" "$(labels "$TMP/body")" "$(norm "${SEES[$role]}")"
       noleak "$role GET /events" "$TMP/body" "${SEES[$role]}"
       shown "$role GET /events" "$TMP/body" "${SEES[$role]}" ;;
  esac
  # GET /events/{id}, each event
  for k in $ALL; do
    s=$(get "$role" "$U/events/$(enc "${EID[$k]}")")
    case $role in
      public) want=401 ;; op1) want=403 ;;
      *) case " ${SEES[$role]} " in *" $k "*) want=200 ;; *) want=404 ;; esac ;;
    esac
    is "$role GET /events/{E$k} -> $want" "$s" "$want"
    [ "$want" = 404 ] && noleak "$role GET /events/{E$k}" "$TMP/body" ""
  done
  # GET /epcs/{PROD}/events
  s=$(get "$role" "$U/epcs/$(enc "$PROD")/events")
  case $role in
    public) is "$role /epcs/PROD/events -> 401" "$s" 401 ;;
    op1) is "$role /epcs/PROD/events -> 403" "$s" 403 ;;
    *) want=""; for k in 4 5 6 7; do case " ${SEES[$role]} " in *" $k "*) want="$want $k" ;; esac; done
       is "$role /epcs/PROD/events: its events of PROD" "$(labels "$TMP/body")" "$(norm "$want")"
       noleak "$role /epcs/PROD/events" "$TMP/body" "${SEES[$role]}" ;;
  esac
  # traces
  for dir in back forward; do
    if [ $dir = back ]; then start=$PROD; else start=$MILK; fi
    s=$(get "$role" "$U/api/trace/$dir?id=$(enc "$start")")
    case $role in
      public) is "$role /api/trace/$dir -> 401" "$s" 401 ;;
      op1) is "$role /api/trace/$dir -> 403" "$s" 403 ;;
      *) is "$role /api/trace/$dir -> 200" "$s" 200
         if [ $dir = back ]; then want=${BACK[$role]}; else want=${FWD[$role]}; fi
         is "$role /api/trace/$dir: events over what it sees" \
           "$(jq -r '.events[].eventTime' "$TMP/body" >"$TMP/t" 2>/dev/null; labels "$TMP/t")" "$(norm "$want")"
         noleak "$role /api/trace/$dir" "$TMP/body" "${SEES[$role]}" ;;
    esac
  done
  # an ad-hoc recall scope is a forward trace: the same limit
  s=$(get "$role" "$U/api/scope?lot=$(enc "$MILK")")
  case $role in
    public) is "$role /api/scope -> 401" "$s" 401 ;;
    op1) is "$role /api/scope -> 403" "$s" 403 ;;
    *) is "$role /api/scope: events over what it sees" \
         "$(jq -r '.events[].eventTime' "$TMP/body" >"$TMP/t" 2>/dev/null; labels "$TMP/t")" "$(norm "${FWD[$role]}")"
       noleak "$role /api/scope" "$TMP/body" "${SEES[$role]}" ;;
  esac
  # the list of recall cases: public data, for every enterprise and regulator
  s=$(get "$role" "$U/api/recalls")
  case $role in public) want=401 ;; op1) want=403 ;; *) want=200 ;; esac
  is "$role /api/recalls -> $want" "$s" "$want"
  # a node reached only through hidden events is not shown
  if [ "$role" = farm1 ]; then
    get farm1 "$U/api/trace/forward?id=$(enc "$MILK")" >/dev/null
    is "farm1 forward trace does not reach PROD (made by the dairy)" \
      "$(jq --arg p "$PROD" '[.nodes[] | select(.id == $p)] | length' "$TMP/body")" 0
  fi
  # recall case: status and scope
  s=$(get "$role" "$U/api/recalls/$CASE")
  case $role in
    public) want=401 ;; op1) want=403 ;; dairy1|reg-in|shop1) want=200 ;; *) want=403 ;;
  esac
  is "$role /api/recalls/{case} -> $want" "$s" "$want"
  if [ "$role" = shop1 ]; then
    is "shop1 sees only its own line of the case" "$(jq -r '[.parties[].party] | join(",")' "$TMP/body")" shop1
  fi
  s=$(get "$role" "$U/api/recalls/$CASE/scope")
  case $role in
    public) want=401 ;; op1) want=403 ;; dairy1|reg-in) want=200 ;; *) want=403 ;;
  esac
  is "$role /api/recalls/{case}/scope -> $want" "$s" "$want"
  noleak "$role /api/recalls/{case}/scope" "$TMP/body" "${SEES[$role]:-}"
  # the public product page: the same for everyone, public data only
  s=$(get "$role" "$U/01/$GT_PROD/10/PROD1")
  is "$role product page -> 200" "$s" 200
  noleak "$role product page" "$TMP/body" ""
done

# The public recalls page lists E7's lot (a recalled disposition), and
# nothing private.
s=$(get public "$U/recalls")
is "public /recalls -> 200" "$s" 200
ok "public /recalls lists the recalled lot" grep -q PROD1 "$TMP/body"
noleak "public /recalls" "$TMP/body" ""

# Pagination counts visible events: the dairy's six events in pages of 2.
url="$U/events?perPage=2"; pages=0; got=""
while [ -n "$url" ] && [ $pages -lt 10 ]; do
  curl -s -D "$TMP/h" -o "$TMP/body" -H "Authorization: Bearer ${TOK[dairy1]}" "$url"
  got="$got $(labels "$TMP/body")"; pages=$((pages + 1))
  url=$(sed -n 's/^Link: *<\([^>]*\)>.*/\1/Ip' "$TMP/h" | tr -d '\r')
done
is "dairy1 paged by 2: 3 full pages" "$pages" 3
is "dairy1 paged by 2: its six events" "$(norm "$got")" "2 3 4 5 6 7"
s=$(get shop1 "$U/events?maxEventCount=3")
is "shop1 maxEventCount=3 counts its 3 events only -> 200" "$s" 200
s=$(get shop1 "$U/events?eventCountLimit=2")
is "shop1 eventCountLimit=2 -> its first 2" "$(labels "$TMP/body")" "5 6"

# The CLI: local access is operator access; --as PARTY is that party's view.
for role in $ROLES local; do
  as=(); [ "$role" != local ] && as=(--as "$role")
  "$EXE" events --store "$STORE" --json "${as[@]}" >"$TMP/body" 2>"$TMP/err"; rc=$?
  if [ "$role" = op1 ]; then
    is "CLI events --as op1 -> exit 1" "$rc" 1
    ok "CLI events --as op1 says why" grep -q 'reads no events' "$TMP/err"
  else
    is "CLI events ${as[*]:-(local)}: exactly its events" "$(labels "$TMP/body")" "$(norm "${SEES[$role]}")"
    [ "$role" != local ] && noleak "CLI events --as $role" "$TMP/body" "${SEES[$role]}"
    shown "CLI events ${as[*]:-(local)}" "$TMP/body" "${SEES[$role]}"
  fi
  for dir in back forward; do
    if [ $dir = back ]; then start=$PROD; want=${BACK[$role]:-}; else start=$MILK; want=${FWD[$role]:-}; fi
    "$EXE" trace $dir "$start" --store "$STORE" --json "${as[@]}" >"$TMP/body" 2>"$TMP/err"; rc=$?
    if [ "$role" = op1 ]; then
      is "CLI trace $dir --as op1 -> exit 1" "$rc" 1
    else
      is "CLI trace $dir ${as[*]:-(local)}: events over what it sees" \
        "$(jq -r '.events[].eventTime' "$TMP/body" >"$TMP/t"; labels "$TMP/t")" "$(norm "$want")"
    fi
  done
done
"$EXE" events --store "$STORE" --as nobody >/dev/null 2>&1
is "CLI events --as an unknown party -> exit 1" "$?" 1

# Tokens: missing, garbage, revoked.
is "no token -> 401" "$(status "$U/events")" 401
is "garbage token -> 401" "$(status -H 'Authorization: Bearer zlt_0000000000000000_x' "$U/events")" 401

echo "# $((n - cells0)) role x endpoint cells checked ($n checks in all)"
zl_finish
