/*
 * profile_int.h - the parsed profile, shared by the dump and live readers.
 * Outside extract/ a profile is opaque (profile.h).
 */
#ifndef TC_PROFILE_INT_H
#define TC_PROFILE_INT_H

#include "core/record.h"
#include "extract/profile.h"

#define PNAME 64
#define PMAXMAP 16
#define PMAXMAPV 64

typedef enum {
    CV_TEXT = 1, CV_YUAN, CV_FEN, CV_RATE, CV_DATE, CV_YYYYMM, CV_INT, CV_MAP, CV_CONST
} pconv;

typedef struct pfield {
    int col;                 /* canonical column, or for derive: DF_* */
    char table[PNAME];       /* "" = the section's table, else the joined table */
    char column[PNAME];
    pconv conv;
    int map;                 /* index into maps for CV_MAP */
    char constant[PNAME];
    int line;                /* in the profile file */
} pfield;

/* Fields of a derived bank statement. */
enum { DF_ACCOUNT, DF_DATE, DF_REF, DF_AMOUNT, DF_BALANCE, DF_N };

typedef struct prec {
    int rectype;             /* index into tc_rectypes */
    char table[PNAME];
    char join_table[PNAME], join_key[PNAME];   /* "" when no join */
    int derive;              /* 1: bank statements from running balances */
    pfield f[TC_MAX_COLUMNS];
    int nf;
    int line;
} prec;

typedef struct pmap {
    char name[32];
    int n;
    char from[PMAXMAPV][32], to[PMAXMAPV][32];
} pmap;

struct tc_profile {
    char path[512];
    char name[PNAME];
    char schema[PNAME];      /* "" = any schema (a dump) or the search_path (live) */
    pfield county, cutover;  /* in county_table */
    char county_table[PNAME];
    int county_line;
    prec recs[16];
    int nrec;
    pmap maps[PMAXMAP];
    int nmaps;
};

/*
 * One SQL identifier at *s into out (at most PNAME-1 bytes), *s moved past
 * it: "Quoted" as written (a doubled "" is one "), bare folded as
 * PostgreSQL folds it (ASCII letters to lower case; other bytes, such as
 * UTF-8 Chinese, kept).  A bare identifier is letters, digits, _, $ and
 * non-ASCII bytes.  0, or -1 when there is none or it is too long.
 */
int pident_parse(const char **s, char out[PNAME]);

/* Convert one raw value (UTF-8, NUL-free, not NULL) for field f into v;
 * text results point into raw or into the profile.  0, or TC_EINPUT with a
 * message saying what was expected. */
int tc_profile_convert(const tc_profile *p, const pfield *f, tc_coltype want, const char *raw,
                       size_t n, tc_value *v, tc_err *e);

#endif
