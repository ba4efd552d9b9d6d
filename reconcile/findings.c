/*
 * findings.c - the finding codes, how a finding is added to a county, and
 * the period and date texts findings show.  See rec_int.h.
 *
 * Per-record findings (a due that is not base x rate, a bad check digit,
 * a duplicate, ...) can be the millions in a bad export; each code lists
 * the first r->find_cap of them per county and folds the rest into one
 * "and N more" group per code and fund, so memory stays bounded while the
 * totals stay exact.  Summary findings are never held back.
 */
#include "reconcile/rec_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rec_codes[NCODES] = {
    "VOUCHER_UNBALANCED", "ROLLFORWARD_BREAK",  "PERIOD_GAP",   "TURNOVER_MISMATCH",
    "EQUATION_BREAK",     "CONTRIB_LEDGER_MISMATCH", "BANK_UNRECONCILED",
    "PERSONAL_ACCOUNT_MISMATCH", "DUPLICATE_RECORD", "DUE_MISMATCH", "RATE_MISMATCH",
    "BAD_CHECK_DIGIT", "SPLIT_UNALLOCATED", "NEGATIVE_AMOUNT", "VOUCHER_GAP"};

/* The codes made once per record, whose number the data decides. */
const int rec_per_record[NCODES] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0};

const char *tc_reconcile_code(int i)
{
    return i >= 0 && i < NCODES ? rec_codes[i] : NULL;
}

int rec_code_index(const char *code)
{
    for (int i = 0; i < NCODES; i++)
        if (strcmp(rec_codes[i], code) == 0)
            return i;
    return -1;
}

char *rec_period_text(int64_t p, char *out)
{
    snprintf(out, 16, "%04d-%02d", (int)(p / 100 % 10000), (int)(p % 100));
    return out;
}

char *rec_date_text(int64_t d, char *out)
{
    snprintf(out, 16, "%04d-%02d-%02d", (int)(d / 10000 % 10000), (int)(d / 100 % 100),
             (int)(d % 100));
    return out;
}

/* vsnprintf into out, cut (when it must be) at a UTF-8 character's
 * boundary, never inside one: a cut character would make the JSON
 * string invalid. */
static void format_text(char *out, size_t n, const char *fmt, va_list ap)
{
    int k = vsnprintf(out, n, fmt, ap);
    if (k < 0 || (size_t)k < n)
        return;
    size_t end = n - 1;                  /* the bytes kept */
    size_t lead = end;
    while (lead > 0 && ((unsigned char)out[lead - 1] & 0xC0) == 0x80)
        lead--;                          /* back over continuation bytes */
    if (lead > 0 && (unsigned char)out[lead - 1] >= 0xC0) {
        unsigned char b = (unsigned char)out[lead - 1];
        size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (end - (lead - 1) < len)
            out[lead - 1] = '\0';        /* the last character is cut short */
    }
}

static int vfinding(tc_reconcile *r, county *c, const char *code, const char *fund,
                    tc_fen amount, const char *ref, int listed, const char *msgfmt,
                    const char *zhfmt, va_list ap)
{
    int ci = rec_code_index(code);
    if (!listed && ci >= 0 && rec_per_record[ci] &&
        c->nrec[ci][c->cur_type & 15]++ >= r->find_cap) {
        /* past the cap: counted and summed per code and fund, one
         * finding at the end says how many more and how much */
        keybuf k = {.n = 0};
        kb_int(&k, ci);
        kb_text(&k, fund, strlen(fund));
        int created;
        more_g *m = gtab_get(&c->more, k.b, k.n, &created);
        if (!m)
            return TC_ENOMEM;
        if (created) {
            m->ci = ci;
            snprintf(m->fund, sizeof(m->fund), "%s", fund);
        }
        m->n++;
        if (tc_money_add(m->amount, amount, &m->amount))
            c->overflow = 1;
        return 0;
    }
    finding *f = vec_push(&c->findings);
    if (!f)
        return TC_ENOMEM;
    snprintf(f->code, sizeof(f->code), "%s", code);
    snprintf(f->fund, sizeof(f->fund), "%s", fund);
    snprintf(f->ref, sizeof(f->ref), "%s", ref);
    /* a last line of defence: refs are built masked already */
    tc_mask_ids_inplace(f->ref);
    f->amount = amount;
    f->blocking = ci >= 0 ? r->blocking[ci] : 1;
    va_list zh;
    va_copy(zh, ap);
    format_text(f->msg, sizeof(f->msg), msgfmt, ap);
    format_text(f->msg_zh, sizeof(f->msg_zh), zhfmt, zh);
    va_end(zh);
    tc_mask_ids_inplace(f->msg);
    tc_mask_ids_inplace(f->msg_zh);
    return 0;
}

int rec_finding(tc_reconcile *r, county *c, const char *code, const char *fund, tc_fen amount,
                const char *ref, const char *msgfmt, const char *zhfmt, ...)
{
    va_list ap;
    va_start(ap, zhfmt);
    int rc = vfinding(r, c, code, fund, amount, ref, 0, msgfmt, zhfmt, ap);
    va_end(ap);
    return rc;
}

int rec_finding_listed(tc_reconcile *r, county *c, const char *code, const char *fund,
                       tc_fen amount, const char *ref, const char *msgfmt, const char *zhfmt,
                       ...)
{
    va_list ap;
    va_start(ap, zhfmt);
    int rc = vfinding(r, c, code, fund, amount, ref, 1, msgfmt, zhfmt, ap);
    va_end(ap);
    return rc;
}
