/*
 * read_file.h - a whole file into memory, for tests that read conformance
 * vectors, golden files and databases.
 */
#ifndef ZL_TEST_READ_FILE_H
#define ZL_TEST_READ_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of path, NUL-terminated (new, free with free()); *len (if len
 * is not NULL) is their count. NULL (and *len 0) if it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (len)
        *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = n < 0 ? NULL : malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

#endif
