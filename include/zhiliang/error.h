/*
 * zhiliang/error.h - error codes and validation details.
 *
 * Fallible functions return int: 0 on success, a negative value on failure.
 * System errors are -errno; Zhiliang's own errors sit in the reserved range
 * ZL_EFIRST..ZL_ELAST (-1000 and below) so the two never collide.
 * zl_strerror() names either kind.
 *
 * Input that fails validation also fills a caller-provided struct zl_error
 * with where (a JSON path or a byte offset), which rule and the bad value,
 * so a user can fix the document without reading our source. Nothing lives
 * in globals: two threads validating two documents never share state.
 */
#ifndef ZL_ERROR_H
#define ZL_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_errcode {
    ZL_OK = 0,
    ZL_EFIRST = -1000,
    ZL_EINVAL = -1000,       /* input breaks a rule of the standard */
    ZL_ESYNTAX = -1001,      /* input is not well-formed (JSON, URI...) */
    ZL_ELIMIT = -1002,       /* a configured size or count cap was passed */
    ZL_ENOTFOUND = -1003,    /* the thing asked for does not exist */
    ZL_ESTORE = -1004,       /* the store failed (I/O, corruption, schema) */
    ZL_ECHECK = -1005,       /* a check digit or checksum is wrong */
    ZL_EUNSUPPORTED = -1006, /* valid but not (yet) handled */
    ZL_EVERIFY = -1007,      /* a signature or proof does not verify */
    ZL_EEXIST = -1008,       /* already exists */
    ZL_EPERM = -1009,        /* not allowed for these credentials */
    ZL_ENOMEM = -1010,       /* allocation failed */
    ZL_ETAMPER = -1011,      /* stored history does not match the log */
    ZL_EBUSY = -1012,        /* the store is locked by another writer: retry */
    ZL_ETIMEOUT = -1013,     /* a time or work budget ran out */
    ZL_ELAST = -1099
};

/* Details of a failure, filled by validators. All strings are NUL-terminated
 * and truncated to fit (never inside a character), with control
 * characters and invalid UTF-8 escaped (zl_text_escape); an empty path
 * means "the whole input". */
struct zl_error {
    int code;        /* one of enum zl_errcode */
    char path[256];  /* JSON path like $.epcisBody.eventList[3].epcList[0] */
    char rule[256];  /* the rule broken, in words */
    char value[256]; /* the offending value, truncated */
};

/* Name an error code (ours or -errno). Returns a static string. */
const char *zl_strerror(int code);

/* Fill err (which may be NULL) and return code. path, rule and value may be
 * NULL; value is copied only up to vlen bytes (vlen may be (size_t)-1 for
 * a NUL-terminated value). Convenience for validators:
 *     return zl_error_set(err, ZL_EINVAL, path, "must be a string", v, n); */
int zl_error_set(struct zl_error *err, int code, const char *path,
                 const char *rule, const char *value, size_t vlen);

/* printf-style variant for the rule text. */
int zl_error_setf(struct zl_error *err, int code, const char *path,
                  const char *value, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Write "path: rule (value: ...)" into out (cap bytes, always terminated).
 * Like the fields themselves, the text is escaped (zl_text_escape). */
void zl_error_format(const struct zl_error *err, char *out, size_t cap);

/* Copy src[0..n) (n may be (size_t)-1 for a NUL-terminated src; src NULL
 * is empty) into out, cap bytes and always terminated, as text safe for a
 * terminal, a log line or a JSON string: C0 controls, DEL and C1 controls
 * (U+0080..U+009F) become \u00XX, bytes that are not valid UTF-8 become
 * \xNN, everything else is kept; a character or escape that does not fit
 * whole is dropped with the rest. Returns the length written. Messages
 * made by zl_error_set/setf/format are escaped already. */
size_t zl_text_escape(char *out, size_t cap, const char *src, size_t n);

#ifdef __cplusplus
}
#endif
#endif
