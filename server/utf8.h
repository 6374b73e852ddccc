/*
 * utf8.h - the server's UTF-8 check, on its own so that the fuzzed frame
 * decoder (ws_frame.c) can use it without the HTTP server.
 */
#ifndef ZL_SERVER_UTF8_H
#define ZL_SERVER_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 (shortest forms, no surrogates, nothing past
 * U+10FFFF) without NUL; 0 otherwise. */
int zl_utf8_valid(const char *s, size_t n);

#endif
