/*
 * curl_dl.h - libcurl, opened when the server's subscriber starts
 * (zhiliang/dl.h).
 *
 * Included instead of <curl/curl.h>: each function below is redirected
 * to the table. gcc's type checks of curl_easy_setopt's and
 * curl_easy_getinfo's arguments are off (they are macros that call the
 * linked function); the count of their arguments is still checked.
 */
#ifndef ZL_CURL_DL_H
#define ZL_CURL_DL_H

#include "zhiliang/dl.h"

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

/* Every function called. */
#define ZL_CURL_FUNCS(X)                                                       \
    X(curl_easy_cleanup)                                                       \
    X(curl_easy_getinfo)                                                       \
    X(curl_easy_init)                                                          \
    X(curl_easy_perform)                                                       \
    X(curl_easy_setopt)                                                        \
    X(curl_easy_strerror)                                                      \
    X(curl_global_cleanup)                                                     \
    X(curl_global_init)                                                        \
    X(curl_slist_append)                                                       \
    X(curl_slist_free_all)

/* struct zl_curl_api, zl_curl_load() and zl_curl() (zhiliang/dl.h) */
ZL_DL_DECLARE(zl_curl, ZL_CURL_FUNCS)

#ifndef ZL_CURL_NO_REDIRECT
#define curl_easy_cleanup (zl_curl()->curl_easy_cleanup)
/* curl.h's own macros, which check the count of arguments, kept */
#undef curl_easy_getinfo
#define curl_easy_getinfo(h, info, arg)                                        \
    (zl_curl()->curl_easy_getinfo(h, info, arg))
#define curl_easy_init    (zl_curl()->curl_easy_init)
#define curl_easy_perform (zl_curl()->curl_easy_perform)
#undef curl_easy_setopt
#define curl_easy_setopt(h, opt, param)                                        \
    (zl_curl()->curl_easy_setopt(h, opt, param))
#define curl_easy_strerror  (zl_curl()->curl_easy_strerror)
#define curl_global_cleanup (zl_curl()->curl_global_cleanup)
#define curl_global_init    (zl_curl()->curl_global_init)
#define curl_slist_append   (zl_curl()->curl_slist_append)
#define curl_slist_free_all (zl_curl()->curl_slist_free_all)
#endif

#endif
