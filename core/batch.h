/*
 * batch.h - batch files: one record type of one county, self-describing,
 * with control totals, deterministic to the byte.
 *
 * Every stage reads and writes batches (shared/spec/interfaces.md,
 * "Batches"); docs/batch-format.md describes the bytes.  In short, a batch
 * is two gzip members, so `zcat` shows it:
 *
 *   member 1 (deflate)   the header text, a blank line, the records
 *                        (binary, length-prefixed, each column written
 *                        relative to its two previous values), a zero byte
 *   member 2 (stored)    the trailer text: record count, one control total
 *                        per amount column, and "body", the SHA-256 of every
 *                        byte of member 1 as it stands in the file
 *
 * Both gzip headers are fixed bytes (no time stamp), and the same records in
 * the same order (with resets, tc_batch_write_reset, in the same places)
 * give the same file.
 *
 * What the reader guarantees.  tc_batch_next() hands out records as it
 * decompresses them, before it has seen the trailer; it checks each
 * record's structure before handing it out, but it can vouch for the batch
 * as a whole - nothing truncated, nothing altered, count and totals right -
 * only at the end: tc_batch_next() returns 0 ("end") only after every byte
 * of the file has been checked against the trailer.  A truncated or altered
 * batch always ends in a negative return (TC_EINTEGRITY), never in 0.
 * Callers therefore treat what they computed from a batch as provisional
 * until the end (load: inside one transaction; reconcile: reports written
 * after every batch ended cleanly).  Callers that must act on each record
 * as it comes open with TC_BATCH_VERIFY_FIRST, which reads and checks the
 * whole file once before handing out the first record.
 *
 * Any single changed, missing or added byte anywhere in the file is caught:
 * member 1 by its digest in the trailer (which covers the gzip header and
 * padding bits that gzip's own CRC ignores), member 2 by being compared
 * byte for byte with the trailer the reader rebuilds from what it read.
 */
#ifndef TC_BATCH_H
#define TC_BATCH_H

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "core/record.h"
#include "core/seal.h"

#define TC_BATCH_VERSION 5       /* what a writer writes */
#define TC_BATCH_VERSION_MIN 4   /* the oldest a reader reads (it has no 'controls' line) */
#define TC_BATCH_MAX_RECORD (1 << 16) /* bytes of one encoded record */

/*
 * What the source's own control totals vouched for, before the records
 * became a batch (the header's 'controls' line).  A handover XML carries a
 * Trailer - the exporting system's record count of every section and the
 * sum of every amount attribute - which the reader checked against the
 * records: rows lost or altered on the way would have been refused.  A
 * pg_dump dump or a live database carries none: rows deleted from it
 * extract cleanly, and only reconcile's cross-checks of the ledger
 * (VOUCHER_GAP, TURNOVER_MISMATCH, the roll-forward, the contributions
 * against the ledger) can show them.  In order of what they vouch for.
 */
typedef enum tc_controls {
    TC_CONTROLS_UNKNOWN = 0,   /* "-": not recorded (a version 4 batch) */
    TC_CONTROLS_NONE,          /* "none": a dump or a live database */
    TC_CONTROLS_COUNTS,        /* "counts": the record count (a type without amounts) */
    TC_CONTROLS_COUNTS_SUMS    /* "counts,sums": the count and every amount column's sum */
} tc_controls;

/* The header's word for c ("-", "none", "counts", "counts,sums"). */
const char *tc_controls_name(tc_controls c);
/* The value whose header word is the n bytes at s: 0, or -1 for none. */
int tc_controls_parse(const char *s, size_t n, tc_controls *out);

typedef struct tc_batch_header {
    char type[32];                      /* record type name, [a-z_]+ */
    char county[7];                     /* 6-digit region code */
    char pool[7];                       /* city coding: the source pool (the county as it
                                         * exported); "" in county coding, where the
                                         * county is its own pool */
    char coding[7];                     /* "county" or "city" */
    char cutover[11];                   /* YYYY-MM-DD, or "" when unknown */
    char source[TC_DIGEST_TEXT_MAX];    /* digest of the source, or "" */
    tc_controls controls;               /* what the source's control totals vouched for;
                                         * a map keeps its input's */
    char mappings[TC_DIGEST_TEXT_MAX];  /* digest of the mapping set, or "" */
    int ncols;
    tc_column cols[TC_MAX_COLUMNS];     /* names point into colname */
    char colname[TC_MAX_COLUMNS][32];
} tc_batch_header;

/* What a batch holds: filled by tc_batch_commit() and by a reader at end. */
typedef struct tc_batch_summary {
    uint64_t count;
    int64_t totals[TC_MAX_COLUMNS];     /* per column; 0 for non-amount columns */
    char body[TC_DIGEST_TEXT_MAX];      /* "sha256:..." of member 1 */
} tc_batch_summary;

/* Fill h for record type t; coding "county" or "city".  Other fields "". */
int tc_batch_header_init(tc_batch_header *h, const tc_rectype *t, const char *county,
                         const char *coding, tc_err *e);
/* Append a column to h (for city-coded batches with lineage columns). */
int tc_batch_header_add_column(tc_batch_header *h, const char *name, tc_coltype type,
                               tc_err *e);
/* The source pool of the batch: pool, or the county when pool is "". */
const char *tc_batch_pool(const tc_batch_header *h);
/* Index of column name in h, or -1. */
int tc_batch_header_col(const tc_batch_header *h, const char *name);

/* ---------------------------------------------------------------- writer */

typedef struct tc_batch_writer tc_batch_writer;

/* Start writing path (atomically: nothing appears there before commit). */
int tc_batch_create(tc_batch_writer **out, const char *path, const tc_batch_header *h,
                    tc_err *e);
/*
 * Complete the header before commit: county, coding, cutover, source,
 * controls and mappings may change (a reader learns a dump's county at its
 * end); type and columns may not.
 */
int tc_batch_set_header(tc_batch_writer *w, const tc_batch_header *h, tc_err *e);
const tc_batch_header *tc_batch_writer_header(const tc_batch_writer *w);
/* Count and totals of the records written so far (body is "" until commit). */
const tc_batch_summary *tc_batch_writer_summary(const tc_batch_writer *w);
/* Append one record: vals[i] for column i of the header. */
int tc_batch_write(tc_batch_writer *w, const tc_value *vals, tc_err *e);
/* Records written so far. */
uint64_t tc_batch_written(const tc_batch_writer *w);
/*
 * Starts a new run: the next record is encoded without reference to the
 * ones before; for records written elsewhere and spliced in (parts).
 */
int tc_batch_write_reset(tc_batch_writer *w, tc_err *e);
/* Finish the file and make it appear; frees w.  sum may be NULL. */
int tc_batch_commit(tc_batch_writer *w, tc_batch_summary *sum, tc_err *e);
/* Throw the file away; frees w.  NULL is a no-op. */
void tc_batch_abort(tc_batch_writer *w);
/* Commit will not fsync the batch's folder: the caller puts several
 * batches in place and syncs the folder once (core/atomic.h). */
void tc_batch_defer_dir_sync(tc_batch_writer *w);

/*
 * Parts: records written on other threads and spliced in after w's own.
 * A part has w's header; tc_batch_write() fills it, compressing on the
 * calling thread; tc_batch_part_finish() ends its compressed stream on a
 * byte boundary and frees its zlib state (its bytes wait in a spool file);
 * tc_batch_append_part() puts it after what w holds so far and frees it.
 * At commit the parts' bytes follow w's own records in the order they
 * were appended, so the batch reads as if one writer had written them all.
 * A part is never committed; tc_batch_abort() throws one away.
 */
int tc_batch_create_part(tc_batch_writer **out, tc_batch_writer *w, tc_err *e);
int tc_batch_part_finish(tc_batch_writer *p, tc_err *e);
int tc_batch_append_part(tc_batch_writer *w, tc_batch_writer *p, tc_err *e);

/* ---------------------------------------------------------------- reader */

typedef struct tc_batch_reader tc_batch_reader;

enum { TC_BATCH_VERIFY_FIRST = 1 << 0 };

/* Open path and read its header.  TC_EIO when it cannot be read,
 * TC_EINTEGRITY when it is not a whole batch. */
int tc_batch_open(tc_batch_reader **out, const char *path, unsigned flags, tc_err *e);
const tc_batch_header *tc_batch_header_of(const tc_batch_reader *r);
/*
 * Next record: returns 1 and points *vals at ncols values (text values
 * point into buffers the reader owns, one per column; the values and the
 * bytes are valid until the next call); 0 at the end, once the whole file
 * has been verified; negative on error.  A batch of a format version
 * before TC_BATCH_VERSION_MIN is refused by tc_batch_open with TC_EINPUT:
 * make it again.  One of version 4 reads with controls TC_CONTROLS_UNKNOWN.
 */
int tc_batch_next(tc_batch_reader *r, const tc_value **vals, tc_err *e);
/* Number of the record last handed out (1-based). */
uint64_t tc_batch_record_no(const tc_batch_reader *r);
/* Count, totals and body digest; complete once tc_batch_next returned 0. */
const tc_batch_summary *tc_batch_summary_of(const tc_batch_reader *r);
void tc_batch_close(tc_batch_reader *r);

/* Read a whole batch and check it; fills sum (may be NULL) and h (may be NULL). */
int tc_batch_verify(const char *path, tc_batch_header *h, tc_batch_summary *sum, tc_err *e);

/* ---------------------------------------------------------------- sealed */

/*
 * Sealed batches (docs/batch-format.md, "Sealed batches"): the batch's
 * bytes through core/seal.h, member 1 encrypted, and in the seal's clear
 * tail the header text, member 2 (count, control totals, body digest) and
 * "plain DIGEST", the SHA-256 of the batch as it reads unsealed.  A reader
 * given a holder's key reads such a batch as the batch itself: the same
 * records, the same checks, the same summary.
 *
 * Settings for the whole process, made before any batch is written or
 * read (the CLI from $TONGCHOU_POLICY and $TONGCHOU_DATA_KEY, run from the
 * manifest): seal every batch written for holders (n = 0: write in clear;
 * the holders must outlive the writing), and open sealed batches with key
 * (NULL: a sealed batch is refused, TC_EINPUT, naming its holders).
 */
int tc_batch_seal_for(tc_seal_cipher c, const tc_seal_holder *const *holders, size_t n,
                      tc_err *e);
int tc_batch_sealing(void);
void tc_batch_open_with(const tc_seal_key *k);
const tc_seal_key *tc_batch_data_key(void);

/* 1 when the file at path is a sealed batch (by its first bytes). */
int tc_batch_is_sealed(const char *path);
/*
 * The batch's digest ("sha256:..."): of its file, or of a sealed batch as
 * it reads unsealed (the "plain" its clear tail names, which a reader with
 * the key checks at the end).  So reports name the same batch whether it
 * is kept sealed or not, and stay the same from run to run: sealing draws
 * a fresh key each time.  TC_DIGEST_TEXT_MAX bytes.
 */
int tc_batch_digest(const char *path, char *text, tc_err *e);
/*
 * Write the sealed batch at path, unsealed, to out (mode 0600, whole or not
 * at all): byte for byte the batch a run without sealing writes.  Needs the
 * data key; TC_EINTEGRITY naming path when its tag or digest fails.
 */
int tc_batch_unseal(const char *path, const char *out, tc_err *e);
/*
 * What an auditor without a key can check of a sealed batch: the seal's
 * structure, the header and the trailer in its clear tail, each in the
 * canonical form a writer gives it; h and sum (either may be NULL) receive
 * them.  The records are not read: the seal's tag, and so whether the
 * records are the ones the trailer counts, needs a holder's key - and the
 * audit trail's digest of the whole file, which pins every byte.
 */
int tc_batch_verify_clear(const char *path, tc_batch_header *h, tc_batch_summary *sum,
                          tc_err *e);

#endif
