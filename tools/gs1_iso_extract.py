#!/usr/bin/env python3
"""Extract the ISO 3166-1 and ISO 4217 code lists from Debian's iso-codes.

Run by hand when iso-codes changes (not at build time: the build must not
depend on a system package's data):

    python3 tools/gs1_iso_extract.py /usr/share/iso-codes/json data/gs1

Writes iso3166-1.txt ("numeric alpha2" per line) and iso4217.txt
("numeric alpha3" per line), sorted by numeric code. Only the codes are
kept, never the names. The lists are what the GS1 linters iso3166,
iso3166999, iso3166alpha2 and iso4217 check against.
"""
import json
import os
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(os.path.join(src, "iso_3166-1.json"), encoding="utf-8") as f:
        cc = json.load(f)["3166-1"]
    with open(os.path.join(src, "iso_4217.json"), encoding="utf-8") as f:
        cur = json.load(f)["4217"]
    with open(os.path.join(dst, "iso3166-1.txt"), "w") as f:
        for e in sorted(cc, key=lambda e: e["numeric"]):
            f.write("%s %s\n" % (e["numeric"], e["alpha_2"]))
    with open(os.path.join(dst, "iso4217.txt"), "w") as f:
        for e in sorted(cur, key=lambda e: e["numeric"]):
            f.write("%s %s\n" % (e["numeric"], e["alpha_3"]))


if __name__ == "__main__":
    main()
