/*
 * xml_dl.h - libxml2, opened by the first EPCIS XML document (zhiliang/dl.h).
 *
 * Included instead of libxml2's headers: each name below is redirected to
 * the table. xmlFree is a variable of libxml2 (a function pointer), so
 * its member points at it.
 */
#ifndef ZL_XML_DL_H
#define ZL_XML_DL_H

#include "zhiliang/dl.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

/* Every function called. */
#define ZL_XML_FUNCS(X)                                                        \
    X(xmlFree)                                                                 \
    X(xmlFreeTextReader)                                                       \
    X(xmlGetLineNo)                                                            \
    X(xmlInitParser)                                                           \
    X(xmlReaderForMemory)                                                      \
    X(xmlStrdup)                                                               \
    X(xmlTextReaderConstLocalName)                                             \
    X(xmlTextReaderConstName)                                                  \
    X(xmlTextReaderConstNamespaceUri)                                          \
    X(xmlTextReaderConstPrefix)                                                \
    X(xmlTextReaderConstValue)                                                 \
    X(xmlTextReaderCurrentNode)                                                \
    X(xmlTextReaderDepth)                                                      \
    X(xmlTextReaderGetAttribute)                                               \
    X(xmlTextReaderGetAttributeNs)                                             \
    X(xmlTextReaderGetParserLineNumber)                                        \
    X(xmlTextReaderHasAttributes)                                              \
    X(xmlTextReaderIsEmptyElement)                                             \
    X(xmlTextReaderLookupNamespace)                                            \
    X(xmlTextReaderMoveToElement)                                              \
    X(xmlTextReaderMoveToNextAttribute)                                        \
    X(xmlTextReaderNodeType)                                                   \
    X(xmlTextReaderRead)                                                       \
    X(xmlTextReaderSetStructuredErrorHandler)

/* struct zl_xml_api, zl_xml_load() and zl_xml() (zhiliang/dl.h) */
ZL_DL_DECLARE(zl_xml, ZL_XML_FUNCS)

#ifndef ZL_XML_NO_REDIRECT
#define xmlFree                     (*zl_xml()->xmlFree)
#define xmlFreeTextReader           (zl_xml()->xmlFreeTextReader)
#define xmlGetLineNo                (zl_xml()->xmlGetLineNo)
#define xmlInitParser               (zl_xml()->xmlInitParser)
#define xmlReaderForMemory          (zl_xml()->xmlReaderForMemory)
#define xmlStrdup                   (zl_xml()->xmlStrdup)
#define xmlTextReaderConstLocalName (zl_xml()->xmlTextReaderConstLocalName)
#define xmlTextReaderConstName      (zl_xml()->xmlTextReaderConstName)
#define xmlTextReaderConstNamespaceUri                                         \
    (zl_xml()->xmlTextReaderConstNamespaceUri)
#define xmlTextReaderConstPrefix    (zl_xml()->xmlTextReaderConstPrefix)
#define xmlTextReaderConstValue     (zl_xml()->xmlTextReaderConstValue)
#define xmlTextReaderCurrentNode    (zl_xml()->xmlTextReaderCurrentNode)
#define xmlTextReaderDepth          (zl_xml()->xmlTextReaderDepth)
#define xmlTextReaderGetAttribute   (zl_xml()->xmlTextReaderGetAttribute)
#define xmlTextReaderGetAttributeNs (zl_xml()->xmlTextReaderGetAttributeNs)
#define xmlTextReaderGetParserLineNumber                                       \
    (zl_xml()->xmlTextReaderGetParserLineNumber)
#define xmlTextReaderHasAttributes   (zl_xml()->xmlTextReaderHasAttributes)
#define xmlTextReaderIsEmptyElement  (zl_xml()->xmlTextReaderIsEmptyElement)
#define xmlTextReaderLookupNamespace (zl_xml()->xmlTextReaderLookupNamespace)
#define xmlTextReaderMoveToElement   (zl_xml()->xmlTextReaderMoveToElement)
#define xmlTextReaderMoveToNextAttribute                                       \
    (zl_xml()->xmlTextReaderMoveToNextAttribute)
#define xmlTextReaderNodeType (zl_xml()->xmlTextReaderNodeType)
#define xmlTextReaderRead     (zl_xml()->xmlTextReaderRead)
#define xmlTextReaderSetStructuredErrorHandler                                 \
    (zl_xml()->xmlTextReaderSetStructuredErrorHandler)
#endif

#endif
