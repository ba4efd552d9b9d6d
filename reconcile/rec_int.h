/*
 * rec_int.h - the reconciliation's insides, shared by its files:
 *
 *   groups.c      the group tables (gtab) and their keys (keybuf)
 *   findings.c    the finding codes; adding a finding, capped per record
 *   arrears.c     the arrears schedule, spilled when it is large
 *   checks.c      one named function per check of domain.md, the
 *                 schedules, bank statements and transfer basis, run
 *                 once every batch is in
 *   reconcile.c   the state, and reading batches into it
 *   run.c         the JSON document, findings.csv, the whole command
 *
 * Each file uses only those above it in this list, never one below:
 * there are no cycles between them (tests/scripts/layering.sh).
 *
 * Every group is a fixed-size struct in a group table (gtab) keyed by
 * the bytes of its key fields; codes longer than the fields hold are bad
 * input, not something to cut.
 */
#ifndef TC_REC_INT_H
#define TC_REC_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/batch.h"
#include "core/money.h"
#include "reconcile/reconcile.h"

#define RF 16   /* fund, level, role, kind codes */
#define RA 32   /* account codes */
#define RT 64   /* payers, vouchers, bank references, institutions, account numbers */
#define RN 128  /* names */
#define NCODES 15 /* finding codes (rec_codes) */

/* ------------------------------------------------------------ group tables */

typedef struct gtab {
    size_t vsize;       /* payload size */
    size_t n, cap;      /* entries */
    char *vals;         /* n payloads */
    char **keys;
    uint32_t *klen;
    uint64_t *hash;
    uint32_t *slot;     /* 0 empty, else entry index + 1 */
    size_t scap;
} gtab;

void gtab_init(gtab *t, size_t vsize);
void gtab_free(gtab *t);
/* The payload for key (zeroed when new; *created says so), NULL when out
 * of memory.  Pointers are valid until the next gtab_get. */
void *gtab_get(gtab *t, const char *key, size_t klen, int *created);
static inline void *gtab_at(const gtab *t, size_t i)
{
    return t->vals + i * t->vsize;
}
/* Payload pointers in key order (bytewise); caller frees.  NULL when empty
 * or out of memory (check t->n). */
void **gtab_sorted(const gtab *t);

/* The payload for key, NULL when there is none. */
void *gtab_find(const gtab *t, const char *key, size_t klen);
/* Payload pointers sorted with cmp (which gets pointers to the pointers);
 * caller frees.  NULL when empty or out of memory (check t->n). */
void **gtab_sorted_by(const gtab *t, int (*cmp)(const void *, const void *));

/* A growing array. */
typedef struct vec {
    char *v;
    size_t size, n, cap;
} vec;
void *vec_push(vec *a);   /* zeroed, NULL when out of memory */
static inline void *vec_at(const vec *a, size_t i)
{
    return a->v + i * a->size;
}

/* ------------------------------------------------------------------ groups */

typedef struct bal_g {          /* balance rows, city codes, merged rows summed */
    char fund[RF], acc[RA];
    int64_t period;
    tc_fen open, debit, credit, close;
} bal_g;

typedef struct turn_g {         /* voucher lines per account and period */
    char fund[RF], acc[RA];
    int64_t period;
    tc_fen debit, credit;
} turn_g;

typedef struct vou_g {          /* one voucher */
    char no[RT], fund[RF];
    int64_t month;              /* YYYYMM of its first line's date */
    tc_fen debit, credit;
} vou_g;

typedef struct srcbal_g {       /* a source account's latest closing <= cutover */
    char sfund[RF], sacc[RA];
    int64_t period;
    tc_fen close;
} srcbal_g;

typedef struct paid_g {         /* contributions paid per fund and period */
    char fund[RF];
    int64_t period;
    tc_fen paid;
} paid_g;

typedef struct arr_g {          /* an employer with arrears or overpayments */
    char payer[RT], fund[RF];
    tc_fen arrears, aging[3], overpaid;
} arr_g;

typedef struct sub_g {
    char level[RF], fund[RF];
    int64_t year;
    tc_fen due, received;
} sub_g;

typedef struct pay_g {
    char inst[RT], name[RN], fund[RF];
    tc_fen settled, paid;
} pay_g;

typedef struct pers_g {
    char fund[RF];
    tc_fen sum;
} pers_g;

typedef struct bacct_g {        /* bank_account */
    char no[RT], fund[RF], role[RF], acc[RA], sfund[RF], sacc[RA];
    char bank[RN];              /* the bank's name, for the confirmation letters */
} bacct_g;

typedef struct bstmt_g {        /* bank_statement */
    char no[RT];
    int64_t from, to;
    tc_fen open, close;
} bstmt_g;

typedef struct bitem {          /* a booked bank line or a bank entry */
    char key[RT];               /* booked: "sfund\x1fsacc"; entry: the account number */
    char ref[RT];
    int64_t date;
    tc_fen amount;              /* booked: debit - credit; entry: as the bank wrote it */
} bitem;

/* ---------------------------------------------------------------- results */

typedef struct finding {
    char code[32], fund[RF], ref[192];
    tc_fen amount;
    int blocking;
    char msg[320];
    char msg_zh[640];           /* the same in Chinese, for auditors (3 bytes a character) */
} finding;

typedef struct more_g {         /* per-record findings past the cap */
    int ci;
    char fund[RF];
    long long n;
    tc_fen amount;
} more_g;

typedef struct fundfig {
    char fund[RF];
    tc_fen cash, recv, pay, net, fund_balance;
    tc_fen arrears, aging[3], overpaid, shortfall, inst, personal;
    tc_fen assets, liabilities;   /* for the equation */
    tc_fen personal_ledger;
    char personal_acc[RA];
    int have_balances;
} fundfig;

enum { K_RNB, K_PNB, K_BNR, K_BNP };

typedef struct bank_item {
    int kind;
    int64_t date;
    char ref[RT];
    tc_fen amount;
} bank_item;

typedef struct bankstmt {
    bacct_g a;
    tc_fen ledger, statement, adjusted, sums[4];
    bank_item *items;
    size_t nitems;
} bankstmt;

/* One source pool's books: code is the city region (sub-ledger) its
 * batches are coded to, pool the county as it exported.  A merge gives a
 * region several of these, each checked on its own. */
typedef struct county {
    char code[7];
    char pool[7];
    gtab bal, turn, vou, srcbal, paid, arr, sub, pay, pers, bacct, bstmt, more;
    long long nrec[NCODES][16]; /* per-record findings made, by record type */
    int cur_type;               /* the record type being read */
    int overflow;               /* a sum of findings past the cap overflowed */
    vec booked, entries;
    vec findings;
    FILE *arr_spill;            /* arrears.c: rows past r->arr_cap groups */
    long long arr_spilled;
    FILE *arr_sorted;           /* after finish, when spilled: the schedule */
    long long narr_sorted;
    /* after finish */
    fundfig *funds;
    int nfunds;
    bankstmt *banks;
    int nbanks;
    /* a pool split.csv splits: code is the sub-ledger region.csv names
     * (its ledger's); each sub-ledger its records went to, with how many */
    struct splitpart {
        char code[7];
        long long records;
    } split[TC_SPLIT_MAX];
    int nsplit;
} county;

typedef struct input {
    char file[256];
    char digest[TC_DIGEST_TEXT_MAX];
    char path[1024];            /* as given, for messages */
    char county[7], pool[7], type[32];   /* the batch's region, pool and record type */
    char source[TC_DIGEST_TEXT_MAX];     /* the digest of the source it came from, or "" */
    tc_controls controls;                /* what that source's control totals vouched for */
} input;


/* A city sub-ledger that region.csv merges several pools into: its
 * figures per fund are the sums of its pools' (tc_reconcile_finish). */
typedef struct region_sum {
    char code[7];
    int npools;
    fundfig *funds;
    int nfunds;
} region_sum;

/* A part handover: the funds a county (region or pool code) hands over. */
typedef struct scope_g {
    char county[7];
    char funds[32][RF];
    int nfunds;
} scope_g;

/* A fund's own cutover (tc_reconcile_set_fund_cutover): a county (region
 * or pool code) hands the fund over at date, before the batches' cutover. */
typedef struct fundcut_g {
    char county[7], fund[RF];
    char date[11];               /* YYYY-MM-DD */
    int64_t cutdate, cutper;     /* YYYYMMDD, YYYYMM */
} fundcut_g;

struct tc_reconcile {
    const tc_mapset *m;
    char tmpdir[512];
    char cutover[11];
    int64_t cutdate, cutper;     /* YYYYMMDD, YYYYMM */
    county **c;
    int nc, capc;
    input *inputs;
    int ninputs, capinputs;
    const tc_rate_rule *rates;
    int nrates;
    int blocking[NCODES];
    size_t arr_cap;              /* arrears groups held in memory per county */
    long long find_cap;          /* per-record findings listed per county and code */
    int finished;
    int nfindings, nblocking;
    tc_fen t_transfer, t_claims, t_debts;
    /* t_transfer by what becomes of it: the funds handed over by pools
     * without a blocking finding (ready to move), by pools with one (held
     * until fixed or waived), and those a part handover keeps */
    tc_fen t_ready, t_held, t_kept;
    region_sum *regions;         /* merged sub-ledgers, in code order */
    int nregions;
    scope_g *scope;              /* part handovers (tc_reconcile_set_scope) */
    int nscope;
    fundcut_g *fundcut;          /* funds' own cutovers (tc_reconcile_set_fund_cutover) */
    int nfundcut;
};

/* The sum of allocation.csv's lines for c's pool, fund and account (or
 * "claims", "debts"), for one target or every target (target NULL). */
int rec_allocated(const tc_reconcile *r, const county *c, const char *fund, const char *acc,
                  const char *target, tc_fen *sum);

/* What allocation.csv gives sub-ledger target of split county c's fund:
 * sum[0..4] = cash, receivables, payables, claims, debts (by the role of
 * each line's account).  -1 when a sum overflows. */
int rec_split_share(const tc_reconcile *r, const county *c, const char *fund,
                    const char *target, tc_fen sum[5]);

/* Whether county c hands fund over (its scope, else every fund). */
int rec_handed_over(const tc_reconcile *r, const county *c, const char *fund);

/* The own cutover of county c's fund (n bytes, not terminated), or NULL
 * when the batches' cutover holds for it.  An entry naming c's pool wins
 * over one naming its region. */
const fundcut_g *rec_fund_cutover(const tc_reconcile *r, const county *c, const char *fund,
                                  size_t n);

/* The month (YYYYMM) at which county c's fund is taken: its own
 * cutover's, else the batches'.  Every check over periods "up to the
 * cutover" asks this, per fund. */
int64_t rec_cutper(const tc_reconcile *r, const county *c, const char *fund);

extern const char *const rec_codes[NCODES];
extern const int rec_per_record[NCODES];

/* Index of code in rec_codes, or -1. */
int rec_code_index(const char *code);

/*
 * Add a finding to c: the ref, and its message in English (msgfmt) and in
 * Chinese (zhfmt), both printf-style over the same arguments.  The
 * compiler checks both formats against them: a Chinese message that
 * leaves an argument out or takes them in another order says so with
 * "%n$" positions, and a finding cannot be made without one.
 */
int rec_finding(tc_reconcile *r, county *c, const char *code, const char *fund, tc_fen amount,
                const char *ref, const char *msgfmt, const char *zhfmt, ...)
    __attribute__((format(printf, 7, 9), format(printf, 8, 9)));

/* The same, never held back by the per-record cap (the summaries). */
int rec_finding_listed(tc_reconcile *r, county *c, const char *code, const char *fund,
                       tc_fen amount, const char *ref, const char *msgfmt, const char *zhfmt, ...)
    __attribute__((format(printf, 7, 9), format(printf, 8, 9)));

/* "YYYY-MM" of YYYYMM; "YYYY-MM-DD" of YYYYMMDD. */
char *rec_period_text(int64_t p, char *out);
char *rec_date_text(int64_t d, char *out);

/* qsort order of county pointers: by region, then pool. */
int rec_cmp_county(const void *a, const void *b);

/* A key of fields separated by 0x1f (gtab keys). */
typedef struct keybuf {
    char b[512];
    size_t n;
    int over;
} keybuf;
void kb_text(keybuf *k, const char *s, size_t n);
void kb_int(keybuf *k, int64_t v);
/* The key of a (fund, account, period) group: a balance row, or the
 * voucher lines' turnover that must agree with it. */
void kb_fund_acc_period(keybuf *k, const char *fund, size_t fn, const char *acc, size_t an,
                        int64_t period);

/* arrears.c: an employer record with due != paid; the schedule sorted
 * once every batch is in; each of its rows in (payer, fund) order. */
int rec_arrears_add(tc_reconcile *r, county *c, const tc_value *payer, const tc_value *fund,
                    int64_t period, tc_fen due, tc_fen paid, tc_err *e);
int rec_arrears_finish(tc_reconcile *r, county *c, tc_err *e);
int rec_arrears_each(const county *c, int (*fn)(void *arg, const arr_g *a), void *arg,
                     tc_err *e);
long long rec_arrears_count(const county *c);

/* checks.c: everything after the last batch, for one county. */
int rec_finish_county(tc_reconcile *r, county *c, tc_err *e);

#endif
