/*
 * pg_dl.h - libpq, opened by the first PostgreSQL connection (zhiliang/dl.h).
 *
 * Included instead of <libpq-fe.h> (pg_int.h does): each PQ name below is
 * redirected to the table, so the backend calls PQexec(...) as if linked.
 */
#ifndef ZL_PG_DL_H
#define ZL_PG_DL_H

#include "zhiliang/dl.h"

#include <libpq-fe.h>

/* Every function called. */
#define ZL_PQ_FUNCS(X)                                                         \
    X(PQcancel)                                                                \
    X(PQclear)                                                                 \
    X(PQcmdStatus)                                                             \
    X(PQcmdTuples)                                                             \
    X(PQconnectdb)                                                             \
    X(PQconsumeInput)                                                          \
    X(PQdb)                                                                    \
    X(PQerrorMessage)                                                          \
    X(PQexec)                                                                  \
    X(PQexecParams)                                                            \
    X(PQexecPrepared)                                                          \
    X(PQfinish)                                                                \
    X(PQfreeCancel)                                                            \
    X(PQftype)                                                                 \
    X(PQgetCancel)                                                             \
    X(PQgetResult)                                                             \
    X(PQgetisnull)                                                             \
    X(PQgetlength)                                                             \
    X(PQgetvalue)                                                              \
    X(PQhost)                                                                  \
    X(PQisBusy)                                                                \
    X(PQnfields)                                                               \
    X(PQntuples)                                                               \
    X(PQport)                                                                  \
    X(PQprepare)                                                               \
    X(PQputCopyData)                                                           \
    X(PQputCopyEnd)                                                            \
    X(PQresultErrorField)                                                      \
    X(PQresultStatus)                                                          \
    X(PQsendQuery)                                                             \
    X(PQsendQueryParams)                                                       \
    X(PQsendQueryPrepared)                                                     \
    X(PQsetSingleRowMode)                                                      \
    X(PQsocket)                                                                \
    X(PQstatus)                                                                \
    X(PQtransactionStatus)

/* struct zl_pq_api, zl_pq_load() and zl_pq() (zhiliang/dl.h) */
ZL_DL_DECLARE(zl_pq, ZL_PQ_FUNCS)

#ifndef ZL_PQ_NO_REDIRECT
#define PQcancel            (zl_pq()->PQcancel)
#define PQclear             (zl_pq()->PQclear)
#define PQcmdStatus         (zl_pq()->PQcmdStatus)
#define PQcmdTuples         (zl_pq()->PQcmdTuples)
#define PQconnectdb         (zl_pq()->PQconnectdb)
#define PQconsumeInput      (zl_pq()->PQconsumeInput)
#define PQdb                (zl_pq()->PQdb)
#define PQerrorMessage      (zl_pq()->PQerrorMessage)
#define PQexec              (zl_pq()->PQexec)
#define PQexecParams        (zl_pq()->PQexecParams)
#define PQexecPrepared      (zl_pq()->PQexecPrepared)
#define PQfinish            (zl_pq()->PQfinish)
#define PQfreeCancel        (zl_pq()->PQfreeCancel)
#define PQftype             (zl_pq()->PQftype)
#define PQgetCancel         (zl_pq()->PQgetCancel)
#define PQgetResult         (zl_pq()->PQgetResult)
#define PQgetisnull         (zl_pq()->PQgetisnull)
#define PQgetlength         (zl_pq()->PQgetlength)
#define PQgetvalue          (zl_pq()->PQgetvalue)
#define PQhost              (zl_pq()->PQhost)
#define PQisBusy            (zl_pq()->PQisBusy)
#define PQnfields           (zl_pq()->PQnfields)
#define PQntuples           (zl_pq()->PQntuples)
#define PQport              (zl_pq()->PQport)
#define PQprepare           (zl_pq()->PQprepare)
#define PQputCopyData       (zl_pq()->PQputCopyData)
#define PQputCopyEnd        (zl_pq()->PQputCopyEnd)
#define PQresultErrorField  (zl_pq()->PQresultErrorField)
#define PQresultStatus      (zl_pq()->PQresultStatus)
#define PQsendQuery         (zl_pq()->PQsendQuery)
#define PQsendQueryParams   (zl_pq()->PQsendQueryParams)
#define PQsendQueryPrepared (zl_pq()->PQsendQueryPrepared)
#define PQsetSingleRowMode  (zl_pq()->PQsetSingleRowMode)
#define PQsocket            (zl_pq()->PQsocket)
#define PQstatus            (zl_pq()->PQstatus)
#define PQtransactionStatus (zl_pq()->PQtransactionStatus)
#endif

#endif
