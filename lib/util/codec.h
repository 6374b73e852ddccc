/*
 * codec.h - hex and base64; the declarations are public (tools print
 * hashes too), see zhiliang/codec.h.
 */
#ifndef ZL_CODEC_H
#define ZL_CODEC_H

#include "zhiliang/codec.h"

#endif
