/*
 * proceed.c - capture under GS1-Capture-Error-Behaviour: proceed when
 * some events of a document fail validation: the valid events are
 * stored, each invalid one is reported with its path and rule.
 *
 * The parser validates a document as a whole and stops at the first bad
 * event, which is what rollback (the default) wants and costs nothing
 * extra. Only when that fails, under proceed, and on an event's path, the
 * document is taken apart here: each event is validated alone inside a
 * copy of the document's header and @context (so it hashes exactly as it
 * would have in the whole document), the bad ones are reported, and the
 * good ones are parsed again as one document, which zl_capture then
 * stores as usual. A failure of the document's own (no @context, a bad
 * header, not JSON) is still a refusal of the whole document.
 *
 * XML documents are converted to JSON-LD first (zl_epcis_xml_to_json),
 * so their rejected events are named by JSON path.
 *
 * Rejected: a parser mode that skips bad events (the parser is being
 * optimised elsewhere and would carry a second behaviour on its hot
 * path), and reporting only the first bad event (the binding wants each).
 */
#include "capture/proceed.h"

#include "util/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVPATH "$.epcisBody.eventList["

/* Rewrite err's "$.epcisBody.eventList[k]" to index i. */
static void renumber(struct zl_error *err, size_t i)
{
    char rest[sizeof err->path];
    const char *close;

    if (strncmp(err->path, EVPATH, sizeof EVPATH - 1) ||
        !(close = strchr(err->path + sizeof EVPATH - 1, ']')))
        return;
    char head[48];
    size_t hl, rl;

    snprintf(rest, sizeof rest, "%s", close);
    hl = (size_t)snprintf(head, sizeof head, EVPATH "%zu", i);
    rl = strlen(rest);
    if (hl + rl >= sizeof err->path)
        rl = sizeof err->path - 1 - hl;
    memcpy(err->path, head, hl);
    memcpy(err->path + hl, rest, rl);
    err->path[hl + rl] = '\0';
}

/* The write rule's refusals, reported at the sent document's index. */
static void refused_renumbered(void *ctx, size_t index,
                               const struct zl_error *err)
{
    struct zl_capture_split *sp = ctx;
    struct zl_error e = *err;
    size_t orig = index < sp->n_kept ? sp->orig[index] : index;

    renumber(&e, orig);
    if (sp->user->refused)
        sp->user->refused(sp->user->refused_ctx, orig, &e);
}

/* root with its eventList replaced by `events` (borrowed), as text. */
static char *with_events(json_t *root, json_t *events)
{
    json_t *top = json_copy(root);
    json_t *body = json_copy(json_object_get(root, "epcisBody"));
    char *text = NULL;

    if (top && body && !json_object_set(body, "eventList", events) &&
        !json_object_set(top, "epcisBody", body))
        text = json_dumps(top, JSON_COMPACT);
    json_decref(body);
    json_decref(top);
    return text;
}

void zl_capture_split_free(struct zl_capture_split *sp)
{
    if (!sp)
        return;
    zl_free(sp->orig);
    zl_free(sp);
}

int zl_capture_split(const char *buf, size_t len,
                     const struct zl_capture_opts *o, zl_epcis_doc **doc,
                     struct zl_capture_split **out, int rc,
                     struct zl_error *err)
{
    struct zl_capture_split *sp = NULL;
    struct zl_error e;
    json_error_t je;
    json_t *root = NULL, *events, *kept = NULL, *one = NULL;
    char *json = NULL, *text = NULL;
    size_t jlen = 0, i;
    int xrc = 0;

    *out = NULL;
    *doc = NULL;
    memset(&e, 0, sizeof e);
    if (zl_epcis_is_xml(buf, len)) {
        if (zl_epcis_xml_to_json(buf, len, o->limits, &json, &jlen, &e))
            return rc;
        /* the JSON twin's own error says whether an event is at fault */
        memset(&e, 0, sizeof e);
        if (!zl_epcis_parse(json, jlen, o->limits, doc, &e)) {
            zl_epcis_doc_free(*doc); /* cannot happen: the XML failed */
            *doc = NULL;
            goto fail;
        }
        buf = json;
        len = jlen;
    } else {
        e = *err;
    }
    if (strncmp(e.path, EVPATH, sizeof EVPATH - 1))
        goto fail; /* the document's own failure */
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    events = json_object_get(json_object_get(root, "epcisBody"), "eventList");
    if (!json_is_array(events))
        goto fail;
    sp = zl_calloc(1, sizeof *sp);
    kept = json_array();
    if (!sp || !kept ||
        !(sp->orig = zl_calloc(json_array_size(events) + 1, sizeof(size_t))))
        goto fail;
    sp->n_total = json_array_size(events);
    sp->user = o;
    sp->opts = *o;
    sp->opts.refused = refused_renumbered;
    sp->opts.refused_ctx = sp;
    for (i = 0; i < sp->n_total; i++) {
        zl_epcis_doc *d = NULL;

        json_decref(one);
        one = json_array();
        zl_free(text);
        text = NULL;
        if (!one || json_array_append(one, json_array_get(events, i)) ||
            !(text = with_events(root, one)))
            goto fail;
        memset(&e, 0, sizeof e);
        if (!zl_epcis_parse(text, strlen(text), o->limits, &d, &e)) {
            zl_epcis_doc_free(d);
            if (json_array_append(kept, json_array_get(events, i)))
                goto fail;
            sp->orig[sp->n_kept++] = i;
            continue;
        }
        if (strncmp(e.path, EVPATH, sizeof EVPATH - 1))
            goto fail; /* not the event's fault after all */
        renumber(&e, i);
        sp->n_refused++;
        if (o->refused)
            o->refused(o->refused_ctx, i, &e);
    }
    zl_free(text);
    if (!(text = with_events(root, kept)))
        goto fail;
    memset(&e, 0, sizeof e);
    xrc = zl_epcis_parse(text, strlen(text), o->limits, doc, &e);
    if (xrc)
        goto fail;
    *out = sp;
    sp = NULL;
    rc = 0;
fail:
    if (rc) {
        zl_epcis_doc_free(*doc);
        *doc = NULL;
    }
    zl_capture_split_free(sp);
    zl_free(text);
    zl_free(json);
    json_decref(one);
    json_decref(kept);
    json_decref(root);
    return rc;
}
