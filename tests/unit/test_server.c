/*
 * test_server.c - the server's own parsers and writers: strict
 * percent-decoding, the UTF-8 check (against a naive model written from
 * Unicode's table of well-formed byte sequences), HTML escaping, the
 * request arena, the 503 mapping of a busy store or a spent budget, the
 * QR code SVG (decoded back into modules and compared with libqrencode's
 * matrix, finder patterns checked), and the portal's business step labels
 * (every CBV 2.0 step from the table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "server_int.h"
#include "util/buf.h"

#include <errno.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_pct_decode(void **state)
{
    struct zl_arena a;
    char *d;

    (void)state;
    zl_arena_init(&a, 1 << 20);
    assert_string_equal(zl_pct_decode(&a, "%41%42c", 7, 0), "ABc");
    assert_string_equal(zl_pct_decode(&a, "a+b%2B", 6, 1), "a b+");
    assert_string_equal(zl_pct_decode(&a, "a+b", 3, 0), "a+b");
    assert_string_equal(zl_pct_decode(&a, "AB%2FC", 6, 0), "AB/C");
    assert_string_equal(zl_pct_decode(&a, "%e4%B8%AD", 9, 0), "中");
    assert_string_equal(zl_pct_decode(&a, "", 0, 0), "");
    assert_null(zl_pct_decode(&a, "%zz", 3, 0));
    assert_null(zl_pct_decode(&a, "%4", 2, 0));
    assert_null(zl_pct_decode(&a, "ab%", 3, 0));
    assert_null(zl_pct_decode(&a, "%00", 3, 0));           /* NUL */
    assert_null(zl_pct_decode(&a, "%FF", 3, 0));           /* not UTF-8 */
    assert_null(zl_pct_decode(&a, "%C0%AF", 6, 0));        /* overlong '/' */
    assert_null(zl_pct_decode(&a, "%ED%A0%80", 9, 0));     /* surrogate */
    assert_null(zl_pct_decode(&a, "%F4%90%80%80", 12, 0)); /* > U+10FFFF */
    /* only n bytes are read */
    d = zl_pct_decode(&a, "abc%41", 3, 0);
    assert_string_equal(d, "abc");
    zl_arena_free(&a);
}

/* Unicode 15, table 3-7: well-formed UTF-8 byte sequences. */
static int naive_utf8(const unsigned char *s, size_t n)
{
    static const struct {
        unsigned char lo[4], hi[4];
        int len;
    } rows[] = {
        {{0x01}, {0x7f}, 1},
        {{0xc2, 0x80}, {0xdf, 0xbf}, 2},
        {{0xe0, 0xa0, 0x80}, {0xe0, 0xbf, 0xbf}, 3},
        {{0xe1, 0x80, 0x80}, {0xec, 0xbf, 0xbf}, 3},
        {{0xed, 0x80, 0x80}, {0xed, 0x9f, 0xbf}, 3},
        {{0xee, 0x80, 0x80}, {0xef, 0xbf, 0xbf}, 3},
        {{0xf0, 0x90, 0x80, 0x80}, {0xf0, 0xbf, 0xbf, 0xbf}, 4},
        {{0xf1, 0x80, 0x80, 0x80}, {0xf3, 0xbf, 0xbf, 0xbf}, 4},
        {{0xf4, 0x80, 0x80, 0x80}, {0xf4, 0x8f, 0xbf, 0xbf}, 4},
    };
    size_t i = 0, r;
    int k, ok;

    while (i < n) {
        for (r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            if (n - i < (size_t)rows[r].len)
                continue;
            ok = 1;
            for (k = 0; k < rows[r].len && ok; k++)
                ok = s[i + k] >= rows[r].lo[k] && s[i + k] <= rows[r].hi[k];
            if (ok)
                break;
        }
        if (r == sizeof rows / sizeof rows[0])
            return 0;
        i += (size_t)rows[r].len;
    }
    return 1;
}

static void test_utf8_vs_naive(void **state)
{
    unsigned char buf[8];
    unsigned seed = 1;
    int i, n_valid = 0;
    size_t len, k;

    (void)state;
    for (i = 0; i < 300000; i++) {
        len = 1 + (size_t)(i % 6);
        for (k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            /* bias towards lead and continuation bytes */
            buf[k] = (unsigned char)((seed >> 16) & 0xff);
            if (k && (seed & 0x300))
                buf[k] = (unsigned char)(0x80 | ((seed >> 16) & 0x3f));
        }
        if (zl_utf8_valid((const char *)buf, len) != naive_utf8(buf, len))
            fail_msg("disagree on %02x %02x %02x %02x (len %zu)", buf[0],
                     len > 1 ? buf[1] : 0, len > 2 ? buf[2] : 0,
                     len > 3 ? buf[3] : 0, len);
        n_valid += naive_utf8(buf, len);
    }
    /* the generator reaches both answers often */
    assert_true(n_valid > 10000);
    assert_true(n_valid < 290000);
}

static void test_escape_encode(void **state)
{
    struct zl_buf b;
    struct zl_arena a;
    unsigned seed = 7;
    char s[32];
    int i, k;

    (void)state;
    zl_buf_init(&b, 4096);
    assert_int_equal(zl_html_escape(&b, "<a href=\"x\">&'</a>"), 0);
    assert_string_equal(b.data,
                        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    zl_buf_reset(&b);
    assert_int_equal(zl_pct_encode(&b, "https://id.gs1.org/01/1 2?é"), 0);
    assert_string_equal(b.data,
                        "https%3A%2F%2Fid.gs1.org%2F01%2F1%202%3F%C3%A9");
    /* decode(encode(s)) == s for random printable UTF-8-free strings */
    zl_arena_init(&a, 1 << 22);
    for (i = 0; i < 2000; i++) {
        for (k = 0; k < 31; k++) {
            seed = seed * 1103515245u + 12345u;
            s[k] = (char)(1 + (seed >> 16) % 127);
        }
        s[31] = '\0';
        zl_buf_reset(&b);
        assert_int_equal(zl_pct_encode(&b, s), 0);
        assert_string_equal(zl_pct_decode(&a, b.data, b.len, 0), s);
    }
    zl_arena_free(&a);
    zl_buf_cleanup(&b);
}

static void test_arena(void **state)
{
    struct zl_arena a;
    void *p[100];
    int i;

    (void)state;
    zl_arena_init(&a, 100000);
    for (i = 0; i < 100; i++) {
        p[i] = zl_arena_alloc(&a, (size_t)i * 7 + 1);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        memset(p[i], i, (size_t)i * 7 + 1);
    }
    for (i = 0; i < 100; i++)
        assert_int_equal(((unsigned char *)p[i])[i * 7], i);
    /* the cap holds */
    assert_null(zl_arena_alloc(&a, 100000));
    assert_null(zl_arena_alloc(&a, (size_t)-1));
    assert_string_equal(zl_arena_printf(&a, "%d-%s", 42, "x"), "42-x");
    zl_arena_free(&a);
    zl_arena_free(NULL);
}

static const char *hdr(const struct zl_req *r, const char *k)
{
    size_t i;

    for (i = 0; i < r->n_headers; i++)
        if (!strcmp(r->headers[i].k, k))
            return r->headers[i].v;
    return NULL;
}

static void req_init(struct zl_req *r, struct zl_server *s)
{
    memset(r, 0, sizeof *r);
    r->srv = s;
    zl_arena_init(&r->arena, 1 << 20);
}

static void req_free(struct zl_req *r)
{
    zl_arena_free(&r->arena);
    zl_free(r->resp);
}

/* A busy store and a spent budget are 503 with Retry-After and a JSON
 * problem saying what to do; other failures stay 500. */
static void test_store_error_mapping(void **state)
{
    static const struct {
        int rc;
        unsigned status;
        const char *retry, *says;
    } cases[] = {
        {ZL_EBUSY, 503, "2", "retry shortly"},
        {ZL_ETIMEOUT, 503, "5", "1500 ms budget"},
        {-ECONNRESET, 499, NULL, "client went away"},
        {ZL_ESTORE, 500, NULL, "store error"},
    };
    struct zl_server s;
    struct zl_req r;
    size_t i;

    (void)state;
    memset(&s, 0, sizeof s);
    s.o.query_ms = 1500;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_init(&r, &s);
        zl_reply_store_error(&r, cases[i].rc, "Query failed");
        assert_int_equal(r.status, cases[i].status);
        if (cases[i].retry)
            assert_string_equal(hdr(&r, "Retry-After"), cases[i].retry);
        else
            assert_null(hdr(&r, "Retry-After"));
        assert_string_equal(r.ctype, "application/problem+json");
        if (!strstr(r.resp, cases[i].says))
            fail_msg("%s", r.resp);
        req_free(&r);
    }
}

/* Parse our SVG path ("Mx yhNv1h-Nz" runs) back into a w*w grid. */
static int svg_grid(const char *svg, unsigned char *grid, int w, int quiet)
{
    const char *p = strstr(svg, " d=\"");
    int x, y, run, k, n = 0;

    if (!p)
        return -1;
    p += 4;
    while (*p == 'M') {
        if (sscanf(p, "M%d %dh%dv1h-%*dz", &x, &y, &run) != 3)
            return -1;
        for (k = 0; k < run; k++) {
            int gx = x - quiet + k, gy = y - quiet;
            if (gx < 0 || gy < 0 || gx >= w || gy >= w)
                return -1;
            grid[gy * w + gx] = 1;
        }
        n++;
        p = strchr(p, 'z') + 1;
    }
    return n;
}

static void check_finder(const unsigned char *g, int w, int ox, int oy)
{
    int x, y;

    for (y = 0; y < 7; y++)
        for (x = 0; x < 7; x++) {
            int ring = x == 0 || y == 0 || x == 6 || y == 6;
            int core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            assert_int_equal(g[(oy + y) * w + ox + x], ring || core);
        }
}

static void test_qr_svg(void **state)
{
    static const char *texts[] = {
        "https://id.gs1.org/01/09506000134352/10/ABC",
        "http://127.0.0.1:8080/01/06902310001019/21/10772208?lang=en", "x"};
    size_t t;

    (void)state;
    for (t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        QRcode *q = QRcode_encodeString8bit(texts[t], 0, QR_ECLEVEL_M);
        struct zl_buf b;
        unsigned char *grid;
        char vb[64];
        int w, i;

        assert_non_null(q);
        w = q->width;
        zl_buf_init(&b, 1 << 20);
        assert_int_equal(zl_qr_svg(texts[t], &b), 0);
        snprintf(vb, sizeof vb, "viewBox=\"0 0 %d %d\"", w + 8, w + 8);
        assert_non_null(strstr(b.data, vb));
        grid = calloc((size_t)(w * w), 1);
        assert_true(svg_grid(b.data, grid, w, 4) > 0);
        for (i = 0; i < w * w; i++)
            assert_int_equal(grid[i], q->data[i] & 1);
        check_finder(grid, w, 0, 0);
        check_finder(grid, w, w - 7, 0);
        check_finder(grid, w, 0, w - 7);
        /* timing pattern between the finders alternates */
        for (i = 8; i < w - 8; i++) {
            assert_int_equal(grid[6 * w + i], (i + 1) % 2);
            assert_int_equal(grid[i * w + 6], (i + 1) % 2);
        }
        free(grid);
        zl_buf_cleanup(&b);
        QRcode_free(q);
    }
    /* too long for any QR version */
    {
        struct zl_buf b;
        char *big = malloc(8000);
        memset(big, 'a', 7999);
        big[7999] = '\0';
        zl_buf_init(&b, 1 << 20);
        assert_int_equal(zl_qr_svg(big, &b), ZL_ELIMIT);
        zl_buf_cleanup(&b);
        free(big);
    }
}

static void test_assets(void **state)
{
    size_t len = 0;
    const unsigned char *a = zl_asset_find("layout.html", &len);

    (void)state;
    assert_non_null(a);
    assert_non_null(strstr((const char *)a, "{{body}}"));
    assert_int_equal(strlen((const char *)a), len);
    assert_non_null(zl_asset_find("style.css", NULL));
    assert_null(zl_asset_find("../meson.build", NULL));
}

/* Every business step of the CBV table gets its own label in both
 * languages on the portal; other values fall back by event type. */
static void test_step_labels(void **state)
{
    int v, n_std = 0;

    (void)state;
    for (v = ZL_BIZ_STEP_NONE + 1; v < ZL_BIZ_STEP_OTHER; v++) {
        const struct zl_cbv_term *t = zl_biz_step_term((enum zl_biz_step)v);
        const char *zh =
            zl_portal_step_label(0, (enum zl_biz_step)v, ZL_EV_OBJECT);
        const char *en =
            zl_portal_step_label(1, (enum zl_biz_step)v, ZL_EV_TRANSFORMATION);

        assert_non_null(t);
        n_std += t->standard;
        assert_string_equal(zh, t->zh);
        assert_string_equal(en, t->en);
        assert_true((unsigned char)zh[0] >= 0x80); /* Chinese */
        assert_true(en[0] >= 'A' && en[0] <= 'Z');
    }
    assert_int_equal(n_std, 41); /* CBV 2.0 has 41 business steps */
    assert_string_equal(
        zl_portal_step_label(0, ZL_BIZ_STEP_SHIPPING, ZL_EV_OBJECT), "发货");
    assert_string_equal(
        zl_portal_step_label(1, ZL_BIZ_STEP_VOID_SHIPPING, ZL_EV_OBJECT),
        "Shipping voided");
    assert_string_equal(
        zl_portal_step_label(0, ZL_BIZ_STEP_UNPACKING, ZL_EV_OBJECT), "拆包");
    assert_string_equal(
        zl_portal_step_label(0,
                             zl_biz_step_of("https://voc.zhiliang.example/"
                                            "bizstep/harvesting",
                                            47),
                             ZL_EV_OBJECT),
        "采收");
    assert_string_equal(
        zl_portal_step_label(1, ZL_BIZ_STEP_OTHER, ZL_EV_TRANSFORMATION),
        "Processed");
    assert_string_equal(
        zl_portal_step_label(1, ZL_BIZ_STEP_NONE, ZL_EV_AGGREGATION), "Packed");
    assert_string_equal(
        zl_portal_step_label(0, ZL_BIZ_STEP_OTHER, ZL_EV_OBJECT), "记录");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_utf8_vs_naive),
        cmocka_unit_test(test_escape_encode),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_store_error_mapping),
        cmocka_unit_test(test_qr_svg),
        cmocka_unit_test(test_assets),
        cmocka_unit_test(test_step_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
