#!/usr/bin/env python3
"""Build-time generator: GS1 Barcode Syntax Dictionary -> C tables.

Usage: gen_gs1_tables.py DICTIONARY ISO3166 ISO4217 OUT.c

Reads GS1's own machine-readable AI definitions (data/gs1/
gs1-syntax-dictionary.txt, whose header documents the syntax) and the ISO
code lists (data/gs1/iso3166-1.txt, iso4217.txt) and writes the tables
that lib/gs1/ai.c searches: one row per AI (ranges such as 3100-3105 are
expanded), each with its components (type N/X/Y/Z, length range, optional,
linter names), the flags "*" (predefined length, no FNC1) and "?" (Digital
Link data attribute), the req= / ex= rules and the dlpkey= qualifier
chains, kept as the dictionary writes them.

A new dictionary from GS1 is a data change: new AIs, components, rules and
even new linter names flow through here. The C code binds linter names to
functions at run time and reports a name it does not implement as "not
implemented" rather than failing the build. Only a dictionary beyond the
limits of struct ai_def (components per AI, linters per component) stops
the build, with a message naming the constant to raise.

Python 3 rather than a C tool: Meson itself runs on Python 3, so it is
present wherever the project builds, and a text parser is shorter here.
"""
import re
import sys

FLAG_CHARS = set("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
COMP_RE = re.compile(
    r"^(\[?)([NXYZ])(\d*)(?:\.\.(\d+))?(\]?)((?:,[a-z0-9]+)*)$")


def die(lineno, msg):
    sys.stderr.write("gen_gs1_tables: line %d: %s\n" % (lineno, msg))
    sys.exit(1)


def parse_dictionary(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            title = ""
            if "#" in line:
                line, title = line.split("#", 1)
                title = title.strip()
            toks = line.split()
            ais = toks.pop(0)
            flags = ""
            if toks and all(c in FLAG_CHARS for c in toks[0]) and \
                    not toks[0].startswith("["):
                flags = toks.pop(0)
            comps, req, ex, dlpkey = [], [], [], None
            for t in toks:
                m = COMP_RE.match(t)
                if m and not req and not ex and dlpkey is None:
                    opt_open, typ, a, b, opt_close, lints = m.groups()
                    if bool(opt_open) != bool(opt_close):
                        die(lineno, "unbalanced [] in %r" % t)
                    if b is not None:
                        lo, hi = (int(a) if a else 1), int(b)
                    else:
                        if not a:
                            die(lineno, "component without length %r" % t)
                        lo = hi = int(a)
                    comps.append({
                        "type": typ, "min": lo, "max": hi,
                        "opt": bool(opt_open),
                        "lints": [x for x in lints.split(",") if x],
                    })
                elif t.startswith("req="):
                    req.append(t[4:])
                elif t.startswith("ex="):
                    ex.append(t[3:])
                elif t == "dlpkey":
                    dlpkey = ""
                elif t.startswith("dlpkey="):
                    dlpkey = t[7:]
                else:
                    die(lineno, "unknown token %r" % t)
            if not comps:
                die(lineno, "no components")
            for c in comps[:-1]:
                if c["min"] != c["max"]:
                    die(lineno, "variable-length component before the last")
            seen_opt = False
            for c in comps:
                if seen_opt and not c["opt"]:
                    die(lineno, "mandatory component after an optional one")
                seen_opt = seen_opt or c["opt"]
            if "-" in ais:
                lo, hi = ais.split("-")
                if len(lo) != len(hi):
                    die(lineno, "bad range %r" % ais)
                names = [str(n).zfill(len(lo))
                         for n in range(int(lo), int(hi) + 1)]
            else:
                names = [ais]
            for n in names:
                if not (2 <= len(n) <= 4 and n.isdigit()):
                    die(lineno, "bad AI %r" % n)
                entries.append({
                    "ai": n, "pre": "*" in flags, "dlattr": "?" in flags,
                    "comps": comps, "req": " ".join(req), "ex": ",".join(ex),
                    "dlpkey": dlpkey, "title": title,
                })
    entries.sort(key=lambda e: e["ai"])
    for a, b in zip(entries, entries[1:]):
        if a["ai"] == b["ai"]:
            sys.stderr.write("gen_gs1_tables: AI %s twice\n" % a["ai"])
            sys.exit(1)
    return entries


def cstr(s):
    if s is None:
        return "NULL"
    out = '"'
    for ch in s.encode("utf-8"):
        if ch in (0x22, 0x5C):
            out += "\\" + chr(ch)
        elif 0x20 <= ch < 0x7F:
            out += chr(ch)
        else:
            out += "\\%03o" % ch
    return out + '"'


def read_codes(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if p:
                rows.append((p[0], p[1]))
    return rows


def main():
    dict_path, iso3166, iso4217, out_c = sys.argv[1:5]
    entries = parse_dictionary(dict_path)
    lints = sorted({l for e in entries for c in e["comps"] for l in c["lints"]})
    max_comps = max(len(e["comps"]) for e in entries)
    max_lints = max(len(c["lints"]) for e in entries for c in e["comps"])
    countries = read_codes(iso3166)
    currencies = read_codes(iso4217)

    # The limits of struct ai_def in lib/gs1/gs1_int.h.
    if max_comps > 8 or max_lints > 4 or len(lints) > 255:
        sys.stderr.write("gen_gs1_tables: the dictionary needs %d components"
                         " and %d linters per component; raise AI_MAX_COMPS /"
                         " AI_MAX_LINTS in lib/gs1/gs1_int.h\n"
                         % (max_comps, max_lints))
        sys.exit(1)

    with open(out_c, "w") as o:
        o.write("/* Generated by tools/gen_gs1_tables.py from the GS1 "
                "Barcode Syntax Dictionary\n * and the ISO code lists in "
                "data/gs1. Do not edit. */\n")
        o.write("#include \"gs1/gs1_int.h\"\n\n")
        o.write("const char *const gs1_lint_names[] = {\n")
        for l in lints:
            o.write("    %s,\n" % cstr(l))
        o.write("};\nconst size_t gs1_lint_count = %d;\n\n" % len(lints))
        o.write("const struct ai_def gs1_ai_table[] = {\n")
        for e in entries:
            comps = []
            for c in e["comps"]:
                ids = ", ".join(str(lints.index(l) + 1) for l in c["lints"])
                comps.append("{'%s', %d, %d, %d, {%s}}" % (
                    c["type"], c["min"], c["max"], int(c["opt"]), ids or "0"))
            o.write("    {%s, %d, %d, %d, {%s}, %s, %s, %s, %s},\n" % (
                cstr(e["ai"]), int(e["pre"]), int(e["dlattr"]),
                len(e["comps"]), ", ".join(comps),
                cstr(e["req"]) if e["req"] else "NULL",
                cstr(e["ex"]) if e["ex"] else "NULL",
                cstr(e["dlpkey"]), cstr(e["title"])))
        o.write("};\n")
        o.write("const size_t gs1_ai_count = %d;\n\n" % len(entries))
        # Direct lookup by the AI's digits: row + 1 in gs1_ai_table, 0 for
        # none, one array per AI length (2, 3 and 4 digits).
        for width in (2, 3, 4):
            idx = [0] * (10 ** width)
            for i, e in enumerate(entries):
                if len(e["ai"]) == width:
                    idx[int(e["ai"])] = i + 1
            o.write("const unsigned short gs1_ai_index%d[%d] = {" %
                    (width, 10 ** width))
            for k, v in enumerate(idx):
                o.write("%s%d," % ("\n    " if k % 20 == 0 else "", v))
            o.write("\n};\n")
        o.write("\n")
        o.write("/* ISO 3166-1 numeric codes with their alpha-2, sorted by "
                "numeric code. */\n")
        o.write("const char gs1_iso3166[][6] = {\n")
        for num, a2 in countries:
            o.write('    "%s%s",\n' % (num, a2))
        o.write("};\nconst size_t gs1_iso3166_count = %d;\n\n" % len(countries))
        o.write("/* ISO 4217 numeric codes with their alpha-3, sorted by "
                "numeric code. */\n")
        o.write("const char gs1_iso4217[][7] = {\n")
        for num, a3 in currencies:
            o.write('    "%s%s",\n' % (num, a3))
        o.write("};\nconst size_t gs1_iso4217_count = %d;\n" % len(currencies))


if __name__ == "__main__":
    main()
