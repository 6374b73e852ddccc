/*
 * buf.h - growable byte buffer with a hard cap (curl's dynbuf shape). The
 * type and its functions are public (the library writes its outputs into
 * it), see zhiliang/buf.h.
 */
#ifndef ZL_BUF_H
#define ZL_BUF_H

#include "zhiliang/buf.h"

#endif
