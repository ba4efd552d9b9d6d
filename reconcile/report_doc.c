/*
 * report_doc.c - the result document's shape, checked before anything is
 * rendered, and the readings both renderers share.  See report_doc.h.
 *
 * The shape is a small table per kind of object (root, county, fund, bank
 * statement, item, finding, schedule rows, totals): each key with its type
 * and whether it is required.  One recursive walk checks a document against
 * it, building the path of the key it is looking at ("counties[1].funds[0]
 * .cash") so that a refusal names exactly what is missing or wrong.  Every
 * amount is parsed once here with the strict yuan grammar; the accessors
 * parse again later, cheaply, and cannot fail any more.
 */
#include "reconcile/report_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The shape                                                          */
/* ------------------------------------------------------------------ */

enum { K_STR, K_AMT, K_ARR, K_OBJ, K_BOOL, K_INT };

typedef struct shape shape;
typedef struct field {
    const char *key;
    int kind;
    int required;
    const shape *sub;   /* K_OBJ: the object's shape; K_ARR: each element's */
} field;
struct shape {
    const field *fields;
    size_t n;
};

#define SHAPE(name, ...)                                              \
    static const field name##_fields[] = {__VA_ARGS__};               \
    static const shape name = {name##_fields, sizeof(name##_fields) / sizeof(field)}

SHAPE(aging_shape,
      {"0-3", K_AMT, 1, NULL}, {"4-12", K_AMT, 1, NULL}, {"13+", K_AMT, 1, NULL});

SHAPE(ledger_shape,
      {"account", K_STR, 1, NULL}, {"name", K_STR, 1, NULL}, {"class", K_STR, 1, NULL},
      {"role", K_STR, 1, NULL}, {"balance", K_AMT, 1, NULL});

SHAPE(fund_shape,
      {"fund", K_STR, 1, NULL}, {"handed_over", K_BOOL, 0, NULL},
      {"cutover", K_STR, 0, NULL}, {"cash", K_AMT, 1, NULL}, {"ledger_receivables", K_AMT, 1, NULL},
      {"ledger_payables", K_AMT, 1, NULL}, {"net_assets", K_AMT, 1, NULL},
      {"fund_balance", K_AMT, 1, NULL}, {"employer_arrears", K_AMT, 1, NULL},
      {"arrears_aging", K_OBJ, 1, &aging_shape}, {"overpaid", K_AMT, 1, NULL},
      {"subsidy_shortfall", K_AMT, 1, NULL}, {"institution_payables", K_AMT, 1, NULL},
      {"personal_accounts", K_AMT, 1, NULL}, {"transfer", K_AMT, 1, NULL},
      {"ledger", K_ARR, 0, &ledger_shape});

SHAPE(item_shape,
      {"kind", K_STR, 1, NULL}, {"date", K_STR, 0, NULL}, {"ref", K_STR, 0, NULL},
      {"amount", K_AMT, 1, NULL});

SHAPE(bank_shape,
      {"account", K_STR, 1, NULL}, {"fund", K_STR, 0, NULL}, {"role", K_STR, 0, NULL},
      {"bank", K_STR, 0, NULL}, {"ledger_account", K_STR, 0, NULL},
      {"ledger", K_AMT, 1, NULL}, {"statement", K_AMT, 1, NULL},
      {"adjusted", K_AMT, 1, NULL},
      {"received_not_booked", K_AMT, 1, NULL}, {"paid_not_booked", K_AMT, 1, NULL},
      {"booked_not_received", K_AMT, 1, NULL}, {"booked_not_paid", K_AMT, 1, NULL},
      {"items", K_ARR, 0, &item_shape});

SHAPE(finding_shape,
      {"code", K_STR, 1, NULL}, {"severity", K_STR, 0, NULL}, {"county", K_STR, 0, NULL},
      {"pool", K_STR, 0, NULL}, {"fund", K_STR, 0, NULL}, {"ref", K_STR, 0, NULL}, {"amount", K_AMT, 0, NULL},
      {"message", K_STR, 1, NULL}, {"message_zh", K_STR, 0, NULL});

SHAPE(arrears_row_shape,
      {"payer", K_STR, 1, NULL}, {"fund", K_STR, 0, NULL}, {"arrears", K_AMT, 1, NULL},
      {"0-3", K_AMT, 1, NULL}, {"4-12", K_AMT, 1, NULL}, {"13+", K_AMT, 1, NULL},
      {"overpaid", K_AMT, 1, NULL});

SHAPE(subsidy_row_shape,
      {"level", K_STR, 1, NULL}, {"fund", K_STR, 0, NULL}, {"year", K_STR, 0, NULL},
      {"due", K_AMT, 1, NULL}, {"received", K_AMT, 1, NULL},
      {"shortfall", K_AMT, 1, NULL});

SHAPE(payable_row_shape,
      {"institution", K_STR, 1, NULL}, {"name", K_STR, 0, NULL}, {"fund", K_STR, 0, NULL},
      {"settled", K_AMT, 1, NULL}, {"paid", K_AMT, 1, NULL}, {"payable", K_AMT, 1, NULL});

SHAPE(schedules_shape,
      {"employer_arrears", K_ARR, 0, &arrears_row_shape},
      {"subsidy_shortfall", K_ARR, 0, &subsidy_row_shape},
      {"institution_payables", K_ARR, 0, &payable_row_shape});

SHAPE(split_line_shape, {"account", K_STR, 1, NULL}, {"amount", K_AMT, 1, NULL});

SHAPE(split_fund_shape,
      {"fund", K_STR, 1, NULL}, {"cash", K_AMT, 1, NULL}, {"receivables", K_AMT, 1, NULL},
      {"payables", K_AMT, 1, NULL}, {"claims", K_AMT, 1, NULL}, {"debts", K_AMT, 1, NULL},
      {"lines", K_ARR, 1, &split_line_shape});

SHAPE(split_shape,
      {"county", K_STR, 1, NULL}, {"name", K_STR, 0, NULL}, {"records", K_INT, 1, NULL},
      {"funds", K_ARR, 1, &split_fund_shape});

/* Optional: documents written before the batch header recorded what a
 * source's control totals vouched for have no "sources". */
SHAPE(source_shape, {"source", K_STR, 1, NULL}, {"controls", K_STR, 1, NULL});

SHAPE(county_shape,
      {"county", K_STR, 1, NULL}, {"pool", K_STR, 0, NULL}, {"name", K_STR, 0, NULL},
      {"sources", K_ARR, 0, &source_shape}, {"funds", K_ARR, 1, &fund_shape},
      {"schedules", K_OBJ, 0, &schedules_shape}, {"bank", K_ARR, 1, &bank_shape}, {"findings", K_ARR, 1, &finding_shape},
      {"split", K_ARR, 0, &split_shape});

SHAPE(region_shape,
      {"county", K_STR, 1, NULL}, {"name", K_STR, 0, NULL},
      {"pools", K_ARR, 1, NULL}, {"funds", K_ARR, 1, &fund_shape});

SHAPE(input_shape, {"file", K_STR, 1, NULL}, {"digest", K_STR, 1, NULL});

SHAPE(totals_shape,
      {"transfer", K_AMT, 1, NULL}, {"claims", K_AMT, 1, NULL}, {"debts", K_AMT, 1, NULL},
      {"transfer_ready", K_AMT, 0, NULL}, {"transfer_held", K_AMT, 0, NULL},
      {"transfer_kept", K_AMT, 0, NULL});

SHAPE(root_shape,
      {"format", K_STR, 1, NULL}, {"cutover", K_STR, 1, NULL},
      {"mappings", K_STR, 0, NULL}, {"inputs", K_ARR, 0, &input_shape},
      {"status", K_STR, 1, NULL}, {"counties", K_ARR, 1, &county_shape},
      {"regions", K_ARR, 0, &region_shape},
      {"totals", K_OBJ, 1, &totals_shape});

static const char *kind_name(int k)
{
    switch (k) {
    case K_STR: return "a string";
    case K_AMT: return "an amount string in yuan";
    case K_ARR: return "an array";
    case K_BOOL: return "true or false";
    case K_INT: return "a whole number";
    default: return "an object";
    }
}

/* Refuse the document: "reconciliation document: PATH: what is wrong". */
static int refuse(tc_err *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(tc_err *e, const char *path, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    tc_mask_ids_inplace(why);
    tc_fail(e, TC_EINPUT, "reconciliation document: %s: %s", path[0] ? path : "top level", why);
    tc_err_hint(e, "give the document interfaces.md describes, \"The reconciliation report\"");
    return TC_EINPUT;
}

static int check_obj(const json_t *o, const shape *s, const char *path, tc_err *e);

static int check_field(const json_t *v, const field *f, const char *path, tc_err *e)
{
    char sub[512];
    snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", f->key);
    switch (f->kind) {
    case K_STR:
        if (!json_is_string(v))
            return refuse(e, sub, "not %s", kind_name(f->kind));
        return 0;
    case K_AMT: {
        if (!json_is_string(v))
            return refuse(e, sub, "not %s", kind_name(f->kind));
        tc_fen fen;
        tc_err pe;
        tc_err_clear(&pe);
        if (tc_money_parse_yuan(json_string_value(v), json_string_length(v), &fen, &pe))
            return refuse(e, sub, "%s", pe.msg);
        return 0;
    }
    case K_BOOL:
        if (!json_is_boolean(v))
            return refuse(e, sub, "not %s", kind_name(f->kind));
        return 0;
    case K_INT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return refuse(e, sub, "not %s", kind_name(f->kind));
        return 0;
    case K_OBJ:
        if (!json_is_object(v))
            return refuse(e, sub, "not %s", kind_name(f->kind));
        return check_obj(v, f->sub, sub, e);
    default: {
        if (!json_is_array(v))
            return refuse(e, sub, "not %s", kind_name(f->kind));
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el) {
            char at[600];
            snprintf(at, sizeof(at), "%s[%zu]", sub, i);
            if (!f->sub) {   /* an array of strings */
                if (!json_is_string(el))
                    return refuse(e, at, "not a string");
                continue;
            }
            if (!json_is_object(el))
                return refuse(e, at, "not an object");
            int rc = check_obj(el, f->sub, at, e);
            if (rc)
                return rc;
        }
        return 0;
    }
    }
}

static int check_obj(const json_t *o, const shape *s, const char *path, tc_err *e)
{
    for (size_t i = 0; i < s->n; i++) {
        const field *f = &s->fields[i];
        json_t *v = json_object_get(o, f->key);
        if (!v || json_is_null(v)) {
            if (f->required)
                return refuse(e, path, "missing key '%s'", f->key);
            continue;
        }
        int rc = check_field(v, f, path, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* A date as YYYY-MM-DD, digits where digits belong. */
static int is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

int tc_rdoc_check(const json_t *doc, tc_err *e)
{
    if (!json_is_object(doc))
        return refuse(e, "", "not a JSON object");
    int rc = check_obj(doc, &root_shape, "", e);
    if (rc)
        return rc;
    const char *fmt = tc_rdoc_str(doc, "format");
    if (strcmp(fmt, TC_RDOC_FORMAT) != 0)
        return refuse(e, "format", "'%s' is not '%s'", fmt, TC_RDOC_FORMAT);
    if (!is_date(tc_rdoc_str(doc, "cutover")))
        return refuse(e, "cutover", "'%s' is not a date YYYY-MM-DD",
                      tc_rdoc_str(doc, "cutover"));
    const char *st = tc_rdoc_str(doc, "status");
    if (!tc_rdoc_status_zh(st))
        return refuse(e, "status", "'%s' is none of clean, findings, blocked", st);
    size_t i, j, k;
    json_t *c, *b, *it;
    static const char *const units[] = {"counties", "regions"};
    for (int u = 0; u < 2; u++)
        json_array_foreach(json_object_get(doc, units[u]), i, c) {
            json_array_foreach(json_object_get(c, "funds"), j, b) {
                /* a fund handed over at its own date */
                if (tc_rdoc_has(b, "cutover") && !is_date(tc_rdoc_str(b, "cutover"))) {
                    char at[128];
                    snprintf(at, sizeof(at), "%s[%zu].funds[%zu].cutover", units[u], i, j);
                    return refuse(e, at, "'%s' is not a date YYYY-MM-DD",
                                  tc_rdoc_str(b, "cutover"));
                }
            }
        }
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(tc_rdoc_arr(c, "sources"), j, b) {
            if (!tc_rdoc_controls_en(tc_rdoc_str(b, "controls"))) {
                char at[128];
                snprintf(at, sizeof(at), "counties[%zu].sources[%zu].controls", i, j);
                return refuse(e, at, "'%s' is none of counts,sums, counts, none, unknown",
                              tc_rdoc_str(b, "controls"));
            }
        }
        json_array_foreach(json_object_get(c, "bank"), j, b) {
            json_array_foreach(tc_rdoc_arr(b, "items"), k, it) {
                if (!tc_rdoc_kind_zh(tc_rdoc_str(it, "kind"))) {
                    char at[128];
                    snprintf(at, sizeof(at), "counties[%zu].bank[%zu].items[%zu].kind", i, j, k);
                    return refuse(e, at, "'%s' is none of received_not_booked, paid_not_booked, "
                                  "booked_not_received, booked_not_paid",
                                  tc_rdoc_str(it, "kind"));
                }
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Readings                                                           */
/* ------------------------------------------------------------------ */

const char *tc_rdoc_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int tc_rdoc_has(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v && !json_is_null(v);
}

tc_fen tc_rdoc_fen(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    tc_fen fen = 0;
    tc_err e;
    if (json_is_string(v) &&
        tc_money_parse_yuan(json_string_value(v), json_string_length(v), &fen, &e) != 0)
        fen = 0;   /* unreachable for a checked document */
    return fen;
}

json_t *tc_rdoc_arr(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_array(v) ? v : NULL;
}

char *tc_rdoc_mask(const char *s)
{
    char *m = strdup(s ? s : "");
    if (m)
        tc_mask_ids_inplace(m);
    return m;
}

const char *const tc_rdoc_aging_keys[3] = {"0-3", "4-12", "13+"};

static int add(tc_fen *acc, tc_fen v, const char *county, const char *what, tc_err *e)
{
    if (tc_money_add(*acc, v, acc))
        return tc_fail(e, TC_EINPUT, "reconciliation document: county %s: the sum of %s "
                       "overflows", county, what);
    return 0;
}

int tc_rdoc_county_sums(const json_t *county, tc_rdoc_sums *s, tc_err *e)
{
    memset(s, 0, sizeof(*s));
    const char *cc = tc_rdoc_str(county, "county");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(county, "funds"), i, f) {
        json_t *ag = json_object_get(f, "arrears_aging");
        if (add(&s->transfer, tc_rdoc_fen(f, "transfer"), cc, "transfer", e) ||
            add(&s->cash, tc_rdoc_fen(f, "cash"), cc, "cash", e) ||
            add(&s->net_assets, tc_rdoc_fen(f, "net_assets"), cc, "net assets", e) ||
            add(&s->claims, tc_rdoc_fen(f, "employer_arrears"), cc, "claims", e) ||
            add(&s->claims, tc_rdoc_fen(f, "subsidy_shortfall"), cc, "claims", e) ||
            add(&s->debts, tc_rdoc_fen(f, "institution_payables"), cc, "debts", e) ||
            add(&s->personal, tc_rdoc_fen(f, "personal_accounts"), cc, "personal accounts", e))
            return e->code;
        if (json_is_false(json_object_get(f, "handed_over")) &&
            add(&s->kept, tc_rdoc_fen(f, "transfer"), cc, "funds kept", e))
            return e->code;
        for (int a = 0; a < 3; a++)
            if (add(&s->aging[a], tc_rdoc_fen(ag, tc_rdoc_aging_keys[a]), cc, "arrears", e))
                return e->code;
    }
    json_array_foreach(json_object_get(county, "findings"), i, f) {
        const char *sev = tc_rdoc_str(f, "severity");
        s->nfindings++;
        if (strcmp(sev, "blocking") == 0)
            s->blocking++;
        else
            s->warnings++;
    }
    return 0;
}

const char *tc_rdoc_county_status(const tc_rdoc_sums *s)
{
    return s->blocking ? "blocked" : s->nfindings ? "findings" : "clean";
}

int tc_rdoc_moves_of(const tc_rdoc_sums *cs, size_t n, tc_rdoc_moves *out, tc_err *e)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        tc_fen handed;
        if (tc_money_sub(cs[i].transfer, cs[i].kept, &handed) ||
            tc_money_add(out->kept, cs[i].kept, &out->kept) ||
            tc_money_add(cs[i].blocking ? out->held : out->ready, handed,
                         cs[i].blocking ? &out->held : &out->ready))
            return tc_fail(e, TC_EINPUT, "reconciliation document: the sum of the transfers "
                           "ready, held and kept overflows");
        if (cs[i].blocking)
            out->nheld++;
        else
            out->nready++;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Names of codes                                                     */
/* ------------------------------------------------------------------ */

typedef struct { const char *code, *zh; } label;

static const char *lookup(const label *t, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return t[i].zh;
    return NULL;
}

#define LOOKUP(fn, ...)                                            \
    const char *fn(const char *code)                               \
    {                                                              \
        static const label t[] = {__VA_ARGS__};                    \
        return lookup(t, sizeof(t) / sizeof(t[0]), code);          \
    }

/* The national insurance-type codes of the city coding (domain.md). */
LOOKUP(tc_rdoc_fund_zh,
       {"310", "职工医保"}, {"320", "公务员补助"}, {"330", "大额补助"},
       {"340", "离休医疗"}, {"390", "居民医保"}, {"392", "居民大病"}, {"510", "生育保险"})

/* Every finding code the engine makes (rec_codes) has its name here: the
 * page, the workbook and the engine's own "+N more" message use it, and
 * tests/reconcile/test_checks.c fails for a code without one. */
LOOKUP(tc_rdoc_check_zh,
       {"VOUCHER_UNBALANCED", "凭证借贷不平衡"}, {"ROLLFORWARD_BREAK", "期末余额与滚存不符"},
       {"PERIOD_GAP", "期间不连续"}, {"TURNOVER_MISMATCH", "发生额与凭证不符"},
       {"EQUATION_BREAK", "会计等式不平衡"}, {"CONTRIB_LEDGER_MISMATCH", "征缴收入与账务不符"},
       {"DUE_MISMATCH", "应缴额不符"}, {"RATE_MISMATCH", "费率不符"},
       {"BANK_UNRECONCILED", "银行余额未调平"},
       {"PERSONAL_ACCOUNT_MISMATCH", "个人账户不符"}, {"DUPLICATE_RECORD", "重复记录"},
       {"BAD_CHECK_DIGIT", "校验位错误"}, {"SPLIT_UNALLOCATED", "分立资金未分配完"},
       {"NEGATIVE_AMOUNT", "金额为负数"}, {"VOUCHER_GAP", "凭证号不连续"})

LOOKUP(tc_rdoc_severity_zh, {"blocking", "阻断"}, {"warning", "警告"})

LOOKUP(tc_rdoc_status_zh, {"clean", "通过"}, {"findings", "有待处理问题"}, {"blocked", "阻断"})

LOOKUP(tc_rdoc_level_zh,
       {"central", "中央"}, {"province", "省级"}, {"city", "市级"}, {"county", "县级"})

LOOKUP(tc_rdoc_role_zh,
       {"income", "收入户"}, {"expense", "支出户"}, {"fiscal", "财政专户"}, {"cash", "库存现金"})

LOOKUP(tc_rdoc_kind_zh,
       {"received_not_booked", "银行已收、账上未收"}, {"paid_not_booked", "银行已付、账上未付"},
       {"booked_not_received", "账上已收、银行未收"}, {"booked_not_paid", "账上已付、银行未付"})

LOOKUP(tc_rdoc_kind_en,
       {"received_not_booked", "Received by bank, not booked"},
       {"paid_not_booked", "Paid by bank, not booked"},
       {"booked_not_received", "Booked, not yet received"},
       {"booked_not_paid", "Booked, not yet paid"})

LOOKUP(tc_rdoc_controls_zh,
       {"counts,sums", "有县级控制合计（条数、金额合计），提取时已核对"},
       {"counts", "有县级控制合计（条数），提取时已核对"},
       {"none", "无县级控制合计：仅有旧系统账务的交叉核对"},
       {"unknown", "未记录（批次早于第 5 版格式）"})

LOOKUP(tc_rdoc_controls_en,
       {"counts,sums", "control totals from the county (counts and sums), checked at extraction"},
       {"counts", "control totals from the county (counts), checked at extraction"},
       {"none", "no control totals from the county: only cross-checks of the legacy schema"},
       {"unknown", "not recorded (batches older than format 5)"})

const char *tc_rdoc_county_controls(const json_t *county)
{
    /* the least any source of the county vouches for */
    static const char *const order[] = {"none", "unknown", "counts", "counts,sums"};
    json_t *srcs = tc_rdoc_arr(county, "sources");
    if (!srcs)
        return "";
    int least = json_array_size(srcs) ? 3 : 1;
    size_t i;
    json_t *x;
    json_array_foreach(srcs, i, x)
        for (int k = 0; k < 4; k++)
            if (strcmp(tc_rdoc_str(x, "controls"), order[k]) == 0 && k < least)
                least = k;
    return order[least];
}
