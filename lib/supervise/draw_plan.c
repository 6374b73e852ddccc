/*
 * draw_plan.c - the draw of an inspection plan (draw_plan.h), exactly as
 * docs/supervision.md states it and docs/draw_plan_verify.py re-runs it.
 *
 * Everything random comes from SHA-256 of short ASCII messages built from
 * the seed (64 lower-case hex digits) and a position, read as a 256-bit
 * big-endian number and reduced modulo a count or a total weight:
 *
 *   pick k of stratum S:     "<seed>|pick|<S>|<k>"   mod remaining weight
 *   step j of task t's team: "<seed>|team|<t>|<j>"   mod remaining pool
 *
 * Integers only, so C and Python agree bit for bit (the modulo bias is
 * below 2^-200: totals stay under 2^56). Enterprises of a stratum are
 * kept in USCC order and a pick takes the first whose cumulative weight
 * exceeds the number: weighted sampling without replacement, one
 * enterprise's chance at each pick being its weight over the remaining
 * total. A team walks a seeded permutation of the stratum's pool (each
 * step removes the chosen inspector from the pool, as RFC 3797 does) and
 * keeps the first candidates with no conflict. A redraw marks one
 * inspector unavailable for a task; re-running walks the same
 * permutation, so the rest of the team stays and the next acceptable
 * candidate joins.
 *
 * Speed: a Fenwick tree per stratum (weights) and per pool (counts)
 * makes a pick and a team step O(log n); a task's removals from its pool
 * are undone after the task. The naive twin (zl_dp_run_naive) scans
 * every enterprise and every inspector instead; the unit tests compare
 * the two and the benchmark reports both.
 *
 * Rejected: keyed orderings with weights (Efraimidis-Spirakis needs real
 * powers: floating point would make the Python and C answers differ);
 * a 64-bit PRNG seeded once (a re-run would have to replay the whole
 * stream to check one task).
 */
#include "supervise/draw_plan.h"

#include "util/alloc.h"
#include "util/codec.h"
#include "util/strmap.h"
#include "zhiliang/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 256

struct hasher {
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    char seedhex[65];
    uint64_t n;
};

static int hasher_init(struct hasher *h, const uint8_t seed[32])
{
    h->md = EVP_sha256();
    h->ctx = EVP_MD_CTX_new();
    h->n = 0;
    zl_hex_encode(seed, 32, h->seedhex);
    return h->ctx ? 0 : ZL_ENOMEM;
}

/* SHA-256 of "<seed>|<what>|<a>|<b>" mod m (m >= 1, m < 2^56). */
static uint64_t hmod(struct hasher *h, const char *what, const char *a,
                     uint64_t b, uint64_t m)
{
    char msg[MSG_MAX];
    uint8_t d[32];
    unsigned dl = 32;
    uint64_t r = 0;
    int n = snprintf(msg, sizeof msg, "%s|%s|%s|%llu", h->seedhex, what, a,
                     (unsigned long long)b);

    if (n < 0 || (size_t)n >= sizeof msg)
        n = (int)sizeof msg - 1;
    EVP_DigestInit_ex(h->ctx, h->md, NULL);
    EVP_DigestUpdate(h->ctx, msg, (size_t)n);
    EVP_DigestFinal_ex(h->ctx, d, &dl);
    h->n++;
    for (int i = 0; i < 32; i++)
        r = ((r << 8) | d[i]) % m;
    return r;
}

int zl_dp_seed(const char *key, size_t len, uint8_t seed[32])
{
    unsigned dl = 32;

    return EVP_Digest(key, len, seed, &dl, EVP_sha256(), NULL) == 1 ? 0
                                                                    : ZL_ENOMEM;
}

/* ---- Fenwick trees -------------------------------------------------------
 */

struct fen {
    uint64_t *t; /* 1-based */
    size_t n;
    int top; /* highest power of two <= n */
};

static int fen_init(struct fen *f, const uint64_t *w, size_t n)
{
    f->n = n;
    f->t = zl_calloc(n + 1, sizeof *f->t);
    if (!f->t)
        return ZL_ENOMEM;
    for (size_t i = 1; i <= n; i++) {
        size_t p = i + (i & (~i + 1));

        f->t[i] += w ? w[i - 1] : 1;
        if (p <= n)
            f->t[p] += f->t[i];
    }
    f->top = 0;
    while (((size_t)1 << (f->top + 1)) <= n)
        f->top++;
    return 0;
}

static void fen_add(struct fen *f, size_t i, int64_t d)
{
    for (i++; i <= f->n; i += i & (~i + 1))
        f->t[i] = (uint64_t)((int64_t)f->t[i] + d);
}

/* The 0-based index of the first element whose prefix sum exceeds r. */
static size_t fen_find(const struct fen *f, uint64_t r)
{
    size_t pos = 0;

    if (!f->n)
        return 0;
    for (size_t step = (size_t)1 << f->top; step; step >>= 1)
        if (pos + step <= f->n && f->t[pos + step] <= r) {
            pos += step;
            r -= f->t[pos];
        }
    return pos;
}

/* ---- the draw ------------------------------------------------------------
 */

struct pool {
    uint32_t *m; /* inspector indices, id order */
    size_t n, cap;
    struct fen f; /* built on first use */
    int built;
};

struct run {
    const struct zl_dp_input *in;
    struct zl_dp_result *out;
    struct hasher h;
    struct zl_strmap strata; /* name -> stratum slot (n = index) */
    struct slot {
        uint32_t *m; /* enterprise indices, USCC order */
        size_t n, cap;
    } * slots;
    size_t cap_slots;
    struct zl_strmap pools; /* name -> pool (val) */
    struct zl_strmap prev, unavail, recused;
    uint32_t *taken; /* a task's removals from its pool, undone after */
    size_t cap_taken;
    int naive;
};

static int in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static int covered(const struct zl_dp_plan *p, const char *region)
{
    for (size_t i = 0; i < p->n_regions; i++)
        if (!strncmp(region, p->regions[i], strlen(p->regions[i])))
            return 1;
    return 0;
}

static uint32_t weight(const struct zl_dp_plan *p, int credit)
{
    return credit >= 'A' && credit <= 'D' ? p->weights[credit - 'A'] : 0;
}

static int check_input(const struct zl_dp_input *in, struct zl_error *err)
{
    const struct zl_dp_plan *p = in->plan;

    if (p->level != 2 && p->level != 4 && p->level != 6)
        return zl_error_set(err, ZL_EINVAL, "plan.level", "must be 2, 4 or 6",
                            NULL, 0);
    if (p->team < 2 || p->team > ZL_DP_MAX_TEAM)
        return zl_error_set(err, ZL_EINVAL, "plan.team",
                            "must be 2 to 16 inspectors", NULL, 0);
    if (!p->count && (!p->permille || p->permille > 1000))
        return zl_error_set(err, ZL_EINVAL, "plan.count",
                            "need a count or a permille of 1..1000", NULL, 0);
    for (int c = 0; c < 4; c++)
        if (p->weights[c] > ZL_DP_MAX_WEIGHT)
            return zl_error_set(err, ZL_EINVAL, "plan.weights",
                                "a weight lies in 0..1000", NULL, 0);
    if (in->n_ent >= ((size_t)1 << 40) || in->n_insp >= ((size_t)1 << 31))
        return zl_error_set(err, ZL_ELIMIT, NULL, "registry too large", NULL,
                            0);
    for (size_t i = 0; i < in->n_ent; i++) {
        if (strlen(in->ent[i].region) != 6)
            return zl_error_set(err, ZL_EINVAL, "enterprise.region",
                                "must be a 6-digit GB/T 2260 code",
                                in->ent[i].uscc, (size_t)-1);
        if (i && strcmp(in->ent[i - 1].uscc, in->ent[i].uscc) >= 0)
            return zl_error_set(err, ZL_EINVAL, "enterprises",
                                "must be sorted by USCC, no duplicates",
                                in->ent[i].uscc, (size_t)-1);
    }
    for (size_t i = 1; i < in->n_insp; i++)
        if (strcmp(in->insp[i - 1].id, in->insp[i].id) >= 0)
            return zl_error_set(err, ZL_EINVAL, "inspectors",
                                "must be sorted by id, no duplicates",
                                in->insp[i].id, (size_t)-1);
    return 0;
}

/* "a|b" into k (MSG_MAX bytes): 0, or -1 when it does not fit. */
static int pair_key(char k[MSG_MAX], const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la + lb + 2 > MSG_MAX)
        return -1;
    memcpy(k, a, la);
    k[la] = '|';
    memcpy(k + la + 1, b, lb + 1);
    return 0;
}

static int set_add(struct zl_strmap *m, const char *a, const char *b)
{
    char k[MSG_MAX];
    int rc = 0;

    if (pair_key(k, a, b))
        return ZL_ELIMIT;
    return zl_strmap_put(m, k, NULL, &rc) ? 0 : rc;
}

static int set_has(const struct zl_strmap *m, const char *a, const char *b)
{
    char k[MSG_MAX];

    if (!zl_strmap_count(m) || pair_key(k, a, b))
        return 0;
    return zl_strmap_find(m, k) != NULL;
}

static int cmp_name(const void *a, const void *b)
{
    const struct zl_dp_stratum *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* The index of s in v[0..n), or -1. */
static long index_of(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return (long)i;
    return -1;
}

/* Enterprises into strata, in USCC order. Neighbours in USCC order share
 * their region (its code is inside the USCC), so the region's coverage
 * and each category's last stratum are cached: a national registry costs
 * a few comparisons an enterprise, not a formatted key and a lookup. */
static int build_strata(struct run *r)
{
    const struct zl_dp_input *in = r->in;
    const struct zl_dp_plan *p = in->plan;
    struct last {
        char name[64];
        size_t slot;
    } *cache = zl_calloc(p->n_cats + 1, sizeof *cache);
    const char *last_region = NULL, *last_cat = NULL;
    long last_pc = -1;
    char name[64];
    int rc = 0, cov = 0;

    if (!cache)
        return ZL_ENOMEM;
    for (size_t i = 0; i < in->n_ent && !rc; i++) {
        const struct zl_dp_enterprise *e = &in->ent[i];

        if (!weight(p, e->credit))
            continue;
        if (!last_region || strcmp(last_region, e->region)) {
            last_region = e->region;
            cov = covered(p, e->region);
        }
        if (!cov)
            continue;
        for (size_t c = 0; c < e->n_cats && !rc; c++) {
            struct zl_strmap_entry *se;
            long pc;
            size_t k, cl;

            /* registries repeat the same category strings: remember the
             * last pointer seen */
            if (e->cats[c] == last_cat) {
                pc = last_pc;
            } else {
                pc = last_pc = index_of(p->cats, p->n_cats, e->cats[c]);
                last_cat = e->cats[c];
            }
            cl = strlen(e->cats[c]);
            int added = 0;

            if (pc < 0 || in_list(e->cats, c, e->cats[c]))
                continue;
            if ((size_t)p->level + 1 + cl >= sizeof name) {
                rc = ZL_ELIMIT;
                break;
            }
            memcpy(name, e->region, (size_t)p->level);
            name[p->level] = '/';
            memcpy(name + p->level + 1, e->cats[c], cl + 1);
            if (cache[pc].name[0] && !strcmp(cache[pc].name, name)) {
                k = cache[pc].slot;
            } else {
                if (!(se = zl_strmap_put(&r->strata, name, &added, &rc)))
                    break;
                if (added) {
                    k = zl_strmap_count(&r->strata) - 1;
                    se->n = (long long)k;
                    if ((rc = zl_grow((void **)&r->slots, &r->cap_slots, k + 1,
                                      sizeof *r->slots, 64, NULL)))
                        break;
                    memset(&r->slots[k], 0, sizeof r->slots[k]);
                }
                k = (size_t)se->n;
                memcpy(cache[pc].name, name, sizeof name);
                cache[pc].slot = k;
            }
            if ((rc = zl_grow((void **)&r->slots[k].m, &r->slots[k].cap,
                              r->slots[k].n + 1, sizeof(uint32_t), 16, NULL)))
                break;
            r->slots[k].m[r->slots[k].n++] = (uint32_t)i;
        }
    }
    zl_free(cache);
    return rc;
}

static void free_pool(void *v)
{
    struct pool *pl = v;

    if (!pl)
        return;
    zl_free(pl->m);
    zl_free(pl->f.t);
    zl_free(pl);
}

/* Inspectors into pools "<region prefix>/<category>", in id order. */
static int build_pools(struct run *r)
{
    const struct zl_dp_input *in = r->in;
    const struct zl_dp_plan *p = in->plan;
    char name[MSG_MAX];
    int rc = 0;

    for (size_t i = 0; i < in->n_insp; i++) {
        const struct zl_dp_inspector *x = &in->insp[i];

        if (strlen(x->region) < (size_t)p->level)
            continue;
        for (size_t q = 0; q < x->n_quals; q++) {
            struct zl_strmap_entry *pe;
            struct pool *pl;
            size_t ql = strlen(x->quals[q]);

            if (!in_list(p->cats, p->n_cats, x->quals[q]) ||
                in_list(x->quals, q, x->quals[q]))
                continue;
            if ((size_t)p->level + 2 + ql > sizeof name)
                return ZL_ELIMIT;
            memcpy(name, x->region, (size_t)p->level);
            name[p->level] = '/';
            memcpy(name + p->level + 1, x->quals[q], ql + 1);
            if (!(pe = zl_strmap_put(&r->pools, name, NULL, &rc)))
                return rc;
            if (!pe->val && !(pe->val = zl_calloc(1, sizeof(struct pool))))
                return ZL_ENOMEM;
            pl = pe->val;
            if ((rc = zl_grow((void **)&pl->m, &pl->cap, pl->n + 1,
                              sizeof(uint32_t), 16, NULL)))
                return rc;
            pl->m[pl->n++] = (uint32_t)i;
        }
    }
    return 0;
}

/* Is inspector x barred from enterprise e in task t? 1 derived (public:
 * unit, previous draw), 2 declared, 0 free. */
static int conflict(struct run *r, uint32_t t, const struct zl_dp_inspector *x,
                    const struct zl_dp_enterprise *e)
{
    char ts[24];

    if (in_list(e->units, e->n_units, x->unit) ||
        set_has(&r->prev, x->id, e->uscc))
        return 1;
    if (r->in->recusals) {
        snprintf(ts, sizeof ts, "%u", t);
        return set_has(&r->recused, ts, x->id) ? 2 : 0;
    }
    for (size_t lo = 0, hi = x->n_conflicts; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(x->conflicts[mid], e->uscc);

        if (!c)
            return 2;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The team of task t: walk the pool's seeded permutation. */
static int draw_team(struct run *r, struct zl_dp_task *task,
                     const char *pool_name)
{
    const struct zl_dp_input *in = r->in;
    const struct zl_dp_enterprise *e = &in->ent[task->enterprise];
    struct zl_strmap_entry *pe = zl_strmap_find(&r->pools, pool_name);
    struct pool *pl = pe ? pe->val : NULL;
    uint32_t *taken = NULL, *work = NULL;
    size_t n_taken = 0, remaining, cap_rec = 0;
    char ts[24];
    int rc = 0;

    if (!pl || !pl->n)
        return 0;
    snprintf(ts, sizeof ts, "%u", task->task);
    if (r->naive) {
        /* scan every inspector for the pool, then remove by memmove */
        const char *slash = strchr(pool_name, '/');
        size_t rl = (size_t)(slash - pool_name);

        work = zl_malloc(in->n_insp * sizeof *work + 1);
        if (!work)
            return ZL_ENOMEM;
        remaining = 0;
        for (size_t i = 0; i < in->n_insp; i++) {
            const struct zl_dp_inspector *x = &in->insp[i];

            if (!strncmp(x->region, pool_name, rl) && strlen(x->region) >= rl &&
                in_list(x->quals, x->n_quals, slash + 1))
                work[remaining++] = (uint32_t)i;
        }
    } else {
        if (!pl->built) {
            if ((rc = fen_init(&pl->f, NULL, pl->n)))
                return rc;
            pl->built = 1;
        }
        remaining = pl->n;
        if ((rc = zl_grow((void **)&r->taken, &r->cap_taken, pl->n,
                          sizeof *r->taken, 64, NULL)))
            return rc;
        taken = r->taken;
    }
    for (uint64_t j = 0; task->n_team < in->plan->team && remaining; j++) {
        uint64_t k = hmod(&r->h, "team", ts, j, remaining);
        uint32_t c;
        int why;

        if (r->naive) {
            c = work[k];
            memmove(work + k, work + k + 1, (remaining - k - 1) * sizeof *work);
        } else {
            size_t pos = fen_find(&pl->f, k);

            c = pl->m[pos];
            fen_add(&pl->f, pos, -1);
            taken[n_taken++] = (uint32_t)pos;
        }
        remaining--;
        if (set_has(&r->unavail, ts, in->insp[c].id))
            continue;
        r->out->conflict_checks++;
        why = conflict(r, task->task, &in->insp[c], e);
        if (why == 2) {
            if ((rc = zl_grow((void **)&task->recused, &cap_rec,
                              task->n_recused + 1, sizeof(uint32_t), 4, NULL)))
                break;
            task->recused[task->n_recused++] = c;
        }
        if (!why)
            task->team[task->n_team++] = c;
    }
    for (size_t i = 0; i < n_taken; i++)
        fen_add(&pl->f, taken[i], 1);
    zl_free(work);
    return rc;
}

/* Draw one stratum's enterprises; append their tasks. */
static int draw_stratum(struct run *r, size_t si, const uint32_t *mem,
                        size_t n_mem, size_t *cap_tasks)
{
    struct zl_dp_result *out = r->out;
    struct zl_dp_stratum *st = &out->strata[si];
    const struct zl_dp_plan *p = r->in->plan;
    uint64_t *w = zl_malloc((n_mem + 1) * sizeof *w), total = 0;
    struct fen f = {0};
    uint64_t want;
    int rc = 0;

    if (!w)
        return ZL_ENOMEM;
    for (size_t i = 0; i < n_mem; i++)
        total += w[i] = weight(p, r->in->ent[mem[i]].credit);
    st->population = (uint32_t)n_mem;
    want = p->count ? p->count : ((uint64_t)n_mem * p->permille + 999) / 1000;
    if (want > n_mem)
        want = n_mem;
    if (!r->naive && (rc = fen_init(&f, w, n_mem)))
        goto out;
    for (uint64_t k = 0; k < want && total; k++) {
        uint64_t x = hmod(&r->h, "pick", st->name, k, total);
        size_t pos = 0;
        struct zl_dp_task *t;

        if (r->naive) {
            uint64_t cum = 0;

            for (pos = 0; pos < n_mem; pos++)
                if ((cum += w[pos]) > x)
                    break;
        } else {
            pos = fen_find(&f, x);
            fen_add(&f, pos, -(int64_t)w[pos]);
        }
        total -= w[pos];
        w[pos] = 0;
        if ((rc = zl_grow((void **)&out->tasks, cap_tasks, out->n_tasks + 1,
                          sizeof *out->tasks, 256, NULL)))
            goto out;
        t = &out->tasks[out->n_tasks++];
        memset(t, 0, sizeof *t);
        t->task = (uint32_t)out->n_tasks;
        t->stratum = (uint32_t)si;
        t->enterprise = mem[pos];
        t->category = strchr(st->name, '/') + 1;
        st->drawn++;
    }
out:
    zl_free(f.t);
    zl_free(w);
    return rc;
}

static int run(const struct zl_dp_input *in, struct zl_dp_result *out,
               struct zl_error *err, int naive)
{
    struct run r;
    size_t n, cap_tasks = 0;
    char ts[24];
    int rc;

    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    r.in = in;
    r.out = out;
    r.naive = naive;
    zl_strmap_init(&r.strata, (size_t)1 << 24);
    zl_strmap_init(&r.pools, (size_t)1 << 24);
    zl_strmap_init(&r.prev, (size_t)1 << 26);
    zl_strmap_init(&r.unavail, (size_t)1 << 24);
    zl_strmap_init(&r.recused, (size_t)1 << 24);
    if ((rc = check_input(in, err)) || (rc = hasher_init(&r.h, in->seed)))
        goto out;
    for (size_t i = 0; i < in->n_prev && !rc; i++)
        rc = set_add(&r.prev, in->prev[i].inspector, in->prev[i].uscc);
    for (size_t i = 0; i < in->n_unavail && !rc; i++) {
        snprintf(ts, sizeof ts, "%u", in->unavail[i].task);
        rc = set_add(&r.unavail, ts, in->unavail[i].inspector);
    }
    for (size_t i = 0; in->recusals && i < in->n_recusals && !rc; i++) {
        snprintf(ts, sizeof ts, "%u", in->recusals[i].task);
        rc = set_add(&r.recused, ts, in->recusals[i].inspector);
    }
    if (rc || (rc = build_strata(&r)) || (rc = build_pools(&r)))
        goto out;
    n = zl_strmap_count(&r.strata);
    if (n && !(out->strata = zl_calloc(n, sizeof *out->strata))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct zl_strmap_entry *se = zl_strmap_at(&r.strata, i);

        out->strata[i].name = zl_strdup(se->key);
        out->strata[i].population = (uint32_t)se->n; /* slot, for now */
        out->n_strata = i + 1;
        if (!out->strata[i].name) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (n)
        qsort(out->strata, n, sizeof *out->strata, cmp_name);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t slot = out->strata[i].population;

        rc = draw_stratum(&r, i, r.slots[slot].m, r.slots[slot].n, &cap_tasks);
    }
    for (size_t i = 0; i < out->n_tasks && !rc; i++)
        rc = draw_team(&r, &out->tasks[i],
                       out->strata[out->tasks[i].stratum].name);
out:
    out->hashes = r.h.n;
    EVP_MD_CTX_free(r.h.ctx);
    for (size_t i = 0; r.slots && i < zl_strmap_count(&r.strata); i++)
        zl_free(r.slots[i].m);
    zl_free(r.slots);
    zl_free(r.taken);
    zl_strmap_cleanup(&r.strata, NULL);
    zl_strmap_cleanup(&r.pools, free_pool);
    zl_strmap_cleanup(&r.prev, NULL);
    zl_strmap_cleanup(&r.unavail, NULL);
    zl_strmap_cleanup(&r.recused, NULL);
    return rc;
}

int zl_dp_run(const struct zl_dp_input *in, struct zl_dp_result *out,
              struct zl_error *err)
{
    return run(in, out, err, 0);
}

int zl_dp_run_naive(const struct zl_dp_input *in, struct zl_dp_result *out,
                    struct zl_error *err)
{
    return run(in, out, err, 1);
}

void zl_dp_free(struct zl_dp_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_strata; i++)
        zl_free(r->strata[i].name);
    for (size_t i = 0; i < r->n_tasks; i++)
        zl_free(r->tasks[i].recused);
    zl_free(r->strata);
    zl_free(r->tasks);
    memset(r, 0, sizeof *r);
}
