/*
 * vocab.c - CBV 2.0 and GS1 web vocabularies used by EPCIS events: term
 * lists, membership, and the canonical web URI of a term.
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
 * The bump arena these functions allocate from is ep_arena.c; SHA-256 is
 * ep_sha256.c.
 */
#include "epcis/epcis_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const voc_btt[] = {
    "bol",       "cert",   "desadv", "inv",     "pedigree", "po",    "poc",
    "prodorder", "recadv", "rma",    "testprd", "testres",  "upevt",
};
static const char *const voc_er[] = {
    "did_not_occur",
    "incorrect_data",
};
static const char *const voc_comp[] = {
    "altitude",
    "axial_distance",
    "azimuth",
    "easting",
    "elevation_angle",
    "height",
    "latitude",
    "longitude",
    "northing",
    "polar_angle",
    "spherical_radius",
    "x",
    "y",
    "z",
};
static const char *const voc_measure[] = {
    "AbsoluteHumidity",
    "AbsorbedDose",
    "AbsorbedDoseRate",
    "Acceleration",
    "Altitude",
    "AmountOfSubstance",
    "AmountOfSubstancePerUnitVolume",
    "Angle",
    "AngularAcceleration",
    "AngularMomentum",
    "AngularVelocity",
    "Area",
    "Capacitance",
    "Conductance",
    "Conductivity",
    "Count",
    "Density",
    "Dimensionless",
    "DoseEquivalent",
    "DoseEquivalentRate",
    "DynamicViscosity",
    "ElectricCharge",
    "ElectricCurrent",
    "ElectricCurrentDensity",
    "ElectricFieldStrength",
    "Energy",
    "Exposure",
    "Force",
    "Frequency",
    "Illuminance",
    "Inductance",
    "Irradiance",
    "KinematicViscosity",
    "Length",
    "LinearMomentum",
    "Luminance",
    "LuminousFlux",
    "LuminousIntensity",
    "MagneticFlux",
    "MagneticFluxDensity",
    "MagneticVectorPotential",
    "Mass",
    "MassConcentration",
    "MassFlowRate",
    "MassPerAreaTime",
    "MemoryCapacity",
    "MolalityOfSolute",
    "MolarEnergy",
    "MolarMass",
    "MolarVolume",
    "Power",
    "Pressure",
    "RadiantFlux",
    "RadiantIntensity",
    "Radioactivity",
    "RelativeHumidity",
    "Resistance",
    "Resistivity",
    "SolidAngle",
    "SpecificVolume",
    "Speed",
    "SurfaceDensity",
    "SurfaceTension",
    "Temperature",
    "Time",
    "Torque",
    "Voltage",
    "Volume",
    "VolumeFlowRate",
    "VolumeFraction",
    "VolumetricFlux",
    "Wavenumber",
};
static const char *const voc_alert[] = {
    "ALARM_CONDITION",
    "ERROR_CONDITION",
};

struct voc_def {
    const char *prefix;
    const char *const *terms;
    size_t n;
};

#define VOC(p, a)                                                              \
    {                                                                          \
        p, a, sizeof(a) / sizeof((a)[0])                                       \
    }
/* Business steps, dispositions and source/destination types are the
 * tables of cbv.c (zhiliang/cbv.h). */
static const struct voc_def vocabs[EP_VOC_N] = {
    {"https://ref.gs1.org/cbv/BizStep-", NULL, 0},
    {"https://ref.gs1.org/cbv/Disp-", NULL, 0},
    VOC("https://ref.gs1.org/cbv/BTT-", voc_btt),
    {"https://ref.gs1.org/cbv/SDT-", NULL, 0},
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
    {"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"},
    {"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"},
    {"urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"},
    {"urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"},
    {"urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"},
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
