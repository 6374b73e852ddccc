/*
 * ratelimit.h - a token bucket per client address for the public write
 * endpoints (POST /api/risk/complaints and POST /complain).
 */
#ifndef ZL_SERVER_RATELIMIT_H
#define ZL_SERVER_RATELIMIT_H

#include <stdint.h>
#include <stddef.h>

struct zl_req;

/* Take one token from the bucket of the address key[0..len) at now_ms,
 * with capacity burst refilled at per_minute tokens a minute: 0 when
 * taken, else the seconds until a token is there (>= 1). Thread-safe. */
unsigned zl_ratelimit_take_key(const void *key, size_t len, int64_t now_ms,
                               double burst, double per_minute);

/* For a request to a public complaint endpoint: 0 when it may go on;
 * else the seconds to wait, with the Retry-After header already set on
 * r (the caller answers 429). The limits are a burst of 10 and 6 a
 * minute, or ZHILIANG_COMPLAINT_RATE="BURST:PER_MINUTE" (read once; a
 * burst of 0 turns the limit off). */
unsigned zl_ratelimit_complaint(struct zl_req *r);

/* Forget every bucket (tests). */
void zl_ratelimit_reset(void);

#endif
