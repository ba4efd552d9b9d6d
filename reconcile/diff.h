/*
 * diff.h - what changed between two versions of a county's data.
 *
 * A county sends a corrected export; before the new one replaces the old
 * (shared/spec/mappings.md, "A corrected export") the operator sees the
 * difference: records added, removed and changed by natural key, and every
 * figure that moves.  Two kinds of input are compared:
 *
 *   batches          two sets of batches of one county (core/batch.h), each
 *                    paired by record type; a rejects batch (one whose header
 *                    has map's reject columns, *.rejects.tcb) is a type of
 *                    its own, "contribution.rejects"
 *   reconciliations  two reconciliation.json documents (interfaces.md): the
 *                    figures per county and fund, the bank statements and
 *                    the city totals, counties and findings added or
 *                    removed, and each county's status
 *
 * The result is a tc_diff: how many records were added, removed and
 * changed per type, exactly, with the control total of every amount column
 * on both sides (fen, int64), and the first `limit` records of each
 * category listed in full, in natural-key order.  It is written as
 * diff.json (format "tongchou-diff/1", amounts as yuan strings like the
 * reconciliation's), as one self-contained page for people (the
 * reconciliation report's style), or as a few lines for a terminal.  The
 * same inputs give the same bytes: nothing depends on the clock, on the
 * order of the records in a batch, or on the run.
 *
 * Memory does not grow with the number of records: the comparison spills
 * 40 bytes a record to an unlinked temp file and works on 1/256 of it at a
 * time (diff_batches.c says how); what is kept is the listed records, at
 * most 4 x limit a type.  Identity numbers are masked (core/ident.h) in
 * everything written; the library never prints.
 */
#ifndef TC_DIFF_H
#define TC_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/money.h"

typedef struct tc_diff tc_diff;

#define TC_DIFF_LIMIT 1000   /* records listed per type and category by default */

typedef struct tc_diff_opts {
    long limit;             /* records listed per type and category (added,
                             * removed, changed); 0 lists none; the counts
                             * and totals are exact whatever it is */
    const char *tmpdir;     /* where the spill file goes; NULL: $TMPDIR, /tmp */
    long partition_max;     /* tests: most records compared in memory at
                             * once (0: the default, 2^18) */
} tc_diff_opts;

/* The options' defaults: TC_DIFF_LIMIT, $TMPDIR.  A NULL tc_diff_opts
 * means the same. */
void tc_diff_opts_init(tc_diff_opts *o);

/*
 * Compare two sets of batches of one county.  Each of old[0..nold) and
 * new_[0..nnew) is a batch file or a folder, whose *.tcb files are taken.
 * Every batch is read whole and verified; the batches of a side are paired
 * with the other side's by record type.  Refused with TC_EINPUT, naming
 * the files: a side with two batches of one type, or with batches of two
 * counties or codings; a pair of batches of different counties, codings or
 * columns; a folder without batches.  TC_EINTEGRITY when a batch is not
 * whole (or changes while it is read), TC_EIO when one cannot be read.
 * Nothing is kept of a failed comparison.
 */
int tc_diff_batches(tc_diff **out, const char *const *old, int nold, const char *const *new_,
                    int nnew, const tc_diff_opts *o, tc_err *e);

/*
 * Compare two reconciliation.json files.  TC_EINPUT, naming the file and
 * what is wrong, for anything that is not a reconciliation (interfaces.md,
 * "The reconciliation report"), or one listing a county, a fund of a
 * county or a bank account twice; TC_EIO when a file cannot be read.
 */
int tc_diff_reconciliations(tc_diff **out, const char *old, const char *new_,
                            const tc_diff_opts *o, tc_err *e);

/*
 * Compare old and new, deciding by what they are: two folders of batches
 * or two batch files (tc_diff_batches); two reconciliation.json files, or
 * two folders holding one and no batch (reconcile's output folders):
 * tc_diff_reconciliations.  One of each kind is a TC_EUSAGE; a path that
 * is not there, TC_EIO.
 */
int tc_diff_open(tc_diff **out, const char *old, const char *new_, const tc_diff_opts *o,
                 tc_err *e);

/* 1 when the two sides differ in anything the diff reports, 0 when not. */
int tc_diff_changed(const tc_diff *d);

/* What a batch comparison found for one record type. */
typedef struct tc_diff_counts {
    int present_old, present_new;   /* the side had a batch of the type */
    uint64_t old, new_;             /* records on each side */
    uint64_t added, removed, changed;
    uint64_t listed_added, listed_removed, listed_changed;
} tc_diff_counts;

/* The counts of type ("contribution", "contribution.rejects"): 0, or -1
 * when neither side has it (or d compares reconciliations). */
int tc_diff_type_counts(const tc_diff *d, const char *type, tc_diff_counts *out);

/* The control totals of an amount column of type, in fen: 0, or -1 when
 * there is no such type or column.  A side without the type counts 0. */
int tc_diff_type_total(const tc_diff *d, const char *type, const char *column, tc_fen *old,
                       tc_fen *new_, tc_fen *delta);

/* The result as JSON ("tongchou-diff/1"): deterministic, identity numbers
 * masked.  0, or TC_EIO when f cannot be written. */
int tc_diff_write_json(const tc_diff *d, FILE *f, tc_err *e);

/* The result as one self-contained HTML page (no script, nothing outside
 * the file), Chinese labels with English beside them.  0 or TC_EIO. */
int tc_diff_write_page(const tc_diff *d, FILE *f, tc_err *e);

/* outdir/diff.json and outdir/diff.html, mode 0600 (they may hold
 * personal data): both rendered to temporary files first, then put in
 * place, so neither appears half-written and a failure leaves neither
 * new one.  0, or TC_EIO. */
int tc_diff_write(const tc_diff *d, const char *outdir, tc_err *e);

/* A few lines for a terminal: per type, the records on each side, added,
 * removed and changed, and the totals that move (reconciliations: the
 * counties, statuses, figures and findings that change). */
void tc_diff_summary(const tc_diff *d, FILE *f);

void tc_diff_free(tc_diff *d);

#endif
