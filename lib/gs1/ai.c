/*
 * ai.c - the GS1 application identifier table, check digits and value rules.
 *
 * The table is written from the GS1 General Specifications (section 3.2,
 * "GS1 Application Identifiers in numerical order") and the GS1 Barcode
 * Syntax Dictionary notation for formats. It holds the AIs Zhiliang meets in
 * traceability data, not all ~500: an AI missing here is reported as
 * "unknown AI", never guessed. Families such as 310n (net weight, n = the
 * implied decimal point) are one row with the three-digit stem.
 *
 * "pre" marks the AIs whose first two digits are in the GS1 table of
 * predefined lengths (00-04, 11-20, 31-36, 41): a scanner sends no FNC1 after
 * them. Every other value ends at GS or at the end of the data, even when
 * its format is fixed (8006, 422...).
 *
 * Values are checked component by component from the format string, so one
 * function gives every AI the same precise errors.
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

static const struct ai_def ai_table[] = {
    {"00", 0, 0, 1, "N18k", "SSCC"},
    {"01", 0, 0, 1, "N14k", "GTIN"},
    {"02", 0, 0, 1, "N14k", "CONTENT"},
    {"03", 0, 0, 1, "N14k", "MTO GTIN"},
    {"10", 0, 0, 0, "X..20", "BATCH/LOT"},
    {"11", 0, 0, 1, "N6d", "PROD DATE"},
    {"12", 0, 0, 1, "N6d", "DUE DATE"},
    {"13", 0, 0, 1, "N6d", "PACK DATE"},
    {"15", 0, 0, 1, "N6d", "BEST BEFORE or BEST BY"},
    {"16", 0, 0, 1, "N6d", "SELL BY"},
    {"17", 0, 0, 1, "N6d", "USE BY OR EXPIRY"},
    {"20", 0, 0, 1, "N2", "VARIANT"},
    {"21", 0, 0, 0, "X..20", "SERIAL"},
    {"22", 0, 0, 0, "X..20", "CPV"},
    {"235", 0, 0, 0, "X..28", "TPX"},
    {"240", 0, 0, 0, "X..30", "ADDITIONAL ID"},
    {"241", 0, 0, 0, "X..30", "CUST. PART No."},
    {"242", 0, 0, 0, "N..6", "MTO VARIANT"},
    {"243", 0, 0, 0, "X..20", "PCN"},
    {"250", 0, 0, 0, "X..30", "SECONDARY SERIAL"},
    {"251", 0, 0, 0, "X..30", "REF. TO SOURCE"},
    {"253", 0, 0, 0, "N13k+X0..17", "GDTI"},
    {"254", 0, 0, 0, "X..20", "GLN EXTENSION COMPONENT"},
    {"255", 0, 0, 0, "N13k+N0..12", "GCN"},
    {"30", 0, 0, 0, "N..8", "VAR. COUNT"},
    {"310", 1, 5, 1, "N6", "NET WEIGHT (kg)"},
    {"311", 1, 5, 1, "N6", "LENGTH (m)"},
    {"312", 1, 5, 1, "N6", "WIDTH (m)"},
    {"313", 1, 5, 1, "N6", "HEIGHT (m)"},
    {"314", 1, 5, 1, "N6", "AREA (m2)"},
    {"315", 1, 5, 1, "N6", "NET VOLUME (l)"},
    {"316", 1, 5, 1, "N6", "NET VOLUME (m3)"},
    {"320", 1, 5, 1, "N6", "NET WEIGHT (lb)"},
    {"321", 1, 5, 1, "N6", "LENGTH (in)"},
    {"322", 1, 5, 1, "N6", "LENGTH (ft)"},
    {"323", 1, 5, 1, "N6", "LENGTH (yd)"},
    {"324", 1, 5, 1, "N6", "WIDTH (in)"},
    {"325", 1, 5, 1, "N6", "WIDTH (ft)"},
    {"326", 1, 5, 1, "N6", "WIDTH (yd)"},
    {"327", 1, 5, 1, "N6", "HEIGHT (in)"},
    {"328", 1, 5, 1, "N6", "HEIGHT (ft)"},
    {"329", 1, 5, 1, "N6", "HEIGHT (yd)"},
    {"330", 1, 5, 1, "N6", "GROSS WEIGHT (kg)"},
    {"331", 1, 5, 1, "N6", "LENGTH (m), log"},
    {"332", 1, 5, 1, "N6", "WIDTH (m), log"},
    {"333", 1, 5, 1, "N6", "HEIGHT (m), log"},
    {"334", 1, 5, 1, "N6", "AREA (m2), log"},
    {"335", 1, 5, 1, "N6", "VOLUME (l), log"},
    {"336", 1, 5, 1, "N6", "VOLUME (m3), log"},
    {"337", 1, 5, 1, "N6", "KG PER m2"},
    {"340", 1, 5, 1, "N6", "GROSS WEIGHT (lb)"},
    {"341", 1, 5, 1, "N6", "LENGTH (in), log"},
    {"342", 1, 5, 1, "N6", "LENGTH (ft), log"},
    {"343", 1, 5, 1, "N6", "LENGTH (yd), log"},
    {"344", 1, 5, 1, "N6", "WIDTH (in), log"},
    {"345", 1, 5, 1, "N6", "WIDTH (ft), log"},
    {"346", 1, 5, 1, "N6", "WIDTH (yd), log"},
    {"347", 1, 5, 1, "N6", "HEIGHT (in), log"},
    {"348", 1, 5, 1, "N6", "HEIGHT (ft), log"},
    {"349", 1, 5, 1, "N6", "HEIGHT (yd), log"},
    {"350", 1, 5, 1, "N6", "AREA (in2)"},
    {"351", 1, 5, 1, "N6", "AREA (ft2)"},
    {"352", 1, 5, 1, "N6", "AREA (yd2)"},
    {"353", 1, 5, 1, "N6", "AREA (in2), log"},
    {"354", 1, 5, 1, "N6", "AREA (ft2), log"},
    {"355", 1, 5, 1, "N6", "AREA (yd2), log"},
    {"356", 1, 5, 1, "N6", "NET WEIGHT (t oz)"},
    {"357", 1, 5, 1, "N6", "NET VOLUME (oz)"},
    {"360", 1, 5, 1, "N6", "NET VOLUME (qt)"},
    {"361", 1, 5, 1, "N6", "NET VOLUME (gal.)"},
    {"362", 1, 5, 1, "N6", "VOLUME (qt), log"},
    {"363", 1, 5, 1, "N6", "VOLUME (gal.), log"},
    {"364", 1, 5, 1, "N6", "VOLUME (in3)"},
    {"365", 1, 5, 1, "N6", "VOLUME (ft3)"},
    {"366", 1, 5, 1, "N6", "VOLUME (yd3)"},
    {"367", 1, 5, 1, "N6", "VOLUME (in3), log"},
    {"368", 1, 5, 1, "N6", "VOLUME (ft3), log"},
    {"369", 1, 5, 1, "N6", "VOLUME (yd3), log"},
    {"37", 0, 0, 0, "N..8", "COUNT"},
    {"390", 1, 9, 0, "N..15", "AMOUNT"},
    {"391", 1, 9, 0, "N3+N..15", "AMOUNT (ISO)"},
    {"392", 1, 9, 0, "N..15", "PRICE"},
    {"393", 1, 9, 0, "N3+N..15", "PRICE (ISO)"},
    {"394", 1, 9, 0, "N4", "PRCNT OFF"},
    {"400", 0, 0, 0, "X..30", "ORDER NUMBER"},
    {"401", 0, 0, 0, "X..30", "GINC"},
    {"402", 0, 0, 0, "N17k", "GSIN"},
    {"403", 0, 0, 0, "X..30", "ROUTE"},
    {"410", 0, 0, 1, "N13k", "SHIP TO LOC"},
    {"411", 0, 0, 1, "N13k", "BILL TO"},
    {"412", 0, 0, 1, "N13k", "PURCHASE FROM"},
    {"413", 0, 0, 1, "N13k", "SHIP FOR LOC"},
    {"414", 0, 0, 1, "N13k", "LOC No."},
    {"415", 0, 0, 1, "N13k", "PAY TO"},
    {"416", 0, 0, 1, "N13k", "PROD/SERV LOC"},
    {"417", 0, 0, 1, "N13k", "PARTY"},
    {"420", 0, 0, 0, "X..20", "SHIP TO POST"},
    {"421", 0, 0, 0, "N3+X..9", "SHIP TO POST"},
    {"422", 0, 0, 0, "N3", "ORIGIN"},
    {"423", 0, 0, 0, "N3+N..12", "COUNTRY - INITIAL PROCESS."},
    {"424", 0, 0, 0, "N3", "COUNTRY - PROCESS."},
    {"425", 0, 0, 0, "N3+N..12", "COUNTRY - DISASSEMBLY"},
    {"426", 0, 0, 0, "N3", "COUNTRY - FULL PROCESS"},
    {"427", 0, 0, 0, "X..3", "ORIGIN SUBDIVISION"},
    {"7001", 0, 0, 0, "N13", "NSN"},
    {"7002", 0, 0, 0, "X..30", "MEAT CUT"},
    {"7003", 0, 0, 0, "N10t", "EXPIRY TIME"},
    {"7004", 0, 0, 0, "N..4", "ACTIVE POTENCY"},
    {"7005", 0, 0, 0, "X..12", "CATCH AREA"},
    {"7006", 0, 0, 0, "N6d", "FIRST FREEZE DATE"},
    {"7007", 0, 0, 0, "N6..12", "HARVEST DATE"},
    {"7008", 0, 0, 0, "X..3", "AQUATIC SPECIES"},
    {"7009", 0, 0, 0, "X..10", "FISHING GEAR TYPE"},
    {"7010", 0, 0, 0, "X..2", "PROD METHOD"},
    {"7020", 0, 0, 0, "X..20", "REFURB LOT"},
    {"7021", 0, 0, 0, "X..20", "FUNC STAT"},
    {"7022", 0, 0, 0, "X..20", "REV STAT"},
    {"7023", 0, 0, 0, "X..30", "GIAI - ASSEMBLY"},
    {"8001", 0, 0, 0, "N14", "DIMENSIONS"},
    {"8002", 0, 0, 0, "X..20", "CMT No."},
    {"8003", 0, 0, 0, "N14kz+X0..16", "GRAI"},
    {"8004", 0, 0, 0, "X..30", "GIAI"},
    {"8005", 0, 0, 0, "N6", "PRICE PER UNIT"},
    {"8006", 0, 0, 0, "N14k+N2+N2", "ITIP"},
    {"8007", 0, 0, 0, "X..34", "IBAN"},
    {"8008", 0, 0, 0, "N8+N..4", "PROD TIME"},
    {"8009", 0, 0, 0, "X..50", "OPTSEN"},
    {"8010", 0, 0, 0, "Y..30", "CPID"},
    {"8011", 0, 0, 0, "N..12", "CPID SERIAL"},
    {"8012", 0, 0, 0, "X..20", "VERSION"},
    {"8013", 0, 0, 0, "X..25", "GMN"},
    {"8017", 0, 0, 0, "N18k", "GSRN - PROVIDER"},
    {"8018", 0, 0, 0, "N18k", "GSRN - RECIPIENT"},
    {"8019", 0, 0, 0, "N..10", "SRIN"},
    {"8020", 0, 0, 0, "X..25", "REF No."},
    {"8026", 0, 0, 0, "N14k+N2+N2", "ITIP CONTENT"},
    {"8110", 0, 0, 0, "X..70", "COUPON CODE"},
    {"8111", 0, 0, 0, "N4", "POINTS"},
    {"8112", 0, 0, 0, "X..70", "PAPERLESS COUPON CODE"},
    {"8200", 0, 0, 0, "X..70", "PRODUCT URL"},
    {"90", 0, 0, 0, "X..30", "INTERNAL"},
    {"91", 0, 0, 0, "X..90", "INTERNAL"},
    {"92", 0, 0, 0, "X..90", "INTERNAL"},
    {"93", 0, 0, 0, "X..90", "INTERNAL"},
    {"94", 0, 0, 0, "X..90", "INTERNAL"},
    {"95", 0, 0, 0, "X..90", "INTERNAL"},
    {"96", 0, 0, 0, "X..90", "INTERNAL"},
    {"97", 0, 0, 0, "X..90", "INTERNAL"},
    {"98", 0, 0, 0, "X..90", "INTERNAL"},
    {"99", 0, 0, 0, "X..90", "INTERNAL"},
};

#define N_AI (sizeof ai_table / sizeof ai_table[0])

int zl_gs1_check_digit(const char *s, size_t n)
{
    int sum = 0;
    size_t i;

    /* Weights 3,1,3,1... from the rightmost digit of the n given. */
    for (i = 0; i < n; i++) {
        char c = s[n - 1 - i];
        if (c < '0' || c > '9')
            return -1;
        sum += (c - '0') * ((i % 2 == 0) ? 3 : 1);
    }
    return (10 - sum % 10) % 10;
}

int gs1_cs82(int c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!\"%&'()*+,-./:;<=>?_", c) != NULL;
}

int gs1_cs39(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' ||
           c == '-' || c == '/';
}

static int all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

const struct ai_def *ai_find(const char *ai, size_t n)
{
    size_t i;

    if (n < 2 || n > 4 || !all_digits(ai, n))
        return NULL;
    for (i = 0; i < N_AI; i++) {
        const struct ai_def *d = &ai_table[i];
        size_t dl;
        if (d->ai[0] != ai[0] || d->ai[1] != ai[1])
            continue;
        dl = strlen(d->ai);
        if (d->fam) {
            if (n == 4 && memcmp(d->ai, ai, 3) == 0 && ai[3] - '0' <= d->nmax)
                return d;
        } else if (dl == n && memcmp(d->ai, ai, n) == 0) {
            return d;
        }
    }
    return NULL;
}

const struct ai_def *ai_find_prefix(const char *s, size_t n, size_t *ai_len)
{
    size_t k;

    /* GS1 AIs are prefix-free, so the first length that matches is it. */
    for (k = 2; k <= 4 && k <= n; k++) {
        const struct ai_def *d = ai_find(s, k);
        if (d) {
            *ai_len = k;
            return d;
        }
    }
    return NULL;
}

const char *zl_gs1_ai_title(const char *ai)
{
    const struct ai_def *d = ai ? ai_find(ai, strlen(ai)) : NULL;
    return d ? d->title : NULL;
}

struct comp {
    char type;
    unsigned min, max;
    int check, date, datetime, zero;
};

/* Parse one component of a format string; returns the rest. */
static const char *next_comp(const char *f, struct comp *c)
{
    unsigned a = 0, b = 0;
    int has_a = 0, range = 0;

    memset(c, 0, sizeof *c);
    c->type = *f++;
    while (*f >= '0' && *f <= '9') {
        a = a * 10 + (unsigned)(*f++ - '0');
        has_a = 1;
    }
    if (f[0] == '.' && f[1] == '.') {
        range = 1;
        f += 2;
        while (*f >= '0' && *f <= '9')
            b = b * 10 + (unsigned)(*f++ - '0');
    }
    if (range) {
        c->min = has_a ? a : 1;
        c->max = b;
    } else {
        c->min = c->max = a;
    }
    for (; *f && *f != '+'; f++) {
        if (*f == 'k')
            c->check = 1;
        else if (*f == 'd')
            c->date = 1;
        else if (*f == 't')
            c->datetime = 1;
        else if (*f == 'z')
            c->zero = 1;
    }
    if (*f == '+')
        f++;
    return f;
}

/* Smallest and largest total value length of the AI (each component's
 * minimum is at most its maximum). */
static void ai_lens(const struct ai_def *d, size_t *min, size_t *max)
{
    const char *f = d->format;
    struct comp c;

    *min = *max = 0;
    while (*f) {
        f = next_comp(f, &c);
        *min += c.min;
        *max += c.max;
    }
}

size_t ai_fixed_len(const struct ai_def *d)
{
    size_t min, max;

    ai_lens(d, &min, &max);
    return min == max ? max : 0;
}

size_t ai_max_len(const struct ai_def *d)
{
    size_t min, max;

    ai_lens(d, &min, &max);
    return max;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* YYMMDD with day 00 meaning "end of month" (General Specifications
 * 3.4.2). Year is taken in 2000-2099 for the leap rule, which is right for
 * every YY except 00 read as 1900 (not a leap year): accepting 29 Feb 00 is
 * the one leniency. */
static const char *bad_date(const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int yy = two(s), mm = two(s + 2), dd = two(s + 4);

    if (mm < 1 || mm > 12)
        return "month must be 01 to 12";
    if (dd > mdays[mm - 1] || (mm == 2 && dd == 29 && yy % 4 != 0))
        return "day does not exist in that month";
    return NULL;
}

static void char_desc(char *buf, size_t cap, int c)
{
    if (c > 32 && c < 127)
        snprintf(buf, cap, "'%c'", c);
    else
        snprintf(buf, cap, "0x%02X", (unsigned)(unsigned char)c);
}

int ai_check_value(const struct ai_def *d, const char *ai, const char *v,
                   size_t n, struct zl_error *err)
{
    const char *f = d->format;
    size_t pos = 0, minl, maxl;
    struct comp c;
    char cd[8];

    ai_lens(d, &minl, &maxl);
    if (n < minl || n > maxl) {
        if (minl == maxl)
            return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                 "wrong length: AI (%s) "
                                 "takes %zu characters, got %zu",
                                 ai, minl, n);
        return zl_error_setf(err, ZL_EINVAL, NULL, v,
                             "wrong length: AI (%s) "
                             "takes %zu to %zu characters, got %zu",
                             ai, minl, maxl, n);
    }
    while (*f) {
        size_t clen, i;

        f = next_comp(f, &c);
        if (c.min == c.max)
            clen = c.max;
        else
            clen = n - pos; /* a variable component is always last */
        if (clen > n - pos)
            clen = n - pos;
        for (i = 0; i < clen; i++) {
            int ch = (unsigned char)v[pos + i];
            int ok = c.type == 'N'   ? (ch >= '0' && ch <= '9')
                     : c.type == 'Y' ? gs1_cs39(ch)
                                     : gs1_cs82(ch);
            if (!ok) {
                char_desc(cd, sizeof cd, ch);
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, v,
                    "bad character %s at position %zu of AI (%s): %s", cd,
                    pos + i + 1, ai,
                    c.type == 'N' ? "only digits are allowed"
                    : c.type == 'Y'
                        ? "only # - / 0-9 A-Z (GS1 character set "
                          "39) are allowed"
                        : "not in the GS1 AI encodable character set 82");
            }
        }
        if (c.zero && clen > 0 && v[pos] != '0')
            return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                 "AI (%s) must begin with the digit 0", ai);
        if (c.check && clen > 1) {
            int want = zl_gs1_check_digit(v + pos, clen - 1);
            if (want != v[pos + clen - 1] - '0')
                return zl_error_setf(
                    err, ZL_ECHECK, NULL, v,
                    "bad check digit in AI (%s): expected %d, got %c", ai, want,
                    v[pos + clen - 1]);
        }
        if (c.date || c.datetime) {
            const char *why = bad_date(v + pos);
            if (!why && c.datetime) {
                if (two(v + pos + 6) > 23)
                    why = "hour must be 00 to 23";
                else if (two(v + pos + 8) > 59)
                    why = "minute must be 00 to 59";
            }
            if (why)
                return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                     "bad date in AI (%s): %s", ai, why);
        }
        pos += clen;
    }
    return 0;
}
