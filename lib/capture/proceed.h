/*
 * proceed.h - GS1-Capture-Error-Behaviour: proceed for documents whose
 * events fail validation (proceed.c). Internal to lib/capture.
 */
#ifndef ZL_CAPTURE_PROCEED_H
#define ZL_CAPTURE_PROCEED_H

#include "zhiliang/zhiliang.h"

struct zl_capture_split {
    size_t n_total;   /* events in the document sent */
    size_t n_refused; /* of them, refused by validation */
    size_t *orig;     /* the sent index of each kept event */
    size_t n_kept;
    /* the caller's options with refusals renumbered to the sent
     * document's indices: pass these on to the write rule */
    struct zl_capture_opts opts;
    const struct zl_capture_opts *user;
};

/* buf[0..len) failed zl_epcis_parse(_xml) with a validation error naming
 * an event (err->path "$.epcisBody.eventList[i]..."; XML paths are
 * converted first). Validate each event alone: report each invalid one
 * through o->refused (its path and rule, renumbered to the document) and
 * parse the valid ones as *doc (possibly no event). Returns 0 with *doc
 * and *out (new: zl_capture_split_free), or the original error (err
 * untouched) when the failure is the document's own (its header,
 * @context, not JSON...) or the split fails. */
int zl_capture_split(const char *buf, size_t len,
                     const struct zl_capture_opts *o, zl_epcis_doc **doc,
                     struct zl_capture_split **out, int rc,
                     struct zl_error *err);
void zl_capture_split_free(struct zl_capture_split *sp); /* NULL-safe */

#endif
