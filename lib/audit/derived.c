/*
 * derived.c - derived data against the records it is derived from.
 *
 * The log proves the records (each event's stored JSON); everything else
 * a query, trace, recall or page reads is derived from them at capture:
 * the events row's index columns, the packed identifier list a trace
 * walks, the identifier index MATCH_ queries and traces look up, the
 * bizTransaction/source/destination rows. Here each event's record is
 * parsed again exactly as capture parsed it and what capture would have
 * written is compared with what the store holds, row by row, so an edit
 * of any of those rows is named with its event. Rows that no record
 * accounts for (inserted behind the store's back, or left by a deleted
 * event) are caught by counting: per event the expected rows are found by
 * primary key, so equal totals mean nothing else is there.
 *
 * Not derived from the event record: record_time and the capturing party
 * (capture metadata, not part of the CBV hash) are checked against the
 * capture receipts instead (receipts.c); the party registry is not checked.
 * docs/access.md and the README's known limits say so.
 */
#include "audit/audit_int.h"

#include "store/store_audit.h"
#include "store/store_correction.h"
#include "recall/recall_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "zhiliang/epcis.h"
#include "zhiliang/sign.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stored event's JSON becomes a one-event document again: the standard
 * context at document level, the event's own @context (kept with the
 * event when it binds prefixes) inside it. */
static const char DOC_HEAD[] =
    "{\"@context\":\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\",\"type\":\"EPCISDocument\","
    "\"schemaVersion\":\"2.0\",\"creationDate\":\"2000-01-01T00:00:00Z\","
    "\"epcisBody\":{\"eventList\":[";
static const char DOC_TAIL[] = "]}}";

static int same_str(const char *x, const char *y)
{
    if (!x || !y)
        return !x && !y;
    return strcmp(x, y) == 0;
}

static int mismatch(struct audit *a, const char *key, const char *what,
                    const char *stored, const char *record)
{
    char detail[1024];

    snprintf(detail, sizeof detail,
             "%.400s: stored %.180s, the record says %.180s", what,
             stored ? stored : "(none)", record ? record : "(none)");
    return audit_report(a, "derived-altered", 0, key, detail);
}

static int mismatch_int(struct audit *a, const char *key, const char *what,
                        long long stored, long long record)
{
    char s[32], r[32];

    snprintf(s, sizeof s, "%lld", stored);
    snprintf(r, sizeof r, "%lld", record);
    return mismatch(a, key, what, s, r);
}

/* ---- the events row ------------------------------------------------------ */

static int any_cb(void *ctx, const struct zl_correction *c)
{
    (void)c;
    *(int *)ctx = 1;
    return 1; /* one is enough */
}

int audit_corrected(zl_store *s, const uint8_t hash[32])
{
    int found = 0, rc = zl_store_corrections_of(s, hash, any_cb, &found);

    return rc < 0 ? rc : found;
}

static int check_columns(struct audit *a, const char *key,
                         const struct zl_stored_event *row,
                         const struct zl_event *ev)
{
    int rc = 0;

#define STR(col, field)                                                        \
    if (!rc && !same_str(row->field, ev->field))                               \
    rc = mismatch(a, key, "events." col, row->field, ev->field)
#define INT(col, sf, ef)                                                       \
    if (!rc && (long long)(row->sf) != (long long)(ev->ef))                    \
    rc = mismatch_int(a, key, "events." col, (long long)(row->sf),             \
                      (long long)(ev->ef))
    STR("declared_id", declared_id);
    STR("biz_step", biz_step);
    STR("disposition", disposition);
    STR("read_point", read_point);
    STR("biz_location", biz_location);
    STR("transformation_id", transformation_id);
    INT("type", type, type);
    INT("action", action, action);
    INT("event_time", event_time_ms, event_time_ms);
    INT("tz", tz_offset_min, tz_offset_min);
    INT("has_error", has_error_declaration, has_error_declaration);
#undef STR
#undef INT
    return rc;
}

/* ---- the packed identifier list (what traces walk) ---------------------- */

struct packed {
    const struct zl_stored_event *row;
    const struct zl_event *ev;
    struct audit *a;
    const char *key;
    size_t i; /* next expected occurrence */
    int reported;
};

static int same_qty(int has_a, double qa, const char *ua, int has_b, double qb,
                    const char *ub)
{
    return has_a == has_b && (!has_a || qa == qb) && same_str(ua, ub);
}

static int packed_cb(void *ctx, const struct zl_id_row *r)
{
    struct packed *p = ctx;
    const struct zl_event_id *e =
        p->i < p->ev->n_ids ? &p->ev->ids[p->i] : NULL;
    char what[64];
    int rc = 0;

    p->i++;
    if (p->reported)
        return 0;
    snprintf(what, sizeof what, "events.ids[%zu]", p->i - 1);
    if (!e) {
        rc = mismatch(p->a, p->key, what, r->id, NULL);
    } else if (!same_str(r->id, e->id) || r->role != e->role ||
               !same_qty(r->has_quantity, r->quantity, r->uom, e->has_quantity,
                         e->quantity, e->uom)) {
        rc = mismatch(p->a, p->key, what, r->id, e->id);
    } else if (r->type != p->row->type || r->action != p->row->action ||
               r->event_time_ms != p->row->event_time_ms ||
               r->record_time_ms != p->row->record_time_ms) {
        rc = mismatch(p->a, p->key, what, "other event columns",
                      "those of the events row");
    } else {
        return 0;
    }
    p->reported = 1;
    return rc;
}

/* ---- the identifier index, found by primary key ------------------------- */

struct idrow {
    const struct zl_event_id *want;
    const struct zl_stored_event *row;
    int ok;
};

static int idrow_cb(void *ctx, const struct zl_id_row *r)
{
    struct idrow *x = ctx;

    x->ok = r->type == x->row->type && r->action == x->row->action &&
            r->record_time_ms == x->row->record_time_ms &&
            same_qty(r->has_quantity, r->quantity, r->uom,
                     x->want->has_quantity, x->want->quantity, x->want->uom);
    return 0;
}

/* Order of (id, role), then position: the first occurrence of a pair is
 * the one capture's INSERT OR IGNORE kept. */
static int id_order(const void *x, const void *y, void *base)
{
    const struct zl_event_id *ids = base;
    const struct zl_event_id *a = &ids[*(const size_t *)x];
    const struct zl_event_id *b = &ids[*(const size_t *)y];
    int c = strcmp(a->id, b->id);

    if (c)
        return c;
    if (a->role != b->role)
        return a->role < b->role ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static int check_id_index(struct audit *a, const char *key,
                          const struct zl_stored_event *row,
                          const struct zl_event *ev)
{
    size_t *order, i;
    int rc = 0;

    if (!ev->n_ids)
        return 0;
    order = zl_malloc(ev->n_ids * sizeof *order);
    if (!order)
        return ZL_ENOMEM;
    for (i = 0; i < ev->n_ids; i++)
        order[i] = i;
    qsort_r(order, ev->n_ids, sizeof *order, id_order, ev->ids);
    for (i = 0; i < ev->n_ids && !rc; i++) {
        const struct zl_event_id *e = &ev->ids[order[i]];
        struct idrow x = {e, row, 0};
        char what[600];
        int got;

        if (i && !strcmp(e->id, ev->ids[order[i - 1]].id) &&
            e->role == ev->ids[order[i - 1]].role)
            continue;
        a->expect_id_rows++;
        got = zl_store_id_row_get(a->s, e->id, ev->event_time_ms, ev->hash,
                                  e->role, idrow_cb, &x);
        if (got && got != ZL_ENOTFOUND) {
            rc = got;
            break;
        }
        if (got == ZL_ENOTFOUND || !x.ok) {
            snprintf(what, sizeof what, "event_ids row for %.400s (role %d)",
                     e->id, (int)e->role);
            rc = mismatch(a, key, what, got ? "missing" : "altered",
                          "present as captured");
        }
    }
    zl_free(order);
    return rc;
}

/* ---- bizTransactions, sources, destinations ----------------------------- */

struct refs {
    struct zl_buf text; /* "k\ttype\tvalue\n" per stored row */
    size_t n;
};

static int ref_cb(void *ctx, char kind, const char *type, const char *value)
{
    struct refs *r = ctx;

    r->n++;
    return zl_buf_printf(&r->text, "%c\t%s\t%s\n", kind, type ? type : "",
                         value ? value : "");
}

static int line_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Split "a\nb\n" into sorted, distinct lines (pointers into text). */
static size_t sorted_lines(char *text, size_t len, char ***out)
{
    size_t n = 0, i, k = 0;
    char **v, *p;

    for (i = 0; i < len; i++)
        n += text[i] == '\n';
    v = zl_malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return (size_t)-1;
    for (p = text, i = 0; i < n; i++) {
        char *nl = strchr(p, '\n');

        *nl = '\0';
        v[i] = p;
        p = nl + 1;
    }
    qsort(v, n, sizeof *v, line_cmp);
    for (i = 0; i < n; i++)
        if (!k || strcmp(v[k - 1], v[i]))
            v[k++] = v[i];
    *out = v;
    return k;
}

static int add_refs(struct zl_buf *b, char kind, const struct zl_typed_ref *r,
                    size_t n)
{
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_buf_printf(b, "%c\t%s\t%s\n", kind, r[i].type ? r[i].type : "",
                           r[i].value ? r[i].value : "");
    return rc;
}

static int check_refs(struct audit *a, const char *key,
                      const struct zl_event *ev)
{
    struct refs got = {0};
    struct zl_buf want;
    char **gv = NULL, **wv = NULL;
    size_t gn, wn, i;
    int rc;

    zl_buf_init(&got.text, (size_t)1 << 30);
    zl_buf_init(&want, (size_t)1 << 30);
    rc = zl_store_event_refs(a->s, ev->hash, ref_cb, &got);
    if (!rc)
        rc = add_refs(&want, 'b', ev->biz_transactions, ev->n_biz_transactions);
    if (!rc)
        rc = add_refs(&want, 's', ev->sources, ev->n_sources);
    if (!rc)
        rc = add_refs(&want, 'd', ev->destinations, ev->n_destinations);
    if (rc)
        goto out;
    gn = sorted_lines(got.text.data ? got.text.data : (char *)"", got.text.len,
                      &gv);
    wn = sorted_lines(want.data ? want.data : (char *)"", want.len, &wv);
    if (gn == (size_t)-1 || wn == (size_t)-1) {
        rc = ZL_ENOMEM;
        goto out;
    }
    a->expect_ref_rows += wn;
    for (i = 0; i < gn || i < wn; i++) {
        if (i < gn && i < wn && !strcmp(gv[i], wv[i]))
            continue;
        rc = mismatch(a, key, "event_refs", i < gn ? gv[i] : NULL,
                      i < wn ? wv[i] : NULL);
        break;
    }
out:
    zl_free(gv);
    zl_free(wv);
    zl_buf_cleanup(&got.text);
    zl_buf_cleanup(&want);
    return rc;
}

zl_epcis_doc *audit_reparse(const struct zl_stored_event *row)
{
    struct zl_error err = {0};
    zl_epcis_doc *d = NULL;
    struct zl_buf doc;

    if (!zl_epcis_parse(row->json, row->json_len, NULL, &d, &err) &&
        zl_epcis_doc_count(d) == 1 &&
        !memcmp(zl_epcis_doc_event(d, 0)->hash, row->hash, 32))
        return d;
    zl_epcis_doc_free(d);
    d = NULL;
    zl_buf_init(&doc, (size_t)1 << 31);
    if (!zl_buf_add(&doc, DOC_HEAD, sizeof DOC_HEAD - 1) &&
        !zl_buf_add(&doc, row->json, row->json_len) &&
        !zl_buf_add(&doc, DOC_TAIL, sizeof DOC_TAIL - 1) &&
        !zl_epcis_parse(doc.data, doc.len, NULL, &d, &err) &&
        (zl_epcis_doc_count(d) != 1 ||
         memcmp(zl_epcis_doc_event(d, 0)->hash, row->hash, 32))) {
        zl_epcis_doc_free(d);
        d = NULL;
    }
    zl_buf_cleanup(&doc);
    return d;
}

/* An edited record is already named by the log pass; its rows are
 * accounted for as they stand so the totals do not name it twice. */
struct held {
    struct zl_buf pairs; /* "role\tid\n" per packed occurrence */
    uint64_t refs;
};

static int held_id_cb(void *ctx, const struct zl_id_row *r)
{
    struct held *h = ctx;

    return zl_buf_printf(&h->pairs, "%d\t%s\n", (int)r->role, r->id);
}

static int held_ref_cb(void *ctx, char kind, const char *type,
                       const char *value)
{
    (void)kind;
    (void)type;
    (void)value;
    ((struct held *)ctx)->refs++;
    return 0;
}

static int account_unparsed(struct audit *a, const struct zl_stored_event *row)
{
    struct held h = {0};
    char **v = NULL;
    size_t n;
    int rc;

    zl_buf_init(&h.pairs, (size_t)1 << 30);
    rc = zl_store_event_ids(a->s, (const uint8_t(*)[32])row->hash, 1,
                            ZL_ID_ROLES_ALL, held_id_cb, &h);
    if (rc == ZL_ESTORE)
        rc = 0; /* an undecodable list accounts for nothing */
    if (!rc)
        rc = zl_store_event_refs(a->s, row->hash, held_ref_cb, &h);
    if (!rc) {
        n = sorted_lines(h.pairs.data ? h.pairs.data : (char *)"", h.pairs.len,
                         &v);
        if (n == (size_t)-1)
            rc = ZL_ENOMEM;
        else
            a->expect_id_rows += n;
        a->expect_ref_rows += h.refs;
    }
    zl_free(v);
    zl_buf_cleanup(&h.pairs);
    return rc ? rc : zl_tix_check_skip(&a->tix, row->hash);
}

int audit_event_derived(struct audit *a, const struct zl_stored_event *row)
{
    zl_epcis_doc *d = audit_reparse(row);
    const struct zl_event *ev;
    struct zl_event fixed;
    struct packed p = {0};
    char key[96];
    int rc;

    if (!d)
        return account_unparsed(a, row);
    zl_event_hash_id(row->hash, key);
    ev = zl_epcis_doc_event(d, 0);
    rc = audit_corrected(a->s, row->hash);
    if (rc > 0) { /* what the store derives: the record plus corrections */
        fixed = *ev;
        fixed.has_error_declaration = 1;
        ev = &fixed;
    }
    rc = rc < 0 ? rc : check_columns(a, key, row, ev);
    p.row = row;
    p.ev = ev;
    p.a = a;
    p.key = key;
    if (!rc)
        rc = zl_store_event_ids(a->s, (const uint8_t(*)[32])row->hash, 1,
                                ZL_ID_ROLES_ALL, packed_cb, &p);
    if (rc == ZL_ESTORE) /* the blob does not even decode */
        rc = mismatch(a, key, "events.ids", "undecodable", "a valid list");
    else if (!rc && !p.reported && p.i != ev->n_ids)
        rc = mismatch_int(a, key, "events.ids (count)", (long long)p.i,
                          (long long)ev->n_ids);
    if (!rc)
        rc = check_id_index(a, key, row, ev);
    if (!rc)
        rc = check_refs(a, key, ev);
    if (!rc) { /* the index holds the capture time the receipt states */
        int64_t rt = row->record_time_ms;
        const char *party = NULL;

        audit_meta_get(a->meta, row->hash, &rt, &party);
        rc = zl_tix_check_event(a->s, &a->tix, ev, rt,
                                ev->has_error_declaration);
    }
    zl_epcis_doc_free(d);
    return rc;
}

/* ---- signed documents and their links ----------------------------------- */

static int hash_cmp(const void *x, const void *y)
{
    return memcmp(x, y, 32);
}

static int doc_cb(void *ctx, const uint8_t doc_hash[32], const char *party,
                  const char *sig, const char *doc, size_t len)
{
    struct audit *a = ctx;
    uint8_t h[32];
    unsigned hl = 32;
    char hex[65], detail[400];
    struct zl_error err = {0};
    zl_epcis_doc *d = NULL;
    uint8_t(*hashes)[32];
    size_t i, n;
    int rc = 0;

    zl_hex_encode(doc_hash, 32, hex);
    if (EVP_Digest(doc, len, h, &hl, EVP_sha256(), NULL) != 1 ||
        memcmp(h, doc_hash, 32))
        return audit_report(a, "signed-doc-altered", 0, hex,
                            "the document's bytes do not match its hash");
    if (zl_signature_check_party(a->s, party, doc, len, sig, &err)) {
        snprintf(detail, sizeof detail,
                 "signature of party %.64s does not verify: %.200s",
                 party ? party : "(none)", err.rule);
        return audit_report(a, "signed-doc-altered", 0, hex, detail);
    }
    if (zl_epcis_parse(doc, len, NULL, &d, &err))
        return audit_report(a, "signed-doc-altered", 0, hex,
                            "the signed document no longer parses");
    n = zl_epcis_doc_count(d);
    hashes = zl_malloc((n ? n : 1) * sizeof *hashes);
    if (!hashes) {
        zl_epcis_doc_free(d);
        return ZL_ENOMEM;
    }
    for (i = 0; i < n; i++)
        memcpy(hashes[i], zl_epcis_doc_event(d, i)->hash, 32);
    zl_epcis_doc_free(d);
    /* two equal events in one document share one link */
    qsort(hashes, n, sizeof *hashes, hash_cmp);
    for (i = 0; i < n && !rc; i++) {
        char id[96];
        int got;

        if (i && !memcmp(hashes[i - 1], hashes[i], 32))
            continue;
        a->expect_doc_links++;
        got = zl_store_doc_link_exists(a->s, hashes[i], doc_hash);
        zl_event_hash_id(hashes[i], id);
        if (got < 0)
            rc = got;
        else if (!got)
            rc = audit_report(a, "doc-link-missing", 0, id,
                              "an event of a signed document lost its link "
                              "to the signature");
    }
    zl_free(hashes);
    return rc;
}

static int count_issue(struct audit *a, const char *table, uint64_t have,
                       uint64_t want)
{
    char detail[200];

    if (have == want)
        return 0;
    snprintf(detail, sizeof detail,
             "%s holds %llu rows, the records account for %llu "
             "(rows inserted or left behind; `zhiliang reindex` rebuilds it)",
             table, (unsigned long long)have, (unsigned long long)want);
    return audit_report(a, "derived-extra", 0, table, detail);
}

/* ---- recall cases ----------------------------------------------------------
 */

struct cases {
    struct zl_strmap ids; /* case id -> NULL, in first-seen order */
};

static int case_key_cb(void *ctx, const char *case_id, long seq)
{
    struct cases *c = ctx;
    int rc = 0;

    (void)seq;
    return zl_strmap_put(&c->ids, case_id, NULL, &rc) ? 0 : rc;
}

int audit_recall_cases(zl_store *s, struct zl_strmap *out)
{
    struct cases c;
    int rc;

    zl_strmap_init(&c.ids, (size_t)1 << 24);
    rc = zl_store_recall_all_keys(s, case_key_cb, &c);
    if (rc) {
        zl_strmap_cleanup(&c.ids, NULL);
        return rc;
    }
    *out = c.ids;
    return 0;
}

struct row_cmp {
    const struct zl_store_recall_case *want;
    char what[64];
    char got[200], exp[200];
    int found;
};

static int row_cb(void *ctx, const struct zl_store_recall_case *r)
{
    struct row_cmp *x = ctx;
    const struct zl_store_recall_case *w = x->want;

    x->found = 1;
#define CMP_S(f)                                                               \
    if (!x->what[0] && !same_str(r->f, w->f)) {                                \
        snprintf(x->what, sizeof x->what, "recall_cases." #f);                 \
        snprintf(x->got, sizeof x->got, "%.190s", r->f ? r->f : "(none)");     \
        snprintf(x->exp, sizeof x->exp, "%.190s", w->f ? w->f : "(none)");     \
    }
#define CMP_I(f)                                                               \
    if (!x->what[0] && r->f != w->f) {                                         \
        snprintf(x->what, sizeof x->what, "recall_cases." #f);                 \
        snprintf(x->got, sizeof x->got, "%lld", (long long)r->f);              \
        snprintf(x->exp, sizeof x->exp, "%lld", (long long)w->f);              \
    }
    CMP_S(status)
    CMP_S(reason)
    CMP_S(hazard_class)
    CMP_I(opened_ms)
    CMP_I(closed_ms)
    CMP_S(lots_json)
    CMP_S(gtins_json)
#undef CMP_S
#undef CMP_I
    return 0;
}

struct id_list {
    struct zl_buf text; /* "id\n" per stored row */
};

static int rid_cb(void *ctx, const char *id)
{
    return zl_buf_printf(&((struct id_list *)ctx)->text, "%s\n", id ? id : "");
}

static int check_case(struct audit *a, const char *case_id)
{
    struct zl_recall_derived d;
    struct row_cmp x = {0};
    struct id_list got;
    struct zl_buf want;
    char **gv = NULL, **wv = NULL, key[160];
    size_t gn, wn, i;
    int rc = zl_recall_derive(a->s, case_id, &d);

    snprintf(key, sizeof key, "recall:%s", case_id);
    if (rc == ZL_ENOTFOUND) /* no open record: the log pass names it */
        return 0;
    if (rc)
        return rc;
    a->expect_cases++;
    x.want = &d.row;
    rc = zl_store_recall_case_list(a->s, case_id, 0, row_cb, &x);
    if (rc == ZL_ENOTFOUND || (!rc && !x.found))
        rc = mismatch(a, key, "recall_cases row", "missing", "present");
    else if (!rc && x.what[0])
        rc = mismatch(a, key, x.what, x.got, x.exp);
    zl_buf_init(&got.text, (size_t)1 << 30);
    zl_buf_init(&want, (size_t)1 << 30);
    for (i = 0; i < d.n_ids && !rc; i++)
        rc = zl_buf_printf(&want, "%s\n", d.ids[i]);
    if (!rc)
        rc = zl_store_recall_ids_of(a->s, case_id, rid_cb, &got);
    if (!rc) {
        gn = sorted_lines(got.text.data ? got.text.data : (char *)"",
                          got.text.len, &gv);
        wn = sorted_lines(want.data ? want.data : (char *)"", want.len, &wv);
        if (gn == (size_t)-1 || wn == (size_t)-1)
            rc = ZL_ENOMEM;
        else
            a->expect_recall_ids += wn;
        for (i = 0; !rc && (i < gn || i < wn); i++) {
            if (i < gn && i < wn && !strcmp(gv[i], wv[i]))
                continue;
            rc = mismatch(a, key, "recall_ids", i < gn ? gv[i] : NULL,
                          i < wn ? wv[i] : NULL);
            break;
        }
    }
    zl_free(gv);
    zl_free(wv);
    zl_buf_cleanup(&got.text);
    zl_buf_cleanup(&want);
    zl_recall_derived_cleanup(&d);
    return rc;
}

/* The persistent trace index against the records (store_tix.h): one
 * issue naming what disagrees, since its rows have no record key. */
static int check_trace_index(struct audit *a)
{
    struct zl_tix_check *c = &a->tix;
    char detail[320];
    int rc = zl_tix_check_index(a->s, c);

    if (rc || zl_tix_check_ok(c))
        return rc;
    snprintf(detail, sizeof detail,
             "the trace index disagrees with the records: %llu event "
             "records for %llu events%s%s%s%s; traces would give other "
             "answers (`zhiliang reindex` rebuilds it)",
             (unsigned long long)c->n_have, (unsigned long long)c->n_expect,
             memcmp(c->expect, c->have, sizeof c->have) || c->n_missing_keys
                 ? ", event records differ"
                 : "",
             memcmp(c->adj_expect, c->adj_have, sizeof c->adj_have)
                 ? ", identifier links differ"
                 : "",
             c->n_bad_keys ? ", keys edited" : "",
             c->n_bad_records ? ", undecodable rows" : "");
    return audit_report(a, "trace-index", 0, "trace_events", detail);
}

/* An issue of an event index (table): about one event's rows (event, its
 * name in the backend's terms), or about the table (NULL). */
static int index_issue(void *ctx, const char *table, const char *event,
                       const char *detail)
{
    char key[128];

    if (!event)
        return audit_report(ctx, "derived-extra", 0, table, detail);
    snprintf(key, sizeof key, "%s: event %s", table, event);
    return audit_report(ctx, "derived-altered", 0, key, detail);
}

static int sites_issue(void *ctx, const char *event, const char *detail)
{
    return index_issue(ctx, "event_sites", event, detail);
}

static int trade_issue(void *ctx, const char *event, const char *detail)
{
    return index_issue(ctx, "event_trade", event, detail);
}

int audit_derived_totals(struct audit *a)
{
    struct zl_store_derived_counts c = {0};
    struct zl_strmap cases;
    int rc = zl_store_signed_docs_all(a->s, doc_cb, a);

    if (!rc && !(rc = audit_recall_cases(a->s, &cases))) {
        for (size_t i = 0; i < zl_strmap_count(&cases) && !rc; i++)
            rc = check_case(a, zl_strmap_at(&cases, i)->key);
        zl_strmap_cleanup(&cases, NULL);
    }

    if (!rc)
        rc = zl_store_derived_counts(a->s, &c);
    if (!rc)
        rc = count_issue(a, "event_ids", c.id_rows, a->expect_id_rows);
    if (!rc)
        rc = count_issue(a, "event_refs", c.ref_rows, a->expect_ref_rows);
    if (!rc)
        rc = count_issue(a, "event_docs", c.doc_links, a->expect_doc_links);
    if (!rc)
        rc = count_issue(a, "recall_cases", c.recall_cases, a->expect_cases);
    if (!rc)
        rc = count_issue(a, "recall_ids", c.recall_ids, a->expect_recall_ids);
    if (!rc)
        rc = check_trace_index(a);
    if (!rc)
        rc = zl_store_sites_check(a->s, sites_issue, a);
    if (!rc)
        rc = zl_store_trade_check(a->s, trade_issue, a);
    return rc;
}
