/*
 * xml_dl.c - libxml2's table (xml_dl.h).
 */
#define ZL_XML_NO_REDIRECT
#include "epcis/xml_dl.h"

#include "zhiliang/dl.h"

ZL_DL_LIBRARY(zl_xml, ZL_XML_FUNCS, "libxml2.so.2", "EPCIS XML documents")
