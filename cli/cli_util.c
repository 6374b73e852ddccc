/*
 * cli_util.c - helpers shared by the subcommands (see cli_util.h).
 */
#include "cli_util.h"

#include "zhiliang/gs1.h"
#include "zhiliang/query.h"
#include "zhiliang/timefmt.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *cli_store_path(const char *opt)
{
    return opt && *opt ? opt : zl_default_store_path();
}

zl_store *cli_open_store(const char *opt_path)
{
    struct zl_error err = {0};
    zl_store *s = NULL;
    const char *path = cli_store_path(opt_path);
    int rc = zl_open(path, &s, &err);

    if (rc) {
        char msg[1024];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "zhiliang: cannot open store %s: %s\n", path,
                err.code ? msg : zl_strerror(rc));
        return NULL;
    }
    return s;
}

int cli_read_file_msg(const char *path, size_t max, char **data, size_t *len,
                      char *msg, size_t msg_cap)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    size_t cap = 65536, n = 0;
    char *buf = NULL;
    int rc = 0;

    *data = NULL;
    *len = 0;
    if (!f) {
        rc = -errno;
        snprintf(msg, msg_cap, "zhiliang: cannot read %s: %s\n", path,
                 strerror(errno));
        return rc;
    }
    buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);

        n += got;
        if (n > max) {
            rc = ZL_ELIMIT;
            break;
        }
        if (got == 0)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);

            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf)
        rc = ZL_ENOMEM;
    else if (!rc && ferror(f))
        rc = ZL_ESTORE;
    if (f != stdin)
        fclose(f);
    if (rc) {
        free(buf);
        if (rc == ZL_ELIMIT)
            snprintf(msg, msg_cap,
                     "zhiliang: %s: larger than the capture file size limit"
                     " of %zu bytes (--max-bytes)\n",
                     path, max);
        else
            snprintf(msg, msg_cap, "zhiliang: cannot read %s: %s\n", path,
                     zl_strerror(rc));
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int cli_read_file(const char *path, size_t max, char **data, size_t *len)
{
    char msg[1200];
    int rc = cli_read_file_msg(path, max, data, len, msg, sizeof msg);

    if (rc)
        fputs(msg, stderr);
    return rc;
}

void cli_print_error(const char *cmd, const char *file, int rc,
                     const struct zl_error *err, int json)
{
    if (json) {
        json_t *o = json_pack(
            "{s:s, s:s, s:i, s:s, s:s, s:s}", "file", file ? file : "", "error",
            zl_strerror(rc), "code", rc, "path", err ? err->path : "", "rule",
            err ? err->rule : "", "value", err ? err->value : "");

        if (o) {
            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
        }
        return;
    }
    if (err && err->code) {
        char msg[1024];

        zl_error_format(err, msg, sizeof msg);
        fprintf(stderr, "zhiliang %s: %s%s%s\n", cmd, file ? file : "",
                file ? ": " : "", msg);
    } else {
        fprintf(stderr, "zhiliang %s: %s%s%s\n", cmd, file ? file : "",
                file ? ": " : "", zl_strerror(rc));
    }
}

int cli_print_json(json_t *v, size_t flags)
{
    int rc = EXIT_FAIL;

    if (!v) {
        fprintf(stderr, "zhiliang: out of memory\n");
        return EXIT_FAIL;
    }
    if (json_dumpf(v, stdout, JSON_COMPACT | JSON_ENCODE_ANY | flags) == 0 &&
        fputc('\n', stdout) != EOF)
        rc = EXIT_OK;
    else
        fprintf(stderr, "zhiliang: cannot write the JSON output\n");
    json_decref(v);
    return rc;
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;

    if (s[0] < 0x80)
        return 1;
    n = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
        : s[0] >= 0xe0 && s[0] <= 0xef ? 3
        : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                       : 0;
    for (i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0; /* overlong, surrogate, past U+10FFFF */
    return n;
}

json_t *cli_json_str(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    json_t *j;
    char *t;
    size_t n, w = 0;

    if (!s)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    n = strlen(s);
    if (n > ((size_t)-1) / 3 - 1 || !(t = malloc(3 * n + 1)))
        return NULL;
    while (*p) {
        size_t k = utf8_len(p);

        if (k) {
            memcpy(t + w, p, k);
            w += k;
            p += k;
        } else {
            memcpy(t + w, "\xef\xbf\xbd", 3); /* U+FFFD */
            w += 3;
            p++;
        }
    }
    t[w] = 0;
    j = json_string(t);
    free(t);
    return j;
}

int cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_run_verb(int argc, char **argv, const struct cli_verb *verbs,
                 void (*usage)(FILE *f))
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return EXIT_OK;
        }
    for (; verbs->name; verbs++)
        if (!strcmp(argv[0], verbs->name))
            return verbs->run(argc, argv);
    usage(stderr);
    return EXIT_USAGE;
}

int cli_read_b64_arg(const char *arg, char *out, size_t cap)
{
    struct stat st;
    char *data;
    size_t len, n = 0;

    if (stat(arg, &st) != 0) {
        if (strlen(arg) >= cap)
            return -1;
        memcpy(out, arg, strlen(arg) + 1);
        return 0;
    }
    if (cli_read_file(arg, 4096, &data, &len))
        return -1;
    for (size_t i = 0; i < len && n + 1 < cap; i++)
        if (data[i] != '\n' && data[i] != '\r' && data[i] != ' ')
            out[n++] = data[i];
    out[n] = '\0';
    free(data);
    return n ? 0 : -1;
}

int cli_zone(const char *cmd, const char *opt, int *zone_min)
{
    const char *v = opt ? opt : getenv("ZHILIANG_TZ");

    if (!v || !*v || !strcmp(v, "Asia/Shanghai") || !strcmp(v, "PRC")) {
        *zone_min = 480;
        return 0;
    }
    if (!strcmp(v, "UTC") || !strcmp(v, "Z") || !strcmp(v, "Etc/UTC")) {
        *zone_min = 0;
        return 0;
    }
    if (zl_time_parse_offset(v, strlen(v), zone_min) == 0)
        return 0;
    fprintf(stderr,
            "zhiliang %s: unknown time zone '%s' (give +HH:MM, UTC or "
            "Asia/Shanghai)\n",
            cmd, v);
    return -1;
}

void cli_time(int64_t ms, int zone_min, char out[20])
{
    char full[40];

    zl_time_format_local(ms, zone_min, full); /* YYYY-MM-DDTHH:MM:SS... */
    snprintf(out, 20, "%.10s %.5s", full, full + 11);
}

void cli_zone_name(int zone_min, char out[7])
{
    int a = zone_min < 0 ? -zone_min : zone_min;

    snprintf(out, 7, "%c%02d:%02d", zone_min < 0 ? '-' : '+', (a / 60) % 100,
             a % 60);
}

/* Terminal columns of the UTF-8 character starting at p (its length in
 * *len): 2 for East Asian wide and fullwidth ranges, else 1. */
static int char_cols(const unsigned char *p, size_t *len)
{
    unsigned c = p[0];

    if (c < 0x80) {
        *len = 1;
        return 1;
    }
    if ((c & 0xe0) == 0xc0 && p[1]) {
        *len = 2;
        return 1;
    }
    if ((c & 0xf0) == 0xe0 && p[1] && p[2]) {
        unsigned u =
            ((c & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);

        *len = 3;
        return (u >= 0x1100 && u <= 0x115f) || (u >= 0x2e80 && u <= 0xa4cf) ||
                       (u >= 0xac00 && u <= 0xd7a3) ||
                       (u >= 0xf900 && u <= 0xfaff) ||
                       (u >= 0xfe30 && u <= 0xfe4f) ||
                       (u >= 0xff00 && u <= 0xff60) ||
                       (u >= 0xffe0 && u <= 0xffe6)
                   ? 2
                   : 1;
    }
    if ((c & 0xf8) == 0xf0 && p[1] && p[2] && p[3]) {
        *len = 4;
        return 2;
    }
    *len = 1; /* a stray byte */
    return 1;
}

void cli_print_cell(const char *s, int width)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "-");
    int used = 0, total = 0;
    size_t len, i;

    for (i = 0; p[i]; i += len)
        total += char_cols(p + i, &len);
    for (i = 0; p[i]; i += len) {
        int w = char_cols(p + i, &len);

        if (total > width && used + w > width - 1) {
            fputs("\xe2\x80\xa6", stdout); /* … */
            used++;
            break;
        }
        fwrite(p + i, 1, len, stdout);
        used += w;
    }
    for (; used < width; used++)
        putchar(' ');
}

struct lots_seen {
    char first[256];
    int n;
    const char *cmd, *arg;
};

static int lot_seen_cb(void *ctx, const char *dl)
{
    struct lots_seen *l = ctx;

    if (!l->n++)
        snprintf(l->first, sizeof l->first, "%s", dl);
    else {
        if (l->n == 2)
            fprintf(stderr,
                    "zhiliang %s: batch code '%s' is a lot of several "
                    "products; give one with its GTIN:\n  %s\n",
                    l->cmd, l->arg, l->first);
        fprintf(stderr, "  %s\n", dl);
    }
    return 0;
}

const char *cli_lot_arg(zl_store *s, const char *cmd, const char *arg,
                        char *out, size_t cap)
{
    struct lots_seen l = {"", 0, cmd, arg};
    struct zl_gs1_id id;
    int rc;

    if (!zl_gs1_parse(arg, strlen(arg), &id, NULL))
        return arg;
    rc = zl_query_lots_by_batch(s, arg, lot_seen_cb, &l);
    if (rc == 1) {
        snprintf(out, cap, "%s", l.first);
        fprintf(stderr, "zhiliang %s: batch code %s is lot %s\n", cmd, arg,
                out);
        return out;
    }
    if (rc == 0)
        fprintf(stderr,
                "zhiliang %s: '%s' is neither a GS1 identifier nor the batch "
                "code of a lot of any registered product\n",
                cmd, arg);
    else if (rc < 0)
        fprintf(stderr, "zhiliang %s: '%s': %s\n", cmd, arg,
                rc == ZL_EINVAL ? "not a valid identifier or batch code"
                                : zl_strerror(rc));
    return NULL;
}

const char *cli_party_arg(zl_store *s, const char *cmd, const char *arg,
                          char *id, int strict)
{
    struct zl_error err = {0};
    int rc = zl_party_find(s, arg, id, &err);

    if (rc == 0) {
        if (strcmp(id, arg))
            fprintf(stderr, "zhiliang %s: party %s is %s\n", cmd, arg, id);
        return id;
    }
    if (rc == ZL_ENOTFOUND && !strict)
        return arg;
    cli_print_error(cmd, arg, rc, &err, 0);
    return NULL;
}

int cli_write_file(const char *cmd, const char *path, const void *data,
                   size_t len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    int ok;

    if (!f) {
        fprintf(stderr, "zhiliang %s: %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    ok = fwrite(data ? data : "", 1, len, f) == len;
    ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
    if (!ok)
        fprintf(stderr, "zhiliang %s: %s: write failed\n", cmd, path);
    return ok ? 0 : -1;
}

const char *cli_opt_val(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return NULL;
}

int cli_has_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}
