/*
 * registry.c - the demo's supervision registries (docs/supervision.md):
 * product categories with the test items of their national standards,
 * enterprises (the chain's own food parties, by their USCC and GLNs, and
 * a few hundred more across the same cities) and a few hundred
 * inspectors, as the JSON arrays `zhiliang registry import` reads.
 *
 * Deterministic like the rest of the demo (one splitmix64 stream from the
 * seed). The synthetic enterprises' organisation codes start with "DM", a
 * prefix the chain's generated codes never use, so no USCC repeats.
 * Limits are those of the standards named (GB 19301-2010 生乳, GB
 * 25190-2010 灭菌乳, GB 19645-2010 巴氏杀菌乳, GB 19302-2010 发酵乳, GB
 * 2762-2017 / GB 2763-2021 for vegetables), each with the method standard
 * that measures it.
 */
#include "demo.h"

#include "demo_int.h"
#include "zhiliang/alloc.h"
#include "zhiliang/buf.h"
#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

#define N_SYNTH_ENT  300
#define N_INSPECTORS 300

static const char CATEGORIES[] =
    "[{\"code\":\"RAW_MILK\",\"name_zh\":\"生乳\",\"name_en\":\"Raw milk\","
    "\"standard\":\"GB 19301-2010\",\"items\":["
    "{\"item\":\"protein\",\"name_zh\":\"蛋白质\",\"name_en\":\"Protein\","
    "\"min\":\"2.8\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
    "{\"item\":\"fat\",\"name_zh\":\"脂肪\",\"name_en\":\"Fat\",\"min\":\"3."
    "1\","
    "\"unit\":\"g/100g\",\"method\":\"GB 5009.6\"},"
    "{\"item\":\"snf\",\"name_zh\":\"非脂乳固体\",\"name_en\":\"Non-fat milk "
    "solids\",\"min\":\"8.1\",\"unit\":\"g/100g\",\"method\":\"GB 5413.39\"},"
    "{\"item\":\"acidity\",\"name_zh\":\"酸度\",\"name_en\":\"Acidity\","
    "\"min\":\"12\",\"max\":\"18\",\"unit\":\"°T\",\"method\":\"GB "
    "5009.239\"},"
    "{\"item\":\"total_bacteria\",\"name_zh\":\"菌落总数\",\"name_en\":"
    "\"Total bacterial count\",\"max\":\"2000000\",\"unit\":\"CFU/mL\","
    "\"method\":\"GB 4789.2\"},"
    "{\"item\":\"aflatoxin_m1\",\"name_zh\":\"黄曲霉毒素M1\",\"name_en\":"
    "\"Aflatoxin M1\",\"max\":\"0.5\",\"unit\":\"µg/kg\",\"method\":\"GB "
    "5009.24\"}]},"
    "{\"code\":\"UHT_MILK\",\"name_zh\":\"灭菌乳\",\"name_en\":\"UHT milk\","
    "\"standard\":\"GB 25190-2010\",\"items\":["
    "{\"item\":\"fat\",\"name_zh\":\"脂肪\",\"name_en\":\"Fat\",\"min\":\"3."
    "1\","
    "\"unit\":\"g/100g\",\"method\":\"GB 5009.6\"},"
    "{\"item\":\"protein\",\"name_zh\":\"蛋白质\",\"name_en\":\"Protein\","
    "\"min\":\"2.9\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
    "{\"item\":\"snf\",\"name_zh\":\"非脂乳固体\",\"name_en\":\"Non-fat milk "
    "solids\",\"min\":\"8.1\",\"unit\":\"g/100g\",\"method\":\"GB 5413.39\"},"
    "{\"item\":\"acidity\",\"name_zh\":\"酸度\",\"name_en\":\"Acidity\","
    "\"min\":\"12\",\"max\":\"18\",\"unit\":\"°T\",\"method\":\"GB "
    "5009.239\"}]},"
    "{\"code\":\"PASTEURISED_MILK\",\"name_zh\":\"巴氏杀菌乳\",\"name_en\":"
    "\"Pasteurised milk\",\"standard\":\"GB 19645-2010\",\"items\":["
    "{\"item\":\"fat\",\"name_zh\":\"脂肪\",\"name_en\":\"Fat\",\"min\":\"3."
    "1\","
    "\"unit\":\"g/100g\",\"method\":\"GB 5009.6\"},"
    "{\"item\":\"protein\",\"name_zh\":\"蛋白质\",\"name_en\":\"Protein\","
    "\"min\":\"2.9\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
    "{\"item\":\"acidity\",\"name_zh\":\"酸度\",\"name_en\":\"Acidity\","
    "\"min\":\"12\",\"max\":\"18\",\"unit\":\"°T\",\"method\":\"GB "
    "5009.239\"}]},"
    "{\"code\":\"FERMENTED_MILK\",\"name_zh\":\"发酵乳\",\"name_en\":"
    "\"Fermented milk\",\"standard\":\"GB 19302-2010\",\"items\":["
    "{\"item\":\"protein\",\"name_zh\":\"蛋白质\",\"name_en\":\"Protein\","
    "\"min\":\"2.9\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
    "{\"item\":\"acidity\",\"name_zh\":\"酸度\",\"name_en\":\"Acidity\","
    "\"min\":\"70\",\"unit\":\"°T\",\"method\":\"GB 5009.239\"},"
    "{\"item\":\"lactic_acid_bacteria\",\"name_zh\":\"乳酸菌数\",\"name_en\":"
    "\"Lactic acid bacteria\",\"min\":\"1000000\",\"unit\":\"CFU/g\","
    "\"method\":\"GB 4789.35\"}]},"
    "{\"code\":\"VEGETABLES\",\"name_zh\":\"新鲜蔬菜\",\"name_en\":\"Fresh "
    "vegetables\",\"standard\":\"GB 2763-2021\",\"items\":["
    "{\"item\":\"lead\",\"name_zh\":\"铅（叶菜蔬菜）\",\"name_en\":\"Lead "
    "(leafy vegetables, GB 2762-2017)\",\"max\":\"0.3\",\"unit\":\"mg/kg\","
    "\"method\":\"GB 5009.12\"},"
    "{\"item\":\"carbofuran\",\"name_zh\":\"克百威\",\"name_en\":"
    "\"Carbofuran\",\"max\":\"0.02\",\"unit\":\"mg/kg\",\"method\":\"GB "
    "23200.112\"},"
    "{\"item\":\"chlorpyrifos\",\"name_zh\":\"毒死蜱\",\"name_en\":"
    "\"Chlorpyrifos\",\"max\":\"0.02\",\"unit\":\"mg/kg\",\"method\":\"GB "
    "23200.113\"}]}]";

/* The cities of the demo chain (parties.c), by GB/T 2260 code. */
static const struct city {
    const char *code, *name;
} CITIES[] = {
    {"150102", "呼和浩特市"}, {"150203", "包头市"}, {"230202", "齐齐哈尔市"},
    {"130102", "石家庄市"},   {"640104", "银川市"}, {"110105", "北京市"},
    {"310115", "上海市"},     {"440106", "广州市"}, {"330106", "杭州市"},
    {"320106", "南京市"},     {"370783", "寿光市"}, {"510107", "成都市"},
    {"410105", "郑州市"},
};
#define N_CITIES (sizeof CITIES / sizeof CITIES[0])

static const char *const DAIRY[] = {"RAW_MILK", "UHT_MILK", "PASTEURISED_MILK",
                                    "FERMENTED_MILK"};
static const char SURNAME[] = "王李张刘陈杨赵黄周吴徐孙马朱胡郭";
static const char GIVEN[] = "伟芳娜敏静强磊洋艳勇军杰涛明超霞";

/* GB 11714 value of an organisation-code character. */
static int v36(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* A USCC "91" + region + "DM" + six digits of n, with both checks. */
static void synth_uscc(const char *region, unsigned n, char out[19])
{
    static const int W[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int s = 0, c;

    snprintf(out, 19, "91%.6sDM%06u", region, n % 1000000u);
    for (int i = 0; i < 8; i++)
        s += v36(out[8 + i]) * W[i];
    c = 11 - s % 11;
    out[16] = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
    out[17] = zl_demo_uscc_check(out);
    out[18] = '\0';
}

/* One UTF-8 character (3 bytes: the CJK above) of s at index i. */
static void cjk(struct zl_buf *b, const char *s, unsigned i)
{
    zl_buf_add(b, s + 3 * i, 3);
}

static void licence(struct zl_buf *b, const char *region, unsigned n,
                    const char *city)
{
    zl_buf_printf(b,
                  "\"licences\":[{\"type\":\"SC\",\"number\":"
                  "\"SC10%.6s%06u\",\"office\":\"%s市场监督管理局\","
                  "\"unit\":\"SAMR-%.4s\"}]",
                  region, n % 1000000u, city, region);
}

static const char *city_of(const char *region)
{
    for (size_t i = 0; i < N_CITIES; i++)
        if (!strncmp(CITIES[i].code, region, 4))
            return CITIES[i].name;
    return "";
}

/* The chain's food parties: farms and collection centres raw milk, plants
 * UHT and pasteurised milk, distribution centres and shops UHT milk,
 * vegetable farms, packers and markets vegetables (drugs are not in
 * these registries). */
static int chain_ents(struct zl_buf *b, const struct demo_cast *c, uint64_t *rs,
                      unsigned *n_out)
{
    unsigned n = 0;

    for (int i = 0; i < DEMO_N_PARTIES; i++) {
        const struct demo_party *p = &c->p[i];
        const char *cats;
        char region[7];

        switch (p->role) {
        case ROLE_FARM:
        case ROLE_CC: cats = "\"RAW_MILK\""; break;
        case ROLE_PLANT: cats = "\"UHT_MILK\",\"PASTEURISED_MILK\""; break;
        case ROLE_DC:
        case ROLE_STORE: cats = "\"UHT_MILK\""; break;
        case ROLE_VFARM:
        case ROLE_PACKER:
        case ROLE_MARKET: cats = "\"VEGETABLES\""; break;
        default: continue;
        }
        memcpy(region, p->uscc + 2, 6);
        region[6] = '\0';
        zl_buf_printf(b,
                      "%s\n{\"uscc\":\"%s\",\"name\":\"%s\",\"region\":\"%s\","
                      "\"categories\":[%s],\"credit\":\"%c\",\"glns\":[\"%s\","
                      "\"%s\",\"%s\"],",
                      n ? "," : "", p->uscc, p->name_zh, region, cats,
                      "AABBBBCD"[demo_below(rs, 8)], p -> gln, p -> site_gln,
                      p -> dock_gln);
        licence(b, region, (unsigned)i, city_of(region));
        zl_buf_adds(b, "}");
        n++;
    }
    *n_out = n;
    return 0;
}

int zl_demo_registry_json(const struct zl_demo_opts *o, int which, char **out,
                          size_t *len)
{
    struct demo_cast *c = NULL;
    struct zl_buf b;
    uint64_t rs = (o ? o->seed : 0) ^ 0x5355504552564953ULL; /* SUPERVIS */
    unsigned n = 0;
    int rc = 0;

    *out = NULL;
    zl_buf_init(&b, 8u << 20);
    if (which == 0) {
        rc = zl_buf_adds(&b, CATEGORIES);
        goto done;
    }
    if (!(c = zl_malloc(sizeof *c))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    demo_cast_build(c, o ? o->seed : 0);
    zl_buf_adds(&b, "[");
    if (which == 1) {
        chain_ents(&b, c, &rs, &n);
        for (unsigned i = 0; i < N_SYNTH_ENT; i++) {
            const struct city *ct = &CITIES[demo_below(&rs, N_CITIES)];
            char region[7], u[19];
            unsigned k = (unsigned)demo_below(&rs, 4);

            snprintf(region, sizeof region, "%.4s0%u", ct->code,
                     2 + (unsigned)demo_below(&rs, 5));
            synth_uscc(region, 1000 + i, u);
            zl_buf_printf(
                &b,
                ",\n{\"uscc\":\"%s\",\"name\":\"%.9s%s乳品有限公司%u\","
                "\"region\":\"%s\",\"categories\":[\"%s\"%s],"
                "\"credit\":\"%c\",",
                u, ct->name, k == 3 ? "益康" : "鲜源", i, region, DAIRY[k],
                k == 1 ? ",\"PASTEURISED_MILK\"" : "",
                "AAABBBBBCD"[demo_below(&rs, 10)]);
            licence(&b, region, 5000 + i, ct->name);
            zl_buf_adds(&b, "}");
        }
    } else {
        for (unsigned i = 0; i < N_INSPECTORS; i++) {
            const struct city *ct = &CITIES[i % N_CITIES];
            char region[7];
            unsigned k = (unsigned)demo_below(&rs, 4);
            int city_unit = demo_below(&rs, 10) == 0;

            snprintf(region, sizeof region, "%.4s0%u", ct->code,
                     2 + (unsigned)demo_below(&rs, 5));
            zl_buf_printf(&b, "%s\n{\"id\":\"INS-%.4s-%03u\",\"name\":\"",
                          i ? "," : "", ct->code, i);
            cjk(&b, SURNAME, (unsigned)demo_below(&rs, 16));
            cjk(&b, GIVEN, (unsigned)demo_below(&rs, 16));
            if (demo_below(&rs, 2))
                cjk(&b, GIVEN, (unsigned)demo_below(&rs, 16));
            /* one in ten works at the city bureau that issues licences */
            zl_buf_printf(&b,
                          "\",\"unit\":\"SAMR-%.*s\",\"region\":\"%s\","
                          "\"qualifications\":[\"%s\",\"%s\"%s]",
                          city_unit ? 4 : 6, region, region, DAIRY[k],
                          DAIRY[(k + 1) % 4],
                          demo_below(&rs, 3) ? "" : ",\"VEGETABLES\"");
            if (demo_below(&rs, 8) == 0) {
                char u[19];
                char rel[7];

                snprintf(rel, sizeof rel, "%.4s0%u", ct->code,
                         2 + (unsigned)demo_below(&rs, 5));
                synth_uscc(rel, 1000 + (unsigned)demo_below(&rs, N_SYNTH_ENT),
                           u);
                zl_buf_printf(&b, ",\"conflicts\":{\"%s\":[\"%s\"]}",
                              demo_below(&rs, 2) ? "relatives" : "employers",
                              u);
            }
            zl_buf_adds(&b, "}");
        }
    }
    rc = zl_buf_adds(&b, "\n]\n");
done:
    if (rc)
        goto out;
    if (len)
        *len = b.len;
    *out = zl_buf_steal(&b);
    if (!*out)
        rc = ZL_ENOMEM;
out:
    zl_buf_cleanup(&b);
    zl_free(c);
    return rc;
}
