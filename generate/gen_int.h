/*
 * gen_int.h - the generator's insides, shared by its files:
 *
 *   gen_city.c      the seven counties, their charts, codes and injections
 *   gen_model.c     the construction: payers, ledgers, banks; the sinks' feed
 *   gen_xml.c       sink writing handover XML (UTF-8 or GB18030, gzipped or not)
 *   gen_yb2008.c    sink filling a YB2008 database, then pg_dump
 *   gen_key.c       the answer key
 *   gen_mappings.c  the example mapping set
 */
#ifndef TC_GEN_INT_H
#define TC_GEN_INT_H

#include <stdint.h>

#include "core/err.h"
#include "core/record.h"
#include "generate/gen.h"

/* ----------------------------------------------------------- record types */

/* Indexes into tc_rectypes[] (core/record.c), in section order. */
enum {
    RT_ACCOUNT,
    RT_BANK_ACCOUNT,
    RT_BALANCE,
    RT_VOUCHER_LINE,
    RT_CONTRIBUTION,
    RT_SUBSIDY,
    RT_PAYABLE,
    RT_BANK_STATEMENT,
    RT_BANK_ENTRY,
    RT_PERSONAL_ACCOUNT,
    RT_N
};

/* ------------------------------------------------------- charts, accounts */

/* What an account is for in the construction (not a city role). */
enum {
    A_INCOME_BANK,  /* 收入户存款 */
    A_FISCAL,       /* 财政专户存款 */
    A_EXPENSE_BANK, /* 支出户存款 */
    A_RECEIVABLE,   /* 暂付款 */
    A_PAYABLE,      /* 暂收款 */
    A_FUND,         /* 统筹基金 */
    A_PERSONAL,     /* 个人账户基金 */
    A_CONTRIB,      /* 社会保险费收入 */
    A_SUBSIDY,      /* 财政补贴收入 */
    A_INTEREST,     /* 利息收入 */
    A_BENEFIT,      /* 待遇支出 (统筹) */
    A_BENEFIT_PA,   /* 个人账户支出 (a separate account in the 1999 chart) */
    A_REMIT,        /* 上解上级支出 */
    A_N
};

typedef struct gen_account {
    const char *code;
    const char *name;
    const char *cls; /* asset liability fund income expense */
} gen_account;

extern const gen_account gen_chart3[A_N]; /* 1999 rules, three digits */
extern const gen_account gen_chart4[A_N]; /* the city's chart, four+ digits */

/* The city chart with roles: city/accounts.csv. */
typedef struct gen_city_account {
    const char *code, *name, *cls, *role;
} gen_city_account;
extern const gen_city_account gen_city_chart[];
extern const int gen_city_chart_n;

/* Is an account class one whose balance grows with debits? */
int gen_debit_normal(const char *cls);

/* ---------------------------------------------------------------- counties */

enum { FK_EMPLOYEE, FK_RESIDENT, FK_LARGE, FK_MATERNITY };
enum { KIND_EMPLOYER, KIND_EMPLOYEE, KIND_FLEXIBLE, KIND_RESIDENT };
enum { FMT_XML, FMT_YB_PLAIN, FMT_YB_CUSTOM };

/* Injected findings (one bit each; docs/example-city.md). */
enum {
    INJ_ROLLFORWARD = 1 << 0,  /* + PERIOD_GAP */
    INJ_DUE = 1 << 1,
    INJ_UNBALANCED = 1 << 2,   /* + EQUATION_BREAK of 0.01 */
    INJ_RATE = 1 << 3,
    INJ_TURNOVER = 1 << 4,
    INJ_BANK = 1 << 5,
    INJ_CHECK_DIGIT = 1 << 6,
    INJ_DUPLICATE = 1 << 7,
    INJ_CONTRIB = 1 << 8,
    INJ_PERSONAL = 1 << 9,
    INJ_EQUATION = 1 << 10,
    INJ_UNMAPPED = 1 << 11     /* only with --unmapped */
};

typedef struct gen_fund {
    const char *code;   /* county-local */
    const char *city;   /* city fund code */
    int kind;           /* FK_* */
} gen_fund;

typedef struct gen_county {
    const char *code;       /* as exported (220381 for 公主岭) */
    const char *city;       /* city region code (220184) */
    const char *name;
    const char *system;     /* the exporting software */
    const char *file;       /* file name under sources/ */
    int format;             /* FMT_* */
    int gz, gb18030, bom;
    int chart3;             /* three-digit 1999 chart */
    int minimal;            /* writes amounts without trailing zeros */
    const char *kinds[4];   /* local codes of KIND_* */
    const char *levels[4];  /* central province city county */
    const char *roles[4];   /* income expense fiscal cash */
    gen_fund funds[3];
    int nfunds;
    const char *inst_prefix;   /* local institution code prefix */
    const char *place;         /* short place name for institution names */
    const char *bank;          /* bank branch */
    unsigned inject;
} gen_county;

#define GEN_NCOUNTIES 7
#define GEN_NINST 10
extern const gen_county gen_counties[GEN_NCOUNTIES];

/* Local and city code of institution i (0..GEN_NINST-1) of county c. */
void gen_inst_local(const gen_county *c, int i, char *out, size_t n);
void gen_inst_city(const gen_county *c, int i, char *out, size_t n);
void gen_inst_name(const gen_county *c, int i, char *out, size_t n);

/* City rates in force: city/rates.csv. */
typedef struct gen_rate {
    const char *fund, *kind, *from, *to;
    int32_t rate;
} gen_rate;
extern const gen_rate gen_city_rates[];
extern const int gen_city_rates_n;

extern const char *const gen_kind_names[4];   /* employer employee ... */
extern const char *const gen_level_names[4];  /* central province city county */
extern const char *const gen_role_names[4];   /* income expense fiscal cash */

/* ------------------------------------------------------------------ sinks */

typedef struct gen_sink gen_sink;
struct gen_sink {
    /* One canonical record (record.h values), in section order.  Voucher
     * lines of one voucher come together; a bank_statement is followed by
     * its bank_entry records. */
    int (*record)(gen_sink *s, int rt, const tc_value *v, tc_err *e);
    /* Make the output appear (atomically).  Frees the sink. */
    int (*commit)(gen_sink *s, tc_err *e);
    /* Throw the output away.  Frees the sink. */
    void (*abort)(gen_sink *s);
};

int gen_xml_sink(gen_sink **out, const gen_county *c, const char *path, const char *cutover,
                 tc_err *e);

typedef struct tc_pgserver tc_pgserver;
/* legacy_as (TC_GEN_LEGACY_*): the forms to write into legacy_dir/legacy/
 * from the database before it goes (gen_legacy.c). */
int gen_yb2008_sink(gen_sink **out, const gen_county *c, tc_pgserver *srv, const char *path,
                    const char *cutover, unsigned legacy_as, const char *legacy_dir, tc_err *e);

/* --------------------------------------------------------------- the model */

typedef struct gen_city gen_city;   /* the whole construction, per run */

int gen_city_new(gen_city **out, const tc_gen_options *o, tc_err *e);
void gen_city_free(gen_city *g);
/* Build county ci's ledger (pass 1 included) and feed every record to s. */
int gen_county_emit(gen_city *g, int ci, gen_sink *s, tc_err *e);
/* Write the answer key, once every county was emitted. */
int gen_key_write(gen_city *g, const char *path, tc_err *e);

/* Write the months after the cutover (o.months of them), once every
 * county was emitted: docs/example-city.md, "After the cutover". */
int gen_months_write(gen_city *g, tc_err *e);

/* Format fen as yuan, minimal (no trailing zeros) or with two decimals. */
char *gen_yuan(int64_t fen, int minimal, char *buf);
/* Format a rate, minimal ("0.07", "1") or four decimals ("0.0700"). */
char *gen_rate_text(int32_t rate, int minimal, char *buf);

#endif
