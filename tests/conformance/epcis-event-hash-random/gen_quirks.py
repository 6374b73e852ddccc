#!/usr/bin/env python3
"""quirks.jsonld: nine hand-written events for the shapes of the pre-hash
that the demo data and the random corpus reach rarely or never: extension
lists (with a prefix, nested, empty, two prefixes bound to one namespace),
numbers in every written form (strings and JSON numbers: leading zeros,
'+', trailing zeros, 15 and 16 significant digits, below 1e-4, '_'), the
typed lists (pair order, terms), readPoint and bizLocation with extensions
(one named like an event field), childEPCs and quantity lists, the
transformation lists, ILMD, persistent disposition, sensor metadata and
reports with extensions, and the fields that do not count (eventID,
recordTime, errorDeclaration). The expected quirks.hashes and
quirks.prehashes are the reference generator's (see README.md).
usage: gen_quirks.py > quirks.jsonld"""
import json
T = {"eventTime": "2024-05-01T10:00:00.123456+02:00", "eventTimeZoneOffset": "+02:00"}
def ev(t, **kw):
    e = {"type": t}; e.update(T); e.update(kw); return e
E = [
 # extension lists with a prefix, merged names, empty lists, nested list in extension
 ev("ObjectEvent", action="OBSERVE", epcList=[], **{"ex:fooList": ["b", "a"], "ex:emptyList": [],
    "ex:outer": {"ex:innerList": ["2", "1"], "ex:z": "q", "ex:y": {"ex:deep": "1.50"}}}),
 # numbers in every form, as strings and JSON numbers
 ev("ObjectEvent", action="OBSERVE", epcList=["urn:epc:id:sgtin:4012345.011111.9876"],
    **{"ex:a": "007.250", "ex:b": "-0.0001", "ex:c": "0.00001", "ex:d": "123456789012345.5",
       "ex:e": "+3.140", "ex:f": 1.5, "ex:g": 100, "ex:h": "-.5", "ex:i": "12345678901234.5",
       "ex:j": "0.1000", "ex:k": "5.", "ex:l": "1_0.5", "ex:m": -0.25, "ex:n": "00.0010"}),
 # typed lists: pair order, extra keys, types as terms and URIs
 ev("ObjectEvent", action="ADD", epcList=["urn:epc:id:sgtin:4012345.011111.1"],
    bizTransactionList=[{"bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:1", "type": "po"},
                        {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:2"}],
    sourceList=[{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00001"},
                {"source": "urn:epc:id:sgln:4012345.00001.0", "type": "location"}],
    destinationList=[{"type": "possessing_party", "destination": "urn:epc:id:pgln:4012345.00002"}]),
 # readPoint/bizLocation with extensions, one named like an event field
 ev("ObjectEvent", action="OBSERVE", epcList=["urn:epc:id:sgtin:4012345.011111.2"],
    readPoint={"id": "urn:epc:id:sgln:4012345.00001.0", "ex:action": "x", "ex:b": "y"},
    bizLocation={"id": "urn:epc:id:sgln:4012345.00002.0", "ex:loc": "z"}),
 # aggregation: childEPCs, childQuantityList, parent
 ev("AggregationEvent", action="ADD", parentID="urn:epc:id:sscc:4012345.0000000001",
    childEPCs=["urn:epc:id:sgtin:4012345.011111.5", "urn:epc:id:sgtin:4012345.011111.4"],
    childQuantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.011111.L1", "quantity": 2.0, "uom": "KGM"},
                       {"epcClass": "urn:epc:idpat:sgtin:4012345.011111.*", "quantity": 3}],
    **{"ex:n": {"ex:quantity": {"ex:v": "1"}}}),
 # transformation: input/output lists, ILMD with nested extensions
 {"type": "TransformationEvent", **T,
  "inputEPCList": ["urn:epc:id:sgtin:4012345.011111.7", "urn:epc:id:sgtin:4012345.011111.6"],
  "outputEPCList": ["urn:epc:id:sgtin:4012345.022222.1"],
  "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.L2", "quantity": 10.25, "uom": "KGM"}],
  "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.022222.L3", "quantity": 4}],
  "transformationID": "urn:epc:id:gdti:4012345.00001.1",
  "bizStep": "commissioning", "disposition": "active",
  "ilmd": {"ex:bestBefore": "2025-01-01", "ex:lots": {"ex:lotList": ["L2", "L1"]}},
  "persistentDisposition": {"set": ["completeness_verified"], "unset": ["completeness_inferred"]}},
 # sensors: metadata times, report fields, extensions inside a report
 ev("ObjectEvent", action="OBSERVE", epcList=["urn:epc:id:sgtin:4012345.011111.8"],
    sensorElementList=[{"sensorMetadata": {"time": "2024-05-01T08:00:00Z", "deviceID": "urn:epc:id:giai:4012345.1",
                                           "startTime": "2024-05-01T07:00:00.5+01:00", "ex:cal": "c"},
                        "sensorReport": [{"type": "Temperature", "value": 26.0, "uom": "CEL", "ex:note": "n"},
                                         {"type": "RelativeHumidity", "minValue": 12.10, "maxValue": 13, "uom": "A93"}]}]),
 # two prefixes bound to one namespace: their lists are one list
 ev("ObjectEvent", action="OBSERVE", epcList=["urn:epc:id:sgtin:4012345.011111.3"],
    **{"ex:fooList": ["c", "a"], "ex3:fooList": ["b"], "ex3:bar": "1"}),
 # fields that do not count, a correction's declaration, an empty childEPCs
 ev("AggregationEvent", action="DELETE", parentID="urn:epc:id:sscc:4012345.0000000002", childEPCs=[],
    eventID="ni:///sha-256;abc?ver=CBV2.0", recordTime="2024-05-02T00:00:00Z",
    errorDeclaration={"declarationTime": "2024-05-03T00:00:00Z", "reason": "incorrect_data"},
    bizStep="https://ref.gs1.org/cbv/BizStep-packing", disposition="in_progress"),
]
doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                    {"ex": "https://example.com/ns/", "ex3": "https://example.com/ns/"}],
       "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z",
       "epcisBody": {"eventList": E}}
print(json.dumps(doc, separators=(",", ":")))
