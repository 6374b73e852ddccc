/*
 * portal_labels.c - the words, times and codes a portal page prints for
 * stored data: a business step's label, an event time, an identifier's
 * application identifier values and its Digital Link path.
 *
 * Step labels come from the CBV table (zhiliang/cbv.h), which carries a
 * Chinese and an English label for every standard step; a step outside
 * it (a private URI, or none) is labelled by the event type, so a page
 * never shows a raw URI to a consumer. Times are shown in the event's own
 * offset, to the minute, as a shop label would print them.
 */
#include "portal_int.h"

#include "zhiliang/timefmt.h"

#include <string.h>

const char *zl_portal_step_label(int lang_en, enum zl_biz_step step,
                                 enum zl_event_type type)
{
    const struct zl_cbv_term *t = zl_biz_step_term(step);

    if (t)
        return lang_en ? t->en : t->zh;
    if (type == ZL_EV_TRANSFORMATION)
        return lang_en ? "Processed" : "加工";
    if (type == ZL_EV_AGGREGATION)
        return lang_en ? "Packed" : "装箱/组托";
    return lang_en ? "Recorded" : "记录";
}

void zl_portal_fmt_time(int64_t ms, int tz, char out[24])
{
    char t[40];

    zl_time_format_local(ms, tz, t);
    memcpy(out, t, 16);
    out[10] = ' ';
    out[16] = '\0';
}

const char *zl_portal_ai_value(const struct zl_gs1_id *id, const char *ai)
{
    size_t i;

    for (i = 0; i < id->n_ais; i++)
        if (strcmp(id->ais[i].ai, ai) == 0)
            return id->ais[i].value;
    return NULL;
}

const char *zl_portal_dl_path(const char *dl)
{
    const char *p = strstr(dl, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : "/";
}
