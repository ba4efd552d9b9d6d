/*
 * dump.c - see dump.h.
 *
 * A plain dump is read line by line from a 256 KiB buffer.  Outside COPY
 * blocks only two things matter: `SET client_encoding = '...'` and the
 * `COPY table (columns) FROM stdin;` lines; everything else (DDL, psql's
 * \restrict lines) is skipped.  Inside a block each line is a row: fields
 * split on tabs, the COPY text escapes undone in place, text converted to
 * UTF-8 when the dump's encoding is not, and handed to the consumers the
 * profile names for that table.  The rows reader (rows_*) is shared with
 * the live reader, which receives the same COPY text from the server.
 */
#include "extract/dump.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "core/readahead.h"
#include "core/hash.h"
#include "core/ident.h"
#include "core/log.h"
#include "extract/dump_int.h"
#include "core/proc.h"

#define MAXFIELDS ROWS_MAXCOLS

/* ------------------------------------------------------------ join table */

/* Header rows of a joined table, by key: the converted values of the
 * fields that come from it.  Open addressing; text in an arena. */
typedef struct jrow {
    const char *key;
    uint32_t keyn;
    tc_value v[TC_MAX_COLUMNS];   /* by canonical column */
} jrow;

typedef struct jmap {
    jrow *rows;
    size_t cap, n;
    char **arena;                 /* blocks of 1 MiB */
    size_t narena, used;
} jmap;

static char *arena_copy(jmap *m, const char *s, size_t n)
{
    enum { BLOCK = 1 << 20 };
    if (n > BLOCK)
        return NULL;
    if (!m->narena || m->used + n > BLOCK) {
        char **a = realloc(m->arena, (m->narena + 1) * sizeof(char *));
        if (!a)
            return NULL;
        m->arena = a;
        if (!(m->arena[m->narena] = malloc(BLOCK)))
            return NULL;
        m->narena++;
        m->used = 0;
    }
    char *p = m->arena[m->narena - 1] + m->used;
    memcpy(p, s, n);
    m->used += n;
    return p;
}

static jrow *jmap_slot(jmap *m, const char *key, size_t n)
{
    size_t i = (size_t)tc_fnv1a(key, n) & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        jrow *r = &m->rows[i];
        if (!r->key || (r->keyn == n && memcmp(r->key, key, n) == 0))
            return r;
    }
}

static int jmap_grow(jmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    jrow *rows = calloc(cap, sizeof(jrow));
    if (!rows)
        return -1;
    jmap old = *m;
    m->rows = rows;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.rows[i].key)
            *jmap_slot(m, old.rows[i].key, old.rows[i].keyn) = old.rows[i];
    free(old.rows);
    return 0;
}

static void jmap_free(jmap *m)
{
    for (size_t i = 0; i < m->narena; i++)
        free(m->arena[i]);
    free(m->arena);
    free(m->rows);
}

/* ---------------------------------------------------- derived statements */

typedef struct stmt {
    char account[64];
    int64_t first_date, last_date, min_date, max_date;
    char first_ref[64], last_ref[64];
    int64_t first_amount, first_balance, last_balance;
} stmt;

static int before(int64_t d1, const char *r1, int64_t d2, const char *r2)
{
    return d1 < d2 || (d1 == d2 && strcmp(r1, r2) < 0);
}

/* ------------------------------------------------------------- the reader */

typedef struct consumer {
    int kind;                     /* C_COUNTY, C_REC, C_JOIN_HEADER, C_DERIVE */
    const prec *r;
    int colidx[TC_MAX_COLUMNS];   /* field i -> COPY column, -1 for constants */
} consumer;

enum { C_COUNTY = 1, C_REC, C_JOIN_HEADER, C_DERIVE };

struct rows {
    const tc_profile *p;
    tc_emit *em;
    tc_dump_stats *st;
    const char *where;            /* the file (or database) for messages */
    tc_err *e;
    iconv_t cd;                   /* to UTF-8, or (iconv_t)-1 */
    char encoding[32];
    /* the current COPY block */
    char table[PNAME];            /* the profile's table (a partition's root) */
    char label[3 * PNAME];        /* ... as messages name it: "t (partition s.p)" */
    char (*cols)[PNAME];          /* MAXFIELDS */
    int ncols;
    int more;                     /* the table has partitions or children */
    consumer cons[8];
    int ncons;
    long long row;                /* 1-based row in the block */
    int deferred;                 /* rows of this block wait for its join table */
    FILE *spill;                  /* ... here: blocks (-1, ncols, label, columns)
                                   * and rows (line, length, bytes) */
    char pending[PNAME];          /* the table whose rows wait */
    /* tables named by the profile, and seen (in which schema) */
    char need[32][PNAME];
    char need_schema[32][PNAME];
    int need_line[32];
    int seen[32];
    int parted[32];               /* declared PARTITION BY in the DDL */
    int nneed;
    /* every block's table as the source names it, for messages */
    char (*held)[2 * PNAME + 2];
    int nheld, capheld;
    jmap join;
    int join_ready;
    stmt *stmts;
    int nstmts, capstmts;
    int county_rows;
    /* row decoding */
    char *fields[MAXFIELDS];
    size_t flen[MAXFIELDS];
    int fnull[MAXFIELDS];
    char *conv;                   /* UTF-8 conversions of this row */
    size_t convcap, convused;
};

static int need_index(rows *R, const char *t)
{
    for (int i = 0; i < R->nneed; i++)
        if (strcmp(R->need[i], t) == 0)
            return i;
    return -1;
}

int rows_needs(rows *R, const char *schema, const char *table)
{
    if (R->p->schema[0] && schema[0] && strcmp(schema, R->p->schema) != 0)
        return 0;
    return need_index(R, table) >= 0;
}

/* The DDL declares schema.table partitioned (PARTITION BY): a parent the
 * profile reads whose partitions hold no COPY block, or that has none, has
 * no rows rather than being missing. */
static void rows_partitioned(rows *R, const char *schema, const char *table)
{
    if (rows_needs(R, schema, table))
        R->parted[need_index(R, table)] = 1;
}

static void need_add(rows *R, const char *t, int line)
{
    if (t[0] && need_index(R, t) < 0 && R->nneed < 32) {
        snprintf(R->need[R->nneed], PNAME, "%s", t);
        R->need_line[R->nneed++] = line;
    }
}

int rows_open(rows **out, const tc_profile *p, tc_emit *em, tc_dump_stats *st, const char *where,
              tc_err *e)
{
    rows *R = calloc(1, sizeof(*R));
    if (!R)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    R->p = p;
    R->em = em;
    R->st = st;
    R->where = where;
    R->e = e;
    R->cd = (iconv_t)-1;
    if (!(R->cols = malloc(MAXFIELDS * sizeof(*R->cols)))) {
        free(R);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    snprintf(R->encoding, sizeof(R->encoding), "UTF8");
    need_add(R, p->county_table, p->county_line);
    for (int i = 0; i < p->nrec; i++) {
        need_add(R, p->recs[i].table, p->recs[i].line);
        need_add(R, p->recs[i].join_table, p->recs[i].line);
    }
    *out = R;
    return 0;
}

void rows_free(rows *R)
{
    if (!R)
        return;
    if (R->cd != (iconv_t)-1)
        iconv_close(R->cd);
    if (R->spill)
        fclose(R->spill);
    jmap_free(&R->join);
    free(R->stmts);
    free(R->conv);
    free(R->cols);
    free(R->held);
    free(R);
}

int rows_set_encoding(rows *R, const char *name, long line)
{
    static const struct { const char *pg, *iconv; } enc[] = {
        {"UTF8", NULL}, {"SQL_ASCII", NULL}, {"GBK", "GBK"}, {"GB18030", "GB18030"},
        {"EUC_CN", "EUC-CN"}, {"LATIN1", "LATIN1"},
    };
    for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
        if (strcasecmp(name, enc[i].pg) != 0)
            continue;
        if (R->cd != (iconv_t)-1)
            iconv_close(R->cd);
        R->cd = (iconv_t)-1;
        if (enc[i].iconv && (R->cd = iconv_open("UTF-8", enc[i].iconv)) == (iconv_t)-1)
            return tc_fail(R->e, TC_EINTERNAL, "iconv cannot convert from %s", enc[i].iconv);
        snprintf(R->encoding, sizeof(R->encoding), "%s", enc[i].pg);
        return 0;
    }
    tc_fail(R->e, TC_EINPUT, "client_encoding '%s' is not one this toolkit reads (UTF8, GBK, "
            "GB18030, EUC_CN)", name);
    tc_err_at(R->e, R->where, line, 0);
    return TC_EINPUT;
}

static int find_col(rows *R, const char *name)
{
    for (int i = 0; i < R->ncols; i++)
        if (strcmp(R->cols[i], name) == 0)
            return i;
    return -1;
}

/* A field's column in this block, or a refusal naming the profile line. */
static int bind(rows *R, const pfield *f, const char *table, int *idx)
{
    if (f->conv == CV_CONST) {
        *idx = -1;
        return 0;
    }
    *idx = find_col(R, f->column);
    if (*idx >= 0)
        return 0;
    (void)table;
    tc_fail(R->e, TC_EINPUT, "table %s has no column %s, which profile %s line %d names",
            R->label, f->column, R->p->path, f->line);
    tc_err_hint(R->e, "the profile does not fit this database: check the vendor's schema");
    snprintf(R->e->file, sizeof(R->e->file), "%s", R->where);
    return TC_EINPUT;
}

/* The consumers of the current block's table, bound to its columns. */
static int setup_consumers(rows *R)
{
    int rc = 0;
    const char *table = R->table;
    const tc_profile *p = R->p;
    R->ncons = 0;
    R->deferred = 0;
    if (strcmp(table, p->county_table) == 0) {
        consumer *c = &R->cons[R->ncons++];
        c->kind = C_COUNTY;
        if ((rc = bind(R, &p->county, table, &c->colidx[0])) ||
            (p->cutover.column[0] && (rc = bind(R, &p->cutover, table, &c->colidx[1]))))
            return rc;
    }
    for (int i = 0; i < p->nrec && !rc; i++) {
        const prec *r = &p->recs[i];
        if (strcmp(r->table, table) == 0) {
            consumer *c = &R->cons[R->ncons++];
            c->kind = r->derive ? C_DERIVE : C_REC;
            c->r = r;
            for (int j = 0; j < r->nf && !rc; j++)
                if (!r->f[j].table[0])
                    rc = bind(R, &r->f[j], table, &c->colidx[j]);
                else
                    c->colidx[j] = -1;
            if (r->join_table[0] && !R->join_ready)
                R->deferred = 1;
        }
        if (strcmp(r->join_table, table) == 0) {
            consumer *c = &R->cons[R->ncons++];
            c->kind = C_JOIN_HEADER;
            c->r = r;
            pfield key = {0};
            snprintf(key.column, sizeof(key.column), "%s", r->join_key);
            key.conv = CV_TEXT;
            key.line = r->line;
            rc = bind(R, &key, table, &c->colidx[TC_MAX_COLUMNS - 1]);
            for (int j = 0; j < r->nf && !rc; j++)
                if (strcmp(r->f[j].table, table) == 0)
                    rc = bind(R, &r->f[j], table, &c->colidx[j]);
                else
                    c->colidx[j] = -1;
        }
    }
    return rc;
}

/* Remember a block's table for messages; 1 when it was there already. */
static int held_add(rows *R, const char *schema, const char *table)
{
    char name[sizeof(*R->held)];
    snprintf(name, sizeof(name), "%s%s%s", schema, schema[0] ? "." : "", table);
    for (int i = 0; i < R->nheld; i++)
        if (strcmp(R->held[i], name) == 0)
            return 1;
    if (R->nheld == R->capheld) {
        int cap = R->capheld ? R->capheld * 2 : 64;
        void *h = realloc(R->held, (size_t)cap * sizeof(*R->held));
        if (!h)
            return 0;   /* only messages lose it */
        R->held = h;
        R->capheld = cap;
    }
    memcpy(R->held[R->nheld++], name, sizeof(name));
    return 0;
}

/* Write a block marker into the spill file: rows after it have its columns. */
static int spill_block(rows *R)
{
    int64_t hdr[2] = {-1, R->ncols};
    if (fwrite(hdr, sizeof(hdr), 1, R->spill) != 1 ||
        fwrite(R->label, sizeof(R->label), 1, R->spill) != 1 ||
        fwrite(R->cols, PNAME, (size_t)R->ncols, R->spill) != (size_t)R->ncols)
        return tc_fail(R->e, TC_EIO, "cannot write a temporary file: %s", strerror(errno));
    return 0;
}

int rows_begin(rows *R, const rows_block *b)
{
    const char *table = b->table;
    if (b->ncols > MAXFIELDS) {
        tc_fail(R->e, TC_EINPUT, "table %s has %d columns, more than PostgreSQL's %d", table,
                b->ncols, MAXFIELDS);
        tc_err_at(R->e, R->where, b->line, 0);
        return TC_EINPUT;
    }
    snprintf(R->table, sizeof(R->table), "%s", table);
    if (b->part)
        snprintf(R->label, sizeof(R->label), "%s (partition %s)", table, b->part);
    else
        snprintf(R->label, sizeof(R->label), "%s", table);
    R->ncols = b->ncols;
    memcpy(R->cols, b->cols, (size_t)b->ncols * PNAME);
    R->more = b->more;
    R->ncons = 0;
    R->row = 0;
    R->deferred = 0;
    int again = held_add(R, b->part ? "" : b->schema, b->part ? b->part : table);
    int ni = need_index(R, table);
    if (ni < 0 || !rows_needs(R, b->schema, table))
        return 0;   /* a table the profile does not use */
    if (again && !b->more) {
        tc_fail(R->e, TC_EINPUT, "table %s has two COPY blocks", R->label);
        tc_err_at(R->e, R->where, b->line, 0);
        return TC_EINPUT;
    }
    if (R->seen[ni] && strcmp(R->need_schema[ni], b->schema) != 0) {
        tc_fail(R->e, TC_EINPUT, "table %s is in two schemas, %s and %s", table,
                R->need_schema[ni], b->schema);
        tc_err_at(R->e, R->where, b->line, 0);
        tc_err_hint(R->e, "say which one the profile reads: schema = NAME in its [profile] "
                    "section (docs/profiles.md)");
        return TC_EINPUT;
    }
    if (!R->seen[ni])
        R->st->tables++;
    R->seen[ni] = 1;
    snprintf(R->need_schema[ni], PNAME, "%s", b->schema);
    int rc = setup_consumers(R);
    if (!rc && R->deferred) {
        if (R->pending[0] && strcmp(R->pending, table) != 0) {
            rc = tc_fail(R->e, TC_EINPUT, "tables %s and %s both wait for a joined table",
                         R->pending, table);
        } else if (!R->spill && !(R->spill = tmpfile())) {
            rc = tc_fail(R->e, TC_EIO, "cannot create a temporary file: %s", strerror(errno));
        } else {
            snprintf(R->pending, sizeof(R->pending), "%s", table);
            rc = spill_block(R);
        }
    }
    return rc;
}

/* Convert text to UTF-8 when the dump is not; the result lives until the
 * next row. */
static int to_utf8(rows *R, char **s, size_t *n, const char *col, long line)
{
    if (R->cd == (iconv_t)-1)
        return 0;
    /* ASCII is the same bytes in every encoding we read: most fields (codes,
     * identity numbers, references) need no conversion at all */
    size_t i = 0;
    const unsigned char *u = (const unsigned char *)*s;
    while (i < *n && u[i] < 0x80)
        i++;
    if (i == *n)
        return 0;
    size_t need = *n * 2 + 8;
    if (R->convused + need > R->convcap) {
        /* pointers into conv from earlier fields of this row must stay valid:
         * the buffer is sized for the whole row up front in rows_line */
        return tc_fail(R->e, TC_EINTERNAL, "conversion buffer too small");
    }
    char *in = *s, *out = R->conv + R->convused;
    size_t inleft = *n, outleft = need;
    char *o = out;
    iconv(R->cd, NULL, NULL, NULL, NULL);
    if (iconv(R->cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        tc_fail(R->e, TC_EINPUT, "table %s column %s: bytes that are not valid %s at byte %zu "
                "of the value", R->label, col, R->encoding, (size_t)(in - *s) + 1);
        tc_err_at(R->e, R->where, line, 0);
        tc_err_hint(R->e, "the dump's client_encoding does not match its bytes; dump it again "
                    "with pg_dump --encoding=%s", R->encoding);
        return TC_EINPUT;
    }
    *s = out;
    *n = (size_t)(o - out);
    R->convused += (size_t)(o - out);
    return 0;
}

static int value_of(rows *R, const prec *r, const consumer *c, int j, tc_value *v, long line)
{
    const pfield *f = &r->f[j];
    tc_coltype want = r->derive ? TC_COL_TEXT : tc_rectypes[r->rectype].cols[f->col].type;
    if (f->conv == CV_CONST)
        return tc_profile_convert(R->p, f, want, "", 0, v, R->e);
    int k = c->colidx[j];
    const char *what = f->conv == CV_TEXT || f->conv == CV_MAP ? NULL : "a value";
    if (R->fnull[k]) {
        if (!what) {
            *v = tc_v_text("", 0);
            return 0;
        }
        tc_fail(R->e, TC_EINPUT, "table %s row %lld column %s is NULL; the profile reads it as "
                "%s", R->label, R->row, f->column,
                f->conv == CV_YUAN ? "yuan" : f->conv == CV_FEN ? "fen" : "a value");
        tc_err_at(R->e, R->where, line, 0);
        return TC_EINPUT;
    }
    char *s = R->fields[k];
    size_t n = R->flen[k];
    int rc = 0;
    if ((f->conv == CV_TEXT || f->conv == CV_MAP) && (rc = to_utf8(R, &s, &n, f->column, line)))
        return rc;
    if ((rc = tc_profile_convert(R->p, f, want, s, n, v, R->e))) {
        char q[64];
        tc_err_prefix(R->e, "table %s row %lld column %s: ", R->label, R->row,
                      tc_ident_looks_like_id(s, n) ? tc_ident_mask(s, n, q, sizeof(q)) : f->column);
        tc_err_at(R->e, R->where, line, 0);
        tc_err_hint(R->e, "the profile (%s line %d) reads this column as it says; a value that "
                    "does not fit is refused, never rounded", R->p->path, f->line);
    }
    return rc;
}

static int consume_rec(rows *R, const consumer *c, long line)
{
    const prec *r = c->r;
    tc_value vals[TC_MAX_COLUMNS];
    /* the record type's columns only: clearing all TC_MAX_COLUMNS was a
     * tenth of the time a row takes */
    memset(vals, 0, (size_t)tc_rectypes[r->rectype].ncols * sizeof(vals[0]));
    jrow *h = NULL;
    if (r->join_table[0]) {
        int kcol = -1;
        for (int i = 0; i < R->ncols; i++)
            if (strcmp(R->cols[i], r->join_key) == 0)
                kcol = i;
        if (kcol < 0 || R->fnull[kcol]) {
            tc_fail(R->e, TC_EINPUT, "table %s row %lld: no %s to join %s on", R->label, R->row,
                    r->join_key, r->join_table);
            tc_err_at(R->e, R->where, line, 0);
            return TC_EINPUT;
        }
        if (R->join.cap)
            h = jmap_slot(&R->join, R->fields[kcol], R->flen[kcol]);
        if (!h || !h->key) {
            tc_fail(R->e, TC_EINPUT, "table %s row %lld: %s '%.*s' is not in table %s", R->label,
                    R->row, r->join_key, (int)(R->flen[kcol] < 40 ? R->flen[kcol] : 40),
                    R->fields[kcol], r->join_table);
            tc_err_at(R->e, R->where, line, 0);
            return TC_EINPUT;
        }
    }
    for (int j = 0; j < r->nf; j++) {
        int rc;
        if (r->f[j].table[0])
            vals[r->f[j].col] = h->v[r->f[j].col];
        else if ((rc = value_of(R, r, c, j, &vals[r->f[j].col], line)))
            return rc;
    }
    int rc = tc_emit_record(R->em, r->rectype, vals, R->row, R->e);
    if (rc)
        tc_err_at(R->e, R->where, line, 0);
    return rc;
}

static int consume_join_header(rows *R, const consumer *c, long line)
{
    const prec *r = c->r;
    jmap *m = &R->join;
    int kcol = c->colidx[TC_MAX_COLUMNS - 1];
    if (R->fnull[kcol])
        return 0;
    if ((m->n + 1) * 2 > m->cap && jmap_grow(m))
        return tc_fail(R->e, TC_ENOMEM, "out of memory joining %s", R->label);
    jrow *h = jmap_slot(m, R->fields[kcol], R->flen[kcol]);
    if (h->key) {
        tc_fail(R->e, TC_EINPUT, "table %s: key %s '%.*s' appears twice", R->label, r->join_key,
                (int)R->flen[kcol], R->fields[kcol]);
        tc_err_at(R->e, R->where, line, 0);
        return TC_EINPUT;
    }
    char *key = arena_copy(m, R->fields[kcol], R->flen[kcol]);
    if (!key)
        return tc_fail(R->e, TC_ENOMEM, "out of memory joining %s", R->label);
    for (int j = 0; j < r->nf; j++) {
        if (strcmp(r->f[j].table, R->table) != 0)
            continue;
        tc_value v = {0, NULL, 0};
        int rc = value_of(R, r, c, j, &v, line);
        if (rc)
            return rc;
        if (v.s && v.n && !(v.s = arena_copy(m, v.s, v.n)))
            return tc_fail(R->e, TC_ENOMEM, "out of memory joining %s", R->label);
        if (!v.s)
            v.s = "";
        h->v[r->f[j].col] = v;
    }
    h->key = key;
    h->keyn = (uint32_t)R->flen[kcol];
    m->n++;
    return 0;
}

static int consume_derive(rows *R, const consumer *c, long line)
{
    tc_value v[DF_N];
    for (int j = 0; j < c->r->nf; j++) {
        int rc = value_of(R, c->r, c, j, &v[c->r->f[j].col], line);
        if (rc)
            return rc;
    }
    if (v[DF_ACCOUNT].n >= 64 || v[DF_REF].n >= 64) {
        tc_fail(R->e, TC_EINPUT, "table %s row %lld: account or reference longer than 63 bytes",
                R->label, R->row);
        tc_err_at(R->e, R->where, line, 0);
        return TC_EINPUT;
    }
    char acc[64], ref[64];
    memcpy(acc, v[DF_ACCOUNT].s, v[DF_ACCOUNT].n);
    acc[v[DF_ACCOUNT].n] = '\0';
    memcpy(ref, v[DF_REF].s, v[DF_REF].n);
    ref[v[DF_REF].n] = '\0';
    stmt *s = NULL;
    for (int i = 0; i < R->nstmts; i++)
        if (strcmp(R->stmts[i].account, acc) == 0)
            s = &R->stmts[i];
    int64_t d = v[DF_DATE].i;
    if (!s) {
        if (R->nstmts == R->capstmts) {
            int cap = R->capstmts ? R->capstmts * 2 : 32;
            stmt *ns = realloc(R->stmts, (size_t)cap * sizeof(stmt));
            if (!ns)
                return tc_fail(R->e, TC_ENOMEM, "out of memory");
            R->stmts = ns;
            R->capstmts = cap;
        }
        s = &R->stmts[R->nstmts++];
        memset(s, 0, sizeof(*s));
        memcpy(s->account, acc, sizeof(acc));
        s->first_date = s->last_date = s->min_date = s->max_date = d;
        memcpy(s->first_ref, ref, sizeof(ref));
        memcpy(s->last_ref, ref, sizeof(ref));
        s->first_amount = v[DF_AMOUNT].i;
        s->first_balance = s->last_balance = v[DF_BALANCE].i;
        return 0;
    }
    if (before(d, ref, s->first_date, s->first_ref)) {
        s->first_date = d;
        memcpy(s->first_ref, ref, sizeof(ref));
        s->first_amount = v[DF_AMOUNT].i;
        s->first_balance = v[DF_BALANCE].i;
    }
    if (before(s->last_date, s->last_ref, d, ref)) {
        s->last_date = d;
        memcpy(s->last_ref, ref, sizeof(ref));
        s->last_balance = v[DF_BALANCE].i;
    }
    if (d < s->min_date)
        s->min_date = d;
    if (d > s->max_date)
        s->max_date = d;
    return 0;
}

static int consume_county(rows *R, const consumer *c, long line)
{
    if (++R->county_rows > 1) {
        tc_fail(R->e, TC_EINPUT, "table %s has more than one row: one database, one county",
                R->label);
        tc_err_at(R->e, R->where, line, 0);
        return TC_EINPUT;
    }
    int k = c->colidx[0];
    char county[7], cutover[11] = "";
    if (R->fnull[k] || R->flen[k] != 6) {
        tc_fail(R->e, TC_EINPUT, "table %s column %s: the county code must be 6 digits",
                R->label, R->p->county.column);
        tc_err_at(R->e, R->where, line, 0);
        return TC_EINPUT;
    }
    memcpy(county, R->fields[k], 6);
    county[6] = '\0';
    if (R->p->cutover.column[0] && !R->fnull[c->colidx[1]]) {
        tc_value v;
        int kk = c->colidx[1];
        if (tc_profile_convert(R->p, &R->p->cutover, TC_COL_DATE, R->fields[kk], R->flen[kk], &v,
                               R->e)) {
            tc_err_at(R->e, R->where, line, 0);
            return TC_EINPUT;
        }
        snprintf(cutover, sizeof(cutover), "%04d-%02d-%02d", (int)(v.i / 10000),
                 (int)(v.i / 100 % 100), (int)(v.i % 100));
    }
    int rc = tc_emit_set_county(R->em, county, cutover, R->e);
    if (rc)
        tc_err_at(R->e, R->where, line, 0);
    return rc;
}

/* Undo the COPY text escapes of one field in place; returns its length. */
size_t copy_unescape(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 == n) {
            s[o++] = c;
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'b': s[o++] = '\b'; break;
        case 'f': s[o++] = '\f'; break;
        case 'n': s[o++] = '\n'; break;
        case 'r': s[o++] = '\r'; break;
        case 't': s[o++] = '\t'; break;
        case 'v': s[o++] = '\v'; break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && i + 1 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]) {
                char h = s[++i];
                v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                k++;
            }
            s[o++] = k ? (char)v : 'x';
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
                    v = v * 8 + (s[++i] - '0');
                    k++;
                }
                s[o++] = (char)v;
            } else {
                s[o++] = c;   /* \\ and any other escaped character */
            }
        }
    }
    return o;
}

static int take_row(rows *R, size_t n, long lineno);

static int process_row(rows *R, char *line, size_t n, long lineno)
{
    R->row++;
    R->st->rows++;
    if (!R->ncons)
        return 0;
    /* Split at the tabs (memchr finds them a word at a time); a field is
     * unescaped only when it holds a backslash, which most rows never do.
     * \N alone is NULL. */
    int nf = 0;
    char *f = line, *end = line + n;
    const int esc = memchr(line, '\\', n) != NULL;
    for (;;) {
        char *t = memchr(f, '\t', (size_t)(end - f));
        size_t fl = (size_t)((t ? t : end) - f);
        if (nf == MAXFIELDS || nf == R->ncols) {
            nf = R->ncols + 1;
            break;
        }
        R->fnull[nf] = fl == 2 && f[0] == '\\' && f[1] == 'N';
        R->fields[nf] = f;
        R->flen[nf] = R->fnull[nf] ? 0 : esc && memchr(f, '\\', fl) ? copy_unescape(f, fl) : fl;
        nf++;
        if (!t)
            break;
        f = t + 1;
    }
    if (nf != R->ncols) {
        tc_fail(R->e, TC_EINPUT, "table %s row %lld has %s fields than its %d columns", R->label,
                R->row, nf > R->ncols ? "more" : "fewer", R->ncols);
        tc_err_at(R->e, R->where, lineno, 0);
        tc_err_hint(R->e, "the dump is damaged; make it again with pg_dump");
        return TC_EINPUT;
    }
    return take_row(R, n, lineno);
}

int rows_fields(rows *R, char *const *f, const size_t *fl, const int *fnull, int nf, long lineno)
{
    R->row++;
    R->st->rows++;
    if (!R->ncons)
        return 0;
    if (nf != R->ncols || R->deferred)
        return tc_fail(R->e, TC_EINTERNAL, "rows_fields: %d fields for %d columns%s", nf,
                       R->ncols, R->deferred ? ", before the joined table" : "");
    size_t n = 0;
    for (int i = 0; i < nf; i++) {
        R->fields[i] = f[i];
        R->flen[i] = fl[i];
        R->fnull[i] = fnull[i];
        n += fl[i] + 1;
    }
    return take_row(R, n, lineno);
}

void rows_set_where(rows *R, const char *where) { R->where = where; }

/* A row split into R->fields: its consumers.  n: the row's bytes. */
static int take_row(rows *R, size_t n, long lineno)
{
    /* every consumer may convert every field: at most twice its bytes plus
     * a little each (to_utf8) */
    size_t want = (n * 2 + (size_t)R->ncols * 8 + 64) * (size_t)R->ncons;
    if (R->cd != (iconv_t)-1 && R->convcap < want) {
        size_t cap = want + 4096;
        char *c = realloc(R->conv, cap);
        if (!c)
            return tc_fail(R->e, TC_ENOMEM, "out of memory");
        R->conv = c;
        R->convcap = cap;
    }
    R->convused = 0;
    for (int i = 0; i < R->ncons; i++) {
        const consumer *c = &R->cons[i];
        int rc = c->kind == C_COUNTY ? consume_county(R, c, lineno)
               : c->kind == C_REC ? consume_rec(R, c, lineno)
               : c->kind == C_JOIN_HEADER ? consume_join_header(R, c, lineno)
               : consume_derive(R, c, lineno);
        if (rc)
            return rc;
    }
    return 0;
}

int rows_line(rows *R, char *line, size_t n, long lineno)
{
    if (R->deferred) {
        /* rows that need a join table not read yet wait in a spill file */
        int64_t hdr[2] = {lineno, (int64_t)n};
        if (fwrite(hdr, sizeof(hdr), 1, R->spill) != 1 || fwrite(line, 1, n, R->spill) != n)
            return tc_fail(R->e, TC_EIO, "cannot write a temporary file: %s", strerror(errno));
        return 0;
    }
    return process_row(R, line, n, lineno);
}

/* Rows of the pending table, once its join table has been read: block
 * markers bind the columns of the rows that follow them. */
static int replay(rows *R)
{
    snprintf(R->table, sizeof(R->table), "%s", R->pending);
    int rc = 0;
    if (fflush(R->spill) != 0 || fseek(R->spill, 0, SEEK_SET) != 0)
        return tc_fail(R->e, TC_EIO, "cannot reread a temporary file: %s", strerror(errno));
    char *buf = NULL;
    size_t cap = 0;
    int64_t hdr[2];
    while (!rc && fread(hdr, sizeof(hdr), 1, R->spill) == 1) {
        if (hdr[0] == -1) {
            R->ncols = (int)hdr[1];
            R->row = 0;
            if (R->ncols < 0 || R->ncols > MAXFIELDS ||
                fread(R->label, sizeof(R->label), 1, R->spill) != 1 ||
                fread(R->cols, PNAME, (size_t)R->ncols, R->spill) != (size_t)R->ncols)
                rc = tc_fail(R->e, TC_EIO, "cannot reread a temporary file");
            else
                rc = setup_consumers(R);
            continue;
        }
        size_t n = (size_t)hdr[1];
        if (n + 1 > cap) {
            char *b = realloc(buf, n + 1);
            if (!b) {
                rc = tc_fail(R->e, TC_ENOMEM, "out of memory");
                break;
            }
            buf = b;
            cap = n + 1;
        }
        if (fread(buf, 1, n, R->spill) != n)
            rc = tc_fail(R->e, TC_EIO, "cannot reread a temporary file");
        else
            rc = process_row(R, buf, n, (long)hdr[0]);
    }
    free(buf);
    fclose(R->spill);
    R->spill = NULL;
    R->pending[0] = '\0';
    R->ncons = 0;
    return rc;
}

int rows_end(rows *R)
{
    int joined = 0;
    for (int i = 0; i < R->ncons; i++)
        if (R->cons[i].kind == C_JOIN_HEADER)
            joined = 1;
    R->deferred = 0;
    R->ncons = 0;
    /* a joined table with partitions is whole only at the end of the source */
    if (joined && !R->more) {
        R->join_ready = 1;
        if (R->pending[0])
            return replay(R);
    }
    return 0;
}

int rows_finish(rows *R)
{
    for (int i = 0; i < R->nneed; i++)
        if (!R->seen[i] && R->parted[i]) {
            /* as the live reader sees it: SELECT from it gives no rows */
            tc_log_warning("%s: table %s is partitioned and no partition of it holds data: "
                           "read as empty (0 rows)", R->where, R->need[i]);
            R->seen[i] = 1;
            R->st->tables++;
        }
    for (int i = 0; i < R->nneed; i++)
        if (!R->seen[i]) {
            char in[80] = "";
            if (R->p->schema[0])
                snprintf(in, sizeof(in), " (schema %.60s)", R->p->schema);
            tc_fail(R->e, TC_EINPUT, "table %s%s, which profile %s line %d names, is not in %s",
                    R->need[i], in, R->p->path, R->need_line[i], R->where);
            /* the tables it does hold, so the profile can be put right */
            char list[900];
            size_t k = 0;
            int shown = 0;
            for (int j = 0; j < R->nheld && k + sizeof(*R->held) + 40 < sizeof(list); j++)
                k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", j ? ", " : "",
                                      R->held[j]), shown++;
            if (R->nheld > shown)
                snprintf(list + k, sizeof(list) - k, " and %d more", R->nheld - shown);
            if (R->nheld)
                tc_err_hint(R->e, "it holds the tables %s; is this a dump of the database the "
                            "profile describes, and does the profile name the schema and the "
                            "parent of partitions?", list);
            else
                tc_err_hint(R->e, "it holds no table data at all (no COPY blocks): is it a "
                            "schema-only dump (pg_dump --schema-only)?");
            return TC_EINPUT;
        }
    if (R->pending[0]) {   /* rows that waited for a joined table with partitions */
        R->join_ready = 1;
        int rc = replay(R);
        if (rc)
            return rc;
    }
    /* derived statements, by account */
    for (int i = 1; i < R->nstmts; i++)
        for (int j = i; j > 0 && strcmp(R->stmts[j - 1].account, R->stmts[j].account) > 0; j--) {
            stmt t = R->stmts[j];
            R->stmts[j] = R->stmts[j - 1];
            R->stmts[j - 1] = t;
        }
    for (int i = 0; i < R->nstmts; i++) {
        const stmt *s = &R->stmts[i];
        tc_value v[5];
        v[0] = tc_v_text(s->account, strlen(s->account));
        v[1] = tc_v_int(s->min_date);
        v[2] = tc_v_int(s->max_date);
        int64_t opening;
        if (__builtin_sub_overflow(s->first_balance, s->first_amount, &opening))
            return tc_fail(R->e, TC_EINPUT, "bank account %s: opening balance overflows",
                           s->account);
        v[3] = tc_v_int(opening);
        v[4] = tc_v_int(s->last_balance);
        int rc = tc_emit_record(R->em, 7 /* bank_statement */, v, i + 1, R->e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------- the dump itself */

/* gzread with its errors told apart: bytes, 0 at the end, -1 damaged,
 * -2 cut short.  Runs on the read-ahead thread (core/readahead.h). */
int gz_block(void *ctx, char *buf, int cap)
{
    gzFile f = ctx;
    int r = gzread(f, buf, (unsigned)cap);
    int zerr = Z_OK;
    if (r <= 0)
        gzerror(f, &zerr);
    if (r < 0 || zerr != Z_OK)
        return zerr == Z_BUF_ERROR ? -2 : -1;
    return r;
}

/* pg_restore's output, from the pipe: bytes, 0 at the end, -3 unreadable.
 * Read on the parsing thread: pg_restore is the second core's work. */
static int pipe_block(void *ctx, char *buf, int cap)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t r = read(fd, buf, (size_t)cap);
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return -3;
    }
}

typedef struct lines {
    tc_readahead *bg;            /* the reader thread, or NULL: read on this one */
    tc_readahead_fn fill;        /* what reads: gz_block, pipe_block */
    void *ctx;
    char *buf;
    size_t cap, len, pos;   /* buf[pos..len) not yet returned */
    int eof;
    long lineno;
} lines;

/* Next line (without '\n', NUL-terminated in place); 1, 0 at the end, <0. */
static int next_line(lines *L, char **line, size_t *n, tc_err *e, const char *where)
{
    for (;;) {
        char *s = L->buf + L->pos;
        char *nl = memchr(s, '\n', L->len - L->pos);
        if (nl) {
            *nl = '\0';
            *line = s;
            *n = (size_t)(nl - s);
            L->pos += *n + 1;
            L->lineno++;
            return 1;
        }
        if (L->eof) {
            if (L->pos == L->len)
                return 0;
            *line = s;   /* a last line without a newline */
            *n = L->len - L->pos;
            s[*n] = '\0';
            L->pos = L->len;
            L->lineno++;
            return 1;
        }
        /* move the partial line to the front, grow if it fills the buffer */
        size_t keep = L->len - L->pos;
        memmove(L->buf, s, keep);
        L->len = keep;
        L->pos = 0;
        if (L->cap - L->len < (1 << 16) + 1) {
            if (L->cap >= (64u << 20))
                return tc_fail(e, TC_EINPUT, "%s: a line longer than 64 MiB at line %ld", where,
                               L->lineno + 1);
            char *b = realloc(L->buf, L->cap * 2);
            if (!b)
                return tc_fail(e, TC_ENOMEM, "out of memory");
            L->buf = b;
            L->cap *= 2;
        }
        int r = L->bg ? tc_readahead_read(L->bg, L->buf + L->len, (int)(L->cap - L->len - 1))
                      : L->fill(L->ctx, L->buf + L->len, (int)(L->cap - L->len - 1));
        if (r == -3) {
            tc_fail(e, TC_EIO, "cannot read pg_restore's output: %s", strerror(errno));
            tc_err_at(e, where, L->lineno + 1, 0);
            return TC_EIO;
        }
        if (r < 0) {
            tc_fail(e, TC_EINPUT, "the gzip data is %s", r == -2 ? "cut short" : "damaged");
            tc_err_at(e, where, L->lineno + 1, 0);
            tc_err_hint(e, "the file is truncated or corrupt; copy it again");
            return TC_EINPUT;
        }
        if (r == 0)
            L->eof = 1;
        L->len += (size_t)r;
    }
}

/* -------------------------------------------- partitions and their parents */

/*
 * A partition's or an inherited child's rows are its parent's rows.  A plain
 * dump says which table is whose before any data, in its DDL:
 *
 *     CREATE TABLE s.child (...) INHERITS (s.parent, ...);     inheritance
 *     CREATE TABLE s.child PARTITION OF s.parent ...           pg_dump 10, 11
 *     ALTER TABLE ONLY s.parent ATTACH PARTITION s.child ...   pg_dump 12 on
 *
 * Those lines are kept as edges child -> parent (one per table: a group,
 * not a record); a COPY block's table is followed up them to the first
 * table the profile reads.  A 9.6 dump names tables without their schema
 * after `SET search_path = s, pg_catalog;`.
 */
typedef struct qname {
    char schema[PNAME], table[PNAME];
} qname;

typedef struct ddl {
    struct edge {
        qname child, parent;
    } *edge;
    int n, cap;
    qname creating;           /* the CREATE TABLE being read */
    int in_create;
    int parted;               /* this line ended it with PARTITION BY */
    char search_path[PNAME];  /* the schema of names without one */
} ddl;

/* "schema.table" or "table", each bare or "quoted". */
static int parse_qname(const char **s, const char *defschema, qname *q)
{
    char a[PNAME];
    if (pident_parse(s, a))
        return -1;
    if (**s == '.') {
        (*s)++;
        if (pident_parse(s, q->table))
            return -1;
        memcpy(q->schema, a, PNAME);
    } else {
        snprintf(q->schema, PNAME, "%s", defschema);
        memcpy(q->table, a, PNAME);
    }
    return 0;
}

static int same_qname(const qname *a, const qname *b)
{
    return strcmp(a->table, b->table) == 0 && strcmp(a->schema, b->schema) == 0;
}

static int ddl_edge(ddl *D, const qname *child, const qname *parent)
{
    if (D->n == D->cap) {
        int cap = D->cap ? D->cap * 2 : 64;
        void *p = realloc(D->edge, (size_t)cap * sizeof(*D->edge));
        if (!p)
            return -1;
        D->edge = p;
        D->cap = cap;
    }
    D->edge[D->n].child = *child;
    D->edge[D->n++].parent = *parent;
    return 0;
}

/* The table the profile reads whose rows q's rows are: q itself, or the
 * nearest ancestor the profile reads.  1 and *out, or 0. */
static int ddl_root(const ddl *D, rows *R, const qname *q, qname *out, int depth)
{
    if (rows_needs(R, q->schema, q->table)) {
        *out = *q;
        return 1;
    }
    for (int i = 0; i < D->n && depth < 32; i++)
        if (same_qname(&D->edge[i].child, q) && ddl_root(D, R, &D->edge[i].parent, out, depth + 1))
            return 1;
    return 0;
}

static int ddl_has_children(const ddl *D, const qname *q)
{
    for (int i = 0; i < D->n; i++)
        if (same_qname(&D->edge[i].parent, q))
            return 1;
    return 0;
}

static const char *after(const char *line, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(line, prefix, n) == 0 ? line + n : NULL;
}

/* One line of a dump outside its COPY blocks; -1 only when out of memory. */
static int ddl_line(ddl *D, const char *line, size_t n)
{
    const char *p;
    qname a, b;
    int ends = n && line[n - 1] == ';';
    D->parted = 0;
    if (D->in_create) {
        D->parted = after(line, "PARTITION BY ") != NULL;
        if ((p = after(line, "INHERITS (")))
            while (parse_qname(&p, D->search_path, &a) == 0) {
                if (ddl_edge(D, &D->creating, &a))
                    return -1;
                while (*p == ',' || *p == ' ')
                    p++;
            }
        D->in_create = !ends;
        return 0;
    }
    if ((p = after(line, "CREATE TABLE ")) || (p = after(line, "CREATE UNLOGGED TABLE ")) ||
        (p = after(line, "CREATE FOREIGN TABLE "))) {
        if (parse_qname(&p, D->search_path, &D->creating))
            return 0;
        D->in_create = !ends;
        const char *of = strstr(p, " PARTITION OF ");
        if (of && (of += 14, parse_qname(&of, D->search_path, &a) == 0) &&
            ddl_edge(D, &D->creating, &a))
            return -1;
        return 0;
    }
    if ((p = after(line, "ALTER TABLE ONLY ")) || (p = after(line, "ALTER TABLE "))) {
        if (parse_qname(&p, D->search_path, &a) == 0 && (p = after(p, " ATTACH PARTITION ")) &&
            parse_qname(&p, D->search_path, &b) == 0 && ddl_edge(D, &b, &a))
            return -1;
        return 0;
    }
    if ((p = after(line, "SET search_path = ")) && pident_parse(&p, D->search_path))
        D->search_path[0] = '\0';
    return 0;
}

/* Parse `COPY [schema.]table (a, b, "C") FROM stdin;`: 0, -1 unreadable,
 * -2 more columns than PostgreSQL allows. */
static int parse_copy(const char *s, const char *defschema, qname *q, char (*cols)[PNAME],
                      int *ncols)
{
    const char *p = s + 5;
    if (parse_qname(&p, defschema, q))
        return -1;
    while (*p == ' ')
        p++;
    *ncols = 0;
    if (*p == '(') {
        for (p++;;) {
            while (*p == ' ')
                p++;
            if (*ncols == MAXFIELDS)
                return -2;
            if (pident_parse(&p, cols[*ncols]))
                return -1;
            (*ncols)++;
            while (*p == ' ')
                p++;
            if (*p == ')')
                break;
            if (*p++ != ',')
                return -1;
        }
        for (p++; *p == ' '; p++)
            ;
    }
    return strcmp(p, "FROM stdin;") == 0 ? 0 : -1;
}

/* The SQL text fill gives: a gzip file (gz_block), read ahead on a thread
 * so that decompression runs on the second core while this one parses; or
 * pg_restore's pipe (pipe_block), read here, pg_restore being the second
 * core's work. */
static int read_sql(tc_readahead_fn fill, void *ctx, int ahead, const char *where, rows *R,
                    tc_err *e)
{
    lines L = {ahead ? tc_readahead_open(1 << 18, fill, ctx) : NULL, fill, ctx, malloc(1 << 18),
               1 << 18, 0, 0, 0, 0};
    char (*cols)[PNAME] = malloc(MAXFIELDS * sizeof(*cols));
    ddl D;
    memset(&D, 0, sizeof(D));
    if (!L.buf || !cols) {
        tc_readahead_close(L.bg);
        free(L.buf);
        free(cols);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    int rc = 0, in_copy = 0;
    long copy_line = 0;
    qname q, root;
    char part[2 * PNAME + 2];
    int ncols;
    char *line = NULL;
    size_t n = 0;
    int r;
    while ((r = next_line(&L, &line, &n, e, where)) == 1) {
        if (in_copy) {
            if (n == 2 && line[0] == '\\' && line[1] == '.') {
                in_copy = 0;
                if ((rc = rows_end(R)))
                    break;
                continue;
            }
            if ((rc = rows_line(R, line, n, L.lineno)))
                break;
            continue;
        }
        if (n > 5 && memcmp(line, "COPY ", 5) == 0) {
            int k = parse_copy(line, D.search_path, &q, cols, &ncols);
            if (k != 0) {
                if (k == -2)
                    rc = tc_fail(e, TC_EINPUT, "this COPY statement names more than %d columns, "
                                 "PostgreSQL's limit", MAXFIELDS);
                else
                    rc = tc_fail(e, TC_EINPUT, "cannot read this COPY statement: %.80s%s", line,
                                 n > 80 ? "..." : "");
                tc_err_at(e, where, L.lineno, 0);
                tc_err_hint(e, "plain dumps hold COPY ... FROM stdin; blocks as pg_dump writes "
                            "them: is the dump whole, and made by pg_dump?");
                break;
            }
            in_copy = 1;
            copy_line = L.lineno;
            int is_root = !ddl_root(&D, R, &q, &root, 0) || same_qname(&root, &q);
            if (is_root)
                root = q;
            snprintf(part, sizeof(part), "%s%s%s", q.schema, q.schema[0] ? "." : "", q.table);
            rows_block b = {.schema = root.schema, .table = root.table,
                            .part = is_root ? NULL : part, .more = ddl_has_children(&D, &root),
                            .cols = cols, .ncols = ncols, .line = L.lineno};
            if ((rc = rows_begin(R, &b)))
                break;
            continue;
        }
        if (n > 22 && memcmp(line, "SET client_encoding = '", 23) == 0) {
            char enc[32];
            const char *qt = strchr(line + 23, '\'');
            size_t en = qt ? (size_t)(qt - (line + 23)) : 0;
            if (!qt || en >= sizeof(enc)) {
                rc = tc_fail(e, TC_EINPUT, "cannot read this SET client_encoding");
                tc_err_at(e, where, L.lineno, 0);
                break;
            }
            memcpy(enc, line + 23, en);
            enc[en] = '\0';
            if ((rc = rows_set_encoding(R, enc, L.lineno)))
                break;
            continue;
        }
        if (ddl_line(&D, line, n)) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        if (D.parted)
            rows_partitioned(R, D.creating.schema, D.creating.table);
    }
    if (!rc && r < 0)
        rc = r;
    if (!rc && in_copy) {
        rc = tc_fail(e, TC_EINPUT, "the dump ends inside the COPY block of table %s (begun at "
                     "line %ld): no \\. line", q.table, copy_line);
        tc_err_at(e, where, L.lineno, 0);
        tc_err_hint(e, "the dump is truncated; make it again with pg_dump");
    }
    tc_readahead_close(L.bg);
    free(L.buf);
    free(cols);
    free(D.edge);
    return rc;
}

/*
 * Custom, tar and directory archives: the real pg_restore turns them into
 * plain SQL in a pipe, read as it comes.  pg_restore is the one reader that
 * knows every archive version and compression its pg_dump writes, and it
 * streams each table's data as it decompresses it; here it costs a second
 * process on the second core.  (Reading the archive's TOC and blocks here
 * would duplicate pg_restore's format knowledge for no gain in speed.)
 */
static int read_archive(const char *path, const char *format, rows *R, tc_err *e)
{
    char bindir[1024], prog[1100];
    int rc = tc_proc_pg_bindir(bindir, sizeof(bindir), e);
    if (rc)
        return rc;
    snprintf(prog, sizeof(prog), "%s/pg_restore", bindir);
    int p[2];
    FILE *err = tmpfile();
    if (!err || pipe2(p, O_CLOEXEC) != 0) {
        if (err)
            fclose(err);
        return tc_fail(e, TC_EIO, "cannot start pg_restore: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(fileno(err), 2);
        execl(prog, "pg_restore", "--file=-", path, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(p[1]);
    /* a pipe of 1 MiB (the default largest, fs.pipe-max-size) rather than
     * 64 KiB: pg_restore and the reader wake each other sixteen times less */
    (void)fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
    if (pid < 0) {
        close(p[0]);
        fclose(err);
        return tc_fail(e, TC_EIO, "cannot fork pg_restore: %s", strerror(errno));
    }
    rc = read_sql(pipe_block, &p[0], 0, path, R, e);
    close(p[0]);
    if (rc)
        kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        char tail[400] = "";
        rewind(err);
        size_t k = fread(tail, 1, sizeof(tail) - 1, err);
        tail[k] = '\0';
        while (k && tail[k - 1] == '\n')
            tail[--k] = '\0';
        rc = tc_fail(e, TC_EINPUT, "pg_restore cannot read %s as a %s-format dump", path, format);
        if (strstr(tail, "unsupported version"))
            tc_err_hint(e, "%s; a dump made by a newer pg_dump needs a pg_restore at least as "
                        "new: install it and name its folder in TONGCHOU_PG_BINDIR", tail);
        else
            tc_err_hint(e, "%s", tail);
    }
    fclose(err);
    return rc;
}

/* ------------------------------------------------------ telling formats apart */

static int not_a_dump(const char *path, const char *what, tc_err *e)
{
    tc_fail(e, TC_EINPUT, "%s is %s, not a pg_dump dump this toolkit reads", path, what);
    return tc_err_hint(e, "it reads pg_dump's formats: plain SQL (-Fp: .sql, or gzip .sql.gz), "
                          "custom (-Fc), tar (-Ft) and directory (-Fd: the folder holding "
                          "toc.dat); and handover XML (.xml, .xml.gz)");
}

/*
 * Which of pg_dump's formats path is, by its content: a folder with toc.dat
 * (directory), "PGDMP" (custom), a ustar archive whose first member is
 * toc.dat (tar), else plain SQL, gzip-compressed or not, which must be
 * text.  *fmt: "directory", "custom", "tar" or NULL for plain.
 */
static int sniff(const char *path, const char **fmt, tc_err *e)
{
    *fmt = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        char toc[1100];
        snprintf(toc, sizeof(toc), "%s/toc.dat", path);
        if (access(toc, R_OK) != 0)
            return not_a_dump(path, "a folder without toc.dat", e);
        *fmt = "directory";
        return 0;
    }
    unsigned char b[512];
    FILE *raw = fopen(path, "rb");
    if (!raw)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    size_t got = fread(b, 1, sizeof(b), raw);
    fclose(raw);
    if (got >= 5 && memcmp(b, "PGDMP", 5) == 0) {
        *fmt = "custom";
        return 0;
    }
    if (got == 512 && memcmp(b + 257, "ustar", 5) == 0) {
        if (strncmp((const char *)b, "toc.dat", 100) != 0)
            return not_a_dump(path, "a tar archive whose first member is not toc.dat", e);
        *fmt = "tar";
        return 0;
    }
    static const struct { const char *magic; size_t n; const char *what; } other[] = {
        {"\x28\xb5\x2f\xfd", 4, "zstd-compressed (decompress it with zstd -d first)"},
        {"\x04\x22\x4d\x18", 4, "lz4-compressed (decompress it with lz4 -d first)"},
        {"BZh", 3, "bzip2-compressed (decompress it with bunzip2 first)"},
        {"\xfd" "7zXZ", 5, "xz-compressed (decompress it with unxz first)"},
        {"PK\x03\x04", 4, "a zip archive (unzip it first)"},
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (got >= other[i].n && memcmp(b, other[i].magic, other[i].n) == 0)
            return not_a_dump(path, other[i].what, e);
    /* plain SQL is text: no NUL byte at its start */
    gzFile f = gzopen(path, "rb");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    char text[4096];
    int k = gzread(f, text, sizeof(text));
    gzclose(f);
    if (k > 0 && memchr(text, '\0', (size_t)k))
        return not_a_dump(path, "binary data", e);
    return 0;
}

int tc_dump_extract(const char *path, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                    tc_err *e)
{
    tc_dump_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    const char *fmt;
    int rc = sniff(path, &fmt, e);
    if (rc)
        return rc;
    rows *R;
    if ((rc = rows_open(&R, p, em, st, path, e)))
        return rc;
    if (fmt) {
        rc = read_archive(path, fmt, R, e);
    } else {
        gzFile f = gzopen(path, "rb");
        if (!f)
            rc = tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
        else {
            gzbuffer(f, 1 << 18);
            rc = read_sql(gz_block, f, 1, path, R, e);
            gzclose(f);
        }
    }
    if (!rc)
        rc = rows_finish(R);
    rows_free(R);
    return rc;
}
