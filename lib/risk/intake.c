/*
 * intake.c - risk reports (zhiliang/risk_intake.h): consumer complaints,
 * injury reports and mandatory incident reports, checked field by field,
 * logged and stored; their personal data sealed apart (pii.c).
 *
 * One validator per kind over the same common fields, each error reported
 * with its field, value and reason, and nothing written unless there is
 * none: a hospital that gets "injury.cause: 跌到 is not in the list"
 * fixes the card and sends it again. The accepted report is rebuilt as a
 * public record holding only known fields (the GS1 code canonical, the
 * injury fields as codes of data/injury), logged as a ZL_LEAF_COMPLAINT
 * leaf "risk:<id>" and stored with the few columns counts are made by.
 *
 * The incident deadline is a clock of the supervision module: the rule
 * (days, unit, source) is a struct zl_clock_rule, computed by
 * zl_clock_compute over the working-day calendar, so holidays and make-up
 * days count exactly as for spot checks. zl_clock_compute knows only its
 * own steps; the rule is put in the PUBLISH slot of a private copy of the
 * configuration (a working-day step whose semantics, a deadline counted
 * from a start day with no window, are the same).
 *
 * Default deadline: 2 working days from discovery. Source: 广东省消费品
 * 召回管理办法 (粤府令第308号, 2023), as reported by 南方+ (URL_GD; the
 * quotation is the report's wording, the article itself was not read):
 * a producer or other operator who finds that a consumer product it made
 * or sold has caused or may cause death, serious injury or major property
 * loss reports within 2 working days of discovery. The national 消费品召回
 * 管理暂行规定 (市场监管总局令第19号, in force 2020-01-01) was found, but
 * not the text of its reporting article; docs/risk-intake.md says so.
 *
 * Rejected: personal fields in the record with a flag "do not publish"
 * (the log keeps every record for ever; a flag cannot be taken back).
 */
#include "zhiliang/risk_intake.h"
#include "zhiliang/risk_dispose.h"
#include "zhiliang/risk_handle.h"

#include "audit/logged_rows.h"
#include "party/party_int.h"
#include "risk/field_check.h"
#include "risk/intake_int.h"
#include "store/store.h"
#include "store/store_risk.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/buf.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_MAX ((size_t)64 << 10)
#define DESC_MAX   2000

const unsigned char *rk_injury_table(const char *name, size_t *len);

#define URL_GD "http://www.bbjpxb.cn/zzzq/zcjd/content/post_4323330.html"

void zl_risk_incident_rule_default(struct zl_clock_rule *r)
{
    memset(r, 0, sizeof *r);
    r->days = 2;
    r->unit = ZL_CLOCK_WORKING_DAYS;
    r->roll = 0;
    snprintf(r->source, sizeof r->source, "%s",
             "广东省消费品召回管理办法（粤府令第308号）");
    snprintf(r->url, sizeof r->url, "%s", URL_GD);
    snprintf(
        r->quote, sizeof r->quote, "%s",
        "生产者、其他经营者发现其生产经营的消费品已经造成或者可能造成人员死亡"
        "、严重人身伤害、重大财产损失的……应当自发现之日起2个工作日内向所在地"
        "地级以上市人民政府市场监督管理部门报告");
    snprintf(r->starts_at, sizeof r->starts_at, "%s",
             "the day the enterprise discovered it (发现之日)");
}

const char *zl_risk_code_list(const char *name, size_t *len)
{
    char file[48];
    size_t n = 0;
    const char *t;

    if (strlen(name) > 32 || strchr(name, '/'))
        return NULL;
    snprintf(file, sizeof file, "%s.csv", name);
    t = (const char *)rk_injury_table(file, &n);
    if (len)
        *len = t ? n : 0;
    return t;
}

static const char *const KINDS[] = {"complaint", "injury", "incident"};
static const char PREFIX[] = {'C', 'I', 'M'};

const char *zl_risk_kind_name(enum zl_risk_kind k)
{
    return (unsigned)k < 3 ? KINDS[k] : "?";
}

int zl_risk_kind_parse(const char *s, enum zl_risk_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, KINDS[i])) {
            *k = (enum zl_risk_kind)i;
            return 0;
        }
    return ZL_EINVAL;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int zl_risk_key_parse(const char *text, size_t len,
                      uint8_t key[ZL_RISK_KEY_LEN])
{
    size_t i = 0, n = 0;

    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' ||
                       text[i] == '\t'))
        i++;
    for (; n < ZL_RISK_KEY_LEN; n++, i += 2) {
        int h, l;

        if (i + 1 >= len || (h = hexval(text[i])) < 0 ||
            (l = hexval(text[i + 1])) < 0)
            return ZL_EINVAL;
        key[n] = (uint8_t)(h << 4 | l);
    }
    for (; i < len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' &&
            text[i] != '\t')
            return ZL_EINVAL;
    return 0;
}

/* ---- field errors ------------------------------------------------------- */

/* The value of a JSON scalar as text, for error messages. */
static const char *shown(json_t *v, size_t *len, char tmp[64])
{
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v))
        snprintf(tmp, 64, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(tmp, 64, "%g", json_real_value(v));
    else
        snprintf(tmp, 64, "%s",
                 json_is_object(v)  ? "{...}"
                 : json_is_array(v) ? "[...]"
                 : json_is_null(v)  ? "null"
                 : json_is_true(v)  ? "true"
                                    : "false");
    *len = strlen(tmp);
    return tmp;
}

static int has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return 1;
    return 0;
}

/* A string field of at most max characters: its value or NULL (absent, or
 * an error reported). */
static const char *text_field(struct rk_check *c, json_t *o, const char *key,
                              const char *field, size_t max, int required)
{
    json_t *v = json_object_get(o, key);
    char tmp[64];
    size_t n;
    const char *s;

    if (!v || json_is_null(v)) {
        if (required)
            rk_bad_n(c, field, "", 0, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        s = shown(v, &n, tmp);
        rk_bad_n(c, field, s, n, "must be a string");
        return NULL;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (!n || strspn(s, " \t\n") == n) {
        if (required)
            rk_bad_n(c, field, s, n, "is required (empty)");
        return NULL;
    }
    if (rk_chars(s, n) > max || has_control(s, n)) {
        char why[80];

        snprintf(why, sizeof why,
                 "must be at most %zu characters, without control characters",
                 max);
        rk_bad_n(c, field, s, n, why);
        return NULL;
    }
    return s;
}

/* Unknown keys of o are errors (a misspelt field must not vanish). */
static void only_known(struct rk_check *c, json_t *o, const char *prefix,
                       const char *const *known)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        int ok = 0;
        char field[96];

        for (size_t i = 0; known[i]; i++)
            ok |= !strcmp(k, known[i]);
        if (!ok) {
            snprintf(field, sizeof field, "%s%s", prefix, k);
            rk_bad_n(c, field, k, strlen(k), "is not a field of this report");
        }
    }
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* A date field "YYYY-MM-DD": 0 and *day, or -1 (reported or absent). */
static int date_field(struct rk_check *c, json_t *o, const char *key,
                      const char *field, int required, int32_t today,
                      int32_t *day)
{
    const char *s = text_field(c, o, key, field, 10, required);

    if (!s)
        return -1;
    if (zl_day_parse(s, strlen(s), day)) {
        rk_bad_n(c, field, s, strlen(s), "must be a date YYYY-MM-DD");
        return -1;
    }
    if (*day > today) {
        rk_bad_n(c, field, s, strlen(s), "is in the future");
        return -1;
    }
    return 0;
}

/* A code of data/injury/<list>.csv given by its code or Chinese label:
 * the code into *code (static bytes) or an error. */
static int code_field(struct rk_check *c, json_t *o, const char *key,
                      const char *list, const char **code, size_t *code_len)
{
    char field[64], file[48], why[160];
    const char *v, *t, *end, *line;
    size_t len, vn;

    snprintf(field, sizeof field, "injury.%s", key);
    if (!(v = text_field(c, o, key, field, 40, 1)))
        return -1;
    vn = strlen(v);
    snprintf(file, sizeof file, "%s.csv", list);
    if (!(t = (const char *)rk_injury_table(file, &len)))
        return -1;
    end = t + len;
    line = memchr(t, '\n', len);
    while (line && line + 1 < end) {
        const char *p = line + 1, *c1, *c2, *nl;

        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        c1 = memchr(p, ',', (size_t)(nl - p));
        c2 = c1 ? memchr(c1 + 1, ',', (size_t)(nl - c1 - 1)) : NULL;
        if (c1 && c2 &&
            (((size_t)(c1 - p) == vn && !memcmp(p, v, vn)) ||
             ((size_t)(c2 - c1 - 1) == vn && !memcmp(c1 + 1, v, vn)))) {
            *code = p;
            *code_len = (size_t)(c1 - p);
            return 0;
        }
        line = nl < end ? nl : NULL;
    }
    snprintf(why, sizeof why,
             "is not a code or Chinese label of data/injury/%s (zhiliang "
             "risk codes %s lists them)",
             file, list);
    rk_bad_n(c, field, v, vn, why);
    return -1;
}

/* GB 11643-1999 citizen ID number: 17 digits and a check character. */
static int id_number_ok(const char *s, size_t n)
{
    static const int W[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
    static const char C[] = "10X98765432";
    int sum = 0;

    if (n != 18 || !all_digits(s, 17))
        return 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * W[i];
    return (s[17] == 'x' ? 'X' : s[17]) == C[sum % 11];
}

static int phone_ok(const char *s, size_t n)
{
    size_t digits = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (!(s[i] == '+' && i == 0) && s[i] != '-' && s[i] != ' ')
            return 0;
    }
    return digits >= 5 && digits <= 15;
}

/* ---- the record --------------------------------------------------------- */

struct intake {
    struct rk_check c;
    json_t *in, *rec, *pii;
    int32_t today;
    char gs1_dl[256], gtin[15], lot[96], serial[96];
    const char *enterprise, *category, *region;
    char day[11];
};

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static void common_fields(struct intake *x, enum zl_risk_kind k)
{
    struct rk_check *c = &x->c;
    json_t *in = x->in, *v, *prod;
    int32_t day;
    const char *s;

    if (!date_field(c, in, "occurred", "occurred", 1, x->today, &day)) {
        zl_day_format(day, x->day);
        set_str(x->rec, "occurred", x->day);
    }
    if ((s = text_field(c, in, "region", "region", 6, 0))) {
        size_t n = strlen(s);

        if (!all_digits(s, n) || (n != 2 && n != 4 && n != 6))
            rk_bad_n(c, "region", s, n,
                     "must be a GB/T 2260 division code of 2, 4 or 6 digits");
        else
            set_str(x->rec, "region", x->region = s);
    }
    if ((s = text_field(c, in, "category", "category", 64, 0)))
        set_str(x->rec, "category", x->category = s);
    if ((s = text_field(c, in, "enterprise", "enterprise", 18,
                        k == ZL_RISK_INCIDENT))) {
        if (zl_uscc_validate(s, strlen(s), NULL))
            rk_bad_n(c, "enterprise", s, strlen(s),
                     "must be a unified social credit code (GB 32100) with its "
                     "check character");
        else
            set_str(x->rec, "enterprise", x->enterprise = s);
    }
    if ((s = text_field(c, in, "description", "description", DESC_MAX,
                        k == ZL_RISK_COMPLAINT)))
        set_str(x->rec, "description", s);
    prod = json_object();
    if ((s = text_field(c, in, "gs1", "gs1", 200, 0))) {
        struct zl_gs1_id id;
        struct zl_error e = {0};

        if (zl_gs1_parse(s, strlen(s), &id, &e) < 0 ||
            zl_gs1_to_dl(&id, 0, x->gs1_dl, sizeof x->gs1_dl) < 0) {
            char why[300];

            snprintf(why, sizeof why,
                     "is not a GS1 code zhiliang id reads (%s)",
                     e.rule[0] ? e.rule : "unrecognised form");
            rk_bad_n(c, "gs1", s, strlen(s), why);
        } else {
            for (size_t i = 0; i < id.n_ais; i++) {
                const char *a = id.ais[i].ai, *val = id.ais[i].value;

                if (!strcmp(a, "01"))
                    snprintf(x->gtin, sizeof x->gtin, "%s", val);
                else if (!strcmp(a, "10"))
                    snprintf(x->lot, sizeof x->lot, "%s", val);
                else if (!strcmp(a, "21"))
                    snprintf(x->serial, sizeof x->serial, "%s", val);
            }
            set_str(prod, "gs1", x->gs1_dl);
            if (x->gtin[0])
                set_str(prod, "gtin", x->gtin);
            if (x->lot[0])
                set_str(prod, "lot", x->lot);
            if (x->serial[0])
                set_str(prod, "serial", x->serial);
        }
    }
    if ((v = json_object_get(in, "product")) && !json_is_null(v)) {
        static const char *const KNOWN[] = {"name", "brand", "model", NULL};

        if (!json_is_object(v)) {
            rk_bad_n(c, "product", "", 0, "must be an object");
        } else {
            only_known(c, v, "product.", KNOWN);
            for (int i = 0; KNOWN[i]; i++) {
                char f[32];

                snprintf(f, sizeof f, "product.%s", KNOWN[i]);
                set_str(prod, KNOWN[i], text_field(c, v, KNOWN[i], f, 100, 0));
            }
        }
    }
    if (json_object_size(prod))
        json_object_set(x->rec, "product", prod);
    json_decref(prod);
    if ((v = json_object_get(in, "personal")) && !json_is_null(v)) {
        static const char *const KNOWN[] = {"name", "phone", "id_number",
                                            "address", NULL};
        const char *name, *phone, *idn, *addr;

        if (!json_is_object(v)) {
            rk_bad_n(c, "personal", "", 0, "must be an object");
            return;
        }
        only_known(c, v, "personal.", KNOWN);
        name = text_field(c, v, "name", "personal.name", 64, 0);
        phone = text_field(c, v, "phone", "personal.phone", 24, 0);
        idn = text_field(c, v, "id_number", "personal.id_number", 18, 0);
        addr = text_field(c, v, "address", "personal.address", 200, 0);
        if (phone && !phone_ok(phone, strlen(phone)))
            rk_bad_n(c, "personal.phone", phone, strlen(phone),
                     "must be 5 to 15 digits (a leading +, spaces and hyphens "
                     "allowed)");
        if (idn && !id_number_ok(idn, strlen(idn)))
            rk_bad_n(
                c, "personal.id_number", idn, strlen(idn),
                "must be an 18-character ID number (GB 11643) with its check "
                "character");
        x->pii = json_object();
        set_str(x->pii, "name", name);
        set_str(x->pii, "phone", phone);
        set_str(x->pii, "id_number", idn);
        set_str(x->pii, "address", addr);
        if (!json_object_size(x->pii)) {
            json_decref(x->pii);
            x->pii = NULL;
        }
    }
}

static void injury_fields(struct intake *x)
{
    static const char *const KNOWN[] = {
        "sex",    "age",    "occupation", "cause",    "place",   "activity",
        "intent", "nature", "body_part",  "severity", "outcome", NULL};
    static const char *const CODED[] = {
        "sex",    "cause",     "place",    "activity", "intent",
        "nature", "body_part", "severity", "outcome",  NULL};
    struct rk_check *c = &x->c;
    json_t *in = json_object_get(x->in, "injury"), *out, *age;
    const char *s;

    if (!in || !json_is_object(in)) {
        rk_bad_n(
            c, "injury", "", 0,
            "is required: an object with the injury card's fields (sex, age, "
            "cause, place, activity, intent, nature, body_part, severity, "
            "outcome)");
        return;
    }
    only_known(c, in, "injury.", KNOWN);
    out = json_object();
    for (int i = 0; CODED[i]; i++) {
        const char *code;
        size_t n;

        if (!code_field(c, in, CODED[i], CODED[i], &code, &n))
            json_object_set_new(out, CODED[i], json_stringn(code, n));
    }
    age = json_object_get(in, "age");
    if (!age) {
        rk_bad_n(c, "injury.age", "", 0, "is required (whole years)");
    } else if (!json_is_integer(age) || json_integer_value(age) < 0 ||
               json_integer_value(age) > 150) {
        char tmp[64];
        size_t n;
        const char *v = shown(age, &n, tmp);

        rk_bad_n(c, "injury.age", v, n, "must be whole years from 0 to 150");
    } else {
        json_object_set(out, "age", age);
    }
    if ((s = text_field(c, in, "occupation", "injury.occupation", 40, 0)))
        set_str(out, "occupation", s);
    json_object_set_new(x->rec, "injury", out);
    if ((s = text_field(c, x->in, "hospital", "hospital", 100, 1)))
        set_str(x->rec, "hospital", s);
}

static int count_field(struct rk_check *c, json_t *o, const char *key,
                       const char *field, json_t *out)
{
    json_t *v = json_object_get(o, key);
    char tmp[64];
    size_t n;
    const char *s;

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 1000000) {
        s = shown(v, &n, tmp);
        rk_bad_n(c, field, s, n, "must be a whole number from 0");
        return -1;
    }
    json_object_set(out, key, v);
    return 0;
}

static void incident_fields(struct intake *x,
                            const struct zl_risk_intake_opts *o, int64_t now_ms)
{
    struct rk_check *c = &x->c;
    json_t *inc = json_object();
    int32_t disc, occurred;
    struct zl_clock_config cfg;
    struct zl_clock clk;
    zl_calendar *own = NULL;
    const zl_calendar *cal = o ? o->cal : NULL;
    struct zl_error e = {0};
    char d[11];

    count_field(c, x->in, "deaths", "deaths", inc);
    count_field(c, x->in, "injured", "injured", inc);
    if (date_field(c, x->in, "discovered", "discovered", 1, x->today, &disc))
        goto out;
    if (x->day[0] && !zl_day_parse(x->day, 10, &occurred) && disc < occurred) {
        zl_day_format(disc, d);
        rk_bad_n(c, "discovered", d, 10, "is before the day it occurred");
        goto out;
    }
    if (c->n)
        goto out;
    zl_clock_defaults(&cfg);
    if (o && o->incident_rule)
        cfg.rule[ZL_STEP_PUBLISH] = *o->incident_rule;
    else
        zl_risk_incident_rule_default(&cfg.rule[ZL_STEP_PUBLISH]);
    cfg.rule[ZL_STEP_PUBLISH].not_before = 0;
    if (!cal) {
        if (zl_calendar_new(&own, &e))
            goto out;
        zl_calendar_set_fallback(own, 1);
        cal = own;
    }
    if (zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH, disc,
                         (int32_t)(now_ms / 86400000), &clk, &e)) {
        rk_bad_n(c, "discovered", e.value, strlen(e.value),
                 "the deadline cannot be computed (no calendar for that year)");
        goto out;
    }
    zl_day_format(disc, d);
    set_str(inc, "discovered", d);
    if (clk.has_deadline) {
        zl_day_format(clk.deadline, d);
        set_str(inc, "deadline", d);
        json_object_set_new(inc, "late", json_boolean(clk.overdue));
        if (clk.guessed)
            json_object_set_new(inc, "deadlineGuessed", json_true());
    }
    set_str(inc, "rule", cfg.rule[ZL_STEP_PUBLISH].source);
out:
    zl_calendar_free(own);
    json_object_set_new(x->rec, "incident", inc);
}

/* The id: kind letter, received day, 12 random hex digits. 8 digits
 * (32 bits) were not enough: among 66,000 reports stored at once two drew
 * the same id with probability about 0.4 (bench_risk_fa hit it), and the
 * second report was refused; 48 bits make that 1 in 10^5 at 10^5
 * reports a day. */
static int make_id(enum zl_risk_kind k, int64_t now_ms, char id[ZL_RISK_ID_MAX])
{
    uint8_t r[6];
    char d[11];
    int rc = rk_random(r, sizeof r);

    if (rc)
        return rc;
    zl_day_format((int32_t)(now_ms / 86400000), d);
    snprintf(id, ZL_RISK_ID_MAX, "%c-%.4s%.2s%.2s-%02x%02x%02x%02x%02x%02x",
             PREFIX[k], d, d + 5, d + 8, r[0], r[1], r[2], r[3], r[4], r[5]);
    return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char H[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = H[b[i] >> 4];
        out[2 * i + 1] = H[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Check the report into x (x->rec holds the checked fields after): 0, or
 * ZL_EINVAL (or the callback's value) with every error reported. */
static int validate(struct intake *x, enum zl_risk_kind k, const char *json,
                    size_t len, const struct zl_risk_intake_opts *o,
                    int64_t now_ms)
{
    static const char *const COMMON[] = {
        "occurred",   "region",      "category", "enterprise", "gs1",
        "product",    "description", "personal", "hospital",   "injury",
        "discovered", "deaths",      "injured",  NULL};
    json_error_t je;

    /* report dates are civil dates in China (UTC+8): "today" is China's,
     * so a report made after 16:00 UTC may carry the Chinese date */
    x->today = (int32_t)((now_ms + 8 * 3600000) / 86400000);
    if ((unsigned)k > ZL_RISK_INCIDENT)
        return zl_error_set(x->c.err, ZL_EINVAL, "kind", "unknown report kind",
                            NULL, 0);
    x->in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!x->in || !json_is_object(x->in)) {
        char why[240];

        snprintf(why, sizeof why, "must be one JSON object (%s)",
                 x->in ? "not an object" : je.text);
        rk_bad_n(&x->c, "$", "", 0, why);
        return x->c.cb_rc ? x->c.cb_rc : ZL_EINVAL;
    }
    x->rec = json_object();
    only_known(&x->c, x->in, "", COMMON);
    if (k != ZL_RISK_INJURY) {
        if (json_object_get(x->in, "injury"))
            rk_bad_n(&x->c, "injury", "", 0, "belongs to injury reports only");
        if (json_object_get(x->in, "hospital"))
            rk_bad_n(&x->c, "hospital", "", 0,
                     "belongs to injury reports only");
    }
    if (k != ZL_RISK_INCIDENT) {
        static const char *const INC[] = {"discovered", "deaths", "injured"};

        for (int i = 0; i < 3; i++)
            if (json_object_get(x->in, INC[i]))
                rk_bad_n(&x->c, INC[i], "", 0,
                         "belongs to incident reports only");
    }
    common_fields(x, k);
    if (k == ZL_RISK_INJURY)
        injury_fields(x);
    if (k == ZL_RISK_INCIDENT)
        incident_fields(x, o, now_ms);
    if (x->pii && !(o && o->key))
        rk_bad_n(&x->c, "personal", "", 0,
                 "cannot be stored: the server has no personal-data key "
                 "(--pii-key or ZHILIANG_PII_KEY)");
    if (x->c.n)
        return x->c.cb_rc ? x->c.cb_rc : ZL_EINVAL;
    return 0;
}

int zl_risk_check(enum zl_risk_kind k, const char *json, size_t len,
                  const struct zl_risk_intake_opts *o, zl_risk_error_cb cb,
                  void *ctx, struct zl_error *err)
{
    struct intake x;
    int rc;

    memset(&x, 0, sizeof x);
    x.c.cb = cb;
    x.c.ctx = ctx;
    x.c.err = err;
    rc = validate(&x, k, json, len, o,
                  o && o->now_ms ? o->now_ms : zl_time_now_ms());
    json_decref(x.in);
    json_decref(x.rec);
    json_decref(x.pii);
    return rc;
}

int zl_risk_submit(zl_store *s, enum zl_risk_kind k, const char *json,
                   size_t len, const struct zl_risk_intake_opts *o,
                   char id[ZL_RISK_ID_MAX], zl_risk_error_cb cb, void *ctx,
                   struct zl_error *err)
{
    struct intake x;
    struct zl_buf rec, pcanon;
    struct zl_store_risk_report row = {0};
    struct zl_store_risk_pii prow = {0};
    uint8_t salt[PII_SALT_LEN], nonce[PII_NONCE_LEN], commit[32], *blob = NULL;
    char lkey[ZL_RISK_ID_MAX + 8], when[32], chex[65], kid[17] = "";
    int64_t now_ms = o && o->now_ms ? o->now_ms : zl_time_now_ms();
    uint64_t idx = 0;
    int rc = 0, own = 0;

    memset(&x, 0, sizeof x);
    x.c.cb = cb;
    x.c.ctx = ctx;
    x.c.err = err;
    id[0] = '\0';
    zl_buf_init(&rec, RECORD_MAX);
    zl_buf_init(&pcanon, RECORD_MAX);
    if ((rc = validate(&x, k, json, len, o, now_ms)))
        goto out;
    if ((rc = make_id(k, now_ms, id)))
        goto out;
    zl_time_format_utc(now_ms, when);
    set_str(x.rec, "type", "risk-report");
    json_object_set_new(x.rec, "v", json_integer(1));
    set_str(x.rec, "id", id);
    set_str(x.rec, "kind", KINDS[k]);
    set_str(x.rec, "received", when);
    if (o && o->submitter)
        set_str(x.rec, "submitter", o->submitter);
    if (k == ZL_RISK_COMPLAINT)
        json_object_set_new(x.rec, "reviewed", json_false());
    if (x.pii) {
        json_t *p = json_object(), *fields = json_array();
        const char *pk;
        json_t *pv;

        if ((rc = zl_jcs_dump(x.pii, &pcanon)))
            goto out;
        if (!(blob = zl_malloc(pcanon.len + PII_TAG_LEN))) {
            rc = ZL_ENOMEM;
            json_decref(p);
            json_decref(fields);
            goto out;
        }
        if ((rc = rk_pii_seal(o->key, id, (const char *)pcanon.data, pcanon.len,
                              salt, nonce, blob, commit))) {
            json_decref(p);
            json_decref(fields);
            goto out;
        }
        hex(commit, 32, chex);
        json_object_foreach(x.pii, pk, pv)
            json_array_append_new(fields, json_string(pk));
        set_str(p, "commitment", chex);
        json_object_set_new(p, "fields", fields);
        json_object_set_new(x.rec, "personal", p);
    }
    if ((rc = zl_jcs_dump(x.rec, &rec)) || (rc = zl_buf_addc(&rec, '\0')))
        goto out;
    rec.len--;
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    if (x.pii) {
        zl_risk_key_id(o->key, kid);
        if ((rc = zl_risk_key_usable(s, o->key)) ||
            (rc = zl_store_risk_key_put(s, kid, now_ms, 0, -1))) {
            if (rc == ZL_EPERM)
                zl_error_set(err, rc, "personal",
                             "cannot be stored: the personal-data key has "
                             "been retired by `zhiliang risk rekey`; the "
                             "server must use the new key",
                             kid, (size_t)-1);
            rc = zl_registry_tx_end(s, own, rc);
            goto out;
        }
    }
    snprintf(lkey, sizeof lkey, "risk:%s", id);
    rc = zl_log_append(s, ZL_LEAF_COMPLAINT, lkey, rec.data, rec.len, &idx);
    if (!rc) {
        char lotkey[128];

        row.id = id;
        row.kind = KINDS[k];
        row.received_ms = now_ms;
        row.leaf = (int64_t)idx;
        row.day = x.day;
        row.gtin = x.gtin;
        snprintf(lotkey, sizeof lotkey, "%s%s%s", x.gtin, x.lot[0] ? "/" : "",
                 x.lot[0] ? x.lot : "");
        row.lot = x.lot[0] ? lotkey : "";
        row.enterprise = x.enterprise ? x.enterprise : "";
        row.category = x.category ? x.category : "";
        row.region = x.region ? x.region : "";
        row.json = (const char *)rec.data;
        row.len = rec.len;
        if (x.pii) {
            prow.id = id;
            prow.salt = salt;
            prow.salt_len = sizeof salt;
            prow.nonce = nonce;
            prow.nonce_len = sizeof nonce;
            prow.blob = blob;
            prow.blob_len = pcanon.len + PII_TAG_LEN;
            prow.key_id = kid;
        }
        rc = zl_store_risk_put(s, &row, x.pii ? &prow : NULL);
    }
    if (!rc)
        rc = zl_store_outbox_append(s, "risk", id, now_ms);
    rc = zl_registry_tx_end(s, own, rc);
    if (rc && rc != ZL_EPERM)
        zl_error_set(err, rc, "", "the report could not be stored",
                     zl_strerror(rc), (size_t)-1);
out:
    if (rc)
        id[0] = '\0';
    if (pcanon.data)
        memset(pcanon.data, 0, pcanon.len);
    zl_buf_cleanup(&pcanon);
    zl_buf_cleanup(&rec);
    zl_free(blob);
    json_decref(x.in);
    json_decref(x.rec);
    json_decref(x.pii);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

struct copy {
    char *json;
    size_t len;
    int64_t leaf;
};

static int copy_cb(void *ctx, const struct zl_store_risk_report *r)
{
    struct copy *c = ctx;

    c->leaf = r->leaf;
    c->len = r->len;
    return (c->json = zl_strndup(r->json, r->len)) ? 0 : ZL_ENOMEM;
}

int zl_risk_report_get(zl_store *s, const char *id, char **json, size_t *len)
{
    struct copy c = {0};
    int rc = zl_store_risk_get(s, id, copy_cb, &c);

    *json = rc ? NULL : c.json;
    *len = rc ? 0 : c.len;
    if (rc)
        zl_free(c.json);
    return rc;
}

struct lister {
    zl_risk_report_cb cb;
    void *ctx;
};

static int list_cb(void *ctx, const struct zl_store_risk_report *r)
{
    struct lister *l = ctx;
    struct zl_risk_report_row row = {
        r->id,       r->kind,   r->day,         r->gtin, r->lot,  r->enterprise,
        r->category, r->region, r->received_ms, r->leaf, r->json, r->len};

    return l->cb(l->ctx, &row);
}

int zl_risk_report_list(zl_store *s, int k, zl_risk_report_cb cb, void *ctx)
{
    struct lister l = {cb, ctx};

    if (k > ZL_RISK_INCIDENT)
        return ZL_EINVAL;
    return zl_store_risk_list(s, k < 0 ? NULL : KINDS[k], list_cb, &l);
}

int zl_risk_may_reveal(zl_store *s, const char *party_id)
{
    struct zl_authz_party me;
    int rc;

    if (!party_id || !*party_id)
        return ZL_EPERM;
    if ((rc = zl_authz_party(s, party_id, &me, NULL)))
        return rc;
    return me.kind == ZL_PARTY_REGULATOR ? 0 : ZL_EPERM;
}

struct reveal {
    const uint8_t *key;
    char *out;
    size_t len;
    uint8_t commit[32];
};

static int reveal_cb(void *ctx, const struct zl_store_risk_pii *p)
{
    struct reveal *r = ctx;
    int rc;

    char kid[17];

    if (p->blob_len < PII_TAG_LEN)
        return ZL_EVERIFY;
    zl_risk_key_id(r->key, kid);
    if (p->key_id && p->key_id[0] && strcmp(p->key_id, kid))
        return ZL_EVERIFY; /* sealed under another key */
    if (!(r->out = zl_malloc(p->blob_len - PII_TAG_LEN + 1)))
        return ZL_ENOMEM;
    r->len = p->blob_len - PII_TAG_LEN;
    rc = rk_pii_open(r->key, p->id, p->nonce, p->nonce_len, p->blob,
                     p->blob_len, (uint8_t *)r->out);
    r->out[r->len] = '\0';
    if (!rc)
        rc = rk_pii_commit(p->salt, p->salt_len, r->out, r->len, r->commit);
    return rc;
}

int zl_risk_pii_reveal(zl_store *s, const char *id, const uint8_t *key,
                       char **json, size_t *len)
{
    struct reveal r = {key, NULL, 0, {0}};
    char *rec = NULL, chex[65];
    size_t rlen;
    json_t *o = NULL;
    const char *want;
    int rc;

    *json = NULL;
    *len = 0;
    if (!key)
        return ZL_EPERM;
    if ((rc = zl_risk_key_usable(s, key)))
        return rc; /* retired: rotated away from */
    if ((rc = zl_risk_report_get(s, id, &rec, &rlen)))
        return rc;
    if ((rc = zl_store_risk_pii_get(s, id, reveal_cb, &r)))
        goto out;
    o = json_loadb(rec, rlen, 0, NULL);
    want = json_string_value(
        json_object_get(json_object_get(o, "personal"), "commitment"));
    hex(r.commit, 32, chex);
    if (!want || strcmp(want, chex)) {
        rc = ZL_EVERIFY; /* data or record edited since intake */
        goto out;
    }
    *json = r.out;
    *len = r.len;
    r.out = NULL;
out:
    if (r.out) {
        memset(r.out, 0, r.len);
        zl_free(r.out);
    }
    json_decref(o);
    zl_free(rec);
    return rc;
}

/* ---- verify ------------------------------------------------------------- */

struct step_copy {
    int64_t seq;
    char *json;
    size_t len;
    int found;
};

static int step_copy_cb(void *ctx, const struct zl_store_risk_step *st)
{
    struct step_copy *c = ctx;

    if (st->seq != c->seq || c->found)
        return 0;
    c->found = 1;
    c->len = st->len;
    return (c->json = zl_strndup(st->json, st->len)) ? 0 : ZL_ENOMEM;
}

int rk_step_canon(zl_store *s, const char *ref, rk_step_list_fn list,
                  size_t max, char **canon, size_t *len)
{
    struct step_copy c = {0};
    char
        id[ZL_RISK_ID_MAX > ZL_DISPO_ID_MAX ? ZL_RISK_ID_MAX : ZL_DISPO_ID_MAX];
    const char *slash = strrchr(ref, '/');
    json_t *o;
    int rc;

    if (!slash || (size_t)(slash - ref) >= sizeof id)
        return ZL_ENOTFOUND;
    memcpy(id, ref, (size_t)(slash - ref));
    id[slash - ref] = '\0';
    c.seq = strtoll(slash + 1, NULL, 10);
    if ((rc = list(s, id, step_copy_cb, &c))) {
        zl_free(c.json);
        return rc;
    }
    if (!c.found)
        return ZL_ENOTFOUND;
    if (!(o = json_loadb(c.json, c.len, 0, NULL))) {
        *canon = c.json; /* hashed as it is: the leaf check names it */
        *len = c.len;
        return 0;
    }
    rc = zl_jcs_dump_new(o, max, canon, len);
    json_decref(o);
    zl_free(c.json);
    return rc;
}

int zl_risk_record_canon(zl_store *s, const char *record_key, char **canon,
                         size_t *len)
{
    struct copy c = {0};
    json_t *o;
    int rc;

    *canon = NULL;
    if (!strncmp(record_key, "risk-step:", 10))
        return rk_step_canon(s, record_key + 10, zl_store_risk_step_list,
                             RECORD_MAX * 4, canon, len);
    if (!strncmp(record_key, "risk-dispo:", 11))
        return rk_dispo_canon(s, record_key + 11, canon, len);
    if (!strncmp(record_key, "risk-key:", 9))
        return rk_key_canon(s, record_key + 9, canon, len);
    if (strncmp(record_key, "risk:", 5))
        return ZL_ENOTFOUND;
    if ((rc = zl_store_risk_get(s, record_key + 5, copy_cb, &c)))
        return rc;
    if (!(o = json_loadb(c.json, c.len, 0, NULL))) {
        *canon = c.json; /* hashed as it is: the leaf check names it */
        *len = c.len;
        return 0;
    }
    rc = zl_jcs_dump_new(o, RECORD_MAX * 4, canon, len);
    json_decref(o);
    zl_free(c.json);
    return rc;
}

static int keys_cb(void *ctx, const struct zl_store_risk_report *r)
{
    char key[ZL_RISK_ID_MAX + 8];

    snprintf(key, sizeof key, "risk:%s", r->id);
    return zl_logged_rows_add(ctx, key, r->leaf);
}

static int step_keys_cb(void *ctx, const struct zl_store_risk_step *st)
{
    char key[ZL_RISK_ID_MAX + 40];

    snprintf(key, sizeof key, "risk-step:%s/%lld", st->report_id,
             (long long)st->seq);
    return zl_logged_rows_add(ctx, key, st->leaf);
}

int zl_risk_audit_rows(zl_store *s, zl_risk_audit_fn report, void *ctx)
{
    struct zl_logged_rows k = {0};
    int rc = zl_store_risk_list(s, NULL, keys_cb, &k);

    if (!rc)
        rc = zl_store_risk_step_list(s, NULL, step_keys_cb, &k);
    if (!rc)
        rc = rk_dispo_keys(s, &k);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    if (!rc)
        rc = zl_logged_rows_check(s, &k, ZL_LEAF_COMPLAINT, "risk report",
                                  "risk_reports", report, ctx);
    zl_logged_rows_free(&k);
    return rc;
}
