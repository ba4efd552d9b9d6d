/*
 * diff_int.h - the diff's insides (diff.h), shared by its files:
 *
 *   diff_result.c   the result: record types and their listed records,
 *                   the changes of two reconciliations; the accessors;
 *                   the order-preserving encoding of values
 *   diff_batches.c  comparing batches, in three passes over a spill file
 *   diff_recon.c    comparing two reconciliation documents
 *   diff_write.c    diff.json, the page, the terminal summary
 *   diff.c          which comparison two paths call for; the output folder
 *
 * Each file uses only those above it in this list, never one below
 * (tests/scripts/layering.sh checks that no two use each other).
 */
#ifndef TC_DIFF_INT_H
#define TC_DIFF_INT_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/batch.h"
#include "core/money.h"
#include "reconcile/diff.h"

enum { DD_BATCHES = 1, DD_RECON = 2 };

/* ---------------------------------------------------------------- values */

/*
 * The order-preserving encoding of a value: comparing two encodings with
 * memcmp orders them as the values are ordered, and a run of encoded
 * values orders as a tuple, so the encoding of a record's natural key
 * sorts records in natural-key order.
 *
 *   numbers   8 bytes, big-endian, of the value with its sign bit flipped
 *   text      the bytes, each 0x00 written 0x00 0xFF, then 0x00 0x01
 *             (so a prefix sorts before what it prefixes)
 *
 * Text of n bytes takes at most 2n + 2 bytes.
 */
static inline size_t dd_put(unsigned char *p, tc_coltype t, const tc_value *v)
{
    if (t != TC_COL_TEXT) {
        uint64_t u = htobe64((uint64_t)v->i ^ 0x8000000000000000ull);
        memcpy(p, &u, 8);
        return 8;
    }
    const unsigned char *s = (const unsigned char *)v->s;
    size_t k = 0;
    if (v->n && !memchr(s, 0, v->n)) {
        memcpy(p, s, v->n);   /* the usual case: no byte to escape */
        k = v->n;
    } else {
        for (uint32_t i = 0; i < v->n; i++) {
            p[k++] = s[i];
            if (s[i] == 0)
                p[k++] = 0xFF;
        }
    }
    p[k++] = 0;
    p[k++] = 1;
    return k;
}

/* The most bytes dd_put writes for v. */
static inline size_t dd_put_max(const tc_value *v) { return 2 * (size_t)v->n + 8; }

/* -------------------------------------------------------- batch results */

/*
 * A listed record: the encodings of its compared columns, natural key
 * first (nkey bytes), then of the columns not compared (src_record, where
 * the record was in its source); n bytes in all.  memcmp order of b is
 * natural-key order, then content.
 */
typedef struct dd_rec {
    uint32_t nkey, n;
    unsigned char b[];
} dd_rec;

/* The four listings of a type: records only old has, only new has, and
 * the two sides of the changed ones (the same keys, in the same order). */
enum { DL_REMOVED, DL_ADDED, DL_CHANGED_OLD, DL_CHANGED_NEW, DL_N };

typedef struct dd_list {
    dd_rec **v;
    long n;
} dd_list;

/* One record type of the comparison (side 0 old, 1 new). */
typedef struct dd_type {
    char name[48];              /* "contribution", "contribution.rejects" */
    int rank;                   /* sort order: tc_rectypes index, rejects after */
    tc_batch_header h;          /* the columns: the same on both sides */
    int order[TC_MAX_COLUMNS];  /* header columns in encoding order */
    int nkey, ncmp;             /* the first nkey are the key, the first ncmp compared */
    int present[2];
    char file[2][1024];
    char county[2][7], coding[2][7];
    char body[2][TC_DIGEST_TEXT_MAX];   /* digest of the records, from the trailer */
    uint64_t count[2];
    int64_t total[2][TC_MAX_COLUMNS];   /* per header column; 0 for non-amounts */
    uint64_t added, removed, changed;
    uint64_t repeated[2];       /* natural keys held by more than one record */
    dd_list list[DL_N];         /* sorted, at most limit each */
} dd_type;

/* Decode r's values into vals (indexed as t's header columns); text
 * points into scratch, of r->n bytes at least. */
void dd_decode(const dd_type *t, const dd_rec *r, tc_value *vals, char *scratch);

/* 1 when column c of t holds identity numbers (payer, person): always
 * shown masked, whatever the value looks like. */
int dd_ident_col(const dd_type *t, int c);

/* A copy of n bytes (NULL when out of memory). */
dd_rec *dd_rec_new(const unsigned char *b, uint32_t nkey, uint32_t n);

/* ------------------------------------------------ reconciliation results */

/* A figure that moves: of a fund or a bank account of a county, or a city
 * total (county NULL).  has[i] is 0 when side i lacks it. */
typedef struct dd_figure {
    char *county, *fund, *account;
    const char *figure;         /* "cash", "arrears_aging.0-3", ... (static) */
    int has[2];
    tc_fen v[2];
} dd_figure;

typedef struct dd_finding {
    char *county, *code, *fund, *ref, *severity, *message;
    int has_amount;
    tc_fen amount;
} dd_finding;

/* A county added, removed, or whose status changes. */
typedef struct dd_county {
    char *county, *name;
    const char *status[2];      /* "clean", "findings", "blocked"; NULL when absent */
} dd_county;

/* A top-level field of the document that changes (cutover, mappings, status). */
typedef struct dd_field {
    const char *field;
    char *v[2];
} dd_field;

/* ------------------------------------------------------------ the diff */

struct tc_diff {
    int kind;                   /* DD_BATCHES or DD_RECON */
    long limit;
    char path[2][1024];         /* as given; the first of a list of batches */
    /* batches */
    char county[7], coding[7];  /* of the (non-reject) batches */
    dd_type *types;
    int ntypes;
    /* reconciliations */
    dd_field *fields;
    int nfields;
    dd_county *counties;
    long ncounties, capcounties;
    dd_figure *figures;
    long nfigures, capfigures;
    dd_finding *fnd[3];         /* added, removed, changed (old and new, in pairs) */
    long nfnd[3], capfnd[3];
};

enum { DF_ADDED, DF_REMOVED, DF_CHANGED };

/* A new, empty result of kind. */
int dd_new(tc_diff **out, int kind, const tc_diff_opts *o, tc_err *e);

/* strdup that says TC_ENOMEM in e; NULL in, NULL out. */
int dd_strdup(char **out, const char *s, tc_err *e);

#endif
