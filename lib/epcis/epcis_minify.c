/*
 * epcis_minify.c - the stored text of an event.
 *
 * What: the JSON an event is stored as (and later rehashed from, alone,
 * by zl_epcis_event_hash()). Normally that is the event's own bytes as
 * the document gave them, minus insignificant whitespace; when the
 * document's @context binds namespace prefixes (which change the hash),
 * the document's @context (and its ignoreFields list) is put in front so
 * that the event carries what its hash depends on.
 *
 * Why this way: copying the raw text keeps the sender's key order and
 * number spelling, which the pre-hash and any later reader see exactly
 * as sent, and is a byte loop instead of a re-serialisation of the tree
 * (the pre-scan found each event's byte range). Rejected: json_dumps of
 * every event (slower, and it respells numbers), and storing the whole
 * document once with offsets (an event would not stand alone). The
 * re-serialisation stays as the fallback when no byte range is known (a
 * single event document) and for the merged @context case.
 */
#include "epcis/epcis_int.h"

#include "util/buf.h"

#include <string.h>

/* Copy raw[0..raw_len) into w without whitespace outside strings; when
 * ctxtext is given, write it right after the opening brace (plus a ','
 * when the object has members, nonempty). w needs raw_len +
 * strlen(ctxtext) + 2 bytes. Returns the
 * length written (w is NUL-terminated). */
static size_t minify(const char *raw, size_t raw_len, const char *ctxtext,
                     int nonempty, char *w)
{
    size_t k, o = 0;
    int in_str = 0;

    for (k = 0; k < raw_len; k++) {
        char c = raw[k];
        if (in_str) {
            w[o++] = c;
            if (c == '\\' && k + 1 < raw_len)
                w[o++] = raw[++k];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            w[o++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            w[o++] = c;
            if (ctxtext && o == 1) {
                /* "@context" first, as the document gave it */
                size_t cl = strlen(ctxtext);
                memcpy(w + o, ctxtext, cl);
                o += cl;
                if (nonempty)
                    w[o++] = ',';
            }
        }
    }
    w[o] = '\0';
    return o;
}

/* Store an event that has its own @context, in a document whose
 * @context binds prefixes too: the pre-hash applied the document's
 * bindings, then the event's (JSON-LD embedded context), so the stored
 * event carries one @context array with the document's entries first and
 * then the event's, which zl_epcis_event_hash() applies the same way from
 * the event alone. The document's ignoreFields list comes along as in
 * ep_event_text(). */
static int store_context(zl_epcis_doc *doc, json_t *ev, json_t *ctxj,
                         json_t *own, struct zl_event *e, struct ep_vctx *v)
{
    json_t *out = json_object(), *merged = json_array(), *x;
    const char *k;
    char *dump = NULL;
    int r = ZL_ENOMEM;
    size_t i;
    if (!out || !merged)
        goto out;
    if (json_is_array(ctxj) ? json_array_extend(merged, ctxj) < 0
                            : json_array_append(merged, ctxj) < 0)
        goto out;
    if (json_is_array(own) ? json_array_extend(merged, own) < 0
                           : json_array_append(merged, own) < 0)
        goto out;
    if (json_object_set(out, "@context", merged) < 0 ||
        (v->ign && !json_object_get(ev, v->ign_key) &&
         json_object_set(out, v->ign_key, v->ign) < 0))
        goto out;
    json_object_foreach(ev, k, x)
    {
        if (strcmp(k, "@context") && json_object_set(out, k, x) < 0)
            goto out;
    }
    dump = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!dump)
        goto out;
    i = strlen(dump);
    e->json = ep_strndup(&doc->a, dump, i);
    e->json_len = i;
    r = e->json ? 0 : ZL_ENOMEM;
out:
    ep_jfree(dump);
    json_decref(merged);
    json_decref(out);
    return r;
}

int ep_event_text(struct ep_vctx *v, json_t *ev, json_t *ctxj, const char *raw,
                  size_t raw_len, const struct ep_hashctx *hc,
                  struct zl_event *e)
{
    zl_epcis_doc *doc = v->doc;
    char *dump;
    size_t dl;
    json_t *own;

    own = json_object_get(ev, "@context");
    if (hc->n_ns && ctxj && own && own != ctxj)
        /* The event binds prefixes of its own on top of the document's:
         * the stored event gets both, in that order (see store_context). */
        return store_context(doc, ev, ctxj, own, e, v);
    if (raw) {
        /* the event's own text, minus insignificant whitespace */
        size_t extra = 0;
        const char *ctxtext = NULL;
        if (hc->n_ns && ctxj && !json_object_get(ev, "@context")) {
            if (!v->ctxtext) {
                /* "@context":<ctx>[,"<p>:ignoreFields":<list>] */
                struct zl_buf b;
                char *d = json_dumps(ctxj, JSON_COMPACT | JSON_PRESERVE_ORDER);
                char *d2 = v->ign ? json_dumps(v->ign, JSON_COMPACT) : NULL;
                int rr;
                zl_buf_init(&b, (size_t)1 << 24);
                rr =
                    !d || (v->ign && !d2) ||
                    zl_buf_adds(&b, "\"@context\":") < 0 ||
                    zl_buf_adds(&b, d) < 0 ||
                    (d2 && zl_buf_printf(&b, ",\"%s\":%s", v->ign_key, d2) < 0);
                ep_jfree(d);
                ep_jfree(d2);
                if (!rr)
                    v->ctxtext = ep_strndup(&doc->a, b.data, b.len);
                zl_buf_cleanup(&b);
                if (!v->ctxtext)
                    return ZL_ENOMEM;
            }
            ctxtext = v->ctxtext;
            extra = strlen(ctxtext) + 2;
        }
        e->json = ep_alloc(&doc->a, raw_len + extra + 1);
        if (!e->json)
            return ZL_ENOMEM;
        e->json_len = minify(raw, raw_len, ctxtext, json_object_size(ev) != 0,
                             (char *)e->json);
        return 0;
    }
    if (hc->n_ns && ctxj && !json_object_get(ev, "@context")) {
        /* Namespace prefixes bound in the document's @context change the
         * hash; carry them into the stored event so that
         * zl_epcis_event_hash() can recompute it from the event alone. */
        json_t *withctx = json_object();
        if (!withctx || json_object_set(withctx, "@context", ctxj) < 0 ||
            (v->ign && json_object_set(withctx, v->ign_key, v->ign) < 0) ||
            json_object_update(withctx, ev) < 0) {
            json_decref(withctx);
            return ZL_ENOMEM;
        }
        dump = json_dumps(withctx, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(withctx);
    } else {
        dump = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    if (!dump)
        return ZL_ENOMEM;
    dl = strlen(dump);
    e->json = ep_strndup(&doc->a, dump, dl);
    e->json_len = dl;
    ep_jfree(dump);
    return e->json ? 0 : ZL_ENOMEM;
}
