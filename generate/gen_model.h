/*
 * gen_model.h - the model's state, shared by gen_model.c (payers),
 * gen_ledger.c (ledger, banks, emission) and gen_key.c (answer key).
 */
#ifndef TC_GEN_MODEL_H
#define TC_GEN_MODEL_H

#include "generate/gen_int.h"

#define MAXP 12 /* periods of the open year */

/* One contribution record as the model makes it (fund: index into county). */
enum { GC_DUPLICATE = 1, GC_RATE = 2, GC_DUE = 4, GC_CHECK_DIGIT = 8 };
typedef struct gen_contrib {
    char payer[19];
    int kind, fund, period, flags;
    int64_t base, due, paid;
    int32_t rate;
    uint64_t j;
} gen_contrib;

typedef struct gen_personal {
    char person[19];
    int fund;
    int64_t balance;         /* as exported */
    int64_t ledger_balance;  /* as the ledger counted it */
} gen_personal;

typedef int (*gen_contrib_cb)(void *ctx, const gen_contrib *r, tc_err *e);
typedef int (*gen_personal_cb)(void *ctx, const gen_personal *p, tc_err *e);

/* A voucher line; acc is A_* (resolved to the county chart when written). */
typedef struct vline {
    int acc;
    int64_t debit, credit;
    char ref[24];        /* bank reference, "" when none */
    int uncleared;       /* booked, not yet on the bank statement */
} vline;

typedef struct voucher {
    char no[24];
    int date, fund, m;
    char memo[64];
    int first, nlines;
    int omit;            /* lost in export (INJ_TURNOVER) */
} voucher;

typedef struct bentry {
    int date, bank;
    char ref[24];
    int64_t amount;
} bentry;

typedef struct bank {
    char no[32];
    int fund, role, acc;           /* role: 0 income 1 expense 2 fiscal */
    int64_t open, close;           /* statement */
    int64_t rnb, pnb, bnr, bnp;    /* outstanding items */
} bank;

typedef struct finding {
    const char *code;
    char fund[8];
    char ref[96];
    int64_t amount;
} finding;

/* Per source-record-type tallies of what was written (for the key). */
typedef struct tally {
    uint64_t count[RT_N];
    int64_t totals[RT_N][TC_MAX_COLUMNS];
} tally;

typedef struct county_state {
    const gen_county *c;
    int ci;
    uint64_t payers;
    /* pass 1 */
    int64_t paid[3][MAXP + 1];
    int64_t personal_ledger[3];
    int64_t personal_detail[3];
    int64_t arrears[3], aging[3][3], overpaid[3];
    /* ledger */
    vline *lines;
    int nlines, caplines;
    voucher *v;
    int nv, capv;
    int64_t open[3][A_N];
    int64_t bal[3][A_N][MAXP + 1][4];   /* stated opening, debit, credit, closing */
    bank banks[9];
    int nbanks;
    bentry *entries;
    int nentries, capentries;
    int64_t sub_due[3][4][2], sub_rec[3][4][2];
    int64_t pay_settled[3][GEN_NINST][MAXP + 1], pay_paid[3][GEN_NINST][MAXP + 1];
    int64_t inst_payables[3];
    int64_t subsidy_shortfall[3];
    int64_t unmapped_settled;
    finding *findings;
    int nfindings, capfindings;
    tally tally;
    int emitted;
} county_state;

struct gen_city {
    tc_gen_options o;
    gen_county defs[GEN_NCOUNTIES];   /* gen_counties, adjusted by options */
    char files[GEN_NCOUNTIES][32];
    uint64_t seed, records;
    int year, np, cut_day, cutover;  /* cutover as YYYYMMDD */
    county_state counties[GEN_NCOUNTIES];
};

uint64_t gen_rnd(const gen_city *g, int ci, uint64_t j, uint64_t k);
int gen_date(const gen_city *g, int m, int day);
void gen_person_id(const char *region, uint64_t j, int break_check, char out[19]);
void gen_uscc(const char *region, uint64_t j, char out[19]);
int gen_fund_of_kind(const gen_county *c, int fk);
int gen_walk_contributions(gen_city *g, county_state *s, gen_contrib_cb cb, void *ctx, tc_err *e);
int gen_walk_personal(gen_city *g, county_state *s, gen_personal_cb cb, void *ctx, tc_err *e);

/* The account of the county's chart for A_* (the 4-digit chart folds
 * A_BENEFIT_PA into A_BENEFIT). */
int gen_canon_acc(const gen_county *c, int a);
const gen_account *gen_chart(const gen_county *c);

int gen_add_finding(county_state *s, const char *code, const char *fund, int64_t amount,
                    const char *reffmt, ...) __attribute__((format(printf, 5, 6)));

#endif
