/*
 * mhd_dl.c - libmicrohttpd's table (mhd_dl.h).
 */
#define ZL_MHD_NO_REDIRECT
#include "mhd_dl.h"

#include "zhiliang/dl.h"

ZL_DL_LIBRARY(zl_mhd, ZL_MHD_FUNCS, "libmicrohttpd.so.12", "zhiliang serve")
