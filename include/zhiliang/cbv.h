/*
 * zhiliang/cbv.h - CBV 2.0 business steps, dispositions and source/
 * destination types as C enums, and FSMA 204 critical tracking events.
 *
 * Every vocabulary is one X-macro table below: enum name, the bare CBV
 * word, whether the word is CBV 2.0 standard, and the Chinese and English
 * labels the portal shows. The enums, the word <-> URI lookups and the
 * labels (lib/epcis/cbv.c) are all generated from it, so they cannot
 * disagree; a unit test checks the table against the GS1 EPCIS 2.0 JSON
 * Schema and JSON-LD context (tests/conformance/gs1-epcis), so it cannot
 * drift from the standard either.
 *
 * A value is resolved once: at capture into struct zl_event, when a stored
 * event is read, and when a query parameter is parsed. The string (the
 * canonical URI) is kept next to the enum, because a private vocabulary's
 * URI (ZL_BIZ_STEP_OTHER, ZL_DISP_OTHER) is the only thing that names it.
 * The enum values are not stored anywhere (the store keeps the URI), so
 * they may be renumbered when a CBV release adds words.
 *
 * Non-standard rows (std = 0): FSMA 204 names critical tracking events
 * that CBV 2.0 has no business step for (harvesting, cooling, first
 * land-based receiving), and the portal labels a few common private steps.
 * Such a word is recognised only as the whole last segment of a private
 * URI (after the last '/', ':' or '#'), e.g.
 * https://voc.zhiliang.example/bizstep/harvesting; never as a suffix, and
 * never inside the CBV namespace (https://ref.gs1.org/cbv/BizStep-
 * harvesting is ZL_BIZ_STEP_OTHER).
 */
#ifndef ZL_CBV_H
#define ZL_CBV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum suffix, word, std, zh, en). Standard rows sorted by word. */
#define ZL_CBV_BIZ_STEPS(X)                                                    \
    X(ACCEPTING, "accepting", 1, "验收", "Accepted")                           \
    X(ARRIVING, "arriving", 1, "到达", "Arrived")                              \
    X(ASSEMBLING, "assembling", 1, "组装", "Assembled")                        \
    X(COLLECTING, "collecting", 1, "收集", "Collected")                        \
    X(COMMISSIONING, "commissioning", 1, "赋码", "Commissioned")               \
    X(CONSIGNING, "consigning", 1, "托运", "Consigned")                        \
    X(CREATING_CLASS_INSTANCE, "creating_class_instance", 1, "生产",           \
      "Produced")                                                              \
    X(CYCLE_COUNTING, "cycle_counting", 1, "盘点", "Counted")                  \
    X(DECOMMISSIONING, "decommissioning", 1, "注销", "Decommissioned")         \
    X(DEPARTING, "departing", 1, "启运", "Departed")                           \
    X(DESTROYING, "destroying", 1, "销毁", "Destroyed")                        \
    X(DISASSEMBLING, "disassembling", 1, "拆解", "Disassembled")               \
    X(DISPENSING, "dispensing", 1, "发放", "Dispensed")                        \
    X(ENCODING, "encoding", 1, "写码", "Encoded")                              \
    X(ENTERING_EXITING, "entering_exiting", 1, "进出场", "Entered/exited")     \
    X(HOLDING, "holding", 1, "暂存", "Held")                                   \
    X(INSPECTING, "inspecting", 1, "检验", "Inspected")                        \
    X(INSTALLING, "installing", 1, "安装", "Installed")                        \
    X(KILLING, "killing", 1, "屠宰", "Slaughtered")                            \
    X(LOADING, "loading", 1, "装车", "Loaded")                                 \
    X(CBV_OTHER, "other", 1, "其他", "Other")                                  \
    X(PACKING, "packing", 1, "包装", "Packed")                                 \
    X(PICKING, "picking", 1, "拣货", "Picked")                                 \
    X(RECEIVING, "receiving", 1, "收货", "Received")                           \
    X(REMOVING, "removing", 1, "取出", "Removed")                              \
    X(REPACKAGING, "repackaging", 1, "重新包装", "Repackaged")                 \
    X(REPAIRING, "repairing", 1, "维修", "Repaired")                           \
    X(REPLACING, "replacing", 1, "更换", "Replaced")                           \
    X(RESERVING, "reserving", 1, "预留", "Reserved")                           \
    X(RETAIL_SELLING, "retail_selling", 1, "零售", "Sold at retail")           \
    X(SAMPLING, "sampling", 1, "抽样", "Sampled")                              \
    X(SENSOR_REPORTING, "sensor_reporting", 1, "传感器上报", "Sensor report")  \
    X(SHIPPING, "shipping", 1, "发货", "Shipped")                              \
    X(STAGING_OUTBOUND, "staging_outbound", 1, "出库备货",                     \
      "Staged for shipping")                                                   \
    X(STOCK_TAKING, "stock_taking", 1, "盘库", "Stock taken")                  \
    X(STOCKING, "stocking", 1, "上架", "Stocked")                              \
    X(STORING, "storing", 1, "储存", "Stored")                                 \
    X(TRANSPORTING, "transporting", 1, "运输", "Transported")                  \
    X(UNLOADING, "unloading", 1, "卸货", "Unloaded")                           \
    X(UNPACKING, "unpacking", 1, "拆包", "Unpacked")                           \
    X(VOID_SHIPPING, "void_shipping", 1, "取消发货", "Shipping voided")        \
    X(HARVESTING, "harvesting", 0, "采收", "Harvested")                        \
    X(COOLING, "cooling", 0, "预冷", "Cooled")                                 \
    X(FIRST_LAND_BASED_RECEIVING, "first_land_based_receiving", 0,             \
      "首次陆上接收", "First land-based receiving")                            \
    X(MILKING, "milking", 0, "挤奶", "Milked")                                 \
    X(PROCESSING, "processing", 0, "加工", "Processed")                        \
    X(TRANSFORMING, "transforming", 0, "加工", "Processed")

#define ZL_CBV_DISPOSITIONS(X)                                                 \
    X(ACTIVE, "active", 1, "有效", "Active")                                   \
    X(AVAILABLE, "available", 1, "可用", "Available")                          \
    X(COMPLETENESS_INFERRED, "completeness_inferred", 1, "推定完整",           \
      "Completeness inferred")                                                 \
    X(COMPLETENESS_VERIFIED, "completeness_verified", 1, "核实完整",           \
      "Completeness verified")                                                 \
    X(CONFORMANT, "conformant", 1, "合格", "Conformant")                       \
    X(CONTAINER_CLOSED, "container_closed", 1, "已封箱", "Container closed")   \
    X(CONTAINER_OPEN, "container_open", 1, "已开箱", "Container open")         \
    X(DAMAGED, "damaged", 1, "损坏", "Damaged")                                \
    X(DESTROYED, "destroyed", 1, "已销毁", "Destroyed")                        \
    X(DISPENSED, "dispensed", 1, "已发放", "Dispensed")                        \
    X(DISPOSED, "disposed", 1, "已处置", "Disposed")                           \
    X(ENCODED, "encoded", 1, "已写码", "Encoded")                              \
    X(EXPIRED, "expired", 1, "已过期", "Expired")                              \
    X(IN_PROGRESS, "in_progress", 1, "处理中", "In progress")                  \
    X(IN_TRANSIT, "in_transit", 1, "在途", "In transit")                       \
    X(INACTIVE, "inactive", 1, "未激活", "Inactive")                           \
    X(MISMATCH_CLASS, "mismatch_class", 1, "类别不符", "Class mismatch")       \
    X(MISMATCH_INSTANCE, "mismatch_instance", 1, "实例不符",                   \
      "Instance mismatch")                                                     \
    X(MISMATCH_QUANTITY, "mismatch_quantity", 1, "数量不符",                   \
      "Quantity mismatch")                                                     \
    X(NEEDS_REPLACEMENT, "needs_replacement", 1, "需更换",                     \
      "Needs replacement")                                                     \
    X(NO_PEDIGREE_MATCH, "no_pedigree_match", 1, "谱系不符",                   \
      "No pedigree match")                                                     \
    X(NON_CONFORMANT, "non_conformant", 1, "不合格", "Non-conformant")         \
    X(NON_SELLABLE_OTHER, "non_sellable_other", 1, "不可销售", "Not sellable") \
    X(PARTIALLY_DISPENSED, "partially_dispensed", 1, "部分发放",               \
      "Partially dispensed")                                                   \
    X(RECALLED, "recalled", 1, "已召回", "Recalled")                           \
    X(RESERVED, "reserved", 1, "已预留", "Reserved")                           \
    X(RETAIL_SOLD, "retail_sold", 1, "已零售", "Sold at retail")               \
    X(RETURNED, "returned", 1, "已退回", "Returned")                           \
    X(SELLABLE_ACCESSIBLE, "sellable_accessible", 1, "可销售", "Sellable")     \
    X(SELLABLE_NOT_ACCESSIBLE, "sellable_not_accessible", 1,                   \
      "可销售（未上架）", "Sellable, not accessible")                          \
    X(STOLEN, "stolen", 1, "被盗", "Stolen")                                   \
    X(UNAVAILABLE, "unavailable", 1, "不可用", "Unavailable")                  \
    X(UNKNOWN, "unknown", 1, "未知", "Unknown")

#define ZL_CBV_SDTS(X)                                                         \
    X(LOCATION, "location", 1, "地点", "Location")                             \
    X(OWNING_PARTY, "owning_party", 1, "所有方", "Owning party")               \
    X(POSSESSING_PARTY, "possessing_party", 1, "持有方", "Possessing party")

enum zl_biz_step {
    ZL_BIZ_STEP_NONE = 0, /* no bizStep */
#define ZL_X_(n, w, s, z, e) ZL_BIZ_STEP_##n,
    ZL_CBV_BIZ_STEPS(ZL_X_)
#undef ZL_X_
        ZL_BIZ_STEP_OTHER, /* a private URI (kept as a string) */
    ZL_BIZ_STEP_COUNT
};

enum zl_disposition {
    ZL_DISP_NONE = 0,
#define ZL_X_(n, w, s, z, e) ZL_DISP_##n,
    ZL_CBV_DISPOSITIONS(ZL_X_)
#undef ZL_X_
        ZL_DISP_OTHER,
    ZL_DISP_COUNT
};

/* Source/destination type (sourceList / destinationList "type"). */
enum zl_sdt {
    ZL_SDT_NONE = 0,
#define ZL_X_(n, w, s, z, e) ZL_SDT_##n,
    ZL_CBV_SDTS(ZL_X_)
#undef ZL_X_
        ZL_SDT_OTHER,
    ZL_SDT_COUNT
};

/* One row of a vocabulary table. Strings are static. */
struct zl_cbv_term {
    const char *word;    /* bare CBV word: "shipping" */
    const char *uri;     /* https://ref.gs1.org/cbv/BizStep-shipping, or
                            NULL for a non-standard row */
    const char *urn;     /* urn:epcglobal:cbv:bizstep:shipping, or NULL */
    int standard;        /* 1 for a CBV 2.0 word */
    const char *zh, *en; /* labels */
};

/* Resolve a value given as a bare word, the web URI or the
 * urn:epcglobal:cbv form to its enum. s[0..n) need not be NUL-terminated.
 * NULL or empty gives ..._NONE; any other value not in the table gives
 * ..._OTHER (except that a private URI whose last segment is a
 * non-standard row's word gives that row). */
enum zl_biz_step zl_biz_step_of(const char *s, size_t n);
enum zl_disposition zl_disposition_of(const char *s, size_t n);
enum zl_sdt zl_sdt_of(const char *s, size_t n);

/* For "did you mean": the standard CBV 2.0 word nearest to a value that
 * resolved to ..._OTHER (compared after its CBV URI or URN prefix, if
 * any), when at most 2 edits (insert, delete, substitute) and a third of
 * the value's length away; else NULL. Static string. */
const char *zl_biz_step_suggest(const char *s, size_t n);
const char *zl_disposition_suggest(const char *s, size_t n);

/* The table row of a value, or NULL for NONE, OTHER and out of range. */
const struct zl_cbv_term *zl_biz_step_term(enum zl_biz_step v);
const struct zl_cbv_term *zl_disposition_term(enum zl_disposition v);
const struct zl_cbv_term *zl_sdt_term(enum zl_sdt v);

/* For display: the bare word of a standard term t ("shipping"), else the
 * value s as stored (a private URI, or NULL). */
const char *zl_cbv_short(const struct zl_cbv_term *t, const char *s);

/* FSMA 204 critical tracking events (21 CFR 1.1325-1.1350). */
enum zl_cte {
    ZL_CTE_NONE = 0,
    ZL_CTE_SHIPPING,                  /* 1.1340 */
    ZL_CTE_RECEIVING,                 /* 1.1345 */
    ZL_CTE_TRANSFORMATION,            /* 1.1350 */
    ZL_CTE_INITIAL_PACKING,           /* 1.1330: commissioning / packing ADD */
    ZL_CTE_HARVESTING,                /* 1.1325(a) */
    ZL_CTE_COOLING,                   /* 1.1325(b) */
    ZL_CTE_FIRST_LAND_BASED_RECEIVING /* 1.1335 */
};

#ifdef __cplusplus
}
#endif
#endif
