/*
 * err.h - errors as values.
 *
 * Library code never prints and never exits.  A function that can fail takes
 * a `tc_err *` as its last argument, fills it, and returns a negative code
 * from the table below (0 on success).  Only the front end (cli/) turns the
 * error into a message on stderr and the code into an exit status, through
 * tc_exit_code(), the one place where exit codes are defined
 * (see shared/spec/interfaces.md, "Exit codes").
 *
 * Message style (shared/style.md): lowercase, no final period, the failed
 * action first, then why; the location (file, line, column or record) and a
 * hint saying what to do are separate fields so the formatter can lay them
 * out the same way everywhere:
 *
 *   tongchou: map: jiutai.tcb: record 1893: unknown fund code '07' for
 *   county 220113 (add a row to fund.csv)
 *
 * Identity numbers never reach a message unmasked: tc_err_format() masks any
 * 18-character resident identity number it finds, as a last line of defence
 * behind the callers, who mask them with ident_mask() in the first place.
 */
#ifndef TC_ERR_H
#define TC_ERR_H

#include <stddef.h>

/* Negative return codes.  Each maps to one exit code in tc_exit_code(). */
enum {
    TC_OK = 0,
    TC_EUSAGE = -2,     /* the call's words are wrong             -> exit 2 */
    TC_EINPUT = -3,     /* bad input, refused, nothing written      -> exit 3 */
    TC_EIO = -4,        /* I/O failure, nothing committed           -> exit 4 */
    TC_EDB = -5,        /* database failure, nothing committed      -> exit 4 */
    TC_EINTEGRITY = -6, /* digest, signature or control total wrong -> exit 5 */
    TC_ENOMEM = -7,     /* out of memory                            -> exit 4 */
    TC_EINTERNAL = -8   /* a bug: an invariant did not hold         -> exit 4 */
};

/* Exit codes of every command (interfaces.md). */
enum {
    TC_EXIT_OK = 0,
    TC_EXIT_FINDINGS = 1,
    TC_EXIT_USAGE = 2,
    TC_EXIT_INPUT = 3,
    TC_EXIT_IO = 4,
    TC_EXIT_INTEGRITY = 5
};

typedef struct tc_err {
    int code;            /* TC_E*, TC_OK while nothing failed */
    char file[512];      /* input or output the error is about, or "" */
    long line;           /* 1-based line in file, 0 when not known */
    long column;         /* 1-based column in line, 0 when not known */
    long long record;    /* 1-based record number, 0 when not a record */
    char msg[1024];      /* what failed and why */
    char hint[512];      /* what to do about it, or "" */
} tc_err;

/* Clear an error object (code TC_OK, all fields empty). */
void tc_err_clear(tc_err *e);

/*
 * Fill e with code and a printf-style message and return code, so library
 * code can write `return tc_fail(e, TC_EINPUT, "bad amount '%s'", s);`.
 * The location fields already set on e are kept; e may be NULL.
 */
int tc_fail(tc_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The code for a failed open of an input: TC_EINPUT when the path names
 * nothing there (ENOENT, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG: the
 * operator's to fix), TC_EIO for anything else. */
int tc_errno_code(int err);

/* Set the location of e: file (may be NULL to keep), line and column. */
void tc_err_at(tc_err *e, const char *file, long line, long column);

/* Set the record number of e (and file when not NULL). */
void tc_err_record(tc_err *e, const char *file, long long record);

/* Set the hint of e (what to do).  Returns e->code for chaining. */
int tc_err_hint(tc_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix e->msg with a context phrase: "reading batch: " + old message. */
void tc_err_prefix(tc_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Format e as one line without the program prefix:
 *   "file:line:column: msg (hint)"   when a line is known,
 *   "file: record N: msg (hint)"     when a record is known,
 *   "file: msg (hint)" or "msg (hint)" otherwise.
 * Identity numbers in the result are masked.  Returns buf.
 */
char *tc_err_format(const tc_err *e, char *buf, size_t n);

/* The exit code for a TC_E* code (TC_OK gives 0). */
int tc_exit_code(int code);

/* A short name for a code, e.g. "bad input", for logs and tests. */
const char *tc_code_name(int code);

/*
 * Mask, in place, every resident identity number (17 digits and a digit or
 * X, not part of a longer run of letters or digits) in the NUL-terminated
 * string s, keeping the first 6 and last 4 characters.  Used by the
 * formatter and the log module; safe on any text.
 */
void tc_mask_ids_inplace(char *s);

/*
 * Whether s names a database rather than a file: a postgresql:// or
 * postgres:// URI, or a libpq conninfo (it holds "dbname=").
 */
int tc_is_conninfo(const char *s);

/*
 * s as a message, a log line or the audit trail may show it, into buf:
 * every password gone.  A URI's user:secret@ loses ":secret"; a
 * "password=VALUE" or "passwd=VALUE" (conninfo, quoted or not, or a URI's
 * query) becomes "password=***".  Anything else is copied as it is.  The
 * one rule for every place that shows a source or an argument.
 */
void tc_redact_secrets(const char *s, char *buf, size_t n);

#endif
