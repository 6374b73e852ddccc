/*
 * sampling.c - GB/T 2828.1 single sampling plans (see zhiliang/sampling.h).
 *
 * The tables are read from the CSV the build embedded (data/gbt2828) each
 * time a plan is asked for: four small files (under 10 KB each), scanned
 * line by line without copying, so there is no parsed state to build,
 * share between threads or free. A plan lookup costs a few microseconds,
 * far below anything a user waits for.
 *
 * Arrows are followed letter by letter in the AQL's column (down: next
 * larger letter), exactly as the standard's note tells a reader of the
 * printed table; the test suite checks every cell against the corpus's
 * resolved plans.
 */
#include "zhiliang/sampling.h"

#include "report/svg_chart.h"
#include "util/assert.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Generated from data/gbt2828 by tools/embed_gen.c. */
const unsigned char *sv_gbt2828_table(const char *name, size_t *len);

#define MAX_LETTERS 20

static const char *const LEVEL_NAMES[] = {"S-1", "S-2", "S-3", "S-4",
                                          "I",   "II",  "III"};

const char *zl_sampling_level_name(enum zl_insp_level lv)
{
    return (unsigned)lv < 7 ? LEVEL_NAMES[lv] : NULL;
}

const char *zl_sampling_severity_name(enum zl_severity sev)
{
    switch (sev) {
    case ZL_INSP_NORMAL: return "normal";
    case ZL_INSP_TIGHTENED: return "tightened";
    case ZL_INSP_REDUCED: return "reduced";
    }
    return NULL;
}

int zl_sampling_level_parse(const char *s, enum zl_insp_level *out)
{
    static const char *const alt[] = {"S1", "S2", "S3", "S4"};

    for (int i = 0; i < 7; i++)
        if (!strcasecmp(s, LEVEL_NAMES[i]) ||
            (i < 4 && !strcasecmp(s, alt[i]))) {
            *out = (enum zl_insp_level)i;
            return 0;
        }
    return ZL_EINVAL;
}

/* One CSV line split on commas into at most max fields (no quoting in
 * these files). Fields point into buf, which is modified. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;

    while (n < max) {
        char *c = strchr(line, ',');

        f[n++] = line;
        if (!c)
            break;
        *c = '\0';
        line = c + 1;
    }
    return n;
}

/* Call cb for each data line of an embedded table (header skipped) with
 * its fields; stops when cb returns non-zero and returns that. */
typedef int (*row_cb)(void *ctx, char **f, size_t n);
static int each_row(const char *name, row_cb cb, void *ctx)
{
    size_t len = 0, pos;
    const char *t = (const char *)sv_gbt2828_table(name, &len);
    char line[256];
    int first = 1;

    if (!t)
        return ZL_ENOTFOUND;
    for (pos = 0; pos < len;) {
        const char *nl = memchr(t + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (t + pos)) : len - pos;
        char *f[12];
        size_t nf;
        int rc;

        if (n < sizeof line && !first) {
            memcpy(line, t + pos, n);
            line[n] = '\0';
            if (n && line[n - 1] == '\r')
                line[n - 1] = '\0';
            nf = split(line, f, 12);
            rc = cb(ctx, f, nf);
            if (rc)
                return rc;
        }
        first = 0;
        pos += n + 1;
    }
    return 0;
}

/* ---- Table 1 ------------------------------------------------------------ */

struct t1 {
    uint64_t lot;
    enum zl_insp_level lv;
    char letter;
};

static int t1_cb(void *ctx, char **f, size_t n)
{
    struct t1 *x = ctx;
    uint64_t lo, hi;

    if (n < 9)
        return 0;
    lo = strtoull(f[0], NULL, 10);
    hi = *f[1] ? strtoull(f[1], NULL, 10) : UINT64_MAX;
    if (x->lot < lo || x->lot > hi)
        return 0;
    x->letter = f[2 + x->lv][0];
    return 1;
}

/* ---- Tables 2-A/B/C ----------------------------------------------------- */

struct cell {
    char letter;
    uint32_t row_n;
    char text[16]; /* "2/3", "up", "down", "-" */
};

struct t2 {
    struct cell col[MAX_LETTERS]; /* the AQL's column, letters in order */
    size_t n;
    double want, below, above; /* nearest printed AQLs, for errors */
    char text[8], below_text[8], above_text[8]; /* as printed */
};

static int t2_cb(void *ctx, char **f, size_t n)
{
    struct t2 *x = ctx;
    double a;

    if (n < 4)
        return 0;
    a = strtod(f[2], NULL);
    if (fabs(a - x->want) > 1e-9 * (a > 1 ? a : 1)) {
        if (a < x->want && a > x->below) {
            x->below = a;
            snprintf(x->below_text, sizeof x->below_text, "%s", f[2]);
        }
        if (a > x->want && (x->above == 0 || a < x->above)) {
            x->above = a;
            snprintf(x->above_text, sizeof x->above_text, "%s", f[2]);
        }
        return 0;
    }
    if (x->n == MAX_LETTERS)
        return ZL_ELIMIT;
    snprintf(x->text, sizeof x->text, "%s", f[2]);
    x->col[x->n].letter = f[0][0];
    x->col[x->n].row_n = (uint32_t)strtoul(f[1], NULL, 10);
    snprintf(x->col[x->n].text, sizeof x->col[x->n].text, "%s", f[3]);
    x->n++;
    return 0;
}

static const char *table_name(enum zl_severity sev)
{
    switch (sev) {
    case ZL_INSP_TIGHTENED: return "table2b_tightened.csv";
    case ZL_INSP_REDUCED: return "table2c_reduced.csv";
    default: return "table2a_normal.csv";
    }
}

int zl_sampling_plan(uint64_t lot_size, enum zl_insp_level lv, double aql,
                     enum zl_severity sev, struct zl_sampling_plan *out,
                     struct zl_error *err)
{
    struct t1 one = {lot_size, lv, 0};
    struct t2 two = {0};
    size_t i, at;
    int rc;

    ZL_ASSERT(out, ZL_EINVAL);
    memset(out, 0, sizeof *out);
    if (lot_size < 2)
        return zl_error_set(err, ZL_EINVAL, "lot size",
                            "a lot has at least 2 items (Table 1 starts at 2)",
                            NULL, 0);
    if ((unsigned)lv > ZL_LEVEL_III)
        return zl_error_set(err, ZL_EINVAL, "level", "unknown inspection level",
                            NULL, 0);
    rc = each_row("table1_code_letters.csv", t1_cb, &one);
    if (rc != 1 || !one.letter)
        return zl_error_set(err, ZL_ENOTFOUND, "lot size",
                            "no code letter in Table 1", NULL, 0);
    two.want = aql;
    rc = each_row(table_name(sev), t2_cb, &two);
    if (rc < 0)
        return zl_error_set(err, rc, NULL, "sampling table unreadable", NULL,
                            0);
    if (!two.n)
        return zl_error_setf(err, ZL_EINVAL, "aql", NULL,
                             "not an AQL of the tables (0.010 to 1000); "
                             "nearest: %s and %s",
                             two.below ? two.below_text : "-",
                             two.above ? two.above_text : "-");
    for (at = 0; at < two.n && two.col[at].letter != one.letter; at++)
        ;
    if (at == two.n)
        return zl_error_set(err, ZL_ENOTFOUND, "code letter",
                            "letter not in the table", &one.letter, 1);
    /* Follow the arrows letter by letter in this AQL's column. */
    i = at;
    while (!strcmp(two.col[i].text, "down") || !strcmp(two.col[i].text, "up")) {
        if (two.col[i].text[0] == 'd') {
            if (i + 1 == two.n)
                break;
            i++;
        } else {
            if (i == 0)
                break;
            i--;
        }
    }
    if (!strchr(two.col[i].text, '/'))
        return zl_error_setf(err, ZL_ENOTFOUND, "aql", NULL,
                             "GB/T 2828.1 gives no %s plan for code letter %c "
                             "at this AQL",
                             zl_sampling_severity_name(sev), one.letter);
    out->code_letter = one.letter;
    out->plan_letter = two.col[i].letter;
    out->aql = aql;
    memcpy(out->aql_text, two.text, sizeof out->aql_text);
    out->severity = sev;
    out->n = two.col[i].row_n;
    out->ac = (uint32_t)strtoul(two.col[i].text, NULL, 10);
    out->re = (uint32_t)strtoul(strchr(two.col[i].text, '/') + 1, NULL, 10);
    if ((uint64_t)out->n >= lot_size) {
        out->hundred_percent = 1;
        out->n = (uint32_t)lot_size;
    }
    return 0;
}

/* ---- operating characteristic ------------------------------------------ */

double zl_sampling_pa(const struct zl_sampling_plan *p, double q, int poisson)
{
    double sum = 0, term;
    uint32_t d;

    if (q <= 0)
        return 1;
    if (poisson) {
        double mu = p->n * q / 100.0;

        term = exp(-mu);
        for (d = 0; d <= p->ac; d++) {
            sum += term;
            term *= mu / (d + 1);
        }
        return sum > 1 ? 1 : sum;
    }
    if (q >= 100)
        return p->ac >= p->n ? 1 : 0;
    /* Binomial terms in logs: n up to 3,150 makes plain powers underflow. */
    {
        double pr = q / 100.0, lp = log(pr), lq = log1p(-pr);

        for (d = 0; d <= p->ac && d <= p->n; d++)
            sum += exp(lgamma(p->n + 1.0) - lgamma(d + 1.0) -
                       lgamma(p->n - d + 1.0) + d * lp + (p->n - d) * lq);
    }
    return sum > 1 ? 1 : sum;
}

double zl_sampling_quality_at(const struct zl_sampling_plan *p, double pa,
                              int poisson)
{
    double lo = 0, hi = 100;

    if (poisson) /* Pa falls below any pa well before mu = n * hi / 100 */
        while (zl_sampling_pa(p, hi, 1) > pa && hi < 1e9)
            hi *= 2;
    while (hi - lo > 1e-9) {
        double mid = (lo + hi) / 2;

        if (zl_sampling_pa(p, mid, poisson) > pa)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

#define OC_POINTS 101

int zl_sampling_oc_svg(const struct zl_sampling_plan *p, int poisson,
                       char **svg, size_t *len)
{
    double x[OC_POINTS], y[OC_POINTS], qmax;
    char title[160];
    struct zl_svg_series curve = {NULL, x, y, OC_POINTS, "#1f6feb", 0};
    struct zl_svg_rule aql = {1, p->aql, "AQL", "#c00"};
    struct zl_svg_chart c = {0};
    struct zl_buf b;
    int rc;

    qmax = zl_sampling_quality_at(p, 0.01, poisson);
    if (qmax < p->aql * 1.2)
        qmax = p->aql * 1.2;
    for (int i = 0; i < OC_POINTS; i++) {
        x[i] = qmax * i / (OC_POINTS - 1);
        y[i] = zl_sampling_pa(p, x[i], poisson);
    }
    snprintf(title, sizeof title,
             "OC 曲线 / OC curve: n = %u, Ac = %u, Re = %u (%s, %c, AQL %s)",
             p->n, p->ac, p->re, zl_sampling_severity_name(p->severity),
             p->plan_letter, p->aql_text);
    c.title = title;
    c.x_label = poisson ? "每百单位不合格数 / nonconformities per 100 units"
                        : "不合格品百分数 / percent nonconforming";
    c.y_label = "接收概率 Pa / probability of acceptance";
    c.x_max = qmax;
    c.y_max = 1;
    c.series = &curve;
    c.n_series = 1;
    c.rules = &aql;
    c.n_rules = p->aql <= qmax ? 1 : 0;
    zl_buf_init(&b, (size_t)1 << 20);
    rc = zl_svg_chart(&b, &c);
    if (rc) {
        zl_buf_cleanup(&b);
        return rc;
    }
    *len = b.len;
    *svg = zl_buf_steal(&b);
    return *svg ? 0 : ZL_ENOMEM;
}
