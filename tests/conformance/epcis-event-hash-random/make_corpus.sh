#!/bin/bash
# Rebuild random.jsonld and its expected random.hashes / random.prehashes
# with the reference generator (RalphTro/epcis-event-hash-generator at the
# commit in SOURCE-COMMIT), run by Debian 12's python3 with python3-pyld
# and python3-dateutil (apt-get install python3-pyld python3-dateutil).
# The few events the reference cannot hash (it logs "cannot convert float
# infinity to integer" on some large reals and skips the event) are
# dropped first, so that every event kept has the reference's answer.
# usage: make_corpus.sh REFERENCE_CHECKOUT [SEED] [COUNT]
set -euo pipefail
ref=$(cd "$1" && pwd) seed=${2:-11} count=${3:-1000}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/gen_events.py" "$seed" "$count" > "$tmp/all.jsonld"
cd "$ref"
/usr/bin/python3 - "$tmp/all.jsonld" "$tmp/random.jsonld" <<'PY'
import json, logging, sys
from epcis_event_hash_generator import events_from_file_reader as rd
from epcis_event_hash_generator import hash_generator as hg
logging.disable(logging.CRITICAL)
src, dst = sys.argv[1], sys.argv[2]
doc = json.load(open(src))
events = rd.event_list_from_file(src)
# events is ("EPCISBody", "", [event trees]) in document order
ok = [len(hg.derive_prehashes_from_events((events[0], events[1], [e]))) == 1
      for e in events[2]]
doc["epcisBody"]["eventList"] = [e for e, k in
                                 zip(doc["epcisBody"]["eventList"], ok) if k]
json.dump(doc, open(dst, "w"), separators=(",", ":"))
open(dst, "a").write("\n")
print("kept %d of %d events" % (sum(ok), len(ok)), file=sys.stderr)
PY
/usr/bin/python3 -m epcis_event_hash_generator -b -p "$tmp/random.jsonld" >/dev/null
sed -i 's/^ *//' "$tmp/random.hashes"
cp "$tmp/random.jsonld" "$tmp/random.hashes" "$tmp/random.prehashes" "$here/"
