/*
 * vocab.c - CBV 2.0 and GS1 web vocabularies used by EPCIS events, the
 * bump arena the module allocates from, and SHA-256.
 *
 * The term lists are the enumerations of the GS1 EPCIS 2.0 JSON Schema
 * (bizTransaction type, error reason; bizStep, disposition and source/
 * destination type are the tables of cbv.c) and of the EPCIS JSON-LD
 * context (sensor component, measurement type, sensor alert type), kept
 * sorted for bsearch. They map
 * a bare term to its web URI by a fixed prefix, which is all the JSON-LD
 * context does for them; a general JSON-LD processor was rejected as far
 * too slow for capture and unnecessary for these closed lists.
 *
 * The arena hands out 8-byte aligned pieces of 16 KiB+ chunks; every
 * string of a parsed document lives in one, freed at once.
 */
#include "epcis/epcis_int.h"

#include "util/alloc.h"
#include "util/codec.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const voc_btt[] = {
    "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder",
    "recadv", "rma", "testprd", "testres", "upevt",
};
static const char *const voc_er[] = {
    "did_not_occur", "incorrect_data",
};
static const char *const voc_comp[] = {
    "altitude", "axial_distance", "azimuth", "easting", "elevation_angle",
    "height", "latitude", "longitude", "northing", "polar_angle",
    "spherical_radius", "x", "y", "z",
};
static const char *const voc_measure[] = {
    "AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration",
    "Altitude", "AmountOfSubstance", "AmountOfSubstancePerUnitVolume",
    "Angle", "AngularAcceleration", "AngularMomentum", "AngularVelocity",
    "Area", "Capacitance", "Conductance", "Conductivity", "Count", "Density",
    "Dimensionless", "DoseEquivalent", "DoseEquivalentRate",
    "DynamicViscosity", "ElectricCharge", "ElectricCurrent",
    "ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure",
    "Force", "Frequency", "Illuminance", "Inductance", "Irradiance",
    "KinematicViscosity", "Length", "LinearMomentum", "Luminance",
    "LuminousFlux", "LuminousIntensity", "MagneticFlux",
    "MagneticFluxDensity", "MagneticVectorPotential", "Mass",
    "MassConcentration", "MassFlowRate", "MassPerAreaTime", "MemoryCapacity",
    "MolalityOfSolute", "MolarEnergy", "MolarMass", "MolarVolume", "Power",
    "Pressure", "RadiantFlux", "RadiantIntensity", "Radioactivity",
    "RelativeHumidity", "Resistance", "Resistivity", "SolidAngle",
    "SpecificVolume", "Speed", "SurfaceDensity", "SurfaceTension",
    "Temperature", "Time", "Torque", "Voltage", "Volume", "VolumeFlowRate",
    "VolumeFraction", "VolumetricFlux", "Wavenumber",
};
static const char *const voc_alert[] = {
    "ALARM_CONDITION", "ERROR_CONDITION",
};

struct voc_def {
    const char *prefix;
    const char *const *terms;
    size_t n;
};

#define VOC(p, a) { p, a, sizeof(a) / sizeof((a)[0]) }
/* Business steps, dispositions and source/destination types are the
 * tables of cbv.c (zhiliang/cbv.h). */
static const struct voc_def vocabs[EP_VOC_N] = {
    { "https://ref.gs1.org/cbv/BizStep-", NULL, 0 },
    { "https://ref.gs1.org/cbv/Disp-", NULL, 0 },
    VOC("https://ref.gs1.org/cbv/BTT-", voc_btt),
    { "https://ref.gs1.org/cbv/SDT-", NULL, 0 },
    VOC("https://ref.gs1.org/cbv/ER-", voc_er),
    VOC("https://ref.gs1.org/cbv/Comp-", voc_comp),
    VOC("https://gs1.org/voc/", voc_measure),
    VOC("https://gs1.org/voc/", voc_alert),
};

const char *ep_vocab_prefix(enum ep_vocab v)
{
    return vocabs[v].prefix;
}

int ep_vocab_has(enum ep_vocab v, const char *s, size_t n)
{
    size_t lo = 0, hi = vocabs[v].n;
    if (!vocabs[v].terms)
        return ep_cbv_has(v, s, n);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *t = vocabs[v].terms[mid];
        size_t tl = strlen(t);
        int c = memcmp(s, t, n < tl ? n : tl);
        if (c == 0)
            c = n < tl ? -1 : (n > tl ? 1 : 0);
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Old CBV 1.2 URNs and their CBV 2.0 web URI prefixes. */
static const char *const urn_map[][2] = {
    { "urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-" },
    { "urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-" },
    { "urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-" },
    { "urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-" },
    { "urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-" },
};

static const char *concat(struct ep_arena *a, const char *p, const char *s,
                          size_t n)
{
    size_t pl = strlen(p);
    char *r = ep_alloc(a, pl + n + 1);
    if (!r)
        return NULL;
    memcpy(r, p, pl);
    memcpy(r + pl, s, n);
    r[pl + n] = '\0';
    return r;
}

const char *ep_cbv_canonical(enum ep_vocab v, const char *s, size_t n,
                             struct ep_arena *a)
{
    size_t i;
    if (ep_vocab_has(v, s, n))
        return concat(a, vocabs[v].prefix, s, n);
    for (i = 0; i < sizeof urn_map / sizeof urn_map[0]; i++) {
        size_t ul = strlen(urn_map[i][0]);
        if (n > ul && memcmp(s, urn_map[i][0], ul) == 0)
            return concat(a, urn_map[i][1], s + ul, n - ul);
    }
    if (n > 4 && memcmp(s, "cbv:", 4) == 0)
        return concat(a, "https://ref.gs1.org/cbv/", s + 4, n - 4);
    if (n > 4 && memcmp(s, "gs1:", 4) == 0)
        return concat(a, "https://gs1.org/voc/", s + 4, n - 4);
    return ep_strndup(a, s, n);
}

/* ---- arena ---- */
struct ep_chunk {
    struct ep_chunk *next;
    size_t used, cap;
    _Alignas(8) char data[];
};

#define EP_CHUNK_MIN ((size_t)16384)

void ep_arena_init(struct ep_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void ep_arena_reset(struct ep_arena *a)
{
    struct ep_chunk *c = a->head, *next;
    if (!c)
        return;
    next = c->next;
    while (next) {
        struct ep_chunk *n2 = next->next;
        zl_free(next);
        next = n2;
    }
    c->next = NULL;
    c->used = 0;
    a->total = c->cap;
}

void ep_arena_keep(struct ep_arena *a, size_t max)
{
    size_t want = a->total;
    struct ep_chunk *c;

    if (a->head && !a->head->next && a->head->cap >= want) {
        a->head->used = 0;
        return;
    }
    ep_arena_cleanup(a);
    if (want == 0 || want > max)
        return;
    c = zl_malloc(sizeof *c + want);
    if (!c)
        return;
    c->cap = want;
    c->used = 0;
    c->next = NULL;
    a->head = c;
    a->total = want;
}

void ep_arena_cleanup(struct ep_arena *a)
{
    struct ep_chunk *c = a->head;
    while (c) {
        struct ep_chunk *n = c->next;
        zl_free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *ep_alloc(struct ep_arena *a, size_t n)
{
    struct ep_chunk *c = a->head;
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > EP_CHUNK_MIN ? n : EP_CHUNK_MIN;
        if (c && c->cap * 2 > cap && c->cap < ((size_t)1 << 24))
            cap = c->cap * 2 > n ? c->cap * 2 : n;
        c = zl_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    c->used += n;
    return c->data + c->used - n;
}

char *ep_strndup(struct ep_arena *a, const char *s, size_t n)
{
    char *r = ep_alloc(a, n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* ---- SHA-256 ---- */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int ep_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md)
        return ZL_ENOMEM;
    if (EVP_Digest(p, n, out, &len, sha256_md, NULL) != 1 || len != 32)
        return ZL_ENOMEM;
    return 0;
}

void zl_event_hash_id(const uint8_t h[32], char out[96])
{
    static const char pre[] = "ni:///sha-256;";
    static const char post[] = "?ver=CBV2.0";
    memcpy(out, pre, sizeof pre - 1);
    zl_hex_encode(h, 32, out + sizeof pre - 1);
    memcpy(out + sizeof pre - 1 + 64, post, sizeof post);
}
