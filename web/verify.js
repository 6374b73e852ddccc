/*
 * verify.js - check a Zhiliang log record in the browser, with nothing but
 * the browser's own WebCrypto (SHA-256, Ed25519): no library, no server
 * trusted for the arithmetic.
 *
 * The record page (/log/record?id=...) holds <div id="zl-verify"
 * data-record=ID data-lang=zh|en>. This script fetches /log/proof?record=ID
 * &format=json and /log/key and checks, showing each result:
 *   1. the key: its key ID is SHA-256(name || "\n" || 0x01 || key)[0..4)
 *      (C2SP signed-note);
 *   2. the checkpoint: a signature line by that key verifies (Ed25519 over
 *      the note's text) and its origin is the key's name;
 *   3. the record: when the server sent the record's own bytes (only to a
 *      party allowed to read it), SHA-256 of them is the event's hash ID
 *      and the leaf is SHA-256(0x00 || type || bytes); otherwise the leaf
 *      hash is the one the server names, and the page says so;
 *   4. inclusion: RFC 9162 section 2.1.3.2 leads from the leaf through the
 *      proof to the checkpoint's root.
 * The same functions run under Node.js for the tests (module.exports).
 */
"use strict";
(function () {
  const enc = new TextEncoder();
  const subtle = (globalThis.crypto || {}).subtle;

  function hex(u8) {
    return Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function unhex(s) {
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error("bad hex");
    const u = new Uint8Array(s.length / 2);
    for (let i = 0; i < u.length; i++) u[i] = parseInt(s.substr(2 * i, 2), 16);
    return u;
  }
  function unb64(s) {
    const bin = atob(s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
  function concat(...parts) {
    const u = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      u.set(p, o);
      o += p.length;
    }
    return u;
  }
  function same(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  async function sha256(u8) {
    return new Uint8Array(await subtle.digest("SHA-256", u8));
  }
  /* RFC 9162 2.1.1: leaf and interior node hashes. Zhiliang's leaves put
   * the record type after the 0x00 prefix. */
  function leafHashRaw(bytes) {
    return sha256(concat(Uint8Array.of(0), bytes));
  }
  function leafHash(type, bytes) {
    return sha256(concat(Uint8Array.of(0, type), bytes));
  }
  function nodeHash(l, r) {
    return sha256(concat(Uint8Array.of(1), l, r));
  }

  /* RFC 9162 2.1.3.2: the root an inclusion proof leads to, or null when
   * the proof has the wrong shape for (index, size). */
  async function rootFromInclusion(index, size, leaf, proof) {
    let fn = BigInt(index);
    let sn = BigInt(size) - 1n;
    if (fn > sn) return null;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0n) return null;
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n ? r : null;
  }

  /* C2SP verifier key "name+hexkeyid+base64(0x01 || key)". */
  async function parseVkey(text) {
    /* the base64 part may itself hold "+": split at the first two only */
    const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+(\S+)$/.exec(text.trim());
    if (!m) throw new Error("not a verifier key");
    const [, name, idHex, b64] = m;
    const raw = unb64(b64);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 key");
    const pub = raw.slice(1);
    const id = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    return { name, pub, keyIdOk: hex(id) === idHex.toLowerCase(), id };
  }

  /* A signed note: its text (signed, with its final newline) and its
   * signature lines "— name base64(keyid || signature)". */
  function parseNote(note) {
    const cut = note.indexOf("\n\n");
    if (cut < 0) throw new Error("no signature block");
    const text = note.slice(0, cut + 1);
    const sigs = [];
    for (const line of note.slice(cut + 2).split("\n")) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) continue;
      const raw = unb64(m[2]);
      if (raw.length === 68) sigs.push({ name: m[1], id: raw.slice(0, 4), sig: raw.slice(4) });
    }
    const lines = text.split("\n");
    return {
      text,
      sigs,
      origin: lines[0],
      size: lines[1],
      root: lines[2] ? unb64(lines[2]) : new Uint8Array(0),
    };
  }

  async function noteSigned(note, key) {
    const k = await subtle.importKey("raw", key.pub, { name: "Ed25519" }, false, ["verify"]);
    for (const s of note.sigs) {
      if (s.name === key.name && same(s.id, key.id) &&
          (await subtle.verify({ name: "Ed25519" }, k, s.sig, enc.encode(note.text))))
        return true;
    }
    return false;
  }

  /* Every check on a proof (the JSON of /log/proof?format=json) and a
   * key; each result { what, ok, detail }. */
  async function check(p, vkeyText) {
    const out = [];
    const add = (what, ok, detail) => out.push({ what, ok, detail });
    let key, note;
    try {
      key = await parseVkey(vkeyText);
      add("key", key.keyIdOk, key.name);
    } catch (e) {
      add("key", false, String(e.message || e));
      return out;
    }
    try {
      note = parseNote(p.checkpoint);
      const signed = await noteSigned(note, key);
      add("signature", signed && note.origin === key.name, note.origin);
    } catch (e) {
      add("signature", false, String(e.message || e));
      return out;
    }
    let leaf = unhex(p.leaf_hash);
    if (typeof p.canonical === "string") {
      const bytes = enc.encode(p.canonical);
      const h = hex(await sha256(bytes));
      const m = /^ni:\/\/\/sha-256;([0-9a-f]{64})/.exec(p.record);
      const mine = await leafHash(p.leaf_type, bytes);
      add("record", !!m && m[1] === h && same(mine, leaf), h);
      leaf = mine;
    } else {
      add("record", null, p.leaf_hash);
    }
    const root = await rootFromInclusion(p.leaf_index, note.size, leaf,
                                         p.proof.map(unhex));
    add("inclusion", !!root && same(root, note.root) &&
        String(p.tree_size) === note.size, note.size);
    return out;
  }

  const WORDS = {
    zh: {
      key: "运营方公钥格式正确", signature: "检查点签名有效",
      record: "记录内容与其哈希一致", recordServer: "叶哈希由服务器给出（记录内容仅向有权查看的企业和监管部门提供）",
      inclusion: "记录在已签名的日志中", ok: "核验通过", bad: "核验失败",
      tree: "日志大小", noCrypto: "此浏览器不支持 WebCrypto Ed25519（或页面不是 HTTPS）：请用 zhiliang-verify 离线核验。",
      fetchFail: "无法取得证明：",
    },
    en: {
      key: "The operator's key is well-formed", signature: "The checkpoint's signature is valid",
      record: "The record's bytes match its hash", recordServer: "Leaf hash as the server names it (the record itself is shown only to parties allowed to read it)",
      inclusion: "The record is in the signed log", ok: "Verified", bad: "Verification failed",
      tree: "log size", noCrypto: "This browser lacks WebCrypto Ed25519 (or the page is not HTTPS): check offline with zhiliang-verify.",
      fetchFail: "Could not fetch the proof: ",
    },
  };

  async function runPage(box) {
    const w = WORDS[box.dataset.lang === "en" ? "en" : "zh"];
    const say = (tag, text, cls) => {
      const e = document.createElement(tag);
      e.textContent = text;
      if (cls) e.className = cls;
      box.appendChild(e);
      return e;
    };
    box.textContent = "";
    if (!subtle) {
      say("p", w.noCrypto, "muted");
      return;
    }
    let results;
    try {
      const rec = encodeURIComponent(box.dataset.record);
      const [pr, kr] = await Promise.all([
        fetch("/log/proof?format=json&record=" + rec, { credentials: "same-origin" }),
        fetch("/log/key"),
      ]);
      if (!pr.ok || !kr.ok) {
        const body = pr.ok ? await kr.text() : await pr.text();
        let msg = body;
        try { msg = JSON.parse(body).detail || body; } catch (e) { /* text */ }
        say("p", w.fetchFail + msg, "muted");
        return;
      }
      results = await check(await pr.json(), await kr.text());
    } catch (e) {
      say("p", (e && e.name === "NotSupportedError" ? w.noCrypto : w.fetchFail + e), "muted");
      return;
    }
    const ul = say("ul", "", "checks");
    for (const r of results) {
      const li = document.createElement("li");
      const label = r.what === "record" && r.ok === null ? w.recordServer : w[r.what];
      li.textContent = (r.ok === false ? "\u2717 " : "\u2713 ") + label +
        (r.what === "inclusion" ? " (" + w.tree + " " + r.detail + ")" : "");
      li.className = r.ok === false ? "bad" : "ok";
      ul.appendChild(li);
    }
    const good = results.length === 4 && results.every((r) => r.ok !== false);
    const v = say("p", good ? w.ok : w.bad, good ? "verdict ok" : "verdict bad");
    v.id = good ? "zl-verified" : "zl-failed";
  }

  const api = { hex, unhex, sha256, leafHash, leafHashRaw, nodeHash,
                rootFromInclusion, parseVkey, parseNote, noteSigned, check };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document !== "undefined") {
    const start = () => {
      const box = document.getElementById("zl-verify");
      if (box) runPage(box);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
