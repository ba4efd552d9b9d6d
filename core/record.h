/*
 * record.h - the canonical record types and their columns.
 *
 * Every stage speaks in these records.  A record type is a name and an
 * ordered list of typed columns; a batch file (batch.h) carries the list in
 * its header, so a batch describes itself and a city-coded batch can carry
 * more columns (the lineage) than a county-coded one.
 *
 * The county-coded types mirror the sections of the handover XML
 * (shared/spec/handover-xml.md), flattened where a section nests: each
 * voucher Line is a voucher_line record carrying its voucher's fields, each
 * statement Entry a bank_entry record.
 *
 * Column types and how a value holds them (tc_value):
 *   text     s/n: UTF-8 bytes, not NUL-terminated; "" means absent
 *   amount   i: fen
 *   rate     i: 1/10000 (0.07 -> 700)
 *   date     i: YYYYMMDD as a number (2021-06-30 -> 20210630)
 *   period   i: YYYYMM as a number (2021-06 -> 202106)
 *   int      i
 */
#ifndef TC_RECORD_H
#define TC_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TC_COL_TEXT = 1,
    TC_COL_AMOUNT,
    TC_COL_RATE,
    TC_COL_DATE,
    TC_COL_PERIOD,
    TC_COL_INT
} tc_coltype;

typedef struct tc_column {
    const char *name;
    tc_coltype type;
} tc_column;

typedef struct tc_rectype {
    const char *name;         /* "contribution" - also the batch file's middle name */
    const char *section;      /* handover XML section it comes from */
    const tc_column *cols;
    int ncols;
} tc_rectype;

typedef struct tc_value {
    int64_t i;
    const char *s;
    uint32_t n;
} tc_value;

#define TC_MAX_COLUMNS 32

/* The county-coded record types, in handover XML section order. */
extern const tc_rectype tc_rectypes[];
extern const int tc_nrectypes;

/* Look a type up by name; NULL when unknown. */
const tc_rectype *tc_rectype_find(const char *name);
/* Index of column `name` in t, or -1. */
int tc_rectype_col(const tc_rectype *t, const char *name);

/* The natural key of a canonical type t (a member of tc_rectypes[]): the
 * indexes of its columns into cols; returns how many (at most 5). */
int tc_rectype_key(const tc_rectype *t, int cols[5]);

/* "YYYY-MM-DD", a real calendar date from 1900 on, into YYYYMMDD: 0 or -1. */
int tc_date_parse(const char *s, size_t n, int64_t *out);
/* "YYYY-MM" (sep '-') or "YYYYMM" (sep 0), month 01-12, into YYYYMM: 0 or -1. */
int tc_period_parse(const char *s, size_t n, char sep, int64_t *out);

/* "text", "amount", ...; and back (0 when unknown). */
const char *tc_coltype_name(tc_coltype t);
tc_coltype tc_coltype_parse(const char *s, size_t n);

/* Helpers to fill values. */
static inline tc_value tc_v_text(const char *s, size_t n)
{
    tc_value v = {0, s, (uint32_t)n};
    return v;
}
static inline tc_value tc_v_int(int64_t i)
{
    tc_value v = {i, 0, 0};
    return v;
}

#endif
