/*
 * epcis_xml.c - EPCIS 1.2 and 2.0 XML documents into the EPCIS 2.0
 * JSON-LD document that capture and the event hash already take.
 *
 * What: zl_epcis_xml_to_json() reads an EPCISDocument (or an
 * EPCISQueryDocument) in the XML binding, namespace urn:epcglobal:epcis:xsd:2
 * or :1, and writes the JSON-LD form of EPCIS 2.0 sec. 10 / the JSON
 * schema: one JSON object per event, the fields under their JSON names,
 * lists as arrays, user extensions (elements and attributes in other
 * namespaces) as "prefix:name" keys with the prefixes bound in @context.
 * zl_epcis_parse_xml() then hands that text to zl_epcis_parse_opts, so an
 * event is validated and hashed by exactly the code that does it for JSON
 * and the same event gets the same hash whichever format it came in.
 *
 * The mapping, element by element (the XSDs of EPCIS 1.2 and 2.0):
 *   - extension and baseExtension wrappers (1.2 kept every newer field in
 *     them: eventID, errorDeclaration, quantityList, sourceList, ilmd, the
 *     TransformationEvent itself inside EventList) are flattened into
 *     their parent, so a 1.2 document and its 2.0 twin give the same JSON;
 *   - epcList/childEPCs/inputEPCList/outputEPCList/correctiveEventIDs:
 *     arrays of strings; the quantity lists: arrays of {epcClass,
 *     quantity (a number), uom}; bizTransactionList/sourceList/
 *     destinationList: arrays of {type, bizTransaction|source|destination};
 *     sensorElementList: sensorMetadata and sensorReport attributes become
 *     properties (the measured values numbers, booleanValue a boolean);
 *     persistentDisposition: set/unset arrays;
 *   - a value written as a QName whose prefix the document declares
 *     (cbv:BizStep-receiving, gs1:ALARM_CONDITION) is expanded to its URI
 *     in the vocabulary fields, where the XML binding allows it;
 *   - a user element repeated under one parent becomes an array, a user
 *     element with children an object, otherwise its text, as the
 *     reference event hash generator reads them.
 *
 * Safety: libxml2's xmlTextReader (streaming: only the current event is
 * held as a tree) with XML_PARSE_NONET and without NOENT/DTDLOAD/HUGE; a
 * document type declaration is refused outright (no DTD, no entities, so
 * no expansion attack), and so is an entity reference. Size, depth and
 * event-count caps come from struct zl_capture_limits.
 *
 * Errors name the element path and line: "/epcis:EPCISDocument/EPCISBody/
 * EventList/ObjectEvent[2]/epcList" with rule "line 17: ...". An error the
 * JSON validation finds is moved back onto the event's element path and
 * start line, followed by the JSON path inside the event.
 *
 * Rejected: XSD validation (libxml2's schema code loads and expands what
 * we refuse to; the JSON validation after conversion checks the same
 * rules and names them the same way for both formats); a DOM parse of the
 * whole document (memory grows with the document, not with one event).
 */
#include "zhiliang/epcis.h"

#include "epcis/epcis_int.h"
#include "epcis/xml_dl.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_EPCIS2 "urn:epcglobal:epcis:xsd:2"
#define NS_EPCIS1 "urn:epcglobal:epcis:xsd:1"
#define NS_QUERY2 "urn:epcglobal:epcis-query:xsd:2"
#define NS_QUERY1 "urn:epcglobal:epcis-query:xsd:1"
#define NS_XSI    "http://www.w3.org/2001/XMLSchema-instance"
#define NS_XMLNS  "http://www.w3.org/2000/xmlns/"
#define NS_XML    "http://www.w3.org/XML/1998/namespace"
#define NS_SBDH                                                                \
    "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
#define EPCIS_CONTEXT                                                          \
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

#define CBV_WEB  "https://ref.gs1.org/cbv/"
#define GS1_VOC  "https://gs1.org/voc/"
#define MAX_NS   64         /* distinct user namespaces in one document */
#define MAX_TEXT (1u << 20) /* one element's text */
#define TB_DEPTH 160        /* > 2 * the deepest allowed nesting */
#define PATH_CAP 512

struct nsmap {
    char *prefix;
    char *uri;
};

/* How an element's content maps to JSON. */
enum kind {
    K_TEXT,       /* a string (or typed scalar by its name) */
    K_OBJ,        /* an object of its children (extension flattened) */
    K_IDLIST,     /* an array of its children's text */
    K_QTYLIST,    /* an array of quantity elements */
    K_TYPEDLIST,  /* an array of {type, <child name>: text} */
    K_SENSORLIST, /* an array of sensor elements */
    K_SENSOR,     /* one sensor element */
    K_PD,         /* persistentDisposition: set/unset arrays */
    K_ATTROBJ,    /* sensorMetadata, sensorReport: attributes (+children) */
    K_EXT         /* a user extension: object if children, else text */
};

struct xctx {
    xmlTextReaderPtr r;
    struct zl_error *err;
    size_t max_depth, max_events;
    size_t n_events;
    char path[PATH_CAP];
    size_t plen;
    int failed;   /* an error is already in err */
    int xml_line; /* from the structured error handler */
    char xml_msg[200];
    struct nsmap ns[MAX_NS];
    size_t n_ns;
    struct zl_buf *events; /* "ev1,ev2,..." */
    struct zl_buf head;    /* document-level extension members */
    char *query_name;
    int query;
    /* per event: element path and start line, for mapping JSON errors */
    struct evpos {
        char *path;
        int line;
    } * pos;
    size_t n_pos, cap_pos;
    /* one text buffer per nesting depth, reused across elements */
    struct zl_buf tb[TB_DEPTH];
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

/* ---- errors ---- */

/* The line of the node the reader is on (the parser itself may have read
 * ahead), or the parser's line when there is no node. */
static int node_line(struct xctx *x)
{
    xmlNodePtr n;
    long l;
    if (!x->r)
        return 0;
    n = xmlTextReaderCurrentNode(x->r);
    l = n ? xmlGetLineNo(n) : -1;
    return l > 0 ? (int)l : xmlTextReaderGetParserLineNumber(x->r);
}

static int fail(struct xctx *x, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(struct xctx *x, int code, const char *fmt, ...)
{
    char rule[220];
    va_list ap;
    int line;
    if (x->failed)
        return x->err ? x->err->code : code;
    x->failed = 1;
    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    line = node_line(x);
    return zl_error_setf(x->err, code, x->plen ? x->path : "/", NULL,
                         "line %d: %s", line, rule);
}

static void on_xml_error(void *arg, xmlErrorPtr e)
{
    struct xctx *x = arg;
    size_t n;
    if (!e || e->level < XML_ERR_ERROR || x->xml_msg[0])
        return;
    x->xml_line = e->line;
    snprintf(x->xml_msg, sizeof x->xml_msg, "%s", e->message ? e->message : "");
    n = strlen(x->xml_msg);
    while (n && (x->xml_msg[n - 1] == '\n' || x->xml_msg[n - 1] == ' '))
        x->xml_msg[--n] = '\0';
}

/* The reader failed: report libxml2's message (not well-formed XML). */
static int fail_syntax(struct xctx *x)
{
    if (x->failed)
        return x->err ? x->err->code : ZL_ESYNTAX;
    x->failed = 1;
    return zl_error_setf(x->err, ZL_ESYNTAX, x->plen ? x->path : "/", NULL,
                         "line %d: not well-formed XML: %s",
                         x->xml_line ? x->xml_line
                                     : xmlTextReaderGetParserLineNumber(x->r),
                         x->xml_msg[0] ? x->xml_msg : "parse error");
}

/* ---- the element path ---- */

static size_t path_push(struct xctx *x, const char *name, size_t idx, int force)
{
    size_t old = x->plen, nl = strlen(name);
    int n = 0;
    /* the common case without printf: it runs for every element */
    if (!(idx > 1 || force)) {
        if (nl + 2 < PATH_CAP - x->plen) {
            x->path[x->plen] = '/';
            memcpy(x->path + x->plen + 1, name, nl + 1);
            x->plen += nl + 1;
            return old;
        }
    } else {
        n = snprintf(x->path + x->plen, PATH_CAP - x->plen, "/%s[%zu]", name,
                     idx);
    }
    if (n > 0 && (size_t)n < PATH_CAP - x->plen)
        x->plen += (size_t)n;
    else
        x->path[x->plen] = '\0'; /* too deep to name: keep the prefix */
    return old;
}

static void path_pop(struct xctx *x, size_t old)
{
    x->plen = old;
    x->path[old] = '\0';
}

/* Sibling counter for XPath-style indexes ([2] for the second ObjectEvent).
 * Names are the reader's dictionary strings, compared by content. */
struct sibs {
    const char *name[32];
    size_t count[32];
    size_t n;
};

static size_t sib_next(struct sibs *s, const char *name)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name))
            return ++s->count[i];
    if (s->n < 32) {
        s->name[s->n] = name;
        s->count[s->n++] = 1;
    }
    return 1;
}

/* ---- namespaces ---- */

static int is_epcis_ns(const char *uri)
{
    return !uri || (!strncmp(uri, "urn:epcglobal:epcis", 19) &&
                    (!strcmp(uri, NS_EPCIS2) || !strcmp(uri, NS_EPCIS1) ||
                     !strcmp(uri, NS_QUERY2) || !strcmp(uri, NS_QUERY1)));
}

/* The JSON-LD prefix for a user namespace: the one the document used if
 * it is free, else ns1, ns2... Returns NULL on ZL_ENOMEM/limit (failed). */
static const char *ns_prefix(struct xctx *x, const char *uri,
                             const char *prefix)
{
    char gen[16];
    size_t i;
    int k = 0;
    for (i = 0; i < x->n_ns; i++)
        if (!strcmp(x->ns[i].uri, uri))
            return x->ns[i].prefix;
    if (x->n_ns == MAX_NS) {
        fail(x, ZL_ELIMIT, "more than %d extension namespaces", MAX_NS);
        return NULL;
    }
    for (;;) {
        int taken = 0;
        const char *p = prefix;
        if (!p || !*p || k) {
            snprintf(gen, sizeof gen, "ns%d", ++k);
            p = gen;
        }
        for (i = 0; i < x->n_ns; i++)
            if (!strcmp(x->ns[i].prefix, p))
                taken = 1;
        /* Keys of the EPCIS context cannot be prefixes. */
        if (!strcmp(p, "https") || !strcmp(p, "http") || !strcmp(p, "urn"))
            taken = 1;
        if (!taken) {
            prefix = p;
            break;
        }
        if (!k)
            k = 0, prefix = NULL;
    }
    x->ns[x->n_ns].prefix = zl_strndup(prefix, strlen(prefix));
    x->ns[x->n_ns].uri = zl_strndup(uri, strlen(uri));
    if (!x->ns[x->n_ns].prefix || !x->ns[x->n_ns].uri) {
        zl_free(x->ns[x->n_ns].prefix);
        zl_free(x->ns[x->n_ns].uri);
        fail(x, ZL_ENOMEM, "out of memory");
        return NULL;
    }
    return x->ns[x->n_ns++].prefix;
}

/* The JSON key of the node the reader is on (element or attribute):
 * the local name for EPCIS's own, "prefix:local" for a user namespace.
 * Writes into out (cap bytes). 0 or negative (failed). */
static int node_key(struct xctx *x, char *out, size_t cap, int *user)
{
    const char *uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);
    const char *local = (const char *)xmlTextReaderConstLocalName(x->r);
    const char *pfx;
    *user = !is_epcis_ns(uri);
    if (!*user) {
        if (strlen(local) >= cap)
            return fail(x, ZL_ELIMIT, "name too long");
        memcpy(out, local, strlen(local) + 1);
        return 0;
    }
    pfx = ns_prefix(x, uri, (const char *)xmlTextReaderConstPrefix(x->r));
    if (!pfx)
        return x->err ? x->err->code : ZL_ENOMEM;
    if ((size_t)snprintf(out, cap, "%s:%s", pfx, local) >= cap)
        return fail(x, ZL_ELIMIT, "name too long");
    return 0;
}

/* ---- values ---- */

static int in_list(const char *k, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(k, *l))
            return 1;
    return 0;
}

static const char *const vocab_keys[] = {"bizStep",   "disposition", "reason",
                                         "set",       "unset",       "type",
                                         "exception", "component",   NULL};
static const char *const number_keys[] = {"quantity", "value",     "minValue",
                                          "maxValue", "meanValue", "sDev",
                                          "percRank", "percValue", NULL};

/* Trim XML whitespace. */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                  (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

/* An xsd:decimal/double as a JSON number, or NULL if s is not one. */
static json_t *number_of(const char *s, size_t n)
{
    char tmp[64], *end;
    size_t i;
    int is_int = 1;
    double d;
    if (n == 0 || n >= sizeof tmp)
        return NULL;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    for (i = 0; i < n; i++) {
        char c = tmp[i];
        if (!(c >= '0' && c <= '9') && !((c == '-' || c == '+') && i == 0))
            is_int = 0;
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
              c == 'e' || c == 'E'))
            return NULL;
    }
    if (is_int && n < 18) {
        long long v = strtoll(tmp, &end, 10);
        if (*end == '\0')
            return json_integer((json_int_t)v);
    }
    d = strtod(tmp, &end);
    if (*end != '\0' || end == tmp)
        return NULL;
    return json_real(d);
}

static size_t vocab_skip(const char *key, const char *item, const char *s,
                         size_t n);

/* The JSON value of the text s[0..n) under key: typed for EPCIS's numeric
 * and boolean fields, QName-expanded for its vocabulary fields. The
 * reader must still be on (or inside) the element or attribute, whose
 * namespace declarations are in scope. */
static json_t *scalar(struct xctx *x, const char *key, const char *item,
                      int user, const char *s, size_t n)
{
    json_t *j;
    if (!user && in_list(key, number_keys) && (j = number_of(s, n)))
        return j;
    if (!user && !strcmp(key, "booleanValue")) {
        if ((n == 4 && !memcmp(s, "true", 4)) || (n == 1 && s[0] == '1'))
            return json_true();
        if ((n == 5 && !memcmp(s, "false", 5)) || (n == 1 && s[0] == '0'))
            return json_false();
    }
    if (!user && in_list(key, vocab_keys)) {
        const char *colon = memchr(s, ':', n);
        if (colon && colon > s && (size_t)(colon - s) < 64 &&
            !(colon + 1 < s + n && colon[1] == '/')) {
            char pfx[64];
            xmlChar *uri;
            memcpy(pfx, s, (size_t)(colon - s));
            pfx[colon - s] = '\0';
            uri = xmlTextReaderLookupNamespace(x->r, (const xmlChar *)pfx);
            /* GS1's examples write gs1: and cbv: without declaring them;
             * their meaning is fixed by the EPCIS 2.0 JSON-LD context. */
            if (!uri && !strcmp(pfx, "gs1"))
                uri = xmlStrdup((const xmlChar *)GS1_VOC);
            else if (!uri && !strcmp(pfx, "cbv"))
                uri = xmlStrdup((const xmlChar *)CBV_WEB);
            if (uri) {
                size_t ul = strlen((const char *)uri);
                size_t rest = n - (size_t)(colon + 1 - s);
                char *full = zl_malloc(ul + rest + 1);
                if (!full) {
                    xmlFree(uri);
                    return NULL;
                }
                memcpy(full, uri, ul);
                memcpy(full + ul, colon + 1, rest);
                full[ul + rest] = '\0';
                xmlFree(uri);
                rest += ul;
                ul = vocab_skip(key, item, full, rest);
                j = json_stringn(full + ul, rest - ul);
                zl_free(full);
                return j;
            }
        }
    }
    if (!user && in_list(key, vocab_keys)) {
        size_t k = vocab_skip(key, item, s, n);
        s += k;
        n -= k;
    }
    return json_stringn(s, n);
}

/* The JSON binding writes a CBV or GS1 Web Vocabulary value as its bare
 * name ("departing"), the XML binding as a URN or URI (EPCIS 2.0 sec. 8.2
 * and 10): which prefixes name the vocabulary of each field. */
struct vocab_pfx {
    const char *key;  /* the field */
    const char *item; /* the list item it belongs to, or NULL for any */
    enum ep_vocab voc;
    const char *pfx[3];
};
static const struct vocab_pfx vocab_pfxs[] = {
    {"bizStep",
     NULL,
     EP_VOC_BIZSTEP,
     {"urn:epcglobal:cbv:bizstep:", CBV_WEB "BizStep-", NULL}},
    {"disposition",
     NULL,
     EP_VOC_DISP,
     {"urn:epcglobal:cbv:disp:", CBV_WEB "Disp-", NULL}},
    {"set",
     NULL,
     EP_VOC_DISP,
     {"urn:epcglobal:cbv:disp:", CBV_WEB "Disp-", NULL}},
    {"unset",
     NULL,
     EP_VOC_DISP,
     {"urn:epcglobal:cbv:disp:", CBV_WEB "Disp-", NULL}},
    {"reason", NULL, EP_VOC_ER, {"urn:epcglobal:cbv:er:", CBV_WEB "ER-", NULL}},
    {"type",
     "bizTransaction",
     EP_VOC_BTT,
     {"urn:epcglobal:cbv:btt:", CBV_WEB "BTT-", NULL}},
    {"type",
     "source",
     EP_VOC_SDT,
     {"urn:epcglobal:cbv:sdt:", CBV_WEB "SDT-", NULL}},
    {"type",
     "destination",
     EP_VOC_SDT,
     {"urn:epcglobal:cbv:sdt:", CBV_WEB "SDT-", NULL}},
    {"type", "sensorReport", EP_VOC_MEASURE, {GS1_VOC, NULL, NULL}},
    {"exception", "sensorReport", EP_VOC_ALERT, {GS1_VOC, NULL, NULL}},
    {"component", "sensorReport", EP_VOC_COMP, {GS1_VOC, NULL, NULL}},
};

/* How many leading bytes of s[0..n), the value of key in item, are the
 * vocabulary's prefix before one of its standard terms (0 if none: a URI
 * of the user's own, or a term the vocabulary does not have). */
static size_t vocab_skip(const char *key, const char *item, const char *s,
                         size_t n)
{
    size_t i, j;
    for (i = 0; i < sizeof vocab_pfxs / sizeof vocab_pfxs[0]; i++) {
        const struct vocab_pfx *v = &vocab_pfxs[i];
        if (strcmp(v->key, key) ||
            (v->item && (!item || strcmp(v->item, item))))
            continue;
        for (j = 0; j < 3 && v->pfx[j]; j++) {
            size_t pl = strlen(v->pfx[j]);
            /* only a term the JSON-LD context knows: the hash reads a
             * bare term through it, anything else stays a full URI */
            if (n > pl && !memcmp(s, v->pfx[j], pl) &&
                ep_vocab_has(v->voc, s + pl, n - pl))
                return pl;
        }
    }
    return 0;
}

/* ---- reading ---- */

/* Advance the reader. 1 on a node, 0 at the end, negative on failure. */
static int step(struct xctx *x)
{
    int r = xmlTextReaderRead(x->r);
    int t;
    if (r < 0)
        return fail_syntax(x);
    if (r == 0)
        return 0;
    t = xmlTextReaderNodeType(x->r);
    if (t == XML_READER_TYPE_DOCUMENT_TYPE) {
        /* "<!DOCTYPE name>" alone (GS1's own examples have one) declares
         * nothing; anything it could load or expand is refused. */
        xmlNodePtr n = xmlTextReaderCurrentNode(x->r);
        xmlDtdPtr d = n && n->type == XML_DTD_NODE ? (xmlDtdPtr)n : NULL;
        if (!d || d->ExternalID || d->SystemID || d->children)
            return fail(x, ZL_EINVAL,
                        "a document type declaration with an external "
                        "subset or declarations (DTD) is not accepted");
    }
    if (t == XML_READER_TYPE_ENTITY_REFERENCE || t == XML_READER_TYPE_ENTITY)
        return fail(x, ZL_EINVAL, "entity references are not accepted");
    return 1;
}

static int is_ws(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static enum kind kind_of(const char *key, int user, enum kind parent)
{
    static const char *const idlists[] = {
        "epcList",       "childEPCs",          "inputEPCList",
        "outputEPCList", "correctiveEventIDs", NULL};
    static const char *const qtylists[] = {"quantityList", "childQuantityList",
                                           "inputQuantityList",
                                           "outputQuantityList", NULL};
    static const char *const typed[] = {"bizTransactionList", "sourceList",
                                        "destinationList", NULL};
    static const char *const objs[] = {"readPoint", "bizLocation",
                                       "errorDeclaration", "ilmd", NULL};
    if (user || parent == K_EXT)
        return K_EXT;
    if (parent == K_SENSOR)
        return K_ATTROBJ;
    {
        /* most elements are plain fields: decide those without the lists */
        size_t kl = strlen(key);
        if (!(kl > 4 && !strcmp(key + kl - 4, "List")) &&
            strcmp(key, "childEPCs") && strcmp(key, "correctiveEventIDs") &&
            strcmp(key, "persistentDisposition") && !in_list(key, objs))
            return K_TEXT;
    }
    if (in_list(key, idlists))
        return K_IDLIST;
    if (in_list(key, qtylists))
        return K_QTYLIST;
    if (in_list(key, typed))
        return K_TYPEDLIST;
    if (!strcmp(key, "sensorElementList"))
        return K_SENSORLIST;
    if (!strcmp(key, "persistentDisposition"))
        return K_PD;
    if (in_list(key, objs))
        return K_OBJ;
    return K_TEXT;
}

static int read_elem(struct xctx *x, enum kind k, const char *key, int user,
                     size_t depth, json_t **out);
static int skip(struct xctx *x);

static int is_nil(struct xctx *x)
{
    xmlChar *v;
    int nil;
    if (xmlTextReaderHasAttributes(x->r) != 1)
        return 0;
    v = xmlTextReaderGetAttributeNs(x->r, (const xmlChar *)"nil",
                                    (const xmlChar *)NS_XSI);
    nil = v &&
          (!strcmp((const char *)v, "true") || !strcmp((const char *)v, "1"));
    xmlFree(v);
    return nil;
}

/* Add v (taken) under key to obj: a repeated user key becomes an array,
 * force_array keys are always arrays, a repeated EPCIS key is an error. */
static int put(struct xctx *x, json_t *obj, const char *key, int user,
               json_t *v, int force_array)
{
    json_t *old = json_object_get(obj, key);
    int r = 0;
    if (force_array) {
        if (!old) {
            old = json_array();
            if (!old || json_object_set_new(obj, key, old) < 0) {
                json_decref(v);
                return fail(x, ZL_ENOMEM, "out of memory");
            }
        }
        if (json_array_append_new(old, v) < 0)
            r = fail(x, ZL_ENOMEM, "out of memory");
        return r;
    }
    if (!old) {
        if (json_object_set_new(obj, key, v) < 0)
            return fail(x, ZL_ENOMEM, "out of memory");
        return 0;
    }
    if (!user && strcmp(key, "certificationInfo")) {
        json_decref(v);
        return fail(x, ZL_EINVAL, "<%s> may appear only once here", key);
    }
    /* A user element's value is a string or an object, never an array,
     * unless it repeated before. */
    if (json_is_array(old)) {
        if (json_array_append_new(old, v) < 0)
            return fail(x, ZL_ENOMEM, "out of memory");
        return 0;
    }
    {
        json_t *arr = json_array();
        if (!arr) {
            json_decref(v);
            return fail(x, ZL_ENOMEM, "out of memory");
        }
        if (json_array_append(arr, old) < 0 ||
            json_array_append_new(arr, v) < 0 ||
            json_object_set_new(obj, key, arr) < 0)
            return fail(x, ZL_ENOMEM, "out of memory");
    }
    return 0;
}

/* Read the attributes of the element the reader is on into obj (for
 * K_ATTROBJ and the typed lists' "type"). Moves back to the element. */
static int read_attrs(struct xctx *x, json_t *obj, int all, const char *item)
{
    int r = 0;
    char key[256];
    if (xmlTextReaderHasAttributes(x->r) != 1)
        return 0;
    while (xmlTextReaderMoveToNextAttribute(x->r) == 1) {
        const char *uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);
        const char *val = (const char *)xmlTextReaderConstValue(x->r);
        int user;
        json_t *v;
        if (uri && (!strcmp(uri, NS_XMLNS) || !strcmp(uri, NS_XSI) ||
                    !strcmp(uri, NS_XML)))
            continue;
        if ((r = node_key(x, key, sizeof key, &user)) < 0)
            break;
        if (!all && (user || strcmp(key, "type")))
            continue;
        if (!val)
            val = "";
        {
            const char *s = val;
            size_t n = strlen(val);
            trim(&s, &n);
            v = scalar(x, key, item, user, s, n);
        }
        if (!v || json_object_set_new(obj, key, v) < 0) {
            r = fail(x, ZL_ENOMEM, "out of memory");
            break;
        }
    }
    xmlTextReaderMoveToElement(x->r);
    return r;
}

/* The children of the element the reader is on, into obj (K_OBJ and
 * friends) or arr (the lists). Returns 0 at the element's end. */
static int read_children(struct xctx *x, enum kind k, json_t *obj, json_t *arr,
                         struct zl_buf *text, size_t depth)
{
    struct sibs sib;
    int r, has_children = 0;
    int d0 = xmlTextReaderDepth(x->r);
    sib.n = 0;
    if (depth > x->max_depth)
        return fail(x, ZL_ELIMIT, "nested deeper than %zu elements",
                    x->max_depth);
    if (xmlTextReaderIsEmptyElement(x->r))
        return 0;
    while ((r = step(x)) == 1) {
        int t = xmlTextReaderNodeType(x->r);
        if (t == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(x->r) == d0)
            return 0;
        if (t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA) {
            const char *v = (const char *)xmlTextReaderConstValue(x->r);
            if (has_children && !is_ws(v))
                return fail(x, ZL_EINVAL, "text mixed with elements");
            if (text && (r = zl_buf_adds(text, v)) < 0)
                return fail(x, r, "text longer than %u bytes", MAX_TEXT);
            if (!text && !is_ws(v))
                return fail(x, ZL_EINVAL, "text where elements are expected");
            continue;
        }
        if (t != XML_READER_TYPE_ELEMENT)
            continue;
        if (!obj && !arr) {
            path_push(x, (const char *)xmlTextReaderConstName(x->r), 1, 0);
            return fail(x, ZL_EINVAL, "an element where text is expected");
        }
        has_children = 1;
        if (text && text->len) {
            const char *s = text->data;
            size_t n = text->len;
            trim(&s, &n);
            if (n)
                return fail(x, ZL_EINVAL, "text mixed with elements");
        }
        {
            const char *qn = (const char *)xmlTextReaderConstName(x->r);
            size_t idx = sib_next(&sib, qn);
            size_t old = path_push(x, qn, idx, 0);
            char key[256];
            int user;
            json_t *v = NULL;
            enum kind ck;
            if ((r = node_key(x, key, sizeof key, &user)) < 0)
                return r;
            if (is_nil(x)) {
                /* xsi:nil="true": the field is absent */
                if ((r = skip(x)) < 0)
                    return r;
                path_pop(x, old);
                continue;
            }
            if (!user && k != K_EXT && k != K_IDLIST &&
                (!strcmp(key, "extension") || !strcmp(key, "baseExtension"))) {
                /* 1.2's wrappers: their content belongs to the parent. */
                if ((r = read_children(x, k, obj, arr, NULL, depth + 1)) < 0)
                    return r;
                path_pop(x, old);
                continue;
            }
            if (arr) {
                /* a list item */
                if (k == K_IDLIST)
                    ck = K_TEXT;
                else if (k == K_QTYLIST)
                    ck = K_OBJ;
                else if (k == K_SENSORLIST)
                    ck = K_SENSOR;
                else
                    ck = K_TYPEDLIST; /* an item of a typed list */
                if ((r = read_elem(x, ck, key, user, depth + 1, &v)) < 0)
                    return r;
                if (json_array_append_new(arr, v) < 0)
                    return fail(x, ZL_ENOMEM, "out of memory");
            } else {
                int force = 0;
                ck = kind_of(key, user, k);
                if (k == K_SENSOR && user)
                    ck = K_EXT;
                if (k == K_SENSOR && !user && !strcmp(key, "sensorReport"))
                    force = 1;
                if (k == K_PD && !user)
                    force = 1, ck = K_TEXT;
                if ((r = read_elem(x, ck, key, user, depth + 1, &v)) < 0)
                    return r;
                if ((r = put(x, obj, key, user, v, force)) < 0)
                    return r;
            }
            path_pop(x, old);
        }
    }
    if (r == 0)
        return fail(x, ZL_ESYNTAX, "unexpected end of document");
    return r;
}

/* Read the element the reader is on as kind k; *out is new. The reader
 * ends on the element's end (or on the element if it is empty). */
static int read_elem(struct xctx *x, enum kind k, const char *key, int user,
                     size_t depth, json_t **out)
{
    struct zl_buf *tp = &x->tb[depth < TB_DEPTH ? depth : TB_DEPTH - 1];
    json_t *v = NULL, *arr = NULL;
    int r = 0;
#define text (*tp)
    *out = NULL;
    if (!tp->max)
        zl_buf_init(tp, MAX_TEXT);
    zl_buf_reset(tp);
    switch (k) {
    case K_IDLIST:
    case K_QTYLIST:
    case K_SENSORLIST:
    case K_TYPEDLIST:
        if (k == K_TYPEDLIST && !strstr(key, "List")) {
            /* one bizTransaction/source/destination: {type, key: text} */
            if (!(v = json_object()))
                goto nomem;
            if ((r = read_attrs(x, v, 0, key)) < 0)
                goto out;
            if ((r = read_children(x, K_TEXT, NULL, NULL, &text, depth)) < 0)
                goto out;
            {
                const char *s = text.data ? text.data : "";
                size_t n = text.len;
                json_t *t;
                trim(&s, &n);
                if (!(t = json_stringn(s, n)) ||
                    json_object_set_new(v, key, t) < 0)
                    goto nomem;
            }
            break;
        }
        if (!(v = arr = json_array()))
            goto nomem;
        r = read_children(x, k, NULL, arr, NULL, depth);
        break;
    case K_OBJ:
    case K_PD:
    case K_SENSOR:
        if (!(v = json_object()))
            goto nomem;
        r = read_children(x, k, v, NULL, NULL, depth);
        break;
    case K_ATTROBJ:
        if (!(v = json_object()))
            goto nomem;
        if ((r = read_attrs(x, v, 1, key)) < 0)
            goto out;
        r = read_children(x, K_EXT, v, NULL, NULL, depth);
        break;
    case K_TEXT:
    case K_EXT:
        if (!(v = json_object()))
            goto nomem;
        if (k == K_EXT && (r = read_attrs(x, v, 1, NULL)) < 0)
            goto out;
        if ((r = read_children(x, k == K_EXT ? K_EXT : K_TEXT,
                               k == K_EXT ? v : NULL, NULL, &text, depth)) < 0)
            goto out;
        if (k == K_EXT && json_object_size(v) && text.len) {
            /* attributes and text: the text as the JSON-LD value */
            const char *s = text.data;
            size_t n = text.len;
            json_t *t;
            trim(&s, &n);
            if (n && (!(t = json_stringn(s, n)) ||
                      json_object_set_new(v, "@value", t) < 0))
                goto nomem;
        } else if (k == K_TEXT || json_object_size(v) == 0) {
            const char *s = text.data ? text.data : "";
            size_t n = text.len;
            json_decref(v);
            trim(&s, &n);
            if (!(v = scalar(x, key, NULL, user || k == K_EXT, s, n)))
                goto nomem;
        }
        break;
    }
    goto out;
nomem:
    r = fail(x, ZL_ENOMEM, "out of memory");
out:
#undef text
    if (r < 0) {
        json_decref(v);
        return r;
    }
    *out = v;
    return 0;
}

/* ---- the document ---- */

static int dump_cb(const char *buf, size_t size, void *data)
{
    return zl_buf_add(data, buf, size) < 0 ? -1 : 0;
}

static int add_pos(struct xctx *x, int line)
{
    if (x->n_pos == x->cap_pos) {
        size_t nc = x->cap_pos ? 2 * x->cap_pos : 16;
        struct evpos *p = zl_realloc(x->pos, nc * sizeof *p);
        if (!p)
            return fail(x, ZL_ENOMEM, "out of memory");
        x->pos = p;
        x->cap_pos = nc;
    }
    x->pos[x->n_pos].path = zl_strndup(x->path, x->plen);
    x->pos[x->n_pos].line = line;
    if (!x->pos[x->n_pos].path)
        return fail(x, ZL_ENOMEM, "out of memory");
    x->n_pos++;
    return 0;
}

static int is_event_name(const char *s)
{
    return !strcmp(s, "ObjectEvent") || !strcmp(s, "AggregationEvent") ||
           !strcmp(s, "TransactionEvent") ||
           !strcmp(s, "TransformationEvent") || !strcmp(s, "AssociationEvent");
}

/* The events of an EventList (the reader on it), appended to x->events. */
static int event_list(struct xctx *x, size_t depth)
{
    struct sibs sib;
    int r, d0 = xmlTextReaderDepth(x->r);
    sib.n = 0;
    if (xmlTextReaderIsEmptyElement(x->r))
        return 0;
    while ((r = step(x)) == 1) {
        int t = xmlTextReaderNodeType(x->r);
        const char *qn, *uri, *local;
        size_t idx, old;
        json_t *ev, *type;
        if (t == XML_READER_TYPE_END_ELEMENT) {
            if (xmlTextReaderDepth(x->r) == d0)
                return 0;
            continue; /* the end of an <extension> wrapper */
        }
        if (t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA) {
            if (!is_ws((const char *)xmlTextReaderConstValue(x->r)))
                return fail(x, ZL_EINVAL, "text where events are expected");
            continue;
        }
        if (t != XML_READER_TYPE_ELEMENT)
            continue;
        qn = (const char *)xmlTextReaderConstName(x->r);
        uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);
        local = (const char *)xmlTextReaderConstLocalName(x->r);
        if (is_epcis_ns(uri) && !strcmp(local, "extension"))
            continue; /* 1.2: TransformationEvent inside <extension> */
        idx = sib_next(&sib, qn);
        old = path_push(x, qn, idx, 1);
        if (!is_epcis_ns(uri) || !is_event_name(local))
            return fail(x, ZL_EINVAL, "not an EPCIS event");
        if (++x->n_events > x->max_events)
            return fail(x, ZL_ELIMIT, "more than %zu events", x->max_events);
        if ((r = add_pos(x, node_line(x))) < 0)
            return r;
        if (!(ev = json_object()) || !(type = json_string(local)) ||
            json_object_set_new(ev, "type", type) < 0) {
            json_decref(ev);
            return fail(x, ZL_ENOMEM, "out of memory");
        }
        if ((r = read_children(x, K_OBJ, ev, NULL, NULL, depth + 1)) < 0) {
            json_decref(ev);
            return r;
        }
        if ((x->events->len && zl_buf_addc(x->events, ',') < 0) ||
            json_dump_callback(ev, dump_cb, x->events, JSON_COMPACT) < 0) {
            json_decref(ev);
            return fail(x, ZL_ELIMIT, "document too large");
        }
        json_decref(ev);
        path_pop(x, old);
    }
    return r < 0 ? r : fail(x, ZL_ESYNTAX, "unexpected end of document");
}

/* Skip the subtree of the element the reader is on. */
static int skip(struct xctx *x)
{
    int d0 = xmlTextReaderDepth(x->r), r;
    if (xmlTextReaderIsEmptyElement(x->r))
        return 0;
    while ((r = step(x)) == 1)
        if (xmlTextReaderNodeType(x->r) == XML_READER_TYPE_END_ELEMENT &&
            xmlTextReaderDepth(x->r) == d0)
            return 0;
    return r < 0 ? r : fail(x, ZL_ESYNTAX, "unexpected end of document");
}

/* A document-level extension element (repository-x:ignoreFields...). */
static int doc_ext(struct xctx *x, size_t depth)
{
    char key[256];
    int user, r;
    json_t *v = NULL;
    const char *local = (const char *)xmlTextReaderConstLocalName(x->r);
    if ((r = node_key(x, key, sizeof key, &user)) < 0)
        return r;
    if (!strcmp(local, "ignoreFields")) {
        /* The reference generator's list of field names, written as
         * empty elements: their names. */
        int d0 = xmlTextReaderDepth(x->r);
        if (!(v = json_array()))
            return fail(x, ZL_ENOMEM, "out of memory");
        if (!xmlTextReaderIsEmptyElement(x->r)) {
            while ((r = step(x)) == 1) {
                int t = xmlTextReaderNodeType(x->r);
                char k2[256];
                int u2;
                if (t == XML_READER_TYPE_END_ELEMENT &&
                    xmlTextReaderDepth(x->r) == d0)
                    break;
                if (t != XML_READER_TYPE_ELEMENT)
                    continue;
                if ((r = node_key(x, k2, sizeof k2, &u2)) < 0 ||
                    json_array_append_new(v, json_string(k2)) < 0 ||
                    (r = skip(x)) < 0)
                    break;
            }
            if (r < 0) {
                json_decref(v);
                return r < 0 ? r : fail(x, ZL_ENOMEM, "out of memory");
            }
        }
    } else if ((r = read_elem(x, K_EXT, key, 1, depth, &v)) < 0) {
        return r;
    }
    r = 0;
    if (zl_buf_add_json_string(&x->head, key) < 0 ||
        zl_buf_addc(&x->head, ':') < 0 ||
        json_dump_callback(v, dump_cb, &x->head,
                           JSON_COMPACT | JSON_ENCODE_ANY) < 0 ||
        zl_buf_addc(&x->head, ',') < 0)
        r = fail(x, ZL_ENOMEM, "out of memory");
    json_decref(v);
    return r;
}

/* Walk the containers between the root and the EventList (EPCISBody,
 * QueryResults, resultsBody, extension): events, queryName; the header
 * and everything else of EPCIS's own is skipped. */
static int containers(struct xctx *x, size_t depth)
{
    struct sibs sib;
    int r, d0 = xmlTextReaderDepth(x->r);
    sib.n = 0;
    if (depth > x->max_depth)
        return fail(x, ZL_ELIMIT, "nested deeper than %zu elements",
                    x->max_depth);
    if (xmlTextReaderIsEmptyElement(x->r))
        return 0;
    while ((r = step(x)) == 1) {
        int t = xmlTextReaderNodeType(x->r);
        const char *qn, *uri, *local;
        size_t old;
        if (t == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(x->r) == d0)
            return 0;
        if (t != XML_READER_TYPE_ELEMENT)
            continue;
        qn = (const char *)xmlTextReaderConstName(x->r);
        uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);
        local = (const char *)xmlTextReaderConstLocalName(x->r);
        old = path_push(x, qn, sib_next(&sib, qn), 0);
        if (!is_epcis_ns(uri)) {
            if (depth == 1 && strcmp(uri, NS_SBDH))
                r = doc_ext(x, depth + 1);
            else
                r = skip(x);
        } else if (!strcmp(local, "EventList")) {
            r = event_list(x, depth + 1);
        } else if (!strcmp(local, "EPCISBody") ||
                   !strcmp(local, "QueryResults") ||
                   !strcmp(local, "resultsBody") ||
                   !strcmp(local, "extension")) {
            r = containers(x, depth + 1);
        } else if (!strcmp(local, "queryName") && x->query && !x->query_name) {
            json_t *v;
            if ((r = read_elem(x, K_TEXT, local, 0, depth + 1, &v)) == 0) {
                x->query_name =
                    zl_strndup(json_string_value(v), json_string_length(v));
                json_decref(v);
                if (!x->query_name)
                    r = fail(x, ZL_ENOMEM, "out of memory");
            }
        } else {
            r = skip(x); /* EPCISHeader, subscriptionID... */
        }
        if (r < 0)
            return r;
        path_pop(x, old);
    }
    return r < 0 ? r : fail(x, ZL_ESYNTAX, "unexpected end of document");
}

static int attr_dup(struct xctx *x, const char *name, char **out)
{
    xmlChar *v = xmlTextReaderGetAttribute(x->r, (const xmlChar *)name);
    *out = NULL;
    if (!v)
        return 0;
    *out = zl_strndup((const char *)v, strlen((const char *)v));
    xmlFree(v);
    return *out ? 0 : fail(x, ZL_ENOMEM, "out of memory");
}

static void ctx_cleanup(struct xctx *x)
{
    size_t i;
    if (x->r)
        xmlFreeTextReader(x->r);
    for (i = 0; i < x->n_ns; i++) {
        zl_free(x->ns[i].prefix);
        zl_free(x->ns[i].uri);
    }
    for (i = 0; i < x->n_pos; i++)
        zl_free(x->pos[i].path);
    zl_free(x->pos);
    zl_free(x->query_name);
    zl_buf_cleanup(&x->head);
    for (i = 0; i < TB_DEPTH; i++)
        zl_buf_cleanup(&x->tb[i]);
}

static int convert(struct xctx *x, const char *buf, size_t len,
                   const struct zl_capture_limits *lim, struct zl_buf *out)
{
    struct zl_buf events;
    char *created = NULL;
    const struct zl_capture_limits l = ep_limits(lim);
    size_t max_bytes = l.max_bytes;
    const char *uri, *local, *why;
    size_t i;
    int r;

    x->max_depth = l.max_depth;
    x->max_events = l.max_events;
    zl_buf_init(&events, 4 * max_bytes + 4096);
    zl_buf_init(&x->head, max_bytes + 4096);
    x->events = &events;
    if (len > max_bytes || len > (size_t)0x7fffffff) {
        r = zl_error_setf(x->err, ZL_ELIMIT, "/", NULL,
                          "document larger than %zu bytes", max_bytes);
        goto out;
    }
    if ((r = zl_xml_load(&why))) {
        r = zl_error_set(x->err, r, "libxml2.so.2",
                         "EPCIS XML needs libxml2 (Debian package libxml2),"
                         " which cannot be loaded",
                         why, (size_t)-1);
        goto out;
    }
    pthread_once(&xml_once, xml_init);
    /* NONET: no network; no NOENT (no entity substitution), no DTDLOAD,
     * DTDATTR or DTDVALID (no DTD is read), no HUGE (libxml2's own caps on
     * text and name sizes hold). */
    x->r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOCDATA |
                                  XML_PARSE_COMPACT | XML_PARSE_BIG_LINES);
    if (!x->r) {
        r = zl_error_set(x->err, ZL_ENOMEM, "/", "out of memory", NULL, 0);
        goto out;
    }
    xmlTextReaderSetStructuredErrorHandler(x->r, on_xml_error, x);
    do {
        if ((r = step(x)) <= 0) {
            if (r == 0)
                r = fail(x, ZL_ESYNTAX, "no root element");
            goto out;
        }
    } while (xmlTextReaderNodeType(x->r) != XML_READER_TYPE_ELEMENT);
    uri = (const char *)xmlTextReaderConstNamespaceUri(x->r);
    local = (const char *)xmlTextReaderConstLocalName(x->r);
    path_push(x, (const char *)xmlTextReaderConstName(x->r), 1, 0);
    if (!uri || !is_epcis_ns(uri) ||
        (strcmp(local, "EPCISDocument") &&
         strcmp(local, "EPCISQueryDocument"))) {
        r = fail(x, ZL_EINVAL,
                 "the root must be an EPCISDocument or EPCISQueryDocument in "
                 "namespace " NS_EPCIS2 " or " NS_EPCIS1);
        goto out;
    }
    x->query = !strcmp(local, "EPCISQueryDocument");
    if ((r = attr_dup(x, "creationDate", &created)) < 0)
        goto out;
    if ((r = containers(x, 1)) < 0)
        goto out;
    /* Nothing may follow but comments and white space. */
    while ((r = step(x)) == 1)
        ;
    if (r < 0)
        goto out;

    r = zl_buf_adds(out, "{\"@context\":[\"" EPCIS_CONTEXT "\"");
    for (i = 0; i < x->n_ns && r == 0; i++)
        r = zl_buf_adds(out, ",{") ||
            zl_buf_add_json_string(out, x->ns[i].prefix) ||
            zl_buf_addc(out, ':') ||
            zl_buf_add_json_string(out, x->ns[i].uri) || zl_buf_addc(out, '}');
    if (r == 0)
        r = zl_buf_printf(out, "],\"type\":\"%s\",\"schemaVersion\":\"2.0\",",
                          x->query ? "EPCISQueryDocument" : "EPCISDocument");
    if (r == 0 && created)
        r = zl_buf_adds(out, "\"creationDate\":") ||
            zl_buf_add_json_string(out, created) || zl_buf_addc(out, ',');
    /* Document-level extensions go where the JSON binding has them: at
     * the top of an EPCISDocument, in queryResults of a query document. */
    if (r == 0 && x->head.len && !x->query)
        r = zl_buf_add(out, x->head.data, x->head.len);
    if (r == 0 && x->query)
        r = zl_buf_adds(out, "\"epcisBody\":{\"queryResults\":{") ||
            (x->head.len && zl_buf_add(out, x->head.data, x->head.len)) ||
            zl_buf_adds(out, "\"queryName\":") ||
            zl_buf_add_json_string(out, x->query_name ? x->query_name
                                                      : "SimpleEventQuery") ||
            zl_buf_adds(out, ",\"resultsBody\":{\"eventList\":[");
    else if (r == 0)
        r = zl_buf_adds(out, "\"epcisBody\":{\"eventList\":[");
    if (r == 0 && events.len)
        r = zl_buf_add(out, events.data, events.len);
    if (r == 0)
        r = zl_buf_adds(out, x->query ? "]}}}}" : "]}}");
    if (r)
        r = zl_error_set(x->err, ZL_ELIMIT, "/", "converted document too large",
                         NULL, 0);
out:
    zl_free(created);
    zl_buf_cleanup(&events);
    return r < 0 ? r : 0;
}

int zl_epcis_xml_to_json(const char *buf, size_t len,
                         const struct zl_capture_limits *lim, char **json,
                         size_t *json_len, struct zl_error *err)
{
    struct xctx x;
    struct zl_buf out;
    int r;
    memset(&x, 0, sizeof x);
    x.err = err;
    *json = NULL;
    if (json_len)
        *json_len = 0;
    zl_buf_init(&out, 4 * ep_limits(lim).max_bytes + 4096);
    r = convert(&x, buf, len, lim, &out);
    ctx_cleanup(&x);
    if (r < 0) {
        zl_buf_cleanup(&out);
        return r;
    }
    if (json_len)
        *json_len = out.len;
    if (!(*json = zl_buf_steal(&out)))
        return zl_error_set(err, ZL_ENOMEM, "/", "out of memory", NULL, 0);
    return 0;
}

/* Move a JSON validation error "$.epcisBody.eventList[N].rest" onto the
 * XML: "<event element path>/rest", "line L: rule". */
static void map_error(const struct xctx *x, struct zl_error *err)
{
    const char *p, *rest;
    char path[1024], rule[1024];
    unsigned long n;
    char *end;
    int pn, rn;
    if (!err)
        return;
    p = strstr(err->path, "eventList[");
    if (!p)
        return;
    n = strtoul(p + 10, &end, 10);
    if (*end != ']' || n >= x->n_pos)
        return;
    rest = end + 1;
    pn = snprintf(path, sizeof path, "%s", x->pos[n].path);
    /* ".epcList[0]" as "/epcList[0]": one path, the XML's shape */
    for (; *rest && pn > 0 && (size_t)pn + 1 < sizeof path; rest++)
        path[pn++] = *rest == '.' ? '/' : *rest;
    if (pn > 0 && (size_t)pn < sizeof path)
        path[pn] = '\0';
    rn = snprintf(rule, sizeof rule, "line %d: %s", x->pos[n].line, err->rule);
    if (pn < 0 || rn < 0)
        return;
    /* Truncate as zl_error does (the path's tail is the least useful). */
    zl_text_escape(err->path, sizeof err->path, path, (size_t)-1);
    zl_text_escape(err->rule, sizeof err->rule, rule, (size_t)-1);
}

int zl_epcis_parse_xml(const char *buf, size_t len,
                       const struct zl_epcis_opts *o, zl_epcis_doc **out,
                       struct zl_error *err)
{
    struct xctx x;
    struct zl_buf json;
    const struct zl_capture_limits *lim = o ? o->limits : NULL;
    struct zl_capture_limits jl;
    struct zl_epcis_opts jo;
    int r;

    *out = NULL;
    memset(&x, 0, sizeof x);
    x.err = err;
    zl_buf_init(&json, 4 * ep_limits(lim).max_bytes + 4096);
    if ((r = convert(&x, buf, len, lim, &json)) < 0)
        goto out;
    /* The JSON form is larger than the XML it came from and nests
     * differently: the caps were applied to the XML. */
    memset(&jl, 0, sizeof jl);
    jl.max_bytes = json.len + 1;
    jl.max_events = lim && lim->max_events ? lim->max_events : 0;
    jl.max_depth = 2 * x.max_depth + 8;
    if (o)
        jo = *o;
    else
        memset(&jo, 0, sizeof jo);
    jo.limits = &jl;
    if ((r = zl_epcis_parse_opts(json.data, json.len, &jo, out, err)) < 0)
        map_error(&x, err);
out:
    ctx_cleanup(&x);
    zl_buf_cleanup(&json);
    return r;
}

int zl_epcis_is_xml(const char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
        (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        i = 3;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
                       buf[i] == '\r'))
        i++;
    return i < len && buf[i] == '<';
}

/* ---- JSON-LD -> XML (the inverse, for round trips and `convert`) ----
 *
 * The EPCIS 2.0 XML binding of a JSON-LD EPCISDocument: lists become their
 * list elements (epcList/epc, quantityList/quantityElement, a typed list's
 * items with a type attribute), sensorMetadata and sensorReport properties
 * become attributes, a bare CBV or GS1 Web Vocabulary term becomes its web
 * URI, "p:name" keys become elements in the namespace @context binds p to
 * (declared on the root), a JSON array of a user key repeats the element.
 * Elements are written in the JSON's order. Converting the result back
 * gives JSON whose events hash as the input's do. */

struct xw {
    struct zl_buf *b;
    json_t *ctx; /* prefix -> URI of the document's @context objects */
    struct zl_error *err;
};

static int xw_text(struct xw *w, const char *s, size_t n)
{
    return zl_buf_add_xml(w->b, s, n, 0);
}

/* The text of a scalar JSON value (numbers as JSON writes them). */
static int xw_scalar(struct xw *w, const char *key, const char *item, json_t *v)
{
    char num[64];
    if (json_is_string(v)) {
        size_t i;
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        /* a bare vocabulary term: its web URI */
        for (i = 0; i < sizeof vocab_pfxs / sizeof vocab_pfxs[0]; i++) {
            const struct vocab_pfx *p = &vocab_pfxs[i];
            if (strcmp(p->key, key) ||
                (p->item && (!item || strcmp(p->item, item))))
                continue;
            if (!memchr(s, ':', n) && ep_vocab_has(p->voc, s, n))
                return zl_buf_adds(w->b, ep_vocab_prefix(p->voc)) ||
                       xw_text(w, s, n);
        }
        return xw_text(w, s, n);
    }
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return zl_buf_adds(w->b, num);
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return zl_buf_adds(w->b, num);
    }
    if (json_is_true(v))
        return zl_buf_adds(w->b, "true");
    if (json_is_false(v))
        return zl_buf_adds(w->b, "false");
    return 0; /* null: empty */
}

static int xw_value(struct xw *w, const char *key, json_t *v, size_t depth);

/* The namespace of an extension's prefix that the document's @context
 * does not bind (its events were captured under a document @context that
 * the stored event does not keep): the standard prefixes of the EPCIS 2.0
 * JSON-LD context with the namespaces GS1's XML examples give them, else
 * a URN naming the prefix, so that the XML is namespace-well-formed. */
static const struct {
    const char *prefix, *uri;
} STD_PREFIXES[] = {
    {"cbvmda", "urn:epcglobal:cbv:mda"},
    {"gs1", "https://gs1.org/voc/"},
    {"cbv", "https://ref.gs1.org/cbv/"},
};

/* "<name", with xmlns:p when name is p:local and p is unbound, then ">". */
static int xw_open(struct xw *w, const char *name)
{
    const char *colon = strchr(name, ':');
    char p[64];
    int r = zl_buf_printf(w->b, "<%s", name);

    if (r || !colon || (size_t)(colon - name) >= sizeof p)
        return r ? r : zl_buf_addc(w->b, '>');
    memcpy(p, name, (size_t)(colon - name));
    p[colon - name] = '\0';
    if (!json_object_get(w->ctx, p) && strcmp(p, "xml")) {
        const char *uri = NULL;

        for (size_t i = 0; i < sizeof STD_PREFIXES / sizeof STD_PREFIXES[0];
             i++)
            if (!strcmp(STD_PREFIXES[i].prefix, p))
                uri = STD_PREFIXES[i].uri;
        r = uri ? zl_buf_printf(w->b, " xmlns:%s=\"%s\"", p, uri)
                : zl_buf_printf(w->b,
                                " xmlns:%s=\"urn:zhiliang:undeclared-prefix:"
                                "%s\"",
                                p, p);
    }
    return r ? r : zl_buf_addc(w->b, '>');
}

static int xw_elem(struct xw *w, const char *name, const char *key,
                   const char *item, json_t *v, size_t depth)
{
    int r = xw_open(w, name);
    if (!r)
        r = json_is_object(v) || json_is_array(v)
                ? xw_value(w, key, v, depth + 1)
                : xw_scalar(w, key, item, v);
    return r ? r : zl_buf_printf(w->b, "</%s>", name);
}

/* Attributes of a sensorMetadata / sensorReport object; other values
 * (user objects) as child elements. */
static int xw_attr_elem(struct xw *w, const char *name, json_t *o, size_t depth)
{
    const char *k;
    json_t *v;
    int r = zl_buf_printf(w->b, "<%s", name), kids = 0;
    json_object_foreach(o, k, v)
    {
        if (r)
            break;
        if (json_is_object(v) || json_is_array(v)) {
            kids = 1;
            continue;
        }
        r = zl_buf_printf(w->b, " %s=\"", k) || xw_scalar(w, k, name, v) ||
            zl_buf_addc(w->b, '"');
    }
    if (!r && !kids)
        return zl_buf_adds(w->b, "/>");
    if (!r)
        r = zl_buf_addc(w->b, '>');
    json_object_foreach(o, k, v)
    {
        if (r)
            break;
        if (json_is_object(v) || json_is_array(v))
            r = xw_value(w, k, v, depth + 1) ? -1 : 0;
    }
    return r ? r : zl_buf_printf(w->b, "</%s>", name);
}

/* The XSD's sequences (EPCglobal-epcis-2_0.xsd, GS1 EPCIS 2.0): the
 * standard's members of each type in the order the schema requires them;
 * other members (extensions, "p:name") follow in the JSON's order, where
 * the types' final xsd:any takes them. NULL-terminated; a "" entry ends
 * the common part of an event and starts its type's own. */
static const char *const XSD_EVENT_BASE[] = {
    "eventTime", "recordTime",       "eventTimeZoneOffset",
    "eventID",   "errorDeclaration", "certificationInfo",
    NULL};
static const char *const XSD_OBJECT[] = {"epcList",
                                         "action",
                                         "bizStep",
                                         "disposition",
                                         "readPoint",
                                         "bizLocation",
                                         "bizTransactionList",
                                         "quantityList",
                                         "sourceList",
                                         "destinationList",
                                         "sensorElementList",
                                         "persistentDisposition",
                                         "ilmd",
                                         NULL};
static const char *const XSD_AGGREGATION[] = {"parentID",
                                              "childEPCs",
                                              "action",
                                              "bizStep",
                                              "disposition",
                                              "readPoint",
                                              "bizLocation",
                                              "bizTransactionList",
                                              "childQuantityList",
                                              "sourceList",
                                              "destinationList",
                                              "sensorElementList",
                                              "persistentDisposition",
                                              NULL};
static const char *const XSD_TRANSACTION[] = {"bizTransactionList",
                                              "parentID",
                                              "epcList",
                                              "action",
                                              "bizStep",
                                              "disposition",
                                              "readPoint",
                                              "bizLocation",
                                              "quantityList",
                                              "sourceList",
                                              "destinationList",
                                              "sensorElementList",
                                              "persistentDisposition",
                                              NULL};
static const char *const XSD_TRANSFORMATION[] = {"inputEPCList",
                                                 "inputQuantityList",
                                                 "outputEPCList",
                                                 "outputQuantityList",
                                                 "transformationID",
                                                 "bizStep",
                                                 "disposition",
                                                 "readPoint",
                                                 "bizLocation",
                                                 "bizTransactionList",
                                                 "sourceList",
                                                 "destinationList",
                                                 "sensorElementList",
                                                 "persistentDisposition",
                                                 "ilmd",
                                                 NULL};
static const char *const XSD_ASSOCIATION[] = {"parentID",
                                              "childEPCs",
                                              "childQuantityList",
                                              "action",
                                              "bizStep",
                                              "disposition",
                                              "readPoint",
                                              "bizLocation",
                                              "bizTransactionList",
                                              "sourceList",
                                              "destinationList",
                                              "sensorElementList",
                                              "persistentDisposition",
                                              NULL};
static const char *const XSD_ERROR_DECL[] = {"declarationTime", "reason",
                                             "correctiveEventIDs", NULL};
static const char *const XSD_QUANTITY[] = {"epcClass", "quantity", "uom", NULL};
static const char *const XSD_LOCATION[] = {"id", NULL};

static const char *const *xsd_event_order(const char *type)
{
    if (!strcmp(type, "ObjectEvent"))
        return XSD_OBJECT;
    if (!strcmp(type, "AggregationEvent"))
        return XSD_AGGREGATION;
    if (!strcmp(type, "TransactionEvent"))
        return XSD_TRANSACTION;
    if (!strcmp(type, "TransformationEvent"))
        return XSD_TRANSFORMATION;
    if (!strcmp(type, "AssociationEvent"))
        return XSD_ASSOCIATION;
    return NULL;
}

/* The order of the members of an object that is the value of key. */
static const char *const *xsd_member_order(const char *key)
{
    if (!strcmp(key, "errorDeclaration"))
        return XSD_ERROR_DECL;
    if (!strcmp(key, "readPoint") || !strcmp(key, "bizLocation"))
        return XSD_LOCATION;
    return NULL;
}

static int skip_member(const char *k)
{
    return k[0] == '@' || !strcmp(k, "type");
}

/* The members of object o as child elements: first those named in the
 * orders a and b (either may be NULL), in that order, then the rest in
 * the JSON's order. */
static int xw_members_ordered(struct xw *w, json_t *o, const char *const *a,
                              const char *const *b, size_t depth)
{
    const char *k;
    json_t *v;
    int r;
    for (const char *const *l = a; l && *l; l++)
        if ((v = json_object_get(o, *l)) && (r = xw_value(w, *l, v, depth)) < 0)
            return r;
    for (const char *const *l = b; l && *l; l++)
        if ((v = json_object_get(o, *l)) && (r = xw_value(w, *l, v, depth)) < 0)
            return r;
    json_object_foreach(o, k, v)
    {
        if (skip_member(k) || (a && in_list(k, a)) || (b && in_list(k, b)))
            continue;
        if ((r = xw_value(w, k, v, depth)) < 0)
            return r;
    }
    return 0;
}

/* Write key: v as the XML element(s) it is. */
static int xw_value(struct xw *w, const char *key, json_t *v, size_t depth)
{
    static const char *const idlists[] = {
        "epcList", "childEPCs", "inputEPCList", "outputEPCList", NULL};
    static const char *const qtylists[] = {"quantityList", "childQuantityList",
                                           "inputQuantityList",
                                           "outputQuantityList", NULL};
    json_t *x;
    size_t i;
    int r = 0;
    if (depth > 64)
        return zl_error_set(w->err, ZL_ELIMIT, key, "nested too deep", NULL, 0);
    if (in_list(key, idlists) || !strcmp(key, "correctiveEventIDs")) {
        const char *item =
            strcmp(key, "correctiveEventIDs") ? "epc" : "correctiveEventID";
        r = zl_buf_printf(w->b, "<%s>", key);
        json_array_foreach(v, i, x)
        {
            if (r)
                break;
            r = xw_elem(w, item, item, NULL, x, depth);
        }
        return r ? r : zl_buf_printf(w->b, "</%s>", key);
    }
    if (in_list(key, qtylists)) {
        r = zl_buf_printf(w->b, "<%s>", key);
        json_array_foreach(v, i, x)
        {
            if (r)
                break;
            r = zl_buf_adds(w->b, "<quantityElement>") ||
                xw_members_ordered(w, x, XSD_QUANTITY, NULL, depth + 1) ||
                zl_buf_adds(w->b, "</quantityElement>");
        }
        return r ? r : zl_buf_printf(w->b, "</%s>", key);
    }
    if (!strcmp(key, "bizTransactionList") || !strcmp(key, "sourceList") ||
        !strcmp(key, "destinationList")) {
        char item[32];
        snprintf(item, sizeof item, "%.*s", (int)(strlen(key) - 4), key);
        r = zl_buf_printf(w->b, "<%s>", key);
        json_array_foreach(v, i, x)
        {
            json_t *t = json_object_get(x, "type");
            if (r)
                break;
            r = zl_buf_printf(w->b, "<%s", item);
            if (!r && t)
                r = zl_buf_adds(w->b, " type=\"") ||
                    xw_scalar(w, "type", item, t) || zl_buf_addc(w->b, '"');
            if (!r)
                r = zl_buf_addc(w->b, '>') ||
                    xw_scalar(w, item, item, json_object_get(x, item)) ||
                    zl_buf_printf(w->b, "</%s>", item);
        }
        return r ? r : zl_buf_printf(w->b, "</%s>", key);
    }
    if (!strcmp(key, "sensorElementList")) {
        r = zl_buf_adds(w->b, "<sensorElementList>");
        json_array_foreach(v, i, x)
        {
            const char *k;
            json_t *y, *z;
            size_t j;
            if (r)
                break;
            r = zl_buf_adds(w->b, "<sensorElement>");
            /* the XSD's order: sensorMetadata, sensorReport, the rest */
            for (int pass = 0; pass < 3 && !r; pass++)
                json_object_foreach(x, k, y)
                {
                    int which = !strcmp(k, "sensorMetadata") ? 0
                                : !strcmp(k, "sensorReport") ? 1
                                                             : 2;
                    if (r)
                        break;
                    if (which != pass)
                        continue;
                    if (!strcmp(k, "sensorMetadata"))
                        r = xw_attr_elem(w, "sensorMetadata", y, depth + 1);
                    else if (!strcmp(k, "sensorReport"))
                        json_array_foreach(y, j, z)
                        {
                            if (r)
                                break;
                            r = xw_attr_elem(w, "sensorReport", z, depth + 1);
                        }
                    else
                        r = xw_value(w, k, y, depth + 1) ? -1 : 0;
                }
            if (!r)
                r = zl_buf_adds(w->b, "</sensorElement>");
        }
        return r ? r : zl_buf_adds(w->b, "</sensorElementList>");
    }
    if (!strcmp(key, "persistentDisposition")) {
        /* the XSD's order: every unset, then every set */
        static const char *const pd[] = {"unset", "set"};
        r = zl_buf_adds(w->b, "<persistentDisposition>");
        for (size_t p = 0; p < 2 && !r; p++) {
            json_t *y = json_object_get(v, pd[p]);
            json_array_foreach(y, i, x)
            {
                if (r)
                    break;
                r = xw_elem(w, pd[p], pd[p], NULL, x, depth);
            }
        }
        return r ? r : zl_buf_adds(w->b, "</persistentDisposition>");
    }
    if (json_is_array(v)) {
        /* a user key's array: the element repeated */
        json_array_foreach(v, i, x)
        {
            if ((r = xw_elem(w, key, key, NULL, x, depth)) != 0)
                return r;
        }
        return 0;
    }
    if (json_is_object(v)) {
        r = xw_open(w, key) ||
            xw_members_ordered(w, v, xsd_member_order(key), NULL, depth + 1) ||
            zl_buf_printf(w->b, "</%s>", key);
        return r;
    }
    if (!strcmp(key, "certificationInfo") || !strchr(key, ':') ||
        json_is_string(v) || json_is_number(v) || json_is_boolean(v))
        return xw_elem(w, key, key, NULL, v, depth);
    return 0;
}

/* Collect prefix -> URI from an @context (string, object or array). */
static void xw_context(json_t *ctx, json_t *map)
{
    size_t i;
    json_t *x;
    const char *k;
    if (json_is_array(ctx)) {
        json_array_foreach(ctx, i, x) xw_context(x, map);
        return;
    }
    if (!json_is_object(ctx))
        return;
    json_object_foreach(ctx, k, x)
    {
        if (json_is_string(x) && !strchr(k, ':') && k[0] != '@')
            json_object_set(map, k, x);
    }
}

int zl_epcis_json_to_xml(const char *json, size_t len, char **xml,
                         size_t *xml_len, struct zl_error *err)
{
    struct zl_buf b;
    struct xw w;
    json_error_t je;
    json_t *root, *events, *created, *x, *qr = NULL;
    const char *k;
    size_t i;
    int r = 0;

    *xml = NULL;
    if (xml_len)
        *xml_len = 0;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zl_error_setf(err, ZL_ESYNTAX, "$", NULL,
                             "not JSON: %s (line %d)", je.text, je.line);
    events = json_object_get(json_object_get(root, "epcisBody"), "eventList");
    if (!events) { /* a query result: an EPCISQueryDocument */
        qr =
            json_object_get(json_object_get(root, "epcisBody"), "queryResults");
        events =
            json_object_get(json_object_get(qr, "resultsBody"), "eventList");
    }
    if (!json_is_array(events)) {
        json_decref(root);
        return zl_error_set(err, ZL_EINVAL, "$.epcisBody.eventList",
                            "required: an EPCISDocument with an eventList",
                            NULL, 0);
    }
    zl_buf_init(&b, 8 * len + 4096);
    w.b = &b;
    w.err = err;
    w.ctx = json_object();
    if (!w.ctx) {
        json_decref(root);
        return zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    }
    xw_context(json_object_get(root, "@context"), w.ctx);
    for (i = 0; i < json_array_size(events); i++)
        xw_context(json_object_get(json_array_get(events, i), "@context"),
                   w.ctx);
    r = zl_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") ||
        zl_buf_adds(&b,
                    qr ? "<epcisq:EPCISQueryDocument xmlns:epcisq=\"" NS_QUERY2
                         "\" xmlns:epcis=\"" NS_EPCIS2 "\""
                       : "<epcis:EPCISDocument xmlns:epcis=\"" NS_EPCIS2 "\"");
    json_object_foreach(w.ctx, k, x)
    {
        if (r)
            break;
        if (!strcmp(k, "epcis") || !strcmp(k, "xsi") || !strcmp(k, "epcisq"))
            continue;
        r = zl_buf_printf(&b, " xmlns:%s=\"", k) ||
            xw_text(&w, json_string_value(x), json_string_length(x)) ||
            zl_buf_addc(&b, '"');
    }
    created = json_object_get(root, "creationDate");
    if (!r)
        r = zl_buf_adds(&b, " schemaVersion=\"2.0\" creationDate=\"") ||
            (json_is_string(created) && xw_text(&w, json_string_value(created),
                                                json_string_length(created))) ||
            zl_buf_adds(&b, "\">\n<EPCISBody>\n");
    if (!r && qr) {
        /* the XML binding's QueryResults: queryName, subscriptionID,
         * resultsBody (EPCglobal-epcis-query-2_0.xsd) */
        json_t *qn = json_object_get(qr, "queryName");
        json_t *sid = json_object_get(qr, "subscriptionID");

        r = zl_buf_adds(&b, "<epcisq:QueryResults>\n<queryName>") ||
            xw_text(&w,
                    json_is_string(qn) ? json_string_value(qn)
                                       : "SimpleEventQuery",
                    json_is_string(qn) ? json_string_length(qn)
                                       : strlen("SimpleEventQuery")) ||
            zl_buf_adds(&b, "</queryName>\n");
        if (!r && json_is_string(sid))
            r = zl_buf_adds(&b, "<subscriptionID>") ||
                xw_text(&w, json_string_value(sid), json_string_length(sid)) ||
                zl_buf_adds(&b, "</subscriptionID>\n");
        if (!r)
            r = zl_buf_adds(&b, "<resultsBody>\n");
    }
    if (!r)
        r = zl_buf_adds(&b, "<EventList>\n");
    json_array_foreach(events, i, x)
    {
        const char *type = json_string_value(json_object_get(x, "type"));
        if (r)
            break;
        if (!type || !zl_event_type_of(type, strlen(type))) {
            r = zl_error_setf(err, ZL_EINVAL, "$.epcisBody.eventList", NULL,
                              "event %zu: no known type", i);
            break;
        }
        r = zl_buf_printf(&b, "<%s>", type) ||
            xw_members_ordered(&w, x, XSD_EVENT_BASE, xsd_event_order(type),
                               1) ||
            zl_buf_printf(&b, "</%s>\n", type);
    }
    if (!r)
        r = zl_buf_adds(&b, "</EventList>\n") ||
            zl_buf_adds(&b, qr ? "</resultsBody>\n</epcisq:QueryResults>\n"
                                 "</EPCISBody>\n"
                                 "</epcisq:EPCISQueryDocument>\n"
                               : "</EPCISBody>\n</epcis:EPCISDocument>\n");
    json_decref(w.ctx);
    json_decref(root);
    if (r) {
        zl_buf_cleanup(&b);
        if (err && err->code)
            return err->code;
        return zl_error_set(err, r < 0 ? r : ZL_ENOMEM, "",
                            "cannot write the XML", NULL, 0);
    }
    if (xml_len)
        *xml_len = b.len;
    if (!(*xml = zl_buf_steal(&b)))
        return zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    return 0;
}
