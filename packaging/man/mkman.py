#!/usr/bin/env python3
"""mkman.py - write a man page from a program's own --help output.

The help texts live in one place, the program (cli/cmd_*.c usage(),
tools/zhiliang-verify.c); the build runs the freshly built binary and turns
what it prints into roff, so the manual and --help cannot drift apart.

  mkman.py OUT.1 PROGRAM [--groups]

Without --groups the page is PROGRAM --help. With --groups the main help's
"commands:" block lists the command groups (two-space indent, name,
summary) and each gets a subsection with PROGRAM GROUP --help.

Layout: NAME from the help's first paragraph after the usage lines (the
text after " - " if there is one, else up to the first ':' or '.'),
SYNOPSIS from the usage lines, DESCRIPTION the rest verbatim (no-fill, so
option tables keep their columns), then COMMANDS.

Rejected: GNU help2man (one more build dependency, and it reflows option
tables); hand-written pages (they drift).
"""
import os
import re
import subprocess
import sys


def run_help(prog, *args):
    out = subprocess.run([prog, *args, "--help"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out.stdout.decode("utf-8")


def esc(line):
    """One line of text, verbatim in no-fill mode."""
    line = line.replace("\\", "\\e").replace("-", "\\-")
    # non-ASCII (Chinese terms in the help) as groff escapes, so the page
    # renders without preconv and in any locale
    line = "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in line)
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def paragraphs(text):
    paras, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    return paras


def split_usage(text):
    """(usage lines without "usage: ", the rest of the text)."""
    lines = text.rstrip("\n").split("\n")
    usage = []
    while lines and (not usage and lines[0].startswith("usage: ")
                     or usage and lines[0].startswith(" ")):
        line = lines.pop(0)
        usage.append(line[7:] if line[:7].strip() in ("usage:", "") else line)
    return usage, "\n".join(lines).strip("\n")


def nf(lines):
    return [".nf"] + [esc(l) for l in lines] + [".fi"]


def name_line(rest):
    first = " ".join(l.strip() for l in paragraphs(rest)[0])
    if " - " in first:
        desc = first.split(" - ", 1)[1]
    else:
        desc = re.split(r"[:.]", first, maxsplit=1)[0]
    desc = desc.rstrip(".")
    return desc[:1].lower() + desc[1:]


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: mkman.py OUT.1 PROGRAM [--groups] [--version V]"
                 " [--see-also PAGE]...")
    out_path, prog = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    groups = "--groups" in args
    version = args[args.index("--version") + 1] if "--version" in args else ""
    see_also = [args[i + 1] for i, a in enumerate(args) if a == "--see-also"]
    name = os.path.basename(prog)

    text = run_help(prog)
    usage, rest = split_usage(text)
    page = [
        '.\\" Generated at build time by packaging/man/mkman.py from the',
        '.\\" --help output of %s; do not edit.' % name,
        '.TH %s 1 "" "%s %s" "Zhiliang Manual"' % (name.upper(), name, version),
        ".SH NAME",
        "%s \\- %s" % (name, esc(name_line(rest))),
        ".SH SYNOPSIS",
    ] + nf(usage) + [".SH DESCRIPTION"] + nf(rest.split("\n"))
    if groups:
        block = re.search(r"^commands:\n((?:  \S.*\n?)+)", text, re.M)
        if not block:
            sys.exit("mkman.py: no 'commands:' block in %s --help" % name)
        page.append(".SH COMMANDS")
        for line in block.group(1).rstrip("\n").split("\n"):
            group, summary = line.strip().split(None, 1)
            page.append('.SS "%s %s \\- %s"' % (name, group, esc(summary)))
            page += nf(run_help(prog, group).rstrip("\n").split("\n"))
    if see_also:
        page += [".SH SEE ALSO", ", ".join(
            "\\fB%s\\fR(%s)" % tuple(p.rsplit(".", 1)) for p in see_also)]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
