/*
 * curl_dl.c - libcurl's table (curl_dl.h).
 */
#define ZL_CURL_NO_REDIRECT
#include "curl_dl.h"

#include "zhiliang/dl.h"

ZL_DL_LIBRARY(zl_curl, ZL_CURL_FUNCS, "libcurl.so.4",
              "webhook deliveries (zhiliang serve)")
