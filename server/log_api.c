/*
 * log_api.c - the record log in public (责任可究 made visible): the signed
 * checkpoint, the operator's key and proofs over HTTP, and the pages that
 * let anyone check them in the browser.
 *
 *   GET /log                  the log page: size, checkpoint, key, and how
 *                             to check a proof offline
 *   GET /log/checkpoint       the latest signed checkpoint, C2SP
 *                             tlog-checkpoint text
 *   GET /log/key              the operator's C2SP verifier key
 *   GET /log/proof?record=ID  the record's inclusion proof against the
 *                             latest checkpoint, C2SP tlog-proof text (the
 *                             checkpoint included), or JSON with
 *                             format=json
 *   GET /log/consistency?from=N[&to=M]  consistency proof (JSON) between
 *                             two tree sizes, M by default the latest
 *                             checkpoint's
 *   GET /log/record?id=ID     a record's page: web/verify.js fetches the
 *                             proof and the key and checks the checkpoint
 *                             signature (WebCrypto Ed25519) and the
 *                             inclusion proof (SHA-256) in the browser
 *
 * ID is a record key as the log names it: an event's hash ID
 * ("ni:///sha-256;<hex>?ver=CBV2.0", or its 64 hex digits alone), a recall
 * case's ID...
 *
 * Only reads. Checkpoints are signed by the server's checkpointer
 * (checkpointer.c) every few seconds while the log grows, so a GET never
 * writes; a record newer than the latest checkpoint answers 404 with
 * Retry-After until the next one.
 *
 * What is public: checkpoints, the key, leaf hashes and proofs (hashes of
 * hashes: a transparency log publishes them all). A record's own bytes
 * (an event's pre-hash, which is the event's content) are added to the
 * JSON proof only for a caller whose token may read that event
 * (zl_viewer_sees_event), so a party can check the record itself and not
 * only the leaf hash the server names. Rejected: C2SP tlog-tiles (its
 * entry bundles would publish every record's bytes; the hash tiles alone
 * are a later addition for mirrors and witnesses).
 */
#include "portal_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/codec.h"
#include "zhiliang/epcis.h"
#include "zhiliang/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zl_is_log_path(const struct zl_req *r)
{
    return r->n_segs >= 1 && r->n_segs <= 2 && !strcmp(r->segs[0], "log");
}

/* The record key the request names: id as given, or an event hash ID
 * built from 64 bare hex digits. Arena string, or NULL. */
static const char *record_key(struct zl_req *r, const char *id)
{
    uint8_t h[32];
    char hid[96];

    if (!id || !*id || strlen(id) > 512)
        return NULL;
    if (strlen(id) == 64 && !zl_hex_decode(id, 64, h, 32)) {
        zl_event_hash_id(h, hid);
        return zl_arena_strndup(&r->arena, hid, strlen(hid));
    }
    return id;
}

/* A located record and the proof of it against the latest checkpoint. */
struct located {
    const char *key;
    uint64_t index;
    uint8_t type, leaf[32];
    char *note; /* latest checkpoint (zl_free) */
    struct zl_checkpoint cp;
    uint8_t proof[ZL_LOG_MAX_PROOF][32];
    size_t n;
};

/* Fill l for key: 0, or answers (404 / 503 / 500) and returns non-zero. */
static int locate(struct zl_req *r, zl_store *s, const char *key,
                  struct located *l)
{
    struct zl_error err = {0};
    int rc;

    memset(l, 0, sizeof *l);
    l->key = key;
    if (!key) {
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "record= names a record: an event hash ID "
                         "(ni:///sha-256;...) or its 64 hex digits, or a "
                         "recall case ID");
        return 1;
    }
    rc = zl_log_find(s, key, &l->index, &l->type, l->leaf);
    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, NULL, "Not Found",
                         "no such record in the log");
        return 1;
    }
    if (!rc)
        rc = zl_log_checkpoint_latest(s, &l->note);
    if (rc == ZL_ENOTFOUND ||
        (!rc && l->note &&
         !zl_log_checkpoint_parse(l->note, strlen(l->note), &l->cp, &err) &&
         l->index >= l->cp.size)) {
        char ra[24];

        snprintf(ra, sizeof ra, "%u",
                 r->srv->o.checkpoint_s == ZL_CHECKPOINT_OFF
                     ? 60
                     : r->srv->o.checkpoint_s);
        zl_reply_header(r, "Retry-After",
                        zl_arena_strndup(&r->arena, ra, strlen(ra)));
        zl_reply_problem(r, 404, NULL, "Not Yet Checkpointed",
                         "the record is logged but no signed checkpoint "
                         "covers it yet; the server signs one every few "
                         "seconds while the log grows");
        zl_free(l->note);
        l->note = NULL;
        return 1;
    }
    if (!rc && err.code)
        rc = ZL_ESYNTAX;
    if (!rc)
        rc = zl_log_prove_inclusion(s, l->index, l->cp.size, l->proof, &l->n);
    if (rc) {
        zl_reply_store_error(r, rc, "Log read failed");
        zl_free(l->note);
        l->note = NULL;
        return 1;
    }
    return 0;
}

static json_t *hex_array(const uint8_t (*p)[32], size_t n)
{
    json_t *a = json_array();
    char hx[65];

    for (size_t i = 0; a && i < n; i++) {
        zl_hex_encode(p[i], 32, hx);
        json_array_append_new(a, json_string(hx));
    }
    return a;
}

static void reply_json(struct zl_req *r, json_t *j)
{
    char *t = j ? json_dumps(j, JSON_INDENT(1) | JSON_ENSURE_ASCII) : NULL;

    if (t)
        zl_reply(r, 200, "application/json", t, strlen(t));
    else
        zl_reply_problem(r, 500, NULL, "Internal Server Error", NULL);
    free(t);
    json_decref(j);
}

/* The record's own bytes when the caller's token may read it (events
 * only), else NULL (arena copy). A request without a token is the
 * public; a bad token answers 401 itself (*answered set). */
static const char *canonical_for_caller(struct zl_req *r, zl_store *s,
                                        const struct located *l, int *answered)
{
    struct zl_viewer v;
    uint8_t h[32];
    const char *p;
    char *canon = NULL;
    const char *out = NULL;
    size_t len = 0;

    *answered = 0;
    if (l->type != ZL_LEAF_EVENT || !zl_req_header(r, "Authorization"))
        return NULL;
    if (zl_req_viewer(r, &v, 1)) {
        *answered = 1;
        return NULL;
    }
    p = strchr(l->key, ';');
    if (!p || strlen(p + 1) < 64 || zl_hex_decode(p + 1, 64, h, 32) ||
        zl_viewer_sees_event(s, &v, h) != 1)
        return NULL;
    if (!zl_audit_record_canon(s, l->type, l->key, &canon, &len))
        out = zl_arena_strndup(&r->arena, canon, len);
    zl_free(canon);
    return out;
}

static void proof(struct zl_req *r, zl_store *s)
{
    const char *fmt = zl_req_param(r, "format");
    struct located l;
    char *text = NULL, *vkey = NULL, lh[65], rh[65];
    const char *canon;
    int answered = 0;

    if (locate(r, s, record_key(r, zl_req_param(r, "record")), &l))
        return;
    if (zl_log_proof_format(l.index, (const uint8_t(*)[32])l.proof, l.n, l.note,
                            &text) ||
        zl_log_public_key(s, &vkey)) {
        zl_reply_problem(r, 500, NULL, "Internal Server Error", NULL);
        goto out;
    }
    if (!fmt || strcmp(fmt, "json")) {
        zl_reply(r, 200, "text/plain; charset=utf-8", text, strlen(text));
        goto out;
    }
    canon = canonical_for_caller(r, s, &l, &answered);
    if (answered)
        goto out;
    zl_hex_encode(l.leaf, 32, lh);
    zl_hex_encode(l.cp.root, 32, rh);
    reply_json(r, json_pack("{s:s, s:I, s:i, s:s, s:I, s:s, s:o, s:s, s:s, "
                            "s:s, s:s*}",
                            "record", l.key, "leaf_index", (json_int_t)l.index,
                            "leaf_type", l.type, "leaf_hash", lh, "tree_size",
                            (json_int_t)l.cp.size, "root_hex", rh, "proof",
                            hex_array((const uint8_t(*)[32])l.proof, l.n),
                            "checkpoint", l.note, "tlog_proof", text, "key",
                            vkey, "canonical", canon));
out:
    zl_free(text);
    zl_free(vkey);
    zl_free(l.note);
}

static int parse_size(const char *v, uint64_t *out)
{
    char *end;

    if (!v || !*v || *v == '-' || *v == '+')
        return -1;
    *out = strtoull(v, &end, 10);
    return *end ? -1 : 0;
}

static void consistency(struct zl_req *r, zl_store *s)
{
    uint8_t p[ZL_LOG_MAX_PROOF][32], r1[32], r2[32];
    char h1[65], h2[65], *note = NULL;
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    const char *to = zl_req_param(r, "to");
    uint64_t a, b;
    size_t n;
    int rc;

    if (parse_size(zl_req_param(r, "from"), &a) || (to && parse_size(to, &b))) {
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "from=N (and optionally to=M) are tree sizes");
        return;
    }
    if (!to) {
        rc = zl_log_checkpoint_latest(s, &note);
        if (!rc)
            rc = zl_log_checkpoint_parse(note, strlen(note), &cp, &err);
        zl_free(note);
        if (rc) {
            zl_reply_problem(r, 404, NULL, "Not Found",
                             "no signed checkpoint yet");
            return;
        }
        b = cp.size;
    }
    if (a > b) {
        zl_reply_problem(r, 400, NULL, "Bad Request", "from must be <= to");
        return;
    }
    rc = zl_log_prove_consistency(s, a, b, p, &n);
    if (!rc)
        rc = zl_log_root(s, a, r1);
    if (!rc)
        rc = zl_log_root(s, b, r2);
    if (rc == ZL_EINVAL) {
        zl_reply_problem(r, 404, NULL, "Not Found", "size beyond the log");
        return;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Log read failed");
        return;
    }
    zl_hex_encode(r1, 32, h1);
    zl_hex_encode(r2, 32, h2);
    reply_json(r,
               json_pack("{s:I, s:I, s:s, s:s, s:o}", "size1", (json_int_t)a,
                         "size2", (json_int_t)b, "root1_hex", h1, "root2_hex",
                         h2, "proof", hex_array((const uint8_t(*)[32])p, n)));
}

/* Text of the latest checkpoint or of the key, as stored. */
static void plain(struct zl_req *r, zl_store *s, int key)
{
    char *t = NULL;
    int rc = key ? zl_log_public_key(s, &t) : zl_log_checkpoint_latest(s, &t);

    if (rc == ZL_ENOTFOUND || (!rc && !t)) {
        zl_reply_problem(r, 404, NULL, "Not Found",
                         key ? "the store has no log key"
                             : "no signed checkpoint yet");
    } else if (rc) {
        zl_reply_store_error(r, rc, "Log read failed");
    } else {
        /* a key is one line: end it with a newline, as the note ends */
        const char *body = key ? zl_arena_printf(&r->arena, "%s\n", t) : t;

        zl_reply_header(r, "Cache-Control",
                        key ? "public, max-age=3600" : "no-cache");
        zl_reply(r, 200, "text/plain; charset=utf-8", body ? body : t,
                 strlen(body ? body : t));
    }
    zl_free(t);
}

/* How anyone checks a proof without this server's pages. */
static void offline_howto(struct zl_req *r, struct zl_buf *b, const char *key)
{
    const char *o = zl_req_origin(r);
    struct zl_buf q;

    zl_buf_init(&q, 4096);
    zl_pct_encode(&q, key ? key : "RECORD");
    zl_buf_printf(b, "<h2>%s</h2><p>%s</p><pre class=\"code\">",
                  T(r, "离线核验", "Check it offline"),
                  T(r,
                    "不必信任本网站：下载证明和公钥，用 zhiliang-verify "
                    "（或任何实现 RFC 9162 与 C2SP 签名笔记的工具）自行核验。",
                    "You need not trust this site: download the proof and "
                    "the key and check them with zhiliang-verify (or any "
                    "tool implementing RFC 9162 and C2SP signed notes)."));
    zl_portal_add_esc(b, "curl -o proof.txt '", o, "/log/proof?record=");
    zl_html_escape(b, q.data ? q.data : "");
    zl_portal_add_esc(b, "'\ncurl -o key.txt ", o, "/log/key\n");
    zl_buf_adds(b, "zhiliang-verify --proof proof.txt --key key.txt "
                   "--leaf-hex LEAF_HASH</pre>");
    zl_buf_cleanup(&q);
}

static void record_page(struct zl_req *r, zl_store *s)
{
    const char *key = record_key(r, zl_req_param(r, "id"));
    struct zl_buf b;
    uint64_t idx;
    uint8_t type, leaf[32];
    char lh[65];
    int rc;

    if (!key) {
        zl_portal_error(r, 400, "缺少记录编号", "No record given");
        return;
    }
    rc = zl_log_find(s, key, &idx, &type, leaf);
    if (rc == ZL_ENOTFOUND) {
        zl_portal_error(r, 404, "公开日志中没有这条记录",
                        "No such record in the public log");
        return;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Log read failed");
        return;
    }
    zl_hex_encode(leaf, 32, lh);
    zl_buf_init(&b, 65536);
    zl_buf_printf(
        &b, "<section><h1>%s</h1><p>%s</p>",
        T(r, "记录存证核验", "Check a record in the public log"),
        T(r,
          "这条追溯记录已写入只能追加的公开日志（RFC 9162 "
          "Merkle 树），日志的每个状态都由运营方签名。下面的检查在您的"
          "浏览器里完成：签名是否有效、记录是否在签名的日志里。",
          "This traceability record is in an append-only public "
          "log (an RFC 9162 Merkle tree) whose every state the "
          "operator signs. The checks below run in your browser: "
          "is the signature valid, is the record in the signed "
          "log."));
    zl_portal_add_esc(&b, "<dl class=\"facts\"><dt>", T(r, "记录", "Record"),
                      "</dt><dd class=\"code\">");
    zl_html_escape(&b, key);
    zl_buf_printf(&b, "</dd><dt>%s</dt><dd>%" PRIu64 "</dd>",
                  T(r, "日志位置", "Log position"), idx);
    zl_portal_add_esc(&b, "<dt>", T(r, "叶哈希", "Leaf hash"),
                      "</dt><dd class=\"code\">");
    zl_buf_printf(&b, "%s</dd></dl>", lh);
    zl_portal_add_esc(&b, "<div id=\"zl-verify\" data-record=\"", key, "\"");
    zl_buf_printf(&b, " data-lang=\"%s\"><p class=\"muted\">%s</p></div>",
                  r->lang_en ? "en" : "zh",
                  T(r, "正在核验……（需要启用 JavaScript）",
                    "Checking... (needs JavaScript)"));
    offline_howto(r, &b, key);
    zl_buf_printf(&b,
                  "<p><a href=\"/log%s\">%s</a></p></section>"
                  "<script src=\"/static/verify.js\"></script>",
                  r->lang_en ? "?lang=en" : "",
                  T(r, "关于公开日志", "About the public log"));
    r->page_script = 1;
    zl_portal_page(r, 200, T(r, "记录存证核验", "Record check"), &b);
    zl_buf_cleanup(&b);
}

static void log_page(struct zl_req *r, zl_store *s)
{
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    char *note = NULL, *vkey = NULL, rh[65];
    struct zl_buf b;
    uint64_t size = 0;

    zl_buf_init(&b, 65536);
    zl_log_size(s, &size);
    zl_buf_printf(
        &b, "<section><h1>%s</h1><p>%s</p>", T(r, "公开日志", "The public log"),
        T(r,
          "企业上报的每条追溯记录、每个召回案件和登记信息都写入一本只能"
          "追加的日志（RFC 9162 Merkle 树）。运营方定期对日志状态签名"
          "（检查点）；任何人都可以核验一条记录在日志中，以及日志从未被"
          "改写。",
          "Every traceability record an enterprise files, every "
          "recall case and registry entry is written to an "
          "append-only log (an RFC 9162 Merkle tree). The operator "
          "signs its state regularly (checkpoints); anyone can "
          "check that a record is in the log and that the log was "
          "never rewritten."));
    zl_buf_printf(&b, "<dl class=\"facts\"><dt>%s</dt><dd>%" PRIu64 "</dd>",
                  T(r, "记录总数", "Records"), size);
    if (!zl_log_checkpoint_latest(s, &note) &&
        !zl_log_checkpoint_parse(note, strlen(note), &cp, &err)) {
        zl_hex_encode(cp.root, 32, rh);
        zl_buf_printf(&b, "<dt>%s</dt><dd>%" PRIu64 "</dd>",
                      T(r, "最新检查点覆盖", "Latest checkpoint covers"),
                      cp.size);
        zl_portal_add_esc(&b, "<dt>", T(r, "根哈希", "Root hash"),
                          "</dt><dd class=\"code\">");
        zl_buf_printf(&b, "%s</dd>", rh);
        zl_portal_add_esc(&b, "<dt>", T(r, "日志名称", "Log origin"),
                          "</dt><dd>");
        zl_html_escape(&b, cp.origin);
        zl_buf_adds(&b, "</dd>");
    }
    if (!zl_log_public_key(s, &vkey))
        zl_portal_add_esc(&b, "<dt>", T(r, "运营方公钥", "Operator's key"),
                          "</dt><dd class=\"code\">");
    if (vkey) {
        zl_html_escape(&b, vkey);
        zl_buf_adds(&b, "</dd>");
    }
    zl_buf_adds(&b, "</dl>");
    zl_buf_printf(&b, "<p>%s</p><ul>",
                  T(r,
                    "请将上面的公钥与运营方在其官方渠道公布的公钥比对；"
                    "核验只证明日志由持有该公钥的一方签名。",
                    "Compare the key above with the one the operator "
                    "publishes through its official channels: a check "
                    "proves only that the holder of this key signed the "
                    "log."));
    zl_buf_printf(&b,
                  "<li><a href=\"/log/checkpoint\">%s</a></li>"
                  "<li><a href=\"/log/key\">%s</a></li></ul>",
                  T(r, "最新检查点（C2SP tlog-checkpoint）",
                    "Latest checkpoint (C2SP tlog-checkpoint)"),
                  T(r, "公钥（C2SP 验证密钥）", "Key (C2SP verifier key)"));
    offline_howto(r, &b, NULL);
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 200, T(r, "公开日志", "Public log"), &b);
    zl_buf_cleanup(&b);
    zl_free(note);
    zl_free(vkey);
}

void zl_h_log(struct zl_req *r)
{
    const char *what = r->n_segs == 2 ? r->segs[1] : "";
    zl_store *s;

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        zl_reply_header(r, "Allow", "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, NULL, "Store unavailable", NULL);
        return;
    }
    if (!*what)
        log_page(r, s);
    else if (!strcmp(what, "checkpoint"))
        plain(r, s, 0);
    else if (!strcmp(what, "key"))
        plain(r, s, 1);
    else if (!strcmp(what, "proof"))
        proof(r, s);
    else if (!strcmp(what, "consistency"))
        consistency(r, s);
    else if (!strcmp(what, "record"))
        record_page(r, s);
    else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}
