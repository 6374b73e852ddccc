/*
 * test_risk_handle.c - complaint handling, deadlines, publication and
 * key rotation (zhiliang/risk_handle.h) on every backend
 * (store_fixture.h).
 *
 * The role checks and state moves each refused with nothing stored; the
 * deadlines of 总局令第20号 arts. 14 and 21 over the 2026 National Day
 * holidays (expected days worked out by hand, and with a separate Python
 * count over data/calendar/cn-2026.csv: 7 working days from Mon 28 Sep
 * is Tue 13 Oct, the make-up Saturday 10 Oct counting; 45 from Tue 13 Oct
 * is Tue 15 Dec); the published rows against a count written out by hand;
 * verify over the steps; the key rotation re-sealing every row, keeping
 * the commitments, retiring the old key, and leaving every row as it was
 * when one row cannot be opened.
 */
#define FIXTURE_NAME "risk_handle"

#include "zhiliang/risk_handle.h"

#include "store/store.h"
#include "store/store_risk.h"
#include "util/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_fixture.h"

static const uint8_t KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t KEY2[32] = {0xa0, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                 12,   13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                 23,   24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t KEY3[32] = {0xb0, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                 12,   13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                 23,   24, 25, 26, 27, 28, 29, 30, 31, 32};

#define USCC  "91350100M000100Y43"
#define OTHER "91130102117504341K"

static int64_t at(int y, int m, int d, int hh)
{
    return (zl_days_from_civil(y, m, d) * 86400 + hh * 3600) * 1000;
}

struct errs {
    char fields[16][64];
    int n;
};

static int err_cb(void *ctx, const struct zl_risk_field_error *e)
{
    struct errs *x = ctx;

    if (x->n < 16)
        snprintf(x->fields[x->n++], 64, "%s", e->field);
    return 0;
}

static int has_field(const struct errs *x, const char *f)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->fields[i], f))
            return 1;
    return 0;
}

static void complaint(zl_store *s, const char *ent, const char *gtin,
                      int with_pii, const uint8_t *key, int64_t now,
                      char id[ZL_RISK_ID_MAX])
{
    struct zl_risk_intake_opts o = {0};
    struct zl_error err = {0};
    char j[400];

    snprintf(j, sizeof j,
             "{\"occurred\":\"2026-09-20\",\"description\":\"leaks\","
             "\"category\":\"kettle\"%s%s%s%s%s%s%s}",
             ent ? ",\"enterprise\":\"" : "", ent ? ent : "", ent ? "\"" : "",
             gtin ? ",\"gs1\":\"(01)" : "", gtin ? gtin : "",
             gtin ? "(10)K1\"" : "",
             with_pii ? ",\"personal\":{\"phone\":\"13900139000\"}" : "");
    o.key = key;
    o.now_ms = now;
    assert_int_equal(zl_risk_submit(s, ZL_RISK_COMPLAINT, j, strlen(j), &o, id,
                                    NULL, NULL, &err),
                     0);
}

static void parties(zl_store *s)
{
    struct zl_party reg = {0}, ent = {0}, oth = {0};
    char pid[ZL_PARTY_ID_MAX];
    struct zl_error err = {0};

    reg.id = "reg-11";
    reg.name_zh = "北京市市场监督管理局";
    reg.kind = ZL_PARTY_REGULATOR;
    reg.region = "11";
    ent.id = "ent-1";
    ent.name_zh = "某电器公司";
    ent.uscc = USCC;
    oth.id = "ent-2";
    oth.name_zh = "另一公司";
    oth.uscc = OTHER;
    assert_int_equal(zl_party_add(s, &reg, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(s, &ent, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(s, &oth, 0, pid, &err), 0);
}

static int step(zl_store *s, const char *id, enum zl_risk_action a,
                const char *actor, const char *arg, int64_t now, struct errs *e)
{
    struct zl_risk_step_in in = {0};
    struct zl_error err = {0};
    struct errs local = {0};

    in.action = a;
    in.actor = actor;
    in.now_ms = now;
    if (a == ZL_RISK_REJECT)
        in.reason = arg;
    if (a == ZL_RISK_MERGE)
        in.into = arg;
    if (a == ZL_RISK_ROUTE)
        in.enterprise = arg;
    if (a == ZL_RISK_ANSWER)
        in.answer = arg;
    if (a == ZL_RISK_CLOSE)
        in.outcome = arg;
    return zl_risk_step(s, id, &in, NULL, err_cb, e ? e : &local, &err);
}

static struct zl_risk_case get_case(zl_store *s, const char *id, int64_t now)
{
    struct zl_risk_case c;
    struct zl_risk_case_opts o = {0};

    o.now_ms = now;
    assert_int_equal(zl_risk_case_get(s, id, &o, &c, NULL), 0);
    return c;
}

static int n_steps_cb(void *ctx, int64_t seq, const char *json, size_t len)
{
    (void)seq;
    (void)json;
    (void)len;
    ++*(int *)ctx;
    return 0;
}

static int n_steps(zl_store *s, const char *id)
{
    int n = 0;

    assert_int_equal(zl_risk_steps(s, id, n_steps_cb, &n), 0);
    return n;
}

static int issues_cb(void *ctx, const struct zl_audit_issue *i)
{
    (void)i;
    ++*(int *)ctx;
    return 0;
}

/* ---- the flow, roles and refusals --------------------------------------- */

static void test_flow(void **state)
{
    struct fixture *f = *state;
    char c1[ZL_RISK_ID_MAX], c2[ZL_RISK_ID_MAX], sql[300];
    int64_t t = at(2026, 9, 28, 9);
    struct errs e = {0};
    struct zl_risk_case c;
    int issues = 0;

    parties(f->s);
    complaint(f->s, USCC, "09506000134352", 0, NULL, t, c1);
    complaint(f->s, NULL, NULL, 0, NULL, t, c2);

    /* the enterprise may not review; a stranger is not a party */
    assert_int_equal(step(f->s, c1, ZL_RISK_ACCEPT, "ent-1", NULL, t, NULL),
                     ZL_EPERM);
    assert_int_equal(step(f->s, c1, ZL_RISK_ACCEPT, "nobody", NULL, t, NULL),
                     ZL_ENOTFOUND);
    assert_int_equal(step(f->s, "C-19990101-00000000", ZL_RISK_ACCEPT, "reg-11",
                          NULL, t, NULL),
                     ZL_ENOTFOUND);
    /* wrong state, missing reason, a field of another action */
    assert_int_equal(step(f->s, c1, ZL_RISK_ROUTE, "reg-11", NULL, t, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "action"));
    memset(&e, 0, sizeof e);
    assert_int_equal(step(f->s, c1, ZL_RISK_REJECT, "reg-11", "  ", t, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "reason"));
    assert_int_equal(n_steps(f->s, c1), 0);
    assert_string_equal(get_case(f->s, c1, t).state, "received");

    assert_int_equal(step(f->s, c1, ZL_RISK_ACCEPT, "reg-11", NULL,
                          at(2026, 10, 9, 10), NULL),
                     0);
    /* accepting twice is a state error */
    memset(&e, 0, sizeof e);
    assert_int_equal(
        step(f->s, c1, ZL_RISK_ACCEPT, "reg-11", NULL, at(2026, 10, 9, 11), &e),
        ZL_EINVAL);
    assert_true(has_field(&e, "action"));
    /* routing to a code without its check character */
    memset(&e, 0, sizeof e);
    assert_int_equal(step(f->s, c1, ZL_RISK_ROUTE, "reg-11",
                          "91350100M000100Y44", at(2026, 10, 9, 11), &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "enterprise"));
    /* a complaint naming no enterprise cannot be routed without one */
    assert_int_equal(step(f->s, c2, ZL_RISK_ACCEPT, "reg-11", NULL,
                          at(2026, 10, 9, 11), NULL),
                     0);
    memset(&e, 0, sizeof e);
    assert_int_equal(
        step(f->s, c2, ZL_RISK_ROUTE, "reg-11", NULL, at(2026, 10, 9, 11), &e),
        ZL_EINVAL);
    assert_true(has_field(&e, "enterprise"));
    assert_int_equal(step(f->s, c1, ZL_RISK_ROUTE, "reg-11", NULL,
                          at(2026, 10, 9, 12), NULL),
                     0);
    /* only the enterprise routed to answers */
    assert_int_equal(step(f->s, c1, ZL_RISK_ANSWER, "ent-2", "not us",
                          at(2026, 10, 10, 9), NULL),
                     ZL_EPERM);
    memset(&e, 0, sizeof e);
    assert_int_equal(
        step(f->s, c1, ZL_RISK_ANSWER, "ent-1", "", at(2026, 10, 10, 9), &e),
        ZL_EINVAL);
    assert_true(has_field(&e, "answer"));
    assert_int_equal(step(f->s, c1, ZL_RISK_ANSWER, "ent-1", "refunded",
                          at(2026, 10, 10, 9), NULL),
                     0);
    memset(&e, 0, sizeof e);
    assert_int_equal(step(f->s, c1, ZL_RISK_CLOSE, "reg-11", "happy",
                          at(2026, 10, 12, 9), &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "outcome"));
    assert_int_equal(step(f->s, c1, ZL_RISK_CLOSE, "reg-11", "agreement",
                          at(2026, 10, 12, 9), NULL),
                     0);
    c = get_case(f->s, c1, at(2026, 12, 1, 0));
    assert_string_equal(c.state, "closed");
    assert_string_equal(c.outcome, "agreement");
    assert_string_equal(c.enterprise, USCC);
    assert_int_equal(c.n_steps, 4);
    assert_int_equal(n_steps(f->s, c1), 4);
    assert_int_equal(c.closed_ms, at(2026, 10, 12, 9));
    assert_int_equal(step(f->s, c1, ZL_RISK_CLOSE, "reg-11", "agreement",
                          at(2026, 10, 12, 9), NULL),
                     ZL_EINVAL);

    /* every step is a logged record: verify agrees, then names an edit */
    assert_int_equal(zl_audit_verify(f->s, issues_cb, &issues, NULL), 0);
    assert_int_equal(issues, 0);
    snprintf(sql, sizeof sql,
             "UPDATE risk_steps SET json = replace(json, 'refunded', "
             "'ignored') WHERE report_id = '%s' AND action = 'answer'",
             c1);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(zl_audit_verify(f->s, issues_cb, &issues, NULL),
                     ZL_ETAMPER);
    assert_true(issues >= 1);
}

static void test_merge(void **state)
{
    struct fixture *f = *state;
    char a[ZL_RISK_ID_MAX], b[ZL_RISK_ID_MAX], c[ZL_RISK_ID_MAX];
    int64_t t = at(2026, 11, 2, 9);
    struct errs e = {0};

    parties(f->s);
    complaint(f->s, USCC, NULL, 0, NULL, t, a);
    complaint(f->s, USCC, NULL, 0, NULL, t, b);
    complaint(f->s, USCC, NULL, 0, NULL, t, c);
    assert_int_equal(step(f->s, b, ZL_RISK_MERGE, "reg-11", b, t, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "into"));
    memset(&e, 0, sizeof e);
    assert_int_equal(
        step(f->s, b, ZL_RISK_MERGE, "reg-11", "C-19990101-00000000", t, &e),
        ZL_EINVAL);
    assert_true(has_field(&e, "into"));
    assert_int_equal(step(f->s, b, ZL_RISK_MERGE, "reg-11", a, t, NULL), 0);
    /* into a merged complaint: refused (merge into the one kept) */
    memset(&e, 0, sizeof e);
    assert_int_equal(step(f->s, c, ZL_RISK_MERGE, "reg-11", b, t, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "into"));
    assert_string_equal(get_case(f->s, b, t).state, "merged");
    assert_string_equal(get_case(f->s, b, t).merged_into, a);
    assert_string_equal(get_case(f->s, c, t).state, "received");
}

/* ---- deadlines over the holidays ------------------------------------------
 */

static void test_deadlines(void **state)
{
    struct fixture *f = *state;
    char a[ZL_RISK_ID_MAX], b[ZL_RISK_ID_MAX];
    char d[11];
    struct zl_risk_case c;
    struct zl_risk_deadlines dl;
    struct zl_risk_case_opts o = {0};

    parties(f->s);
    /* received Mon 28 Sep 2026 */
    complaint(f->s, USCC, NULL, 0, NULL, at(2026, 9, 28, 9), a);
    complaint(f->s, USCC, NULL, 0, NULL, at(2026, 9, 28, 9), b);
    c = get_case(f->s, a, at(2026, 10, 13, 12));
    zl_day_format(c.accept_deadline, d);
    assert_string_equal(d, "2026-10-13"); /* Tue 29, Wed 30 Sep, Thu 8,
                                             Fri 9, Sat 10 (make-up), Mon
                                             12, Tue 13 Oct */
    assert_int_equal(c.accept_overdue, 0);
    c = get_case(f->s, a, at(2026, 10, 14, 0));
    assert_int_equal(c.accept_overdue, 1);
    /* accepted on its last day: 45 working days to close */
    assert_int_equal(step(f->s, b, ZL_RISK_ACCEPT, "reg-11", NULL,
                          at(2026, 10, 13, 16), NULL),
                     0);
    c = get_case(f->s, b, at(2026, 12, 15, 12));
    assert_int_equal(c.accept_overdue, 0);
    zl_day_format(c.close_deadline, d);
    assert_string_equal(d, "2026-12-15");
    assert_int_equal(c.close_overdue, 0);
    c = get_case(f->s, b, at(2026, 12, 16, 1));
    assert_int_equal(c.close_overdue, 1);
    /* decided late: flagged although no longer pending */
    assert_int_equal(step(f->s, a, ZL_RISK_REJECT, "reg-11", "out of scope",
                          at(2026, 10, 14, 9), NULL),
                     0);
    c = get_case(f->s, a, at(2026, 12, 1, 0));
    assert_int_equal(c.accept_overdue, 1);
    assert_int_equal(c.close_deadline, -1);
    /* deadlines are configuration: 3 calendar days */
    zl_risk_deadlines_default(&dl);
    assert_int_equal(dl.accept.days, 7);
    assert_int_equal(dl.close.days, 45);
    assert_non_null(strstr(dl.accept.source, "第十四条"));
    dl.accept.days = 3;
    dl.accept.unit = ZL_CLOCK_DAYS;
    o.rules = &dl;
    o.now_ms = at(2026, 10, 1, 12);
    assert_int_equal(zl_risk_case_get(f->s, b, &o, &c, NULL), 0);
    zl_day_format(c.accept_deadline, d);
    assert_string_equal(d, "2026-10-01");
}

/* ---- publication against a count by hand ------------------------------- */

struct pub {
    char lines[2000];
};

static int pub_cb(void *ctx, const struct zl_risk_pub_row *r)
{
    struct pub *x = ctx;
    size_t n = strlen(x->lines);

    if (r->suppressed) {
        snprintf(x->lines + n, sizeof x->lines - n, "%s %s <%d c%ld h%.2f;\n",
                 r->dim, r->value, r->threshold, r->complaints, r->handled);
        return 0;
    }
    snprintf(x->lines + n, sizeof x->lines - n,
             "%s %s c%ld d%ld a%ld r%ld x%ld s%ld o%ld h%.2f m%.1f;\n", r->dim,
             r->value, r->complaints, r->duplicates, r->accepted, r->rejected,
             r->closed, r->resolved, r->overdue, r->handled, r->median_days);
    return 0;
}

static void test_publication(void **state)
{
    struct fixture *f = *state;
    char id[6][ZL_RISK_ID_MAX];
    struct zl_risk_case_opts o = {0};
    struct pub p = {""};
    int64_t t = at(2026, 11, 2, 9); /* Mon 2 Nov */

    parties(f->s);
    /* USCC: 4 complaints (one a duplicate), OTHER: 2 */
    for (int i = 0; i < 4; i++)
        complaint(f->s, USCC, "09506000134352", 1, KEY, t, id[i]);
    complaint(f->s, OTHER, "09506000134369", 0, NULL, t, id[4]);
    complaint(f->s, OTHER, "09506000134369", 0, NULL, t, id[5]);
    /* USCC: id0 closed agreement after 4 days, id1 closed no-agreement
     * after 10 days, id2 rejected, id3 duplicate of id0 */
    assert_int_equal(
        step(f->s, id[0], ZL_RISK_ACCEPT, "reg-11", NULL, t + 3600000, NULL),
        0);
    assert_int_equal(step(f->s, id[0], ZL_RISK_CLOSE, "reg-11", "agreement",
                          t + 4 * 86400000LL, NULL),
                     0);
    assert_int_equal(
        step(f->s, id[1], ZL_RISK_ACCEPT, "reg-11", NULL, t + 3600000, NULL),
        0);
    assert_int_equal(step(f->s, id[1], ZL_RISK_CLOSE, "reg-11", "no-agreement",
                          t + 10 * 86400000LL, NULL),
                     0);
    assert_int_equal(
        step(f->s, id[2], ZL_RISK_REJECT, "reg-11", "no evidence", t, NULL), 0);
    assert_int_equal(step(f->s, id[3], ZL_RISK_MERGE, "reg-11", id[0], t, NULL),
                     0);
    /* OTHER: one accepted and pending, one never looked at (overdue on
     * 20 Nov: 7 working days from 2 Nov is 11 Nov) */
    assert_int_equal(
        step(f->s, id[4], ZL_RISK_ACCEPT, "reg-11", NULL, t + 3600000, NULL),
        0);
    o.now_ms = at(2026, 11, 20, 9);
    o.min_count = 1; /* every row, to check the counts */
    assert_int_equal(zl_risk_publication(f->s, &o, pub_cb, &p, NULL), 0);
    assert_string_equal(
        p.lines,
        "enterprise 91130102117504341K c2 d0 a1 r0 x0 s0 o1 h0.00 mnan;\n"
        "enterprise 91350100M000100Y43 c3 d1 a2 r1 x2 s1 o0 h1.00 m7.0;\n"
        "product 09506000134352 c3 d1 a2 r1 x2 s1 o0 h1.00 m7.0;\n"
        "product 09506000134369 c2 d0 a1 r0 x0 s0 o1 h0.00 mnan;\n"
        "category kettle c5 d1 a3 r1 x2 s1 o1 h0.60 m7.0;\n");
    /* the default: OTHER's two complaints are withheld (fewer than 3),
     * counts zeroed and ratios NaN so no caller can print them; USCC's
     * 3 + 1 duplicate are published */
    p.lines[0] = '\0';
    o.min_count = 0;
    assert_int_equal(zl_risk_publication(f->s, &o, pub_cb, &p, NULL), 0);
    assert_string_equal(
        p.lines,
        "enterprise 91130102117504341K <3 c0 hnan;\n"
        "enterprise 91350100M000100Y43 c3 d1 a2 r1 x2 s1 o0 h1.00 m7.0;\n"
        "product 09506000134352 c3 d1 a2 r1 x2 s1 o0 h1.00 m7.0;\n"
        "product 09506000134369 <3 c0 hnan;\n"
        "category kettle c5 d1 a3 r1 x2 s1 o1 h0.60 m7.0;\n");
    /* a higher threshold withholds the 4 of USCC too */
    p.lines[0] = '\0';
    o.min_count = 5;
    assert_int_equal(zl_risk_publication(f->s, &o, pub_cb, &p, NULL), 0);
    assert_non_null(strstr(p.lines, "enterprise 91350100M000100Y43 <5 c0"));
    assert_non_null(strstr(p.lines, "category kettle c5 d1"));
}

/* ---- key rotation
 * ------------------------------------------------------------ */

static int reveal_ok(zl_store *s, const char *id, const uint8_t *key)
{
    char *j = NULL;
    size_t n;
    int rc = zl_risk_pii_reveal(s, id, key, &j, &n);

    if (!rc) {
        assert_string_equal(j, "{\"phone\":\"13900139000\"}");
        zl_free(j);
    }
    return rc;
}

struct blob {
    uint8_t b[256];
    size_t n;
    char kid[20];
};

static int blob_cb(void *ctx, const struct zl_store_risk_pii *p)
{
    struct blob *x = ctx;

    assert_true(p->blob_len <= sizeof x->b);
    memcpy(x->b, p->blob, p->blob_len);
    x->n = p->blob_len;
    snprintf(x->kid, sizeof x->kid, "%s", p->key_id);
    return 0;
}

static void test_rekey(void **state)
{
    struct fixture *f = *state;
    char id[3][ZL_RISK_ID_MAX], kid[17], kid2[17], x[ZL_RISK_ID_MAX];
    struct blob before, after;
    struct zl_error err = {0};
    struct zl_risk_intake_opts o = {0};
    size_t n = 0;
    int issues = 0;
    int64_t t = at(2026, 11, 2, 9);
    const char *j = "{\"occurred\":\"2026-11-01\",\"description\":\"x\","
                    "\"personal\":{\"phone\":\"13900139000\"}}";

    for (int i = 0; i < 3; i++)
        complaint(f->s, NULL, NULL, 1, KEY, t, id[i]);
    zl_risk_key_id(KEY, kid);
    zl_risk_key_id(KEY2, kid2);
    assert_int_equal(strlen(kid), 16);
    assert_string_not_equal(kid, kid2);
    assert_int_equal(zl_store_risk_pii_get(f->s, id[0], blob_cb, &before), 0);
    assert_string_equal(before.kid, kid);

    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY, t, &n, &err), ZL_EINVAL);
    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY2, t, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(zl_store_risk_pii_get(f->s, id[0], blob_cb, &after), 0);
    assert_string_equal(after.kid, kid2);
    assert_int_equal(after.n, before.n);
    assert_memory_not_equal(after.b, before.b, before.n);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(reveal_ok(f->s, id[i], KEY2), 0);
        assert_int_equal(reveal_ok(f->s, id[i], KEY), ZL_EPERM); /* retired */
    }
    assert_int_equal(zl_risk_key_usable(f->s, KEY), ZL_EPERM);
    assert_int_equal(zl_risk_key_usable(f->s, KEY2), 0);
    /* the old key seals nothing more; nothing is stored */
    o.key = KEY;
    o.now_ms = t;
    assert_int_equal(zl_risk_submit(f->s, ZL_RISK_COMPLAINT, j, strlen(j), &o,
                                    x, NULL, NULL, &err),
                     ZL_EPERM);
    assert_string_equal(x, "");
    /* rotating back to a retired key is refused */
    assert_int_equal(zl_risk_rekey(f->s, KEY2, KEY, t, &n, &err), ZL_EPERM);
    /* the commitments in the log still hold */
    assert_int_equal(zl_audit_verify(f->s, issues_cb, &issues, NULL), 0);
    assert_int_equal(issues, 0);
}

/* One damaged row aborts the whole rotation: every row stays as it was. */
static void test_rekey_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    char id[3][ZL_RISK_ID_MAX], other[ZL_RISK_ID_MAX], sql[200];
    const char *last, *keep;
    struct blob before, after;
    struct zl_error err = {0};
    size_t n = 9;
    int64_t t = at(2026, 11, 2, 9);

    for (int i = 0; i < 3; i++)
        complaint(f->s, NULL, NULL, 1, KEY, t, id[i]);
    last = id[0];
    /* the last row (by id) is damaged: its first byte always changes */
    for (int i = 1; i < 3; i++)
        if (strcmp(id[i], last) > 0)
            last = id[i];
    snprintf(sql, sizeof sql,
             fixture_is_pg(f->uri)
                 ? "UPDATE risk_pii SET blob = "
                   "set_byte(blob, 0, get_byte(blob, 0) # 1) WHERE id = '%s'"
                 : "UPDATE risk_pii SET blob = CASE WHEN substr(blob, 1, 1) "
                   "= x'00' THEN x'01' ELSE x'00' END || substr(blob, 2) "
                   "WHERE id = '%s'",
             last);
    keep = id[0] == last ? id[1] : id[0];
    assert_int_equal(zl_store_risk_pii_get(f->s, keep, blob_cb, &before), 0);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY2, t, &n, &err), ZL_EVERIFY);
    assert_int_equal(n, 0);
    assert_int_equal(zl_store_risk_pii_get(f->s, keep, blob_cb, &after), 0);
    assert_memory_equal(after.b, before.b, before.n);
    assert_string_equal(after.kid, before.kid);
    assert_int_equal(zl_risk_key_usable(f->s, KEY), 0);
    assert_int_equal(zl_risk_key_usable(f->s, KEY2), 0);
    /* without the damaged row, a row sealed under a third key aborts it */
    snprintf(sql, sizeof sql, "DELETE FROM risk_pii WHERE id = '%s'", last);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    complaint(f->s, NULL, NULL, 1, KEY3, t, other);
    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY2, t, &n, &err), ZL_EVERIFY);
    assert_non_null(strstr(err.rule, "sealed under key"));
    assert_int_equal(reveal_ok(f->s, other, KEY3), 0);
    assert_int_equal(reveal_ok(f->s, keep, KEY), 0);
    /* and without it the rotation goes through */
    snprintf(sql, sizeof sql, "DELETE FROM risk_pii WHERE id = '%s'", other);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY2, t, &n, &err), 0);
    assert_int_equal(n, 2);
}

/* A store at schema 13 (risk_pii without key_id, no steps or keys
 * tables) is migrated: its row opens, gets rotated, and steps work. */
static void test_migrate_from_13(void **state)
{
    struct fixture *f = *state;
    char id[ZL_RISK_ID_MAX];
    struct zl_error err = {0};
    struct blob b;
    size_t n = 0;
    int64_t t = at(2026, 11, 2, 9);
    int pg = fixture_is_pg(f->uri);

    parties(f->s);
    complaint(f->s, USCC, NULL, 1, KEY, t, id);
    assert_int_equal(
        fixture_sql_changes(f->s, "UPDATE risk_pii SET key_id = ''"), 1);
    fixture_sql_changes(f->s, "DROP TABLE risk_steps");
    fixture_sql_changes(f->s, "DROP TABLE risk_keys");
    fixture_sql_changes(f->s, "ALTER TABLE risk_pii DROP COLUMN key_id");
    assert_int_equal(
        fixture_sql_changes(f->s, pg ? "UPDATE meta SET value = '13'::bytea "
                                       "WHERE key = 'store.schema_version'"
                                     : "UPDATE meta SET value = '13' WHERE "
                                       "key = 'store.schema_version'"),
        1);
    zl_close(f->s);
    f->s = NULL;
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    assert_int_equal(zl_store_risk_pii_get(f->s, id, blob_cb, &b), 0);
    assert_string_equal(b.kid, ""); /* sealed before key ids */
    assert_int_equal(reveal_ok(f->s, id, KEY), 0);
    assert_int_equal(step(f->s, id, ZL_RISK_ACCEPT, "reg-11", NULL, t, NULL),
                     0);
    assert_int_equal(zl_risk_rekey(f->s, KEY, KEY2, t, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(reveal_ok(f->s, id, KEY2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rekey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rekey_all_or_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_13, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
