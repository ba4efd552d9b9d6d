/*
 * gen.h - the example city: a synthetic Changchun with seven former pools,
 * exported the way real counties export, with an answer key.
 *
 * tc_gen_city() writes into a folder:
 *
 *   sources/220100.xml        市本级   handover XML, UTF-8
 *   sources/220112.xml        双阳区   handover XML, GB18030, three-digit chart
 *   sources/220113.xml.gz     九台区   gzipped UTF-8, separate maternity fund
 *   sources/220381.xml.gz     公主岭市 gzipped GB18030, still under its old code
 *                                      (now 220184), three-digit chart
 *   sources/220182.sql.gz     榆树市   YB2008 database, pg_dump plain, GBK
 *   sources/220183.dump       德惠市   YB2008 database, pg_dump custom format
 *   sources/220122.xml        农安县   UTF-8 with a byte-order mark
 *   answer-key.json           what the reconciliation must find, to the fen
 *
 * with --legacy-as (legacy_as, gen_legacy.c, gen_workbook.c) 220182 and
 * 220183 also as
 *
 *   legacy/unload/CODE/ + CODE.ini     COPY text unloads, GB18030, '|'
 *   legacy/yonyou/CODE/ + CODE.ini     用友 序时账 and 科目余额表 workbooks
 *   legacy/kingdee/CODE/ + CODE.ini    金蝶 序时簿 and 科目余额表 workbooks
 *
 * and with --months N (gen_months.c) the N months after the cutover:
 *
 *   months/YYYY-MM/           each county's month ledger (handover XML) and
 *                             city.csv, what reached the 市财政专户
 *   operations/               budget.csv, requests.csv, exceptions.csv and
 *                             answer-key.json, what operations/ must compute
 *
 * The data is built, not sampled: every ledger figure is posted from
 * vouchers, every bank statement follows from the postings plus the timing
 * items put there on purpose, and each finding of domain.md is injected in
 * one known place.  The answer key is the bookkeeping of that construction,
 * never the output of the reconciliation code.  docs/example-city.md tells
 * the story of each county and each injected finding.
 *
 * Memory stays flat whatever the size: the contribution and personal
 * account records - the only large sections - are a pure function of
 * (seed, county, payer index), so the generator walks them once to add up
 * the totals the ledger needs and once more to write them.
 */
#ifndef TC_GEN_H
#define TC_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct tc_gen_options {
    const char *dir;          /* output folder (created) */
    uint64_t records;         /* contribution records per county, >= 100 */
    uint64_t seed;
    char cutover[11];         /* YYYY-MM-DD; its year must hold >= 4 months */
    int unmapped;             /* inject one code the example mapping set lacks */
    int xml_only;             /* write the legacy counties as XML too (without
                               * the duplicate record, which XML cannot carry) */
    const char *only;         /* write only this county's source (its code or
                               * file name), and no answer key: benchmarks */
    int order;                /* TC_GEN_ORDER_*: the contribution records' order */
    const char *correct;      /* a corrected export: this county's (its code) */
    int64_t correct_fen;      /* ... cutover-day interest of its first fund moved
                               * by this much (its cash with it), all else alike */
    int months;               /* months after the cutover to write (0: none;
                               * else 12-120): ledgers, budget, requests and
                               * operations/answer-key.json (gen_months.c) */
    unsigned legacy_as;       /* TC_GEN_LEGACY_*: the legacy-database counties
                               * also in these forms, under legacy/ (none: 0) */
    /* Told after each county's source is written (may be NULL). */
    void (*on_source)(void *arg, const char *path, uint64_t records);
    void *arg;
} tc_gen_options;

/*
 * The order of the contribution records, the one large section (the same
 * records in each, so the same totals and answer key; bench/extract.sh
 * measures the reader on each):
 *
 *   PAYER    each payer's records together, in runs (the default);
 *   PERIOD   by period, then payer: no payer repeats within a run, as an
 *            export sorted by 费款所属期 comes;
 *   MIXED    by period, the payers of each in a scrambled order: employers'
 *            credit codes and persons' identity numbers interleaved at random.
 */
enum { TC_GEN_ORDER_PAYER, TC_GEN_ORDER_PERIOD, TC_GEN_ORDER_MIXED };

/*
 * The legacy-database counties (220182, 220183) in other forms, written
 * beside their dumps from the same database (docs/example-city.md, "The
 * legacy counties in other forms"):
 *
 *   UNLOAD   legacy/unload/CODE/: each table as PostgreSQL's COPY writes it
 *            (text, GB18030, '|'), with its check file; legacy/unload/CODE.ini
 *   YONYOU   legacy/yonyou/CODE/: the ledger as 用友 exports it, 序时账 and
 *            科目余额表 workbooks; legacy/yonyou/CODE.ini
 *   KINGDEE  legacy/kingdee/CODE/: the same as 金蝶 exports it
 */
enum { TC_GEN_LEGACY_UNLOAD = 1, TC_GEN_LEGACY_YONYOU = 2, TC_GEN_LEGACY_KINGDEE = 4 };

/* Defaults: 2000 records, seed 1, cutover 2021-06-30. */
void tc_gen_defaults(tc_gen_options *o);

/* Generate the city into o->dir.  Needs PostgreSQL binaries unless xml_only. */
int tc_gen_city(const tc_gen_options *o, tc_err *e);

/* Print a table of an answer key: per county its transfer and findings. */
int tc_gen_summary(const char *key_path, FILE *out, tc_err *e);

/* Write the example mapping set (the CSVs of mappings/changchun/) into dir. */
int tc_gen_write_mappings(const char *dir, tc_err *e);

#endif
