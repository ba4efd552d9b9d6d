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

/* ---- unload files (docs/profiles.md, "Unloads") ---- */

#define UMAXTAB 32         /* [unload TABLE] sections */
#define UMAXCOLS 1600      /* columns of one table, PostgreSQL's own limit */
#define UPATTERN 128       /* a file-name pattern, in bytes */

enum { UE_NONE = 0, UE_BACKSLASH, UE_DOUBLE };               /* escape */
enum { UC_ROWS = 1, UC_BYTES, UC_MD5, UC_NAME, UC_SKIP };     /* check fields */

typedef struct punload_table {
    char table[PNAME];
    char file[UPATTERN];     /* "" = [unload] file */
    char (*cols)[PNAME];     /* in the file's order */
    int ncols, capcols;
    int line;
} punload_table;

typedef struct punload {
    int on;                  /* the profile has an [unload] section */
    char path[512];          /* the profile file that has it */
    int line;
    char file[UPATTERN];     /* {table}, {TABLE}, one * */
    int gb18030;             /* else UTF-8 */
    char delim[9];           /* 1 to 8 bytes */
    int ndelim;
    char quote;              /* 0: no quoting */
    int escape;              /* UE_* */
    char null[17];           /* the NULL token ("" = an empty field) */
    int nnull;
    int empty_nul;           /* a field of one NUL byte is the empty text (bcp) */
    int header;              /* the first line names the columns */
    int crlf;                /* lines end in CR LF */
    char date[40];           /* YYYY MM DD HH24 MI SS FF[1-9] and literals */
    int amount_fen;          /* amounts are written as integer fen */
    int lead_zero_opt;       /* ".5" and "-.5" read as "0.5", "-0.5" (Oracle) */
    int check_none;          /* no check files */
    char check[UPATTERN];    /* {file} {stem} {table} {TABLE} */
    int check_f[8];          /* UC_*, in the check line's order */
    int ncheck_f;
    char check_delim;        /* 0: spaces, tabs, | or , */
    punload_table t[UMAXTAB];
    int nt;
} punload;

/* ---- finance-software workbooks (docs/profiles.md, "Workbooks") ---- */

#define WMAXTAB 4          /* [workbook TABLE] sections */
#define WMAXCOLS 32        /* columns of one sheet the profile names */
#define WMAXMARK 8         /* subtotal markers */
#define WSPEC 160          /* a column's header text or template, in bytes */

enum { WC_HEADER = 1, WC_LETTER, WC_TEMPLATE };

typedef struct pwb_col {
    char name[PNAME];        /* the column as the mapping names it */
    char spec[WSPEC];        /* header text, or the template */
    int kind;                /* WC_* */
    int letter;              /* WC_LETTER: 0-based sheet column */
    int blank;               /* may be empty (text only) */
    int line;
} pwb_col;

typedef struct pwb_table {
    char table[PNAME];
    char file[UPATTERN];     /* name pattern: one *, {fund} {period} {NAME} captures */
    char sheet[PNAME];       /* "" = the workbook's first sheet */
    int head_first, head_last;   /* the header rows (1-based) */
    char subtotal_col[PNAME];    /* a column of this section, or "" */
    char mark[WMAXMARK][40];     /* subtotal markers in that column */
    int nmark;
    char credit_col[PNAME];      /* a column holding the account code, or "" */
    char credit[WMAXMARK][16];   /* codes beginning so are credit-normal accounts */
    int ncredit;
    pwb_col cols[WMAXCOLS];
    int ncols;
    int line;
} pwb_table;

typedef struct pworkbook {
    int on;                  /* the profile has a [workbook] section */
    char path[512];
    int line;
    char county[8];          /* six digits, or "" = the folder's name */
    char cutover[11];        /* YYYY-MM-DD, or "" */
    char dates[4][24];       /* formats of dates written as text */
    int ndates;
    pwb_table t[WMAXTAB];
    int nt;
} pworkbook;

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
    punload unload;
    pworkbook workbook;
};

/* The [workbook TABLE] section of table, or NULL. */
const pwb_table *tc_profile_workbook_table(const tc_profile *p, const char *table);

/* The [unload TABLE] section of table, or NULL. */
const punload_table *tc_profile_unload_table(const tc_profile *p, const char *table);

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
