/*
 * profile.c - reading a profile (profile.h, docs/profiles.md) with libinih.
 *
 * Everything is checked when the file is read, with its line: unknown
 * sections and keys, a field the record type does not have, a conversion
 * that does not suit the field's type (an amount must say yuan or fen), a
 * map that is not defined, a record type whose required fields are missing.
 */
#include "extract/profile_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "core/textline.h"
#include "core/money.h"

typedef struct loader {
    tc_profile *p;
    tc_err *e;
    int rc;
    char section[64];
    FILE *f;
    int line;    /* the line inih is on: Debian's inih does not pass it */
} loader;

static int lfail(loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* inih's line reader, counting lines for the handler; a line too long
 * for inih, or holding a NUL byte, is refused (core/textline.h). */
static char *read_line(char *str, int num, void *stream)
{
    loader *L = stream;
    switch (tc_text_line(L->f, str, num, &L->line)) {
    case TC_LINE_OK: return str;
    case TC_LINE_END: return NULL;
    case TC_LINE_NUL: lfail(L, L->line, "the line holds a NUL byte: not a text file"); break;
    case TC_LINE_LONG:
        lfail(L, L->line, "the line is longer than %d bytes, the most a profile line may hold",
              num - 1);
        break;
    }
    return NULL;
}
static int lfail(loader *L, int line, const char *fmt, ...)
{
    if (L->rc)
        return 0;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    L->rc = tc_fail(L->e, TC_EINPUT, "%s", msg);
    tc_err_at(L->e, L->p->path, line, 0);
    tc_err_hint(L->e, "docs/profiles.md describes the profile format");
    return 0;   /* stop inih */
}

static pmap *find_map(tc_profile *p, const char *name)
{
    for (int i = 0; i < p->nmaps; i++)
        if (strcmp(p->maps[i].name, name) == 0)
            return &p->maps[i];
    return NULL;
}

static prec *find_rec(tc_profile *p, int rectype)
{
    for (int i = 0; i < p->nrec; i++)
        if (p->recs[i].rectype == rectype)
            return &p->recs[i];
    return NULL;
}

int pident_parse(const char **s, char out[PNAME])
{
    const char *p = *s;
    size_t n = 0;
    if (*p == '"') {
        for (p++;; p++) {
            if (!*p)
                return -1;
            if (*p == '"') {
                if (p[1] != '"')
                    break;
                p++;
            }
            if (n + 1 >= PNAME)
                return -1;
            out[n++] = *p;
        }
        p++;
    } else {
        for (; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '$' || c >= 0x80))
                break;
            if (n + 1 >= PNAME)
                return -1;
            out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
    }
    if (!n)
        return -1;
    out[n] = '\0';
    *s = p;
    return 0;
}

/* The whole of s is one identifier: into out, 1; else 0. */
static int ident_value(const char *s, char out[PNAME])
{
    return pident_parse(&s, out) == 0 && !*s;
}

/* "COLUMN [CONV]", "TABLE.COLUMN [CONV]" or "'TEXT'" into f. */
static int parse_field(loader *L, const char *value, int line, pfield *f)
{
    memset(f, 0, sizeof(*f));
    f->line = line;
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '\'' && value[n - 1] == '\'') {
        if (n - 2 >= sizeof(f->constant))
            return lfail(L, line, "constant %s is too long", value);
        memcpy(f->constant, value + 1, n - 2);
        f->conv = CV_CONST;
        return 1;
    }
    /* COLUMN or TABLE.COLUMN, each bare or "Quoted", then a conversion */
    const char *p = value;
    char a[PNAME], conv[64] = "";
    if (pident_parse(&p, a))
        return lfail(L, line, "bad column name in '%s': a name (letters, digits, _), or a "
                     "\"Quoted Name\" as the database spells it", value);
    if (*p == '.') {
        p++;
        snprintf(f->table, sizeof(f->table), "%s", a);
        if (pident_parse(&p, f->column))
            return lfail(L, line, "bad column name in '%s': a name (letters, digits, _), or a "
                         "\"Quoted Name\" as the database spells it", value);
    } else {
        snprintf(f->column, sizeof(f->column), "%s", a);
    }
    if (*p && *p != ' ' && *p != '\t')
        return lfail(L, line, "bad field '%s': expected COLUMN [CONVERSION]", value);
    while (*p == ' ' || *p == '\t')
        p++;
    size_t cn = strcspn(p, " \t");
    if (cn >= sizeof(conv))
        return lfail(L, line, "bad field '%s': expected COLUMN [CONVERSION]", value);
    memcpy(conv, p, cn);
    conv[cn] = '\0';
    p += cn;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        return lfail(L, line, "bad field '%s': expected COLUMN [CONVERSION]", value);
    int k = cn ? 2 : 1;
    static const struct { const char *name; pconv c; } convs[] = {
        {"text", CV_TEXT}, {"yuan", CV_YUAN}, {"fen", CV_FEN},     {"rate", CV_RATE},
        {"date", CV_DATE}, {"yyyymm", CV_YYYYMM}, {"int", CV_INT},
    };
    f->conv = CV_TEXT;
    if (k == 2) {
        if (strncmp(conv, "map:", 4) == 0) {
            pmap *m = find_map(L->p, conv + 4);
            if (!m)
                return lfail(L, line, "map '%s' is not defined (define [map %s] above)", conv + 4,
                             conv + 4);
            f->conv = CV_MAP;
            f->map = (int)(m - L->p->maps);
        } else {
            f->conv = 0;
            for (size_t i = 0; i < sizeof(convs) / sizeof(convs[0]); i++)
                if (strcmp(conv, convs[i].name) == 0)
                    f->conv = convs[i].c;
            if (!f->conv)
                return lfail(L, line, "unknown conversion '%s' (text, yuan, fen, rate, date, "
                             "yyyymm, int, map:NAME)", conv);
        }
    }
    return 1;
}

/* Does conversion c suit a column of type t? */
static int suits(pconv c, tc_coltype t)
{
    switch (t) {
    case TC_COL_TEXT: return c == CV_TEXT || c == CV_MAP || c == CV_CONST;
    case TC_COL_AMOUNT: return c == CV_YUAN || c == CV_FEN;
    case TC_COL_RATE: return c == CV_RATE;
    case TC_COL_DATE: return c == CV_DATE;
    case TC_COL_PERIOD: return c == CV_YYYYMM;
    case TC_COL_INT: return c == CV_INT;
    }
    return 0;
}

/* The first key of a section: set the section up.  (inih tells sections
 * only through their keys, as Debian builds it.) */
static int new_section(loader *L, const char *section, int line)
{
    tc_profile *p = L->p;
    if (strcmp(section, "profile") == 0 || strcmp(section, "county") == 0) {
        if (strcmp(section, "county") == 0)
            p->county_line = line;
        return 1;
    }
    if (strncmp(section, "map ", 4) == 0) {
        if (p->nmaps == PMAXMAP)
            return lfail(L, line, "too many maps (at most %d)", PMAXMAP);
        if (strlen(section + 4) >= sizeof(p->maps[0].name))
            return lfail(L, line, "the map name '%.40s...' is longer than %zu bytes",
                         section + 4, sizeof(p->maps[0].name) - 1);
        if (find_map(p, section + 4))
            return lfail(L, line, "map '%s' is defined twice", section + 4);
        pmap *m = &p->maps[p->nmaps++];
        snprintf(m->name, sizeof(m->name), "%s", section + 4);
        return 1;
    }
    const tc_rectype *t = tc_rectype_find(section);
    if (!t)
        return lfail(L, line, "unknown section [%s]: expected [profile], [county], "
                     "[map NAME] or a record type (account, bank_account, balance, "
                     "voucher_line, contribution, subsidy, payable, bank_statement, "
                     "bank_entry, personal_account)", section);
    int ti = (int)(t - tc_rectypes);
    if (find_rec(p, ti))
        return lfail(L, line, "section [%s] appears twice", section);
    prec *r = &p->recs[p->nrec++];
    memset(r, 0, sizeof(*r));
    r->rectype = ti;
    r->line = line;
    return 1;
}

static int on_kv(void *user, const char *section, const char *name, const char *value)
{
    loader *L = user;
    int line = L->line;
    tc_profile *p = L->p;
    if (L->rc)
        return 0;
    if (!section[0])   /* no section has begun: no record type to look up */
        return lfail(L, line, "'%s' before any section", name);
    if (strlen(section) >= sizeof(L->section))   /* it would be cut, and "begin" again */
        return lfail(L, line, "the section name '%.40s...' is longer than %zu bytes", section,
                     sizeof(L->section) - 1);
    if (strcmp(section, L->section) != 0) {
        snprintf(L->section, sizeof(L->section), "%s", section);
        if (!new_section(L, section, line))
            return 0;
    }
    if (strcmp(section, "profile") == 0) {
        if (strcmp(name, "name") == 0)
            snprintf(p->name, sizeof(p->name), "%s", value);
        else if (strcmp(name, "schema") == 0) {
            if (!ident_value(value, p->schema))
                return lfail(L, line, "bad schema name '%s': a name, or a \"Quoted Name\"",
                             value);
        } else
            return lfail(L, line, "unknown key '%s' in [profile] (name, schema)", name);
        return 1;
    }
    if (strcmp(section, "county") == 0) {
        if (strcmp(name, "table") == 0) {
            if (!ident_value(value, p->county_table))
                return lfail(L, line, "bad table name '%s'", value);
        } else if (strcmp(name, "code") == 0) {
            if (!parse_field(L, value, line, &p->county))
                return 0;
        } else if (strcmp(name, "cutover") == 0) {
            if (!parse_field(L, value, line, &p->cutover))
                return 0;
            if (p->cutover.conv != CV_DATE)
                return lfail(L, line, "the cutover must be read with the date conversion");
        } else
            return lfail(L, line, "unknown key '%s' in [county] (table, code, cutover)", name);
        return 1;
    }
    if (strncmp(section, "map ", 4) == 0) {
        pmap *m = find_map(p, section + 4);
        if (m->n == PMAXMAPV)
            return lfail(L, line, "map '%s' has too many values", m->name);
        if (strlen(name) >= 32 || strlen(value) >= 32 || !value[0])
            return lfail(L, line, "bad map entry '%s = %s'", name, value);
        for (int i = 0; i < m->n; i++)
            if (strcmp(m->from[i], name) == 0)
                return lfail(L, line, "map '%s' names value '%s' twice", m->name, name);
        snprintf(m->from[m->n], 32, "%s", name);
        snprintf(m->to[m->n], 32, "%s", value);
        m->n++;
        return 1;
    }
    const tc_rectype *t = tc_rectype_find(section);
    prec *r = find_rec(p, (int)(t - tc_rectypes));
    if (strcmp(name, "table") == 0) {
        if (!ident_value(value, r->table))
            return lfail(L, line, "bad table name '%s'", value);
        return 1;
    }
    if (strcmp(name, "join") == 0) {
        const char *q = value;
        int ok = pident_parse(&q, r->join_table) == 0 && (*q == ' ' || *q == '\t');
        while (ok && (*q == ' ' || *q == '\t'))
            q++;
        if (!ok || pident_parse(&q, r->join_key) || *q)
            return lfail(L, line, "bad join '%s': expected TABLE KEY_COLUMN", value);
        return 1;
    }
    if (strcmp(name, "derive") == 0) {
        if (strcmp(value, "running_balance") != 0 || r->rectype != 7 /* bank_statement */)
            return lfail(L, line, "unknown derivation '%s' (bank_statement: running_balance)",
                         value);
        r->derive = 1;
        return 1;
    }
    int col;
    tc_coltype want;
    if (r->derive) {
        static const char *const dn[DF_N] = {"account", "date", "ref", "amount", "balance"};
        static const tc_coltype dt[DF_N] = {TC_COL_TEXT, TC_COL_DATE, TC_COL_TEXT, TC_COL_AMOUNT,
                                            TC_COL_AMOUNT};
        col = -1;
        for (int i = 0; i < DF_N; i++)
            if (strcmp(name, dn[i]) == 0)
                col = i;
        if (col < 0)
            return lfail(L, line, "a derived bank_statement has the fields account, date, ref, "
                         "amount, balance; not '%s'", name);
        want = dt[col];
    } else {
        col = tc_rectype_col(t, name);
        if (col < 0)
            return lfail(L, line, "record type %s has no field '%s'", t->name, name);
        want = t->cols[col].type;
    }
    for (int i = 0; i < r->nf; i++)
        if (r->f[i].col == col)
            return lfail(L, line, "field '%s' is given twice", name);
    pfield *f = &r->f[r->nf];
    if (!parse_field(L, value, line, f))
        return 0;
    f->col = col;
    if (!suits(f->conv, want))
        return lfail(L, line, "field '%s' is of type %s: its conversion must be %s", name,
                     tc_coltype_name(want),
                     want == TC_COL_AMOUNT ? "yuan or fen" : want == TC_COL_DATE ? "date"
                     : want == TC_COL_PERIOD ? "yyyymm" : want == TC_COL_RATE ? "rate"
                     : want == TC_COL_INT ? "int" : "text, map:NAME or a 'constant'");
    if (f->table[0] && strcmp(f->table, r->join_table) != 0)
        return lfail(L, line, "field '%s' names table %s, which is not joined (join = %s KEY)",
                     name, f->table, f->table);
    r->nf++;
    return 1;
}

static int finish(tc_profile *p, tc_err *e)
{
    loader L = {p, e, 0, "", NULL, 0};
    if (!p->county_table[0] || !p->county.column[0])
        return lfail(&L, p->county_line, "[county] must give table and code"), L.rc;
    for (int i = 0; i < p->nrec; i++) {
        prec *r = &p->recs[i];
        const tc_rectype *t = &tc_rectypes[r->rectype];
        if (!r->table[0])
            return lfail(&L, r->line, "[%s] has no table", t->name), L.rc;
        int need = r->derive ? DF_N : t->ncols;
        for (int c = 0; c < need; c++) {
            int have = 0;
            for (int j = 0; j < r->nf; j++)
                have |= r->f[j].col == c;
            if (!have)
                return lfail(&L, r->line, "[%s] does not say where field '%s' comes from",
                             t->name, r->derive ? (const char *[]){"account", "date", "ref",
                                                                     "amount", "balance"}[c]
                                                      : t->cols[c].name), L.rc;
        }
    }
    return 0;
}

int tc_profile_load(tc_profile **out, const char *path, tc_err *e)
{
    *out = NULL;
    tc_profile *p = calloc(1, sizeof(*p));
    if (!p)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(p->path, sizeof(p->path), "%s", path);
    loader L = {p, e, 0, "", fopen(path, "r"), 0};
    if (!L.f) {
        free(p);
        return tc_fail(e, TC_EUSAGE, "cannot read profile %s", path);
    }
    int r = ini_parse_stream(read_line, &L, on_kv, &L);
    fclose(L.f);
    if (!L.rc && r > 0) {
        L.rc = tc_fail(e, TC_EINPUT, "malformed line in the profile");
        tc_err_at(e, path, r, 0);
    }
    if (!L.rc)
        L.rc = finish(p, e);
    if (L.rc) {
        free(p);
        return L.rc;
    }
    *out = p;
    return 0;
}

void tc_profile_free(tc_profile *p) { free(p); }

static int ndig(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int tc_profile_convert(const tc_profile *p, const pfield *f, tc_coltype want, const char *raw,
                       size_t n, tc_value *v, tc_err *e)
{
    (void)want;
    switch (f->conv) {
    case CV_CONST:
        *v = tc_v_text(f->constant, strlen(f->constant));
        return 0;
    case CV_TEXT:
        *v = tc_v_text(raw, n);
        return 0;
    case CV_MAP: {
        const pmap *m = &p->maps[f->map];
        for (int i = 0; i < m->n; i++)
            if (strlen(m->from[i]) == n && memcmp(m->from[i], raw, n) == 0) {
                *v = tc_v_text(m->to[i], strlen(m->to[i]));
                return 0;
            }
        return tc_fail(e, TC_EINPUT, "value '%.*s' is not in map '%s' (profile line %d)",
                       (int)(n < 40 ? n : 40), raw, m->name, f->line);
    }
    case CV_YUAN:
        return tc_money_parse_yuan(raw, n, &v->i, e);
    case CV_FEN:
        return tc_money_parse_fen(raw, n, &v->i, e);
    case CV_RATE: {
        int32_t r;
        int rc = tc_rate_parse(raw, n, &r, e);
        v->i = r;
        return rc;
    }
    case CV_DATE:
        if (tc_date_parse(raw, n, &v->i))
            return tc_fail(e, TC_EINPUT, "bad date '%.*s': expected a calendar date YYYY-MM-DD",
                           (int)(n < 40 ? n : 40), raw);
        return 0;
    case CV_YYYYMM:
        if (tc_period_parse(raw, n, 0, &v->i))
            return tc_fail(e, TC_EINPUT, "bad period '%.*s': expected YYYYMM with a month "
                           "from 01 to 12", (int)(n < 40 ? n : 40), raw);
        return 0;
    case CV_INT: {
        size_t i = raw[0] == '-' ? 1 : 0;
        if (n == i || n - i > 18 || !ndig(raw + i, n - i))
            return tc_fail(e, TC_EINPUT, "bad integer '%.*s'", (int)(n < 40 ? n : 40), raw);
        int64_t x = 0;
        for (size_t k = i; k < n; k++)
            x = x * 10 + (raw[k] - '0');
        v->i = i ? -x : x;
        return 0;
    }
    }
    return tc_fail(e, TC_EINTERNAL, "unknown conversion");
}
