/*
 * emit.h - the output side of one extraction: a batch per record type.
 *
 * Every source reader (handover XML, plain and custom dumps, a live
 * database) turns its input into canonical records (core/record.h) and
 * hands them to an emitter.  The emitter:
 *
 *   - writes one batch per record type of tc_rectypes[], all ten of them,
 *     empty ones included, named DIR/<county>.<type>.tcb, coding "county";
 *   - learns the county and cutover whenever the reader does (the XML
 *     Header comes first, a dump's xt_dw table may come last), so batch
 *     headers are completed at commit;
 *   - with check_keys, finds natural-key duplicates in bounded memory
 *     (keys are spilled to disk and sorted) and refuses the source naming
 *     both occurrences by their `where` (line numbers);
 *   - keeps a tally per record type (count, per-column totals) so a reader
 *     can compare it with a Trailer before committing;
 *   - computes the source's digest (SHA-256 of the file's bytes as they are
 *     on disk), unless the reader sets one (a live database), and writes
 *     it with what the source's control totals vouched for into every
 *     batch's header;
 *   - makes every batch appear at commit, or none: abort, or any failure,
 *     leaves nothing of this source in DIR.
 *
 * Readers own validation: a value given to tc_emit_record() is already in
 * its column's type (amount in fen, date as YYYYMMDD, ...) and text is
 * UTF-8.  The emitter never prints; errors come back in tc_err.
 */
#ifndef TC_EMIT_H
#define TC_EMIT_H

#include "core/batch.h"
#include "core/err.h"
#include "core/record.h"

typedef struct tc_emit tc_emit;

enum { TC_EMIT_HASH_READ = 1, TC_EMIT_HASH_FED = 2 };

typedef struct tc_emit_opts {
    const char *outdir;   /* existing folder for the batches */
    const char *source;   /* the source's path (or a URI, for messages) */
    int check_keys;       /* refuse natural-key duplicates (handover XML) */
    int hash_source;      /* compute the source digest from the file at `source`
                           * (TC_EMIT_HASH_READ), or from the bytes the reader
                           * passes to tc_emit_source_bytes (TC_EMIT_HASH_FED) */
    tc_controls controls; /* what the source's own control totals vouch for, for
                           * every batch's header: TC_CONTROLS_COUNTS_SUMS when
                           * the reader checks a Trailer before commit (handover
                           * XML; a type without amount columns gets
                           * TC_CONTROLS_COUNTS), TC_CONTROLS_NONE for dumps and
                           * live databases, which carry none */
} tc_emit_opts;

int tc_emit_open(tc_emit **out, const tc_emit_opts *o, tc_err *e);

/* county: 6 ASCII digits; cutover: "YYYY-MM-DD" or "".  Once, before commit. */
int tc_emit_set_county(tc_emit *em, const char *county, const char *cutover, tc_err *e);

/* With TC_EMIT_HASH_FED: the source file's bytes, in order, as the reader
 * reads them (hashed on a worker thread).  A no-op otherwise. */
int tc_emit_source_bytes(tc_emit *em, const void *p, size_t n, tc_err *e);

/* Whether em wants the source's bytes (TC_EMIT_HASH_FED). */
int tc_emit_wants_source(const tc_emit *em);

/* The same without a copy: a buffer to read the next bytes of the file
 * into (*cap bytes), then tc_emit_source_put() with how many were read.
 * The reader may go on reading the buffer it put until it asks for the
 * next one.  NULL without TC_EMIT_HASH_FED (or with e set, on failure). */
void *tc_emit_source_buffer(tc_emit *em, size_t *cap, tc_err *e);
int tc_emit_source_put(tc_emit *em, size_t n, tc_err *e);

/* The digest to record, computed by the reader (a live database; a file
 * hashed on a thread of the reader's own): replaces TC_EMIT_HASH_FED. */
void tc_emit_set_source_digest(tc_emit *em, const char *digest_text);

/*
 * Append one record of type t (index into tc_rectypes) with vals[i] for
 * column i.  where: the line in the source (XML) or the row number in its
 * table (dumps), used in messages; 0 when unknown.
 */
int tc_emit_record(tc_emit *em, int t, const tc_value *vals, long long where, tc_err *e);

/*
 * Segments.  A source read in segments on several threads gives each one
 * a child emitter: tc_emit_fork() makes it (on the parent's thread), the
 * segment's thread emits into it and calls tc_emit_child_finish(); then,
 * on the parent's thread and in the source's order, tc_emit_join() puts
 * each child's records after the parent's (and its county, if it named
 * one), keeps its natural keys for the check at commit - their `where`s
 * are lines counted from the segment's start, lines_before is how many
 * lines precede it - and frees it; tc_emit_abort() throws a child away.
 * A child does not hash the source.
 */
int tc_emit_fork(tc_emit *em, tc_emit **child, tc_err *e);
int tc_emit_child_finish(tc_emit *child, tc_err *e);
int tc_emit_join(tc_emit *em, tc_emit *child, long lines_before, tc_err *e);

/* Records of type t so far, and their per-column totals (amount columns). */
const tc_batch_summary *tc_emit_tally(const tc_emit *em, int t);

/* Finish: key check, digests, every batch written and renamed into place.
 * Frees em.  On failure nothing of this source is left in outdir. */
int tc_emit_commit(tc_emit *em, tc_err *e);

/* The county the source named ("" until the reader learnt it). */
const char *tc_emit_county(const tc_emit *em);

/* tc_emit_commit, and the county the batches were written for into
 * county (7 bytes). */
int tc_emit_commit_county(tc_emit *em, char county[7], tc_err *e);

/* Throw everything away; frees em.  NULL is a no-op. */
void tc_emit_abort(tc_emit *em);

/* The batch path for county and record type name: DIR/<county>.<type>.tcb. */
void tc_emit_batch_path(char *buf, size_t n, const char *dir, const char *county,
                        const char *type);

#endif
