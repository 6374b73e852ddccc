/*
 * pg_dl.c - libpq's table (pg_dl.h).
 */
#define ZL_PQ_NO_REDIRECT
#include "store/pg_dl.h"

#include "zhiliang/dl.h"

ZL_DL_LIBRARY(zl_pq, ZL_PQ_FUNCS, "libpq.so.5", "PostgreSQL stores")
