/*
 * mhd_dl.h - libmicrohttpd, opened when the server starts (zhiliang/dl.h).
 *
 * Included instead of <microhttpd.h>: each MHD_ function below is
 * redirected to the table.
 */
#ifndef ZL_MHD_DL_H
#define ZL_MHD_DL_H

#include "zhiliang/dl.h"

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

/* Every function called. */
#define ZL_MHD_FUNCS(X)                                                        \
    X(MHD_add_response_header)                                                 \
    X(MHD_create_response_for_upgrade)                                         \
    X(MHD_create_response_from_buffer_with_free_callback)                      \
    X(MHD_create_response_from_callback)                                       \
    X(MHD_destroy_response)                                                    \
    X(MHD_get_connection_info)                                                 \
    X(MHD_get_connection_values)                                               \
    X(MHD_get_daemon_info)                                                     \
    X(MHD_lookup_connection_value)                                             \
    X(MHD_queue_response)                                                      \
    X(MHD_quiesce_daemon)                                                      \
    X(MHD_resume_connection)                                                   \
    X(MHD_start_daemon)                                                        \
    X(MHD_stop_daemon)                                                         \
    X(MHD_suspend_connection)                                                  \
    X(MHD_upgrade_action)

/* struct zl_mhd_api, zl_mhd_load() and zl_mhd() (zhiliang/dl.h) */
ZL_DL_DECLARE(zl_mhd, ZL_MHD_FUNCS)

#ifndef ZL_MHD_NO_REDIRECT
#define MHD_add_response_header (zl_mhd()->MHD_add_response_header)
#define MHD_create_response_for_upgrade                                        \
    (zl_mhd()->MHD_create_response_for_upgrade)
#define MHD_create_response_from_buffer_with_free_callback                     \
    (zl_mhd()->MHD_create_response_from_buffer_with_free_callback)
#define MHD_create_response_from_callback                                      \
    (zl_mhd()->MHD_create_response_from_callback)
#define MHD_destroy_response        (zl_mhd()->MHD_destroy_response)
#define MHD_get_connection_info     (zl_mhd()->MHD_get_connection_info)
#define MHD_get_connection_values   (zl_mhd()->MHD_get_connection_values)
#define MHD_get_daemon_info         (zl_mhd()->MHD_get_daemon_info)
#define MHD_lookup_connection_value (zl_mhd()->MHD_lookup_connection_value)
#define MHD_queue_response          (zl_mhd()->MHD_queue_response)
#define MHD_quiesce_daemon          (zl_mhd()->MHD_quiesce_daemon)
#define MHD_resume_connection       (zl_mhd()->MHD_resume_connection)
#define MHD_start_daemon            (zl_mhd()->MHD_start_daemon)
#define MHD_stop_daemon             (zl_mhd()->MHD_stop_daemon)
#define MHD_suspend_connection      (zl_mhd()->MHD_suspend_connection)
#define MHD_upgrade_action          (zl_mhd()->MHD_upgrade_action)
#endif

#endif
