/*
 * webhook.c - where a subscription may send events: the address policy
 * of webhook destinations (zhiliang/subscription.h).
 *
 * A webhook is a request the server makes on a party's say-so, so a dest
 * of http://169.254.169.254/ (a cloud's metadata service), http://
 * localhost:5432/ or http://10.0.0.7/admin would turn the subscription
 * into a probe of the operator's own network (SSRF). Destinations whose
 * address is internal are refused unless the operator lists them in the
 * store setting "webhook.allow_internal" (CIDR ranges, comma-separated;
 * `zhiliang query webhook-allow`), for every party, or in a party's own
 * "webhook.allow_internal:<party ID>" (`webhook-allow --party`), for
 * that party's subscriptions only: a party's on-premises receiver need
 * not open the range to every other party. The check runs twice:
 *   - at creation, on every address the dest's host resolves to now; a
 *     name that does not resolve now is refused (a typo, or a name not
 *     yet in DNS, would otherwise fail only at delivery, out of sight of
 *     whoever made the subscription);
 *   - at delivery, on the address libcurl is about to connect to
 *     (server/subscriber.c, CURLOPT_OPENSOCKETFUNCTION), so a name that
 *     resolved to a public address at creation and to 127.0.0.1 later (DNS
 *     rebinding) is refused at the socket, not just at the form.
 *
 * "Internal" is every range of the IANA IPv4 and IPv6 Special-Purpose
 * Address Registries (RFC 6890 and its updates) that is not globally
 * reachable, with the documentation and benchmarking ranges (nothing
 * legitimate listens there), multicast and the reserved 240.0.0.0/4.
 * IPv4-mapped, IPv4-compatible and NAT64 (64:ff9b::/96) IPv6 addresses
 * are judged by the IPv4 address they carry.
 *
 * Rejected: a list of allowed hostnames (names are what rebinding
 * attacks; the address at connect time is what matters); resolving once
 * at creation and pinning the address (a receiver's address may change
 * legitimately).
 */
#include "zhiliang/subscription.h"

#include "query/subs_log.h"
#include "store/store.h"
#include "util/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define ALLOW_KEY       ZL_WEBHOOK_ALLOW_KEY
#define ALLOW_KEY_PARTY ALLOW_KEY ":"
#define ALLOW_MAX       4096
#define HOST_MAX        256
#define ADDRS_MAX       32

/* ---- ranges ------------------------------------------------------------- */

struct range {
    uint8_t a[16];
    int bits, v6;
    const char *why;
};

static const struct {
    const char *cidr, *why;
} INTERNAL[] = {
    {"0.0.0.0/8", "\"this network\" (RFC 791)"},
    {"10.0.0.0/8", "private (RFC 1918)"},
    {"100.64.0.0/10", "shared address space (RFC 6598)"},
    {"127.0.0.0/8", "loopback (RFC 1122)"},
    {"169.254.0.0/16", "link-local (RFC 3927)"},
    {"172.16.0.0/12", "private (RFC 1918)"},
    {"192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
    {"192.0.2.0/24", "documentation (RFC 5737)"},
    {"192.88.99.0/24", "6to4 relay anycast (RFC 7526)"},
    {"192.168.0.0/16", "private (RFC 1918)"},
    {"198.18.0.0/15", "benchmarking (RFC 2544)"},
    {"198.51.100.0/24", "documentation (RFC 5737)"},
    {"203.0.113.0/24", "documentation (RFC 5737)"},
    {"224.0.0.0/4", "multicast (RFC 5771)"},
    {"240.0.0.0/4", "reserved (RFC 1112)"},
    {"::/128", "unspecified (RFC 4291)"},
    {"::1/128", "loopback (RFC 4291)"},
    {"100::/64", "discard-only (RFC 6666)"},
    {"2001::/23", "IETF protocol assignments (RFC 2928)"},
    {"2001:db8::/32", "documentation (RFC 3849)"},
    {"fc00::/7", "unique-local (RFC 4193)"},
    {"fe80::/10", "link-local (RFC 4291)"},
    {"fec0::/10", "site-local (RFC 3879)"},
    {"ff00::/8", "multicast (RFC 4291)"},
};

static int parse_cidr(const char *s, size_t n, struct range *r)
{
    char buf[64];
    const char *slash;
    int max;

    if (n == 0 || n >= sizeof buf)
        return ZL_EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(r, 0, sizeof *r);
    slash = strchr(buf, '/');
    if (slash)
        buf[slash - buf] = '\0';
    if (inet_pton(AF_INET, buf, r->a) == 1) {
        r->v6 = 0;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, r->a) == 1) {
        r->v6 = 1;
        max = 128;
    } else {
        return ZL_EINVAL;
    }
    r->bits = max;
    if (slash) {
        const char *p = slash + 1;
        int v = 0;

        if (!*p || strlen(p) > 3)
            return ZL_EINVAL;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return ZL_EINVAL;
            v = v * 10 + (*p - '0');
        }
        if (v > max)
            return ZL_EINVAL;
        r->bits = v;
    }
    return 0;
}

static int in_range(const struct range *r, const uint8_t *a, int v6)
{
    int full = r->bits / 8, rest = r->bits % 8;

    if (r->v6 != v6)
        return 0;
    if (memcmp(r->a, a, (size_t)full))
        return 0;
    if (rest) {
        uint8_t m = (uint8_t)(0xff << (8 - rest));

        return (r->a[full] & m) == (a[full] & m);
    }
    return 1;
}

/* The IPv4 address an IPv6 one carries (mapped ::ffff:0:0/96, the
 * deprecated compatible ::/96 beyond ::1, NAT64 64:ff9b::/96), or NULL. */
static const uint8_t *embedded_v4(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
    static const uint8_t zero[12] = {0};

    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return a + 12;
    if (!memcmp(a, zero, 12) && (a[12] | a[13] | a[14]))
        return a + 12;
    return NULL;
}

const char *zl_addr_internal(const struct sockaddr *sa)
{
    const uint8_t *a;
    int v6;
    struct range r;

    if (sa->sa_family == AF_INET) {
        a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        v6 = 0;
    } else if (sa->sa_family == AF_INET6) {
        a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        v6 = 1;
        if (embedded_v4(a)) {
            a = embedded_v4(a);
            v6 = 0;
        }
    } else {
        return "not an IP address";
    }
    for (size_t i = 0; i < sizeof INTERNAL / sizeof INTERNAL[0]; i++)
        if (!parse_cidr(INTERNAL[i].cidr, strlen(INTERNAL[i].cidr), &r) &&
            in_range(&r, a, v6))
            return INTERNAL[i].why;
    return NULL;
}

/* 1 when sa lies in one of the comma-separated ranges of allow. */
static int allowed(const char *allow, const struct sockaddr *sa)
{
    const uint8_t *a;
    int v6 = sa->sa_family == AF_INET6;
    struct range r;

    a = v6 ? (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr
           : (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    while (allow && *allow) {
        const char *end = strchr(allow, ',');
        size_t n = end ? (size_t)(end - allow) : strlen(allow);

        if (!parse_cidr(allow, n, &r)) {
            if (in_range(&r, a, v6))
                return 1;
            /* an allowed IPv4 range covers the mapped forms too */
            if (v6 && embedded_v4(a) && in_range(&r, embedded_v4(a), 0))
                return 1;
        }
        allow = end ? end + 1 : "";
    }
    return 0;
}

int zl_webhook_addr_ok(const char *allow, const struct sockaddr *sa, char *why,
                       size_t cap)
{
    const char *kind = zl_addr_internal(sa);
    char txt[INET6_ADDRSTRLEN] = "?";

    if (!kind || allowed(allow, sa))
        return 0;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, txt,
                  sizeof txt);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, txt,
                  sizeof txt);
    if (why)
        snprintf(why, cap,
                 "%s, a %s address, which webhooks may not reach unless "
                 "the operator allows it (zhiliang query webhook-allow "
                 "CIDR)",
                 txt, kind);
    return ZL_EPERM;
}

/* ---- the setting -------------------------------------------------------- */

/* The setting's key for party ("" or NULL: the store-wide one). */
static int allow_key(const char *party, char *key, size_t cap)
{
    if (!party || !party[0])
        return snprintf(key, cap, "%s", ALLOW_KEY) < 0;
    return (size_t)snprintf(key, cap, "%s%s", ALLOW_KEY_PARTY, party) >= cap
               ? ZL_EINVAL
               : 0;
}

int zl_webhook_allow_party_get(zl_store *s, const char *party, char **list)
{
    char key[ZL_PARTY_ID_MAX + sizeof ALLOW_KEY_PARTY];
    size_t len = 0;
    int rc;

    *list = NULL;
    if (allow_key(party, key, sizeof key))
        return ZL_EINVAL;
    rc = zl_store_meta_get(s, key, list, &len);

    if (rc == ZL_ENOTFOUND) {
        *list = zl_strdup("");
        return *list ? 0 : ZL_ENOMEM;
    }
    return rc;
}

int zl_webhook_allow_get(zl_store *s, char **list)
{
    return zl_webhook_allow_party_get(s, NULL, list);
}

int zl_webhook_allow_for(zl_store *s, const char *owner, char **list)
{
    char *all = NULL, *own = NULL;
    int rc;

    *list = NULL;
    if ((rc = zl_webhook_allow_get(s, &all)))
        return rc;
    if (!owner || !owner[0]) { /* local access: the store's list */
        *list = all;
        return 0;
    }
    if (!(rc = zl_webhook_allow_party_get(s, owner, &own))) {
        size_t n = strlen(all) + strlen(own) + 2;
        if (!(*list = zl_malloc(n)))
            rc = ZL_ENOMEM;
        else
            snprintf(*list, n, "%s%s%s", all, all[0] && own[0] ? "," : "", own);
    }
    zl_free(all);
    zl_free(own);
    return rc;
}

static int party_cb(void *ctx, const struct zl_party *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

int zl_webhook_allow_set(zl_store *s, const char *list, struct zl_error *err)
{
    return zl_webhook_allow_party_set(s, NULL, list, err);
}

int zl_webhook_allow_party_set(zl_store *s, const char *party, const char *list,
                               struct zl_error *err)
{
    char key[ZL_PARTY_ID_MAX + sizeof ALLOW_KEY_PARTY];
    const char *p = list ? list : "";
    struct range r;
    int rc;

    if (party && party[0]) {
        /* by its ID only: the key must not change when a GLN moves */
        if (allow_key(party, key, sizeof key) ||
            (rc = zl_party_get(s, party, party_cb, NULL)) == ZL_ENOTFOUND)
            return zl_error_set(err, ZL_ENOTFOUND, "party",
                                "no registered party of this ID", party,
                                (size_t)-1);
        if (rc)
            return rc;
    } else {
        allow_key(NULL, key, sizeof key);
    }

    if (strlen(p) > ALLOW_MAX)
        return zl_error_set(err, ZL_EINVAL, "webhook.allow_internal",
                            "the list is too long", NULL, 0);
    if (!strcmp(p, "none"))
        p = "";
    for (const char *q = p; *q;) {
        const char *end = strchr(q, ',');
        size_t n = end ? (size_t)(end - q) : strlen(q);

        if (parse_cidr(q, n, &r))
            return zl_error_set(err, ZL_EINVAL, "webhook.allow_internal",
                                "each entry is an IPv4 or IPv6 address or "
                                "CIDR range (127.0.0.1, 10.0.0.0/8, "
                                "fd00::/8), separated by commas",
                                q, n);
        q = end ? end + 1 : q + n;
        if (end && !*q)
            return zl_error_set(err, ZL_EINVAL, "webhook.allow_internal",
                                "a trailing comma", NULL, 0);
    }
    if ((rc = zl_store_begin(s)))
        return rc;
    rc = zl_store_meta_set(s, key, p, strlen(p));
    if (!rc) /* logged: it decides where a party's events may go */
        rc = zl_subs_log_setting(s, key, p, zl_time_now_ms());
    if (!rc)
        rc = zl_store_commit(s);
    if (rc)
        zl_store_rollback(s);
    return rc;
}

/* ---- a destination ------------------------------------------------------ */

/* The host of an http(s) URL (userinfo and port dropped, IPv6 brackets
 * removed) into host. 0 or ZL_EINVAL. */
static int url_host(const char *url, char host[HOST_MAX])
{
    const char *p = strstr(url, "://"), *end, *at;
    size_t n;

    if (!p)
        return ZL_EINVAL;
    p += 3;
    end = p + strcspn(p, "/?#");
    at = memchr(p, '@', (size_t)(end - p));
    while (at) { /* the last '@' of the authority ends the userinfo */
        p = at + 1;
        at = memchr(p, '@', (size_t)(end - p));
    }
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));

        if (!close)
            return ZL_EINVAL;
        p++;
        n = (size_t)(close - p);
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));

        n = (size_t)((colon ? colon : end) - p);
    }
    if (n == 0 || n >= HOST_MAX)
        return ZL_EINVAL;
    memcpy(host, p, n);
    host[n] = '\0';
    return 0;
}

int zl_webhook_dest_check(zl_store *s, const char *url, struct zl_error *err)
{
    return zl_webhook_dest_check_for(s, NULL, url, err);
}

int zl_webhook_dest_check_for(zl_store *s, const char *owner, const char *url,
                              struct zl_error *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char host[HOST_MAX], why[300];
    char *allow = NULL;
    int rc, gai, n = 0;

    if (url_host(url, host))
        return zl_error_set(err, ZL_EINVAL, "dest",
                            "dest has no host name or address", url,
                            (size_t)-1);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((gai = getaddrinfo(host, NULL, &hints, &res)))
        return zl_error_setf(
            err, ZL_EINVAL, "dest", url,
            "the webhook's host %s does not resolve (%s)", host,
            gai == EAI_SYSTEM ? "system error" : gai_strerror(gai));
    if ((rc = zl_webhook_allow_for(s, owner, &allow)))
        goto out;
    for (ai = res; ai && n < ADDRS_MAX; ai = ai->ai_next, n++)
        if (zl_webhook_addr_ok(allow, ai->ai_addr, why, sizeof why)) {
            rc = zl_error_setf(err, ZL_EINVAL, "dest", url,
                               "the webhook's host %s resolves to %s", host,
                               why);
            break;
        }
out:
    zl_free(allow);
    freeaddrinfo(res);
    return rc;
}
