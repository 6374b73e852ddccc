/*
 * parties.c - the demo cast: parties, locations and products, and their
 * master data as JSON.
 *
 * The cast is small and fixed in size (a few dozen parties) whatever the
 * scale, so it lives in one struct on the generator's stack-free heap block
 * and is rebuilt from the seed on demand instead of being stored. Names
 * are composed from tables of Chinese place names and fictional trade
 * names (no real brands), each with its English form.
 *
 * Codes are valid, not merely well-formed: GS1 company prefixes from the
 * GS1 China ranges (690-691: 7 digits, 692-695: 8, 696-699: 9), GLNs and
 * GTINs with mod-10 check digits, unified social credit codes with the
 * GB 11714 organisation-code check and the GB 32100 mod-31 check.
 */
#include "demo_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

struct region {
    const char *prov_zh, *prov_en, *city_zh, *city_en, *code;
};

static const struct region regions[] = {
    {"内蒙古自治区", "Inner Mongolia", "呼和浩特市", "Hohhot", "150102"},
    {"内蒙古自治区", "Inner Mongolia", "包头市", "Baotou", "150203"},
    {"黑龙江省", "Heilongjiang", "齐齐哈尔市", "Qiqihar", "230202"},
    {"河北省", "Hebei", "石家庄市", "Shijiazhuang", "130102"},
    {"宁夏回族自治区", "Ningxia", "银川市", "Yinchuan", "640104"},
    {"北京市", "Beijing", "北京市", "Beijing", "110105"},
    {"上海市", "Shanghai", "上海市", "Shanghai", "310115"},
    {"广东省", "Guangdong", "广州市", "Guangzhou", "440106"},
    {"浙江省", "Zhejiang", "杭州市", "Hangzhou", "330106"},
    {"江苏省", "Jiangsu", "南京市", "Nanjing", "320106"},
    {"山东省", "Shandong", "寿光市", "Shouguang", "370783"},
    {"四川省", "Sichuan", "成都市", "Chengdu", "510107"},
    {"河南省", "Henan", "郑州市", "Zhengzhou", "410105"},
};
#define N_REGIONS (sizeof regions / sizeof regions[0])

struct word {
    const char *zh, *en;
};

static const struct word words[] = {
    {"草原", "Caoyuan"},   {"绿野", "Lvye"},      {"金穗", "Jinsui"},
    {"青山", "Qingshan"},  {"白云", "Baiyun"},    {"蓝天", "Lantian"},
    {"丰收", "Fengshou"},  {"福源", "Fuyuan"},    {"康宁", "Kangning"},
    {"瑞雪", "Ruixue"},    {"天润", "Tianrun"},   {"沃土", "Wotu"},
    {"祥和", "Xianghe"},   {"晨光", "Chenguang"}, {"牧歌", "Muge"},
    {"长青", "Changqing"}, {"鑫源", "Xinyuan"},   {"恒信", "Hengxin"},
    {"嘉禾", "Jiahe"},     {"安泰", "Antai"},
};
#define N_WORDS (sizeof words / sizeof words[0])

static const struct word roads[] = {
    {"建设", "Jianshe"},      {"人民", "Renmin"},  {"解放", "Jiefang"},
    {"中山", "Zhongshan"},    {"迎宾", "Yingbin"}, {"新华", "Xinhua"},
    {"长江", "Changjiang"},   {"黄河", "Huanghe"}, {"友谊", "Youyi"},
    {"工业园", "Gongyeyuan"},
};
#define N_ROADS (sizeof roads / sizeof roads[0])

static const struct word chains[] = {
    {"鲜丰汇", "Xianfenghui"},
    {"邻家优选", "Linjia Select"},
};

/* Where each role's parties live (indices into regions). */
static const unsigned char role_regions[ROLE_COUNT][6] = {
    [ROLE_FARM] = {0, 1, 2, 3, 4, 0},
    [ROLE_CC] = {0, 2, 3, 4, 1, 0},
    [ROLE_PLANT] = {0, 3, 0, 3, 0, 3},
    [ROLE_DC] = {5, 6, 7, 5, 6, 7},
    [ROLE_STORE] = {5, 6, 7, 8, 9, 11},
    [ROLE_VFARM] = {10, 3, 12, 10, 3, 12},
    [ROLE_PACKER] = {10, 12, 10, 12, 10, 12},
    [ROLE_MARKET] = {5, 6, 5, 6, 5, 6},
    [ROLE_PHARMA] = {8, 11, 9, 8, 11, 9},
    [ROLE_WHOLESALER] = {5, 6, 5, 6, 5, 6},
    [ROLE_PHARMACY] = {5, 6, 7, 8, 9, 11},
};

static const int role_counts[ROLE_COUNT] = {
    DEMO_N_FARMS,  DEMO_N_CC,          DEMO_N_PLANTS,     DEMO_N_DC,
    DEMO_N_STORES, DEMO_N_VFARMS,      DEMO_N_PACKERS,    DEMO_N_MARKETS,
    DEMO_N_PHARMA, DEMO_N_WHOLESALERS, DEMO_N_PHARMACIES,
};

const char *demo_role_name(int role)
{
    static const char *const names[ROLE_COUNT] = {
        "farm",
        "collection_centre",
        "dairy_plant",
        "distribution_centre",
        "retailer",
        "vegetable_farm",
        "packer",
        "wholesale_market",
        "pharma_manufacturer",
        "wholesaler",
        "pharmacy",
    };

    return role >= 0 && role < ROLE_COUNT ? names[role] : "other";
}

/* GB 32100-2015 charset: 0-9 and A-Z without I, O, Z, S, V. */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c)
{
    const char *p = c ? strchr(uscc_chars, c) : NULL;

    return p ? (int)(p - uscc_chars) : -1;
}

char zl_demo_uscc_check(const char *s17)
{
    static const int wt[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                               29, 25, 13, 8,  24, 10, 30, 28};
    int sum = 0, i, v;

    for (i = 0; i < 17; i++) {
        v = uscc_value(s17[i]);
        if (v < 0)
            return 0;
        sum += v * wt[i];
    }
    return uscc_chars[(31 - sum % 31) % 31];
}

char zl_demo_orgcode_check(const char *s8)
{
    static const int wt[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0, i, v, c;

    for (i = 0; i < 8; i++) {
        char ch = s8[i];

        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A' + 10;
        else
            return 0;
        sum += v * wt[i];
    }
    c = 11 - sum % 11;
    return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

static void make_gln(const struct demo_party *p, unsigned locref, char out[14])
{
    int i, n = 12 - p->gcp_len;

    memcpy(out, p->gcp, (size_t)p->gcp_len);
    for (i = n - 1; i >= 0; i--) {
        out[p->gcp_len + i] = (char)('0' + locref % 10);
        locref /= 10;
    }
    out[12] = demo_gs1_check(out, 12);
    out[13] = '\0';
}

static void make_gtin(const struct demo_party *p, char indicator,
                      unsigned itemref, char out[15])
{
    int i, n = 12 - p->gcp_len;

    out[0] = indicator;
    memcpy(out + 1, p->gcp, (size_t)p->gcp_len);
    for (i = n - 1; i >= 0; i--) {
        out[1 + p->gcp_len + i] = (char)('0' + itemref % 10);
        itemref /= 10;
    }
    out[13] = demo_gs1_check(out, 13);
    out[14] = '\0';
}

static int gcp_taken(const struct demo_cast *c, int upto, const char *gcp)
{
    int i;

    for (i = 0; i < upto; i++) {
        size_t a = strlen(c->p[i].gcp), b = strlen(gcp);
        size_t n = a < b ? a : b;

        /* one prefix must never be the start of another */
        if (memcmp(c->p[i].gcp, gcp, n) == 0)
            return 1;
    }
    return 0;
}

static void make_uscc(struct demo_party *p, uint64_t *rs, const char *region)
{
    char *u = p->uscc;
    int i;

    u[0] = '9';                               /* market regulator */
    u[1] = p->role == ROLE_VFARM ? '3' : '1'; /* cooperative / company */
    memcpy(u + 2, region, 6);
    for (i = 0; i < 8; i++)
        u[8 + i] = i < 2 ? uscc_chars[1 + demo_below(rs, 9)]
                         : uscc_chars[demo_below(rs, 10)];
    u[16] = zl_demo_orgcode_check(u + 8);
    u[17] = zl_demo_uscc_check(u);
    u[18] = '\0';
}

static void cat(char *dst, size_t cap, const char *a, const char *b,
                const char *c2, const char *d)
{
    const char *parts[4] = {a, b, c2, d};
    size_t len = 0, i, n;

    for (i = 0; i < 4; i++) {
        if (!parts[i])
            continue;
        n = strlen(parts[i]);
        if (len + n >= cap)
            n = cap - 1 - len;
        memmove(dst + len, parts[i], n);
        len += n;
    }
    dst[len] = '\0';
}

static void num(char *out, unsigned v)
{
    char t[12];
    int n = 0, i;

    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    out[n] = '\0';
}

/* Company names: [city] brand word + the role's legal-form suffix. Stores
 * and pharmacies are branches named after their street instead. */
static const struct {
    const char *zh, *en;
    int city; /* 1: prefixed with the city */
} company[ROLE_COUNT] = {
    [ROLE_FARM] = {"牧业有限公司", " Dairy Farming Co., Ltd.", 1},
    [ROLE_CC] = {"生鲜乳收购站", " Raw Milk Collection Station", 1},
    [ROLE_PLANT] = {"乳业股份有限公司", " Dairy Co., Ltd.", 0},
    [ROLE_DC] = {"冷链物流有限公司", " Cold Chain Logistics Co., Ltd.", 1},
    [ROLE_VFARM] = {"蔬菜种植专业合作社", " Vegetable Growers' Cooperative", 1},
    [ROLE_PACKER] = {"果蔬包装有限公司", " Produce Packing Co., Ltd.", 1},
    [ROLE_MARKET] = {"农产品批发市场有限公司",
                     " Agricultural Wholesale Market Co., Ltd.", 1},
    [ROLE_PHARMA] = {"药业股份有限公司", " Pharmaceutical Co., Ltd.", 0},
    [ROLE_WHOLESALER] = {"医药有限公司",
                         " Pharmaceutical Distribution Co., Ltd.", 1},
};

static void name_party(struct demo_party *p, int k, const struct region *r,
                       const struct word *wd, const struct word *road)
{
    char nbuf[12];
    const struct word *ch = &chains[k % 2];

    switch (p->role) {
    case ROLE_STORE:
        num(nbuf, (unsigned)k + 1);
        cat(p->name_zh, sizeof p->name_zh, ch->zh, "超市", r->city_zh,
            road->zh);
        cat(p->name_zh, sizeof p->name_zh, p->name_zh, "路店", NULL, NULL);
        cat(p->name_en, sizeof p->name_en, ch->en, " Supermarket ", r->city_en,
            " ");
        cat(p->name_en, sizeof p->name_en, p->name_en, road->en,
            " Road Store No. ", nbuf);
        break;
    case ROLE_PHARMACY:
        num(nbuf, (unsigned)k + 1);
        cat(p->name_zh, sizeof p->name_zh, wd->zh, "大药房（", r->city_zh,
            road->zh);
        cat(p->name_zh, sizeof p->name_zh, p->name_zh, "路店）", NULL, NULL);
        cat(p->name_en, sizeof p->name_en, wd->en, " Pharmacy ", r->city_en,
            " ");
        cat(p->name_en, sizeof p->name_en, p->name_en, road->en,
            " Road Branch No. ", nbuf);
        break;
    default:
        if (company[p->role].city) {
            cat(p->name_zh, sizeof p->name_zh, r->city_zh, wd->zh,
                company[p->role].zh, NULL);
            cat(p->name_en, sizeof p->name_en, r->city_en, " ", wd->en,
                company[p->role].en);
        } else {
            cat(p->name_zh, sizeof p->name_zh, wd->zh, company[p->role].zh,
                NULL, NULL);
            cat(p->name_en, sizeof p->name_en, wd->en, company[p->role].en,
                NULL, NULL);
        }
        break;
    }
    num(nbuf, 1 + (unsigned)((k * 37 + 11) % 388));
    cat(p->street_zh, sizeof p->street_zh, road->zh, "路", nbuf, "号");
}

static int add_product(struct demo_cast *c, int owner, unsigned itemref,
                       const char *nzh, const char *nen, const char *bzh,
                       const char *ben, const char *net, const char *uom,
                       unsigned net_milli, unsigned shelf, unsigned per_case)
{
    struct demo_product *d = &c->prod[c->n_prod];

    make_gtin(&c->p[owner], '0', itemref, d->gtin);
    make_gtin(&c->p[owner], '1', itemref, d->case_gtin);
    d->owner = owner;
    d->name_zh = nzh;
    d->name_en = nen;
    d->brand_zh = bzh;
    d->brand_en = ben;
    d->net_content = net;
    d->uom = uom;
    d->net_milli = net_milli;
    d->shelf_days = shelf;
    d->per_case = per_case;
    if (bzh) /* a branded consumer product: the maker's service line */
        snprintf(d->hotline, sizeof d->hotline, "400-%03u-%04u",
                 (unsigned)(owner * 37 + 101) % 1000,
                 (unsigned)(owner * 7919 + 1234) % 10000);
    return c->n_prod++;
}

static const struct {
    const char *zh, *en, *net;
    const char *uom;
    unsigned milli, shelf, per_case;
    const char *standard; /* the national food safety standard it meets */
} dairy_products[3] = {
    {"纯牛奶（超高温灭菌乳）250mL", "Whole UHT milk 250 mL", "250 mL", "LTR",
     250, 180, 24, "GB 25190"}, /* 灭菌乳 */
    {"高钙低脂牛奶 250mL", "High-calcium low-fat UHT milk 250 mL", "250 mL",
     "LTR", 250, 180, 24, "GB 25191"}, /* 调制乳 */
    {"原味酸牛奶 200g", "Plain yogurt 200 g", "200 g", "KGM", 200, 21, 16,
     "GB 19302"}, /* 发酵乳 */
};

#define N_VEG 6

/* Product names composed at build time live here (static storage keeps
 * struct demo_product a bag of borrowed pointers). Per seed the cast is
 * rebuilt identically, so sharing across builds is harmless. */
static const char *const veg_names_zh[N_VEG] = {
    "精品番茄 5kg 箱装", "新鲜黄瓜 5kg 箱装", "有机菠菜 5kg 箱装",
    "大白菜 5kg 箱装",   "西兰花 5kg 箱装",   "青椒 5kg 箱装",
};
static const char *const veg_names_en[N_VEG] = {
    "Premium tomatoes, 5 kg case", "Fresh cucumbers, 5 kg case",
    "Organic spinach, 5 kg case",  "Chinese cabbage, 5 kg case",
    "Broccoli, 5 kg case",         "Green peppers, 5 kg case",
};
static const char *const harvest_zh[N_VEG] = {
    "番茄（采收批）",   "黄瓜（采收批）",   "菠菜（采收批）",
    "大白菜（采收批）", "西兰花（采收批）", "青椒（采收批）",
};
static const char *const harvest_en[N_VEG] = {
    "Tomatoes (harvest lot)", "Cucumbers (harvest lot)",
    "Spinach (harvest lot)",  "Chinese cabbage (harvest lot)",
    "Broccoli (harvest lot)", "Green peppers (harvest lot)",
};

static const struct {
    const char *zh, *en, *net, *api_zh, *api_en;
    unsigned api_milli, shelf;
} drugs[4] = {
    {"阿莫西林胶囊 0.25g×24粒", "Amoxicillin capsules 0.25 g x 24",
     "24 capsules", "阿莫西林（原料药）", "Amoxicillin (API, bulk)", 6, 730},
    {"布洛芬缓释胶囊 0.3g×20粒",
     "Ibuprofen sustained-release capsules 0.3 g x 20", "20 capsules",
     "布洛芬（原料药）", "Ibuprofen (API, bulk)", 6, 1095},
    {"盐酸二甲双胍片 0.5g×48片", "Metformin hydrochloride tablets 0.5 g x 48",
     "48 tablets", "盐酸二甲双胍（原料药）", "Metformin HCl (API, bulk)", 24,
     1095},
    {"头孢克肟分散片 0.1g×6片", "Cefixime dispersible tablets 0.1 g x 6",
     "6 tablets", "头孢克肟（原料药）", "Cefixime (API, bulk)", 1, 730},
};

void demo_cast_build(struct demo_cast *c, uint64_t seed)
{
    uint64_t rs = seed ^ 0x5A4C2D43415354ULL; /* "ZL-CAST" */
    unsigned word_off = (unsigned)demo_below(&rs, N_WORDS);
    int role, k, idx = 0, i;

    memset(c, 0, sizeof *c);
    for (role = 0; role < ROLE_COUNT; role++) {
        c->first[role] = idx;
        c->count[role] = role_counts[role];
        for (k = 0; k < role_counts[role]; k++, idx++) {
            struct demo_party *p = &c->p[idx];
            const struct region *r =
                &regions[role_regions[role][k % 6] % N_REGIONS];
            unsigned pfx;

            p->role = role;
            p->province_zh = r->prov_zh;
            p->city_zh = r->city_zh;
            p->city_en = r->city_en;
            do {
                pfx = 690 + (unsigned)demo_below(&rs, 10);
                p->gcp_len = pfx <= 691 ? 7 : pfx <= 695 ? 8 : 9;
                num(p->gcp, pfx);
                for (i = 3; i < p->gcp_len; i++)
                    p->gcp[i] = (char)('0' + demo_below(&rs, 10));
                p->gcp[p->gcp_len] = '\0';
            } while (gcp_taken(c, idx, p->gcp));
            make_gln(p, 0, p->gln);
            make_gln(p, 1, p->site_gln);
            make_gln(p, 2, p->dock_gln);
            make_uscc(p, &rs, r->code);
            p->use_dl = (int)demo_below(&rs, 2);
            p->link = k;
            name_party(p, k, r,
                       &words[(word_off + (unsigned)idx * 7) % N_WORDS],
                       &roads[(unsigned)(k + role) % N_ROADS]);
        }
    }
    /* One plant speaks EPC URNs, the other Digital Link: both always occur. */
    c->p[c->first[ROLE_PLANT]].use_dl = 0;
    c->p[c->first[ROLE_PLANT] + 1].use_dl = 1;

    for (k = 0; k < DEMO_N_FARMS; k++) {
        int pi = c->first[ROLE_FARM] + k;

        c->p[pi].link = k % DEMO_N_CC; /* the CC that buys its milk */
        c->raw_milk[k] = add_product(c, pi, 1, "生鲜牛乳", "Raw cow milk", NULL,
                                     NULL, "bulk", "KGM", 1000, 2, 1);
        c->prod[c->raw_milk[k]].standard = "GB 19301"; /* 生乳 */
    }
    for (k = 0; k < DEMO_N_CC; k++)
        c->pooled_milk[k] =
            add_product(c, c->first[ROLE_CC] + k, 1, "混合生鲜乳（收购批）",
                        "Pooled raw milk (collection lot)", NULL, NULL, "bulk",
                        "KGM", 1000, 2, 1);
    for (k = 0; k < DEMO_N_PLANTS; k++) {
        int pi = c->first[ROLE_PLANT] + k;
        const struct word *wd = &words[(word_off + (unsigned)pi * 7) % N_WORDS];

        for (i = 0; i < 3; i++) {
            c->dairy[k][i] = add_product(
                c, pi, 101 + (unsigned)i, dairy_products[i].zh,
                dairy_products[i].en, wd->zh, wd->en, dairy_products[i].net,
                dairy_products[i].uom, dairy_products[i].milli,
                dairy_products[i].shelf, dairy_products[i].per_case);
            c->prod[c->dairy[k][i]].standard = dairy_products[i].standard;
        }
    }
    for (k = 0; k < DEMO_N_STORES; k++)
        c->p[c->first[ROLE_STORE] + k].link = k % DEMO_N_DC;
    for (k = 0; k < DEMO_N_VFARMS; k++) {
        int v = k % (int)N_VEG;

        c->p[c->first[ROLE_VFARM] + k].link = k % DEMO_N_PACKERS;
        c->harvest[k] =
            add_product(c, c->first[ROLE_VFARM] + k, 1, harvest_zh[v],
                        harvest_en[v], NULL, NULL, "bulk", "KGM", 1000, 7, 1);
    }
    for (k = 0; k < DEMO_N_PACKERS; k++) {
        int pi = c->first[ROLE_PACKER] + k;
        const struct word *wd = &words[(word_off + (unsigned)pi * 7) % N_WORDS];

        for (i = 0; i < 3; i++) {
            int v = (k + 2 * i) % (int)N_VEG;

            c->veg[k][i] = add_product(c, pi, 201 + (unsigned)v,
                                       veg_names_zh[v], veg_names_en[v], wd->zh,
                                       wd->en, "5 kg", "KGM", 5000, 7, 1);
        }
    }
    for (k = 0; k < DEMO_N_PHARMA; k++) {
        int pi = c->first[ROLE_PHARMA] + k;
        const struct word *wd = &words[(word_off + (unsigned)pi * 7) % N_WORDS];

        for (i = 0; i < 2; i++) {
            int v = k * 2 + i;

            c->drug[k][i] =
                add_product(c, pi, 301 + (unsigned)v, drugs[v].zh, drugs[v].en,
                            wd->zh, wd->en, drugs[v].net, "KGM",
                            drugs[v].api_milli, drugs[v].shelf, 50);
            snprintf(c->prod[c->drug[k][i]].approval,
                     sizeof c->prod[0].approval, "国药准字H2099%04u",
                     301 + (unsigned)v);
            c->api[k][i] = add_product(c, pi, 401 + (unsigned)v,
                                       drugs[v].api_zh, drugs[v].api_en, NULL,
                                       NULL, "bulk", "KGM", 1000, 1095, 1);
        }
    }
    for (k = 0; k < DEMO_N_PHARMACIES; k++)
        c->p[c->first[ROLE_PHARMACY] + k].link = k % DEMO_N_WHOLESALERS;
}

static void w_kv(struct demo_w *w, const char *key, const char *val, int comma)
{
    if (comma)
        W_LIT(w, ",");
    W_LIT(w, "\"");
    w_str(w, key);
    W_LIT(w, "\":");
    if (val)
        w_json_str(w, val);
    else
        W_LIT(w, "null");
}

/* What each role's two locations are (the site where it makes, keeps or
 * sells goods, and the dock or store room where they come and go), named
 * as people there would name them, after the party's city. */
static const struct {
    const char *site_zh, *site_en, *dock_zh, *dock_en;
} sites[ROLE_COUNT] = {
    [ROLE_FARM] = {"牧场挤奶厅", "milking parlour", "奶罐间", "milk tank room"},
    [ROLE_CC] = {"收奶大厅", "milk reception hall", "冷却储奶罐区",
                 "cooling tanks"},
    [ROLE_PLANT] = {"乳品生产基地", "dairy plant", "成品库发货月台",
                    "finished goods dock"},
    [ROLE_DC] = {"冷链配送中心", "cold-chain distribution centre",
                 "冷库收发货月台", "cold store dock"},
    [ROLE_STORE] = {"门店卖场", "store floor", "门店收货区", "store receiving"},
    [ROLE_VFARM] = {"蔬菜种植基地", "growing site", "田头预冷库",
                    "field cooling room"},
    [ROLE_PACKER] = {"果蔬包装车间", "packing house", "冷藏发货月台",
                     "chilled dispatch dock"},
    [ROLE_MARKET] = {"农产品交易大厅", "trading hall", "进场查验区",
                     "inbound inspection area"},
    [ROLE_PHARMA] = {"药品生产基地", "drug manufacturing site", "成品药库",
                     "finished drug store"},
    [ROLE_WHOLESALER] = {"医药物流中心", "pharmaceutical logistics centre",
                         "阴凉库收发区", "cool store dock"},
    [ROLE_PHARMACY] = {"药房营业厅", "pharmacy counter", "药房库房",
                       "pharmacy store room"},
};

static void w_location(struct demo_w *w, const char *gln,
                       const struct demo_party *p, int dock)
{
    const char *zh = dock ? sites[p->role].dock_zh : sites[p->role].site_zh;
    const char *en = dock ? sites[p->role].dock_en : sites[p->role].site_en;

    W_LIT(w, "{\"gln\":\"");
    w_str(w, gln);
    W_LIT(w, "\",\"nameZh\":\"");
    w_str(w, p->city_zh);
    w_str(w, zh);
    W_LIT(w, "\",\"nameEn\":\"");
    w_str(w, p->city_en);
    W_LIT(w, " ");
    w_str(w, en);
    W_LIT(w, "\"}");
}

int zl_demo_parties_json(const struct zl_demo_opts *o, char **out, size_t *len)
{
    struct demo_cast *c = NULL;
    struct zl_buf b;
    struct demo_w w = {&b, 0};
    int i, rc = 0;

    zl_buf_init(&b, 4u << 20);
    *out = NULL;
    if (len)
        *len = 0;
    c = zl_malloc(sizeof *c);
    if (!c) {
        rc = ZL_ENOMEM;
        goto out;
    }
    demo_cast_build(c, o ? o->seed : 0);
    W_LIT(&w, "{\"parties\":[");
    for (i = 0; i < DEMO_N_PARTIES; i++) {
        const struct demo_party *p = &c->p[i];

        w_str(&w, i ? ",\n{" : "\n{");
        w_kv(&w, "uscc", p->uscc, 0);
        w_kv(&w, "nameZh", p->name_zh, 1);
        w_kv(&w, "nameEn", p->name_en, 1);
        w_kv(&w, "role", demo_role_name(p->role), 1);
        w_kv(&w, "gcp", p->gcp, 1);
        /* registered to the party: its goods pass the write rule
         * (docs/access.md) wherever it states events about them */
        W_LIT(&w, ",\"companyPrefixes\":[");
        w_json_str(&w, p->gcp);
        W_LIT(&w, "]");
        w_kv(&w, "gln", p->gln, 1);
        W_LIT(&w, ",\"pgln\":");
        w_pgln(&w, 0, p);
        w_kv(&w, "identifierSyntax", p->use_dl ? "digital-link" : "epc-urn", 1);
        W_LIT(&w, ",\"locations\":[");
        w_location(&w, p->site_gln, p, 0);
        W_LIT(&w, ",");
        w_location(&w, p->dock_gln, p, 1);
        W_LIT(&w, "],\"address\":{");
        w_kv(&w, "country", "CN", 0);
        w_kv(&w, "province", p->province_zh, 1);
        w_kv(&w, "city", p->city_zh, 1);
        w_kv(&w, "street", p->street_zh, 1);
        W_LIT(&w, "}}");
    }
    W_LIT(&w, "\n],\"products\":[");
    for (i = 0; i < c->n_prod; i++) {
        const struct demo_product *d = &c->prod[i];

        w_str(&w, i ? ",\n{" : "\n{");
        w_kv(&w, "gtin", d->gtin, 0);
        w_kv(&w, "caseGtin", d->case_gtin, 1);
        w_kv(&w, "nameZh", d->name_zh, 1);
        w_kv(&w, "nameEn", d->name_en, 1);
        w_kv(&w, "brandZh", d->brand_zh, 1);
        w_kv(&w, "brandEn", d->brand_en, 1);
        w_kv(&w, "netContent", d->net_content, 1);
        W_LIT(&w, ",\"shelfLifeDays\":");
        w_u64(&w, d->shelf_days);
        W_LIT(&w, ",\"unitsPerCase\":");
        w_u64(&w, d->per_case);
        if (d->standard)
            w_kv(&w, "standard", d->standard, 1);
        if (d->hotline[0])
            w_kv(&w, "hotline", d->hotline, 1);
        if (d->approval[0])
            w_kv(&w, "approvalNumber", d->approval, 1);
        w_kv(&w, "owner", c->p[d->owner].uscc, 1);
        W_LIT(&w, "}");
    }
    W_LIT(&w, "\n]}\n");
    rc = w.err;
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
