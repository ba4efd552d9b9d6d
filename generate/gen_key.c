/*
 * gen_key.c - the answer key: the figures reconciliation.json must show
 * for the example city and the findings it must make, none missing, none
 * extra.  Every number here is read off the construction (gen_ledger.c):
 * the balances the model posted, the claims it added up while making the
 * payers, the outstanding bank items it placed, the findings it injected.
 *
 * Shape: like reconciliation.json (shared/spec/interfaces.md), amounts as
 * yuan strings, plus what an extraction test needs - per source, the
 * records written by type with their amount totals.  docs/example-city.md
 * explains each finding's ref and amount.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/money.h"
#include "generate/gen_model.h"

static json_t *yuan(int64_t fen)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(fen, b));
}

static int blocking(const char *code)
{
    return strcmp(code, "DUE_MISMATCH") != 0 && strcmp(code, "RATE_MISMATCH") != 0 &&
           strcmp(code, "BAD_CHECK_DIGIT") != 0 && strcmp(code, "VOUCHER_GAP") != 0;
}

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (!c)
        c = strcmp(x->fund, y->fund);
    if (!c)
        c = strcmp(x->ref, y->ref);
    return c;
}

static const char *format_name(const gen_county *c)
{
    return c->format == FMT_XML ? "handover-xml"
           : c->format == FMT_YB_PLAIN ? "yb2008-pg_dump-plain"
                                       : "yb2008-pg_dump-custom";
}

static json_t *fund_figures(gen_city *g, county_state *s, const char *city)
{
    const gen_county *c = s->c;
    int np = g->np;
    int64_t cash = 0, recv = 0, pay = 0, fundcls = 0, income = 0, expense = 0;
    int64_t arrears = 0, aging[3] = {0, 0, 0}, overpaid = 0, shortfall = 0, inst = 0, personal = 0;
    for (int f = 0; f < c->nfunds; f++) {
        if (strcmp(c->funds[f].city, city) != 0)
            continue;
        int64_t(*b)[MAXP + 1][4] = s->bal[f];
        cash += b[A_INCOME_BANK][np][3] + b[A_FISCAL][np][3] + b[A_EXPENSE_BANK][np][3];
        recv += b[A_RECEIVABLE][np][3];
        pay += b[A_PAYABLE][np][3];
        fundcls += b[A_FUND][np][3] + b[A_PERSONAL][np][3];
        income += b[A_CONTRIB][np][3] + b[A_SUBSIDY][np][3] + b[A_INTEREST][np][3];
        expense += b[A_BENEFIT][np][3] + b[A_BENEFIT_PA][np][3] + b[A_REMIT][np][3];
        arrears += s->arrears[f];
        for (int k = 0; k < 3; k++)
            aging[k] += s->aging[f][k];
        overpaid += s->overpaid[f];
        shortfall += s->subsidy_shortfall[f];
        inst += s->inst_payables[f];
        personal += s->personal_detail[f];
    }
    json_t *o = json_object();
    json_object_set_new(o, "fund", json_string(city));
    json_object_set_new(o, "cash", yuan(cash));
    json_object_set_new(o, "ledger_receivables", yuan(recv));
    json_object_set_new(o, "ledger_payables", yuan(pay));
    json_object_set_new(o, "net_assets", yuan(cash + recv - pay));
    json_object_set_new(o, "fund_balance", yuan(fundcls + income - expense));
    json_object_set_new(o, "employer_arrears", yuan(arrears));
    json_t *ag = json_object();
    json_object_set_new(ag, "0-3", yuan(aging[0]));
    json_object_set_new(ag, "4-12", yuan(aging[1]));
    json_object_set_new(ag, "13+", yuan(aging[2]));
    json_object_set_new(o, "arrears_aging", ag);
    json_object_set_new(o, "overpaid", yuan(overpaid));
    json_object_set_new(o, "subsidy_shortfall", yuan(shortfall));
    json_object_set_new(o, "institution_payables", yuan(inst));
    json_object_set_new(o, "personal_accounts", yuan(personal));
    json_object_set_new(o, "transfer", yuan(cash));
    return o;
}

static json_t *source_records(county_state *s)
{
    json_t *o = json_object();
    for (int rt = 0; rt < RT_N; rt++) {
        const tc_rectype *t = &tc_rectypes[rt];
        json_t *r = json_object();
        json_object_set_new(r, "count", json_integer((json_int_t)s->tally.count[rt]));
        json_t *tot = json_object();
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i].type == TC_COL_AMOUNT)
                json_object_set_new(tot, t->cols[i].name, yuan(s->tally.totals[rt][i]));
        json_object_set_new(r, "totals", tot);
        json_object_set_new(o, t->name, r);
    }
    return o;
}

int gen_key_write(gen_city *g, const char *path, tc_err *e)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("tongchou-answer-key/1"));
    json_object_set_new(root, "seed", json_integer((json_int_t)g->seed));
    json_object_set_new(root, "records_per_county", json_integer((json_int_t)g->records));
    json_object_set_new(root, "cutover", json_string(g->o.cutover));
    json_t *counties = json_array(), *rejects = json_array();
    int64_t t_transfer = 0, t_claims = 0, t_debts = 0;
    int any_blocking = 0, any = 0;
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++) {
        county_state *s = &g->counties[ci];
        const gen_county *c = s->c;
        if (!s->emitted)
            continue;
        json_t *co = json_object();
        json_object_set_new(co, "county", json_string(c->city));
        json_object_set_new(co, "source_county", json_string(c->code));
        json_object_set_new(co, "name", json_string(c->name));
        json_t *src = json_object();
        char file[64];
        snprintf(file, sizeof(file), "sources/%s", c->file);
        json_object_set_new(src, "file", json_string(file));
        json_object_set_new(src, "format", json_string(format_name(c)));
        json_object_set_new(src, "encoding",
                            json_string(c->format == FMT_YB_PLAIN ? "GBK"
                                        : c->gb18030          ? "GB18030"
                                        : c->bom              ? "UTF-8 with BOM"
                                                              : "UTF-8"));
        json_object_set_new(src, "chart", json_string(c->chart3 ? "three-digit (1999)" : "four-digit"));
        json_object_set_new(src, "records", source_records(s));
        json_object_set_new(co, "source", src);

        json_t *funds = json_array();
        for (int f = 0; f < c->nfunds; f++) {
            int seen = 0;
            for (int k = 0; k < f; k++)
                seen |= strcmp(c->funds[k].city, c->funds[f].city) == 0;
            if (seen)
                continue;
            json_t *ff = fund_figures(g, s, c->funds[f].city);
            json_array_append_new(funds, ff);
        }
        for (int f = 0; f < c->nfunds; f++) {
            t_transfer += s->bal[f][A_INCOME_BANK][g->np][3] + s->bal[f][A_FISCAL][g->np][3] +
                          s->bal[f][A_EXPENSE_BANK][g->np][3];
            t_claims += s->arrears[f] + s->subsidy_shortfall[f];
            t_debts += s->inst_payables[f];
        }
        json_object_set_new(co, "funds", funds);

        json_t *banks = json_array();
        for (int k = 0; k < s->nbanks; k++) {
            bank *b = &s->banks[k];
            int64_t ledger = s->bal[b->fund][b->acc][g->np][3];
            json_t *bo = json_object();
            json_object_set_new(bo, "account", json_string(b->no));
            json_object_set_new(bo, "fund", json_string(c->funds[b->fund].city));
            json_object_set_new(bo, "ledger", yuan(ledger));
            json_object_set_new(bo, "statement", yuan(b->close));
            json_object_set_new(bo, "adjusted", yuan(ledger + b->rnb - b->pnb));
            json_object_set_new(bo, "received_not_booked", yuan(b->rnb));
            json_object_set_new(bo, "paid_not_booked", yuan(b->pnb));
            json_object_set_new(bo, "booked_not_received", yuan(b->bnr));
            json_object_set_new(bo, "booked_not_paid", yuan(b->bnp));
            json_array_append_new(banks, bo);
        }
        json_object_set_new(co, "bank", banks);

        if (s->nfindings)
            qsort(s->findings, (size_t)s->nfindings, sizeof(*s->findings), cmp_finding);
        json_t *fs = json_array();
        for (int i = 0; i < s->nfindings; i++) {
            finding *x = &s->findings[i];
            json_t *fo = json_object();
            json_object_set_new(fo, "code", json_string(x->code));
            json_object_set_new(fo, "severity", json_string(blocking(x->code) ? "blocking" : "warning"));
            json_object_set_new(fo, "fund", json_string(x->fund));
            json_object_set_new(fo, "ref", json_string(x->ref));
            json_object_set_new(fo, "amount", yuan(x->amount));
            json_array_append_new(fs, fo);
            any = 1;
            any_blocking |= blocking(x->code);
        }
        json_object_set_new(co, "findings", fs);
        json_array_append_new(counties, co);

        if (s->unmapped_settled) {
            json_t *r = json_object();
            char code[24];
            snprintf(code, sizeof(code), "%s9999", c->inst_prefix);
            json_object_set_new(r, "county", json_string(c->code));
            json_object_set_new(r, "dimension", json_string("institution"));
            json_object_set_new(r, "code", json_string(code));
            json_object_set_new(r, "record_type", json_string("payable"));
            json_object_set_new(r, "records", json_integer(1));
            json_object_set_new(r, "settled", yuan(s->unmapped_settled));
            json_array_append_new(rejects, r);
        }
    }
    json_object_set_new(root, "status",
                        json_string(any_blocking ? "blocked" : any ? "findings" : "clean"));
    json_object_set_new(root, "counties", counties);
    json_t *tot = json_object();
    json_object_set_new(tot, "transfer", yuan(t_transfer));
    json_object_set_new(tot, "claims", yuan(t_claims));
    json_object_set_new(tot, "debts", yuan(t_debts));
    json_object_set_new(root, "totals", tot);
    json_object_set_new(root, "rejects", rejects);

    int rc = tc_atomic_write_json(path, root, JSON_INDENT(2), e);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------- summary */

static int64_t fen_of(json_t *s)
{
    int64_t v = 0;
    const char *t = json_string_value(s);
    if (t)
        tc_money_parse_yuan(t, strlen(t), &v, NULL);
    return v;
}

int tc_gen_summary(const char *key_path, FILE *out, tc_err *e)
{
    json_error_t je;
    json_t *k = json_load_file(key_path, 0, &je);
    if (!k)
        return tc_fail(e, TC_EINPUT, "cannot read %s: %s", key_path, je.text);
    fprintf(out, "%-7s %-7s %-22s %18s %9s %9s\n", "county", "as", "source", "transfer",
            "blocking", "warnings");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    {
        int64_t transfer = 0;
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(c, "funds"), j, f) transfer += fen_of(json_object_get(f, "transfer"));
        int blk = 0, warn = 0;
        json_array_foreach(json_object_get(c, "findings"), j, f)
        {
            if (strcmp(json_string_value(json_object_get(f, "severity")), "blocking") == 0)
                blk++;
            else
                warn++;
        }
        const char *file = json_string_value(json_object_get(json_object_get(c, "source"), "file"));
        const char *base = strrchr(file, '/');
        char b[TC_MONEY_BUFSZ];
        fprintf(out, "%-7s %-7s %-22s %18s %9d %9d\n", json_string_value(json_object_get(c, "county")),
                json_string_value(json_object_get(c, "source_county")), base ? base + 1 : file,
                tc_money_format(transfer, b), blk, warn);
    }
    json_t *t = json_object_get(k, "totals");
    fprintf(out, "total transfer %s, claims %s, debts %s; status %s\n",
            json_string_value(json_object_get(t, "transfer")),
            json_string_value(json_object_get(t, "claims")),
            json_string_value(json_object_get(t, "debts")),
            json_string_value(json_object_get(k, "status")));
    json_decref(k);
    return 0;
}
