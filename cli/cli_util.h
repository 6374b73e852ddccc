/*
 * cli_util.h - small helpers every subcommand shares: the --store option,
 * reading an input file with a size cap, opening the store with a clear
 * message, printing validation errors the same way everywhere.
 */
#ifndef ZL_CLI_UTIL_H
#define ZL_CLI_UTIL_H

#include "zhiliang/zhiliang.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes of every command (documented in --help and the README). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* The store path: the --store value if given, else the default. */
const char *cli_store_path(const char *opt);

/* Open the store or print why not (naming the path). NULL on failure. */
zl_store *cli_open_store(const char *opt_path);

/* Read all of path ("-" = stdin) up to max bytes into a new buffer
 * (free with free()). Returns 0, or prints why and returns non-zero
 * (-errno when it cannot be opened); ZL_ELIMIT when the file is bigger
 * than max. */
int cli_read_file(const char *path, size_t max, char **data, size_t *len);
/* cli_read_file without printing: on failure the message it would print
 * (one line, newline included) is written into msg[0..msg_cap). For a
 * thread that reads ahead and reports at the document's turn. */
int cli_read_file_msg(const char *path, size_t max, char **data, size_t *len,
                      char *msg, size_t msg_cap);

/* A key or signature argument: the base64 text itself, or the path of a
 * file holding it (whitespace dropped). 0, or -1 if unreadable/too long. */
int cli_read_b64_arg(const char *arg, char *out, size_t cap);

/* Print "zhiliang <cmd>: <where>: <why> (value: ...)" to stderr, or as a
 * JSON object on stdout when json is set. */
void cli_print_error(const char *cmd, const char *file, int rc,
                     const struct zl_error *err, int json);

/* Every --json output is a jansson value printed by this: v (taken; NULL
 * means building it ran out of memory) on one line of stdout, compact,
 * with `flags` added to the dump flags (e.g. JSON_REAL_PRECISION(6)).
 * Returns EXIT_OK, or EXIT_FAIL (with a message on stderr) if v is NULL
 * or could not be written. */
int cli_print_json(json_t *v, size_t flags);

/* A JSON string (new reference) for s, which need not be UTF-8 (a file
 * name, an argument): bytes that are not well-formed UTF-8 become U+FFFD.
 * NULL s gives JSON null. NULL only when out of memory. */
json_t *cli_json_str(const char *s);

/* The zone people read and type times in: opt (--tz), else $ZHILIANG_TZ,
 * else China Standard Time. Accepted: "+HH:MM" / "-HH:MM", "UTC" (or
 * "Z"), "Asia/Shanghai" (+08:00: China has kept one offset without
 * daylight saving since 1991). *zone_min gets minutes east of UTC; 0, or
 * -1 after a message naming the value. */
int cli_zone(const char *cmd, const char *opt, int *zone_min);

/* "YYYY-MM-DD HH:MM" of ms in the zone (out: at least 20 bytes). */
void cli_time(int64_t ms, int zone_min, char out[20]);

/* The zone as people write it: "+08:00". out: at least 7 bytes. */
void cli_zone_name(int zone_min, char out[7]);

/* Print s padded with spaces (or cut, ending in "…") to exactly width
 * terminal columns, counting East Asian wide characters as two. */
void cli_print_cell(const char *s, int width);

/* An identifier argument as people give it: a GS1 identifier in any form
 * is returned as it is; anything else is read as a batch code printed on
 * a pack (AI 10) and looked up among the registered products
 * (zl_query_lots_by_batch). One lot found: its Digital Link (in out,
 * cap bytes) with a note on stderr; none or several: NULL after a message
 * saying so (and which GTINs carry it). */
const char *cli_lot_arg(zl_store *s, const char *cmd, const char *arg,
                        char *out, size_t cap);

/* A party argument as people give it: an ID, USCC, GLN or registered
 * name (zl_party_find); id (ZL_PARTY_ID_MAX bytes) gets the ID and is
 * returned. A name that fits several parties is an error, printed, and
 * NULL returned; one that fits none too when strict, else arg is
 * returned as it is (for commands that also take unregistered parties). */
const char *cli_party_arg(zl_store *s, const char *cmd, const char *arg,
                          char *id, int strict);

/* Write len bytes of data to path ("-": standard output, flushed).
 * Returns 0, or -1 after printing "zhiliang <cmd>: <path>: <why>". */
int cli_write_file(const char *cmd, const char *path, const void *data,
                   size_t len);

/* 1 if the argument is -h or --help. */
int cli_is_help(const char *arg);

/* The value after the option name in argv[1..argc) (argv[0] is the verb),
 * or NULL when the option is absent or last. */
const char *cli_opt_val(int argc, char **argv, const char *name);

/* 1 when the flag name is among argv[1..argc), else 0. */
int cli_has_flag(int argc, char **argv, const char *name);

/* A subcommand: its name and the function that runs it with argv[0] the
 * subcommand's name. */
struct cli_verb {
    const char *name;
    int (*run)(int argc, char **argv);
};

/* Run the verb named argv[0] among verbs (ended by a NULL name): usage
 * on stdout and EXIT_OK when any argument asks for help, usage on stderr
 * and EXIT_USAGE for a name not in the table, else the verb's exit
 * code. */
int cli_run_verb(int argc, char **argv, const struct cli_verb *verbs,
                 void (*usage)(FILE *f));

#endif
