#!/usr/bin/env python3
"""Extract test vectors from GS1's gs1-syntax-engine unit tests as data.

Run by hand against a checkout of github.com/gs1/gs1-syntax-engine:

    python3 tools/gs1_extract_vectors.py ENGINE_DIR tests/conformance/gs1-syntax-engine

Reads only the literal arguments of the engine's test macros, never its
code, and writes:

- lint_vectors.tsv: "linter<TAB>pass|fail<TAB>value" from every
  UNIT_TEST_PASS / UNIT_TEST_FAIL(gs1_lint_NAME, "value", ...) in
  src/c-lib/syntax/lint_*.c (vectors built in loops are not literals and
  are skipped);
- dl_vectors.tsv: "ok|fail<TAB>uri<TAB>expected" from test_parseDLuri(...)
  in src/c-lib/dl.c, only those run with the engine's default options
  (calls made while an option is switched on are skipped);
- ai_rules_vectors.tsv: "repeats|mutex|requisites<TAB>ok|fail<TAB>data" from
  test_validateAIs(...) in src/c-lib/ai.c: the engine's checks of repeated
  AIs and of the dictionary's ex= and req= rules on bracketed element
  strings.

Values are written with C-style escapes (\\\\, \\t, \\xHH) so every byte
survives a line-based file.
"""
import os
import re
import sys

STR = r'"((?:[^"\\]|\\.)*)"'


def c_unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            j = i + 2
            while j < len(s) and s[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(s[i + 2:j], 16) & 0xFF)
            i = j
        elif n in "01234567":
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in "01234567":
                j += 1
            out.append(int(s[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append({"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34,
                        "'": 39, "?": 63, "a": 7}[n])
            i += 2
    return bytes(out)


def esc(b):
    out = ""
    for ch in b:
        if ch == 0x5C:
            out += "\\\\"
        elif 0x20 < ch < 0x7F:
            out += chr(ch)
        else:
            out += "\\x%02X" % ch
    return out


def lint_vectors(engine):
    rows = []
    d = os.path.join(engine, "src", "c-lib", "syntax")
    pat = re.compile(r"UNIT_TEST_(PASS|FAIL)\(\s*gs1_lint_(\w+)\s*,\s*" + STR
                     + r"\s*[,)]")
    for fn in sorted(os.listdir(d)):
        if not fn.startswith("lint_") or not fn.endswith(".c"):
            continue
        with open(os.path.join(d, fn), encoding="utf-8") as f:
            for m in pat.finditer(f.read()):
                rows.append((m.group(2), m.group(1).lower(),
                             esc(c_unescape(m.group(3)))))
    return rows


def dl_vectors(engine):
    rows = []
    with open(os.path.join(engine, "src", "c-lib", "dl.c"),
              encoding="utf-8") as f:
        text = f.read()
    text = text[text.index("void test_dl_parseDLuri(void)"):]
    text = text[:text.index("\n}\n")]
    flags = {}
    tok = re.compile(
        r"(gs1_encoder_set(\w+)\(ctx,\s*(true|false)\))|"
        r"(ctx->(\w+)\s*=\s*(true|false))|"
        r"(test_parseDLuri\(\s*(true|false)\s*,\s*" + STR + r"\s*,\s*"
        + STR + r"\s*\))", re.S)
    for m in tok.finditer(text):
        if m.group(1):
            flags[m.group(2)] = m.group(3) == "true"
        elif m.group(4):
            flags[m.group(5)] = m.group(6) == "true"
        else:
            if any(flags.values()):
                continue
            rows.append(("ok" if m.group(8) == "true" else "fail",
                         esc(c_unescape(m.group(9))),
                         esc(c_unescape(m.group(10)))))
    return rows


def rules_vectors(engine):
    rows = []
    with open(os.path.join(engine, "src", "c-lib", "ai.c"),
              encoding="utf-8") as f:
        text = f.read()
    pat = re.compile(r"test_validateAIs\(\s*(true|false)\s*,\s*validateAI"
                     r"(\w+)\s*,\s*" + STR + r"\s*\)")
    for m in pat.finditer(text):
        rows.append((m.group(2), "ok" if m.group(1) == "true" else "fail",
                     esc(c_unescape(m.group(3)))))
    return rows


def main():
    engine, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(out, "lint_vectors.tsv"), "w") as f:
        for r in lint_vectors(engine):
            f.write("\t".join(r) + "\n")
    with open(os.path.join(out, "dl_vectors.tsv"), "w") as f:
        for r in dl_vectors(engine):
            f.write("\t".join(r) + "\n")
    with open(os.path.join(out, "ai_rules_vectors.tsv"), "w") as f:
        for r in rules_vectors(engine):
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
