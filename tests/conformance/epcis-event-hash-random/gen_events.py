#!/usr/bin/env python3
"""Random EPCIS 2.0 JSON-LD events for the pre-hash oracle corpus.

Writes one EPCISDocument to stdout: SEED fixes the bytes. The events vary
what the pre-hash canonicalises and orders: the five event types, key
order shuffled, timestamps with any offset and 0-9 fraction digits,
integers and reals of every magnitude (as JSON numbers and as strings),
GS1 identifiers as EPC URNs and Digital Links (with lots, CPVs, serials),
CBV values bare and as web URIs (capture refuses the URNs), the typed lists, quantity
lists, sensor elements (every metadata and report field of the
canonical order), persistent disposition, ILMD, certification info and
user extensions at the top and nested. The expected hashes come from
the reference generator (see README.md), not from us.

usage: gen_events.py SEED COUNT
"""
import json
import random
import sys

NS = "https://ns.example.com/epcis/"
BIZSTEPS = ["shipping", "receiving", "packing", "commissioning", "inspecting",
            "storing", "departing", "arriving", "accepting", "loading"]
DISPS = ["in_transit", "in_progress", "active", "sellable_accessible",
         "in_progress", "returned", "damaged"]
BTT = ["po", "inv", "desadv", "bol", "prodorder"]
SDT = ["owning_party", "possessing_party", "location"]


def gcp(r):
    return r.choice(["0614141", "4012345", "9520123", "06141412"])


def ean(r, n):
    """n digits ending in a valid GS1 check digit"""
    d = [r.randrange(10) for _ in range(n - 1)]
    s = sum(x * (3 if i % 2 == 0 else 1) for i, x in enumerate(reversed(d)))
    return "".join(map(str, d)) + str((10 - s % 10) % 10)


def epc(r):
    k = r.randrange(8)
    if k == 0:
        c = gcp(r)
        return "urn:epc:id:sgtin:%s.%s.%d" % (
            c, "0" + ean(r, 12 - len(c))[:12 - len(c)], r.randrange(10**6))
    if k == 1:
        c = gcp(r)
        return "urn:epc:id:sscc:%s.%s" % (c, "1" + ean(r, 16 - len(c)))
    if k == 2:
        return "https://id.gs1.org/01/%s/21/%s" % (
            ean(r, 14), r.choice(["S%d" % r.randrange(10**5), "A-%d" % r.randrange(99)]))
    if k == 3:
        return "https://id.gs1.org/01/%s/10/L%d/21/%d" % (
            ean(r, 14), r.randrange(99), r.randrange(10**6))
    if k == 4:
        return "https://id.gs1.org/00/%s" % ean(r, 18)
    if k == 5:
        return "https://id.gs1.org/01/%s/22/CPV%d/10/B%d/21/X%d" % (
            ean(r, 14), r.randrange(9), r.randrange(9), r.randrange(999))
    if k == 6:
        c = gcp(r)
        return "urn:epc:id:grai:%s.%s.%d" % (c, ean(r, 12 - len(c))[:12 - len(c)], r.randrange(999))
    return "https://id.gs1.org/8004/%s%d" % (gcp(r), r.randrange(10**6))


def epc_class(r):
    k = r.randrange(3)
    if k == 0:
        c = gcp(r)
        return "urn:epc:class:lgtin:%s.%s.L%d" % (c, "0" + ean(r, 12 - len(c))[:12 - len(c)], r.randrange(99))
    if k == 1:
        return "https://id.gs1.org/01/%s/10/%d" % (ean(r, 14), r.randrange(999))
    return "https://id.gs1.org/01/%s" % ean(r, 14)


def loc(r):
    k = r.randrange(3)
    if k == 0:
        c = gcp(r)
        return "urn:epc:id:sgln:%s.%s.%d" % (c, ean(r, 12 - len(c))[:12 - len(c)], r.randrange(99))
    if k == 1:
        return "https://id.gs1.org/414/%s" % ean(r, 13)
    return "https://id.gs1.org/414/%s/254/%d" % (ean(r, 13), r.randrange(999))


def when(r):
    y, mo, d = r.randrange(2000, 2030), r.randrange(1, 13), r.randrange(1, 29)
    h, mi, s = r.randrange(24), r.randrange(60), r.randrange(60)
    frac = ""
    nd = r.choice([0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 9])
    if nd:
        frac = "." + "".join(str(r.randrange(10)) for _ in range(nd))
    z = r.choice(["Z", "+00:00", "+08:00", "-05:00", "+05:30", "-09:30", "+14:00", "-12:00"])
    return "%04d-%02d-%02dT%02d:%02d:%02d%s%s" % (y, mo, d, h, mi, s, frac, z), z


def number(r):
    k = r.randrange(9)
    if k == 0:
        return r.randrange(0, 10**6)
    if k == 1:
        return -r.randrange(1, 10**4)
    if k == 2:
        return round(r.uniform(0, 1000), r.randrange(1, 6))
    if k == 3:
        return r.uniform(-1e6, 1e6)
    if k == 4:
        return r.randrange(1, 999) * 10.0 ** r.randrange(-8, 22)
    if k == 5:
        return float(r.randrange(0, 10**6))
    if k == 6:
        return r.choice([0.1, 0.5, 1e-05, 123456789012345.6, 2.5e-7, 1e16, 0.0001])
    if k == 7:
        return r.randrange(1, 10**9) / 1000
    return r.random()


def cbv(r, kind, term):
    pre = {"bizstep": "BizStep", "disp": "Disp", "btt": "BTT", "sdt": "SDT"}[kind]
    if r.random() < 0.6:
        return term
    return "https://ref.gs1.org/cbv/%s-%s" % (pre, term)


def qe(r):
    q = {"epcClass": epc_class(r)}
    if r.random() < 0.8:
        q["quantity"] = abs(number(r)) if r.random() < 0.5 else r.randrange(1, 500)
        if r.random() < 0.6:
            q["uom"] = r.choice(["KGM", "LTR", "MTR", "EA", "CEL"])
    return q


def sensor(r):
    el = {}
    if r.random() < 0.8:
        md = {}
        for f in ["time", "startTime", "endTime"]:
            if r.random() < 0.5:
                md[f] = when(r)[0]
        for f in ["deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"]:
            if r.random() < 0.4:
                md[f] = "https://id.gs1.org/8004/%s%d" % (gcp(r), r.randrange(10**6))
        el["sensorMetadata"] = md
    reps = []
    for _ in range(r.randrange(1, 4)):
        rep = {"type": r.choice(["Temperature", "RelativeHumidity", "Speed", "Mass"])}
        if r.random() < 0.3:
            rep["exception"] = r.choice(["ALARM_CONDITION", "ERROR_CONDITION"])
        for f in ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]:
            if r.random() < 0.35:
                rep[f] = number(r)
        if r.random() < 0.3:
            rep["uom"] = r.choice(["CEL", "KGM", "A93", "KMH"])
        if r.random() < 0.2:
            rep["stringValue"] = r.choice(["SomeString", "x y", "12"])
        if r.random() < 0.2:
            rep["booleanValue"] = r.random() < 0.5
        if r.random() < 0.2:
            rep["hexBinaryValue"] = "%X" % r.randrange(1, 10**8)
        if r.random() < 0.2:
            rep["uriValue"] = "https://example.com/u/%d" % r.randrange(99)
        if r.random() < 0.2:
            rep["time"] = when(r)[0]
        if r.random() < 0.15:
            rep["deviceID"] = "https://id.gs1.org/8004/%s%d" % (gcp(r), r.randrange(10**6))
        if r.random() < 0.15:
            rep["coordinateReferenceSystem"] = "http://www.opengis.net/def/crs/EPSG/0/4979"
        if r.random() < 0.15:
            rep["example:note"] = "r%d" % r.randrange(99)
        reps.append(rep)
    el["sensorReport"] = reps
    return el


def ext(r, depth=0):
    k = r.randrange(4 if depth < 2 else 2)
    if k == 0:
        return "v%d" % r.randrange(100)
    if k == 1:
        return number(r)
    if k == 2:
        return {"example:sub%d" % i: ext(r, depth + 1) for i in range(r.randrange(1, 3))}
    return [ext(r, depth + 1) for _ in range(r.randrange(1, 3))]


def event(r, i):
    t = r.choice(["ObjectEvent", "ObjectEvent", "AggregationEvent",
                  "TransactionEvent", "TransformationEvent", "AssociationEvent"])
    et, z = when(r)
    e = {"type": t, "eventTime": et, "eventTimeZoneOffset": z if z != "Z" else "+00:00"}
    if t != "TransformationEvent":
        e["action"] = r.choice(["OBSERVE", "ADD", "DELETE"]) if t != "AssociationEvent" else r.choice(["ADD", "DELETE"])
    if t in ("ObjectEvent", "TransactionEvent"):
        e["epcList"] = [epc(r) for _ in range(r.randrange(0 if r.random() < 0.2 else 1, 6))]
        if r.random() < 0.4:
            e["quantityList"] = [qe(r) for _ in range(r.randrange(1, 3))]
        if t == "TransactionEvent" or r.random() < 0.1:
            e.setdefault("bizTransactionList", [])
        if t == "TransactionEvent" and r.random() < 0.5:
            e["parentID"] = epc(r)
    elif t in ("AggregationEvent", "AssociationEvent"):
        e["parentID"] = epc(r) if t == "AggregationEvent" else "https://id.gs1.org/8004/%s%d" % (gcp(r), r.randrange(10**6))
        e["childEPCs"] = [epc(r) for _ in range(r.randrange(1, 6))]
        if r.random() < 0.3:
            e["childQuantityList"] = [qe(r) for _ in range(r.randrange(1, 3))]
    else:
        e["inputEPCList"] = [epc(r) for _ in range(r.randrange(1, 4))]
        e["outputEPCList"] = [epc(r) for _ in range(r.randrange(1, 4))]
        if r.random() < 0.5:
            e["inputQuantityList"] = [qe(r)]
        if r.random() < 0.5:
            e["outputQuantityList"] = [qe(r)]
        if r.random() < 0.4:
            e["transformationID"] = "urn:epc:id:gdti:%s.%s.%d" % ("0614141", "00001", r.randrange(999))
    if r.random() < 0.9:
        e["bizStep"] = cbv(r, "bizstep", r.choice(BIZSTEPS))
    if r.random() < 0.8:
        e["disposition"] = cbv(r, "disp", r.choice(DISPS))
    if t in ("ObjectEvent", "TransformationEvent") and r.random() < 0.15:
        e["persistentDisposition"] = {"set": [r.choice(DISPS)], "unset": [r.choice(DISPS)]}
    if r.random() < 0.9:
        e["readPoint"] = {"id": loc(r)}
        if r.random() < 0.2:
            e["readPoint"]["example:rp"] = ext(r)
    if r.random() < 0.6:
        e["bizLocation"] = {"id": loc(r)}
    if r.random() < 0.4 or "bizTransactionList" in e:
        e["bizTransactionList"] = [{"type": cbv(r, "btt", r.choice(BTT)),
                                    "bizTransaction": "urn:epcglobal:cbv:bt:%s:%d" % (ean(r, 13), r.randrange(10**5))}
                                   for _ in range(r.randrange(1, 3))]
    if r.random() < 0.25:
        e["sourceList"] = [{"type": cbv(r, "sdt", r.choice(SDT)), "source": loc(r)}]
    if r.random() < 0.25:
        e["destinationList"] = [{"type": cbv(r, "sdt", r.choice(SDT)), "destination": loc(r)}]
    if r.random() < 0.25:
        e["sensorElementList"] = [sensor(r) for _ in range(r.randrange(1, 3))]
    if r.random() < 0.1:
        e["certificationInfo"] = "https://cert.example.com/c/%d" % r.randrange(999)
    if (t == "TransformationEvent" or e.get("action") == "ADD") and t == "ObjectEvent" and r.random() < 0.3:
        e["ilmd"] = {"example:bestBefore": when(r)[0][:10], "example:lot": "L%d" % r.randrange(99)}
    if r.random() < 0.2:
        e["eventID"] = "urn:uuid:%08x-0000-4000-8000-%012x" % (r.randrange(2**32), r.randrange(2**48))
    if r.random() < 0.1:
        e["recordTime"] = when(r)[0]
    for j in range(r.randrange(0, 3)):
        e["example:f%d" % j] = ext(r)
    keys = list(e.keys())
    r.shuffle(keys)
    return {k: e[k] for k in keys}


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                        {"example": NS}],
           "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2024-03-01T00:00:00Z",
           "epcisBody": {"eventList": [event(r, i) for i in range(count)]}}
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
