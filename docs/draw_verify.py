#!/usr/bin/env python3
"""draw_verify.py - re-run a Zhiliang draw with nothing but Python 3.

Standard library only (hashlib, json, argparse): a citizen, journalist or
inspected enterprise can check a published draw without trusting Zhiliang's
code. See docs/draws.md.

  python3 draw_verify.py pick --names NAMES [--seeds SEEDS] [--beacon TEXT] [--count N]
      RFC 3797 selection; prints the same lines as `zhiliang draw pick`.
  python3 draw_verify.py beacon EVIDENCE.json
      checks the Merkle proofs of `zhiliang draw beacon --json` evidence
      (RFC 9162: the plan's leaf is in the beacon tree, the beacon tree is a
      prefix of the checkpoint's tree) and prints the beacon text. The
      checkpoint's Ed25519 signature needs a signature library: check it with
      `zhiliang-verify` or `zhiliang draw check`.
"""
import argparse
import base64
import hashlib
import json
import sys


def key_string(seed_text):
    """RFC 3797 section 4: per source, values sorted, no leading zeros."""
    key = ""
    for line in seed_text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        values = sorted(int(v) for v in line.split())
        key += "".join("%d." % v for v in values) + "/"
    return key


def pick(names, key, count):
    """RFC 3797 section 5: MD5 of counter||key||counter, mod names left."""
    left = list(range(1, len(names) + 1))
    out = []
    for i in range(min(count, len(names))):
        c = i.to_bytes(2, "big")
        digest = hashlib.md5(c + key.encode() + c).hexdigest().upper()
        k = int(digest, 16) % len(left)
        out.append((i + 1, digest, len(left), left.pop(k)))
    return out


def hash_children(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def inclusion_root(index, size, leaf, proof):
    """RFC 9162 2.1.3.2: the root a leaf and its audit path imply."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(size1, size2, root1, root2, proof):
    """RFC 9162 2.1.4.2: is (size2, root2) an extension of (size1, root1)?"""
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0 or size1 > size2 or not proof:
        return False
    if size1 & (size1 - 1) == 0:
        proof = [root1] + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


def check_beacon(ev):
    lines = ev["checkpoint"].split("\n")
    size, root = int(lines[1]), base64.b64decode(lines[2])
    b_size, b_root = ev["size"], bytes.fromhex(ev["root"])
    leaf = bytes.fromhex(ev["plan_leaf"])
    if not ev["plan_index"] < b_size <= size:
        return "the beacon must lie after the plan and not past the checkpoint"
    if not consistent(b_size, size, b_root, root,
                      [bytes.fromhex(h) for h in ev["consistency"]]):
        return "the beacon root is not a prefix of the checkpoint's tree"
    if inclusion_root(ev["plan_index"], b_size, leaf,
                      [bytes.fromhex(h) for h in ev["inclusion"]]) != b_root:
        return "the plan's leaf is not in the beacon tree"
    text = "zl1:%s:%d:%s./" % (ev["plan_leaf"], b_size, ev["root"])
    if text != ev["text"]:
        return "the beacon text does not match the beacon"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick")
    p.add_argument("--names", required=True)
    p.add_argument("--seeds")
    p.add_argument("--beacon", default="")
    p.add_argument("--count", type=int, default=12)
    b = sub.add_parser("beacon")
    b.add_argument("evidence")
    a = ap.parse_args()
    if a.cmd == "beacon":
        with open(a.evidence) as f:
            why = check_beacon(json.load(f))
        if why:
            print("NOT VERIFIED:", why)
            return 1
        print("proofs verified (check the checkpoint signature separately)")
        return 0
    with open(a.names, encoding="utf-8") as f:
        names = [line.rstrip(" \t\r\n") for line in f]
    key = ""
    if a.seeds:
        with open(a.seeds) as f:
            key = key_string(f.read())
    key += a.beacon
    print("Key string is %s\n" % key)
    print(" index        hex value of MD5        div  selected")
    for i, digest, div, pos in pick(names, key, a.count):
        print(" %4d  %s  %2d  -> %2d <- %s" % (i, digest, div, pos,
                                              names[pos - 1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
