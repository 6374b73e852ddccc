/*
 * timefmt.h - ISO 8601 / RFC 3339 timestamps; the declarations are public
 * (clients print and parse EPCIS times too), see zhiliang/timefmt.h.
 */
#ifndef ZL_TIMEFMT_H
#define ZL_TIMEFMT_H

#include "zhiliang/timefmt.h"

#endif
