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
    const char *path;   /* the file being read (a profile, or one it includes) */
    int depth;          /* of includes */
    int included;       /* this file included another: it adds [unload] only */
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
    tc_err_at(L->e, L->path, line, 0);
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
    if (strcmp(section, "unload") == 0) {
        if (p->unload.on && strcmp(p->unload.path, L->path) == 0)
            return lfail(L, line, "section [unload] appears twice");
        if (p->unload.on) {   /* a profile including another changes some of its keys */
            snprintf(p->unload.path, sizeof(p->unload.path), "%s", L->path);
            p->unload.line = line;
            return 1;
        }
        p->unload.on = 1;
        p->unload.line = line;
        /* the defaults (docs/profiles.md) */
        snprintf(p->unload.file, sizeof(p->unload.file), "{table}.txt");
        p->unload.delim[0] = '\t';
        p->unload.ndelim = 1;
        snprintf(p->unload.date, sizeof(p->unload.date), "YYYY-MM-DD");
        snprintf(p->unload.check, sizeof(p->unload.check), "{file}.chk");
        p->unload.check_f[0] = UC_ROWS;
        p->unload.ncheck_f = 1;
        snprintf(p->unload.path, sizeof(p->unload.path), "%s", L->path);
        return 1;
    }
    if (strncmp(section, "unload ", 7) == 0) {
        char t[PNAME];
        if (!ident_value(section + 7, t))
            return lfail(L, line, "bad table name in [%s]: [unload TABLE]", section);
        if (tc_profile_unload_table(p, t))
            return lfail(L, line, "section [unload %s] appears twice", t);
        if (p->unload.nt == UMAXTAB)
            return lfail(L, line, "too many [unload TABLE] sections (at most %d)", UMAXTAB);
        punload_table *u = &p->unload.t[p->unload.nt++];
        memset(u, 0, sizeof(*u));
        memcpy(u->table, t, PNAME);
        u->line = line;
        return 1;
    }
    if (strcmp(section, "workbook") == 0) {
        pworkbook *w = &p->workbook;
        if (w->on && strcmp(w->path, L->path) == 0)
            return lfail(L, line, "section [workbook] appears twice");
        if (!w->on) {   /* the defaults (docs/profiles.md) */
            snprintf(w->dates[0], sizeof(w->dates[0]), "YYYY-MM-DD");
            w->ndates = 1;
        }
        w->on = 1;
        w->line = line;
        snprintf(w->path, sizeof(w->path), "%s", L->path);
        return 1;
    }
    if (strncmp(section, "workbook ", 9) == 0) {
        char t[PNAME];
        pworkbook *w = &p->workbook;
        if (!w->on) {   /* an empty [workbook] (inih shows no section without keys): defaults */
            snprintf(w->dates[0], sizeof(w->dates[0]), "YYYY-MM-DD");
            w->ndates = 1;
            w->on = 1;
            w->line = line;
            snprintf(w->path, sizeof(w->path), "%s", L->path);
        }
        if (!ident_value(section + 9, t))
            return lfail(L, line, "bad table name in [%s]: [workbook TABLE]", section);
        if (tc_profile_workbook_table(p, t))
            return lfail(L, line, "section [workbook %s] appears twice", t);
        if (w->nt == WMAXTAB)
            return lfail(L, line, "too many [workbook TABLE] sections (at most %d)", WMAXTAB);
        pwb_table *u = &w->t[w->nt++];
        memset(u, 0, sizeof(*u));
        memcpy(u->table, t, PNAME);
        u->line = line;
        return 1;
    }
    if (strcmp(section, "profile") != 0 && L->included)
        return lfail(L, line, "[%s] in a profile that includes another: such a profile adds "
                     "[unload] sections only (or [workbook] keys), the mapping comes whole "
                     "from the one it includes",
                     section);
    if (strcmp(section, "profile") != 0)   /* messages about fields name this file */
        snprintf(p->path, sizeof(p->path), "%s", L->path);
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

/* ------------------------------------------------------------- includes */

static char *read_line(char *str, int num, void *stream);
static int on_kv(void *user, const char *section, const char *name, const char *value);

/* include = FILE: read FILE (relative to this file's folder) here, as if
 * its lines stood in its place.  The including file may add [unload]
 * sections only; its own name, if it gave one first, stays. */
static int include(loader *L, const char *value, int line)
{
    if (L->depth >= 3)
        return lfail(L, line, "includes nest more than 3 deep");
    char path[1024], name[PNAME];
    const char *slash = strrchr(L->path, '/');
    if (value[0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", value);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - L->path), L->path, value);
    FILE *f = fopen(path, "r");
    if (!f)
        return lfail(L, line, "cannot read included profile %s", path);
    memcpy(name, L->p->name, PNAME);
    loader I = {L->p, L->e, 0, "", f, 0, path, L->depth + 1, 0};
    int r = ini_parse_stream(read_line, &I, on_kv, &I);
    fclose(f);
    if (!I.rc && r > 0) {
        I.rc = tc_fail(L->e, TC_EINPUT, "malformed line in the profile");
        tc_err_at(L->e, path, r, 0);
    }
    if (I.rc) {
        L->rc = I.rc;
        return 0;
    }
    if (name[0])
        memcpy(L->p->name, name, PNAME);
    L->included = 1;
    return 1;
}

/* ------------------------------------------------------------ unloads */

/* A delimiter, quote or NULL token: the text as written, or 0xHH (one byte,
 * such as 0x1F), or \t.  Into out (at most max bytes): its length, or -1. */
static int token_value(const char *v, char *out, int max)
{
    if (strcmp(v, "\\t") == 0 || strcmp(v, "tab") == 0) {
        out[0] = '\t';
        return 1;
    }
    if (strcmp(v, "''") == 0 || strcmp(v, "empty") == 0)
        return 0;
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && v[2] && v[3] && !v[4]) {
        char *end;
        long b = strtol(v + 2, &end, 16);
        if (*end || b <= 0 || b > 0x7f || b == '\n' || b == '\r')
            return -1;
        out[0] = (char)b;
        return 1;
    }
    int n = (int)strlen(v);
    if (n > max)
        return -1;
    for (int i = 0; i < n; i++)   /* ASCII only: it is found in the decoded text */
        if ((unsigned char)v[i] >= 0x80 || v[i] == '\n' || v[i] == '\r')
            return -1;
    memcpy(out, v, (size_t)n);
    return n;
}

static int yes_no(const char *v)
{
    return strcmp(v, "yes") == 0 ? 1 : strcmp(v, "no") == 0 ? 0 : -1;
}

/* A file-name pattern: {table}, {TABLE}, {file}, {stem}, one '*'; no '/'. */
static int pattern_ok(const char *v, int check)
{
    if (!v[0] || strlen(v) >= UPATTERN || strchr(v, '/'))
        return 0;
    int stars = 0;
    for (const char *s = v; *s; s++) {
        if (*s == '*')
            stars++;
        if (*s == '{') {
            const char *q = strchr(s, '}');
            size_t k = q ? (size_t)(q - s) + 1 : 0;
            if (!(k == 7 && (strncmp(s, "{table}", 7) == 0 || strncmp(s, "{TABLE}", 7) == 0)) &&
                !(check && k == 6 && (strncmp(s, "{file}", 6) == 0 || strncmp(s, "{stem}", 6) == 0)))
                return 0;
            s += k - 1;
        }
    }
    return check ? stars == 0 : stars <= 1;
}

/* Is fmt a date format this reader knows: YYYY, MM and DD once each, then
 * optionally HH24, MI, SS and FF1..FF9, between ASCII punctuation or spaces? */
static int date_format_ok(const char *fmt)
{
    int y = 0, m = 0, d = 0;
    for (const char *s = fmt; *s;) {
        if (strncmp(s, "YYYY", 4) == 0)
            y++, s += 4;
        else if (strncmp(s, "MM", 2) == 0)
            m++, s += 2;
        else if (strncmp(s, "DD", 2) == 0)
            d++, s += 2;
        else if (strncmp(s, "HH24", 4) == 0)
            s += 4;
        else if (strncmp(s, "MI", 2) == 0 || strncmp(s, "SS", 2) == 0)
            s += 2;
        else if (strncmp(s, "FF", 2) == 0 && s[2] >= '1' && s[2] <= '9')
            s += 3;
        else if (*s == '-' || *s == '/' || *s == ' ' || *s == ':' || *s == '.' || *s == 'T')
            s++;
        else
            return 0;
    }
    return y == 1 && m == 1 && d == 1;
}

static int unload_key(loader *L, const char *name, const char *v, int line)
{
    punload *u = &L->p->unload;
    int k;
    if (strcmp(name, "file") == 0) {
        if (!pattern_ok(v, 0))
            return lfail(L, line, "bad file pattern '%s': a name with {table} or {TABLE} and at "
                         "most one *, no '/', under %d bytes", v, UPATTERN);
        snprintf(u->file, sizeof(u->file), "%s", v);
    } else if (strcmp(name, "encoding") == 0) {
        if (strcasecmp(v, "UTF-8") == 0 || strcasecmp(v, "UTF8") == 0)
            u->gb18030 = 0;
        else if (strcasecmp(v, "GB18030") == 0 || strcasecmp(v, "GBK") == 0)
            u->gb18030 = 1;
        else
            return lfail(L, line, "unknown encoding '%s' (UTF-8, GB18030; GBK is read as "
                         "GB18030, which contains it)", v);
    } else if (strcmp(name, "delimiter") == 0) {
        if ((k = token_value(v, u->delim, 8)) < 1)
            return lfail(L, line, "bad delimiter '%s': 1 to 8 ASCII characters, 0xHH for one "
                         "byte (0x1F), or \\t", v);
        u->ndelim = k;
    } else if (strcmp(name, "quote") == 0) {
        char q[2];
        if (strcmp(v, "none") == 0)
            u->quote = 0;
        else if (token_value(v, q, 1) != 1)
            return lfail(L, line, "bad quote '%s': none, or one ASCII character", v);
        else
            u->quote = q[0];
    } else if (strcmp(name, "escape") == 0) {
        if (strcmp(v, "none") == 0)
            u->escape = UE_NONE;
        else if (strcmp(v, "backslash") == 0)
            u->escape = UE_BACKSLASH;
        else if (strcmp(v, "double") == 0)
            u->escape = UE_DOUBLE;
        else
            return lfail(L, line, "bad escape '%s': none, backslash (PostgreSQL COPY text) or "
                         "double (a quote doubled inside quotes, CSV)", v);
    } else if (strcmp(name, "null") == 0) {
        if ((k = token_value(v, u->null, 16)) < 0)
            return lfail(L, line, "bad NULL token '%s': '' (an empty field) or up to 16 ASCII "
                         "characters, such as \\N", v);
        u->nnull = k;
    } else if (strcmp(name, "empty") == 0) {
        if (strcmp(v, "nul") == 0)
            u->empty_nul = 1;
        else if (strcmp(v, "empty") == 0)
            u->empty_nul = 0;
        else
            return lfail(L, line, "bad empty '%s': nul (bcp writes an empty text as one NUL "
                         "byte) or empty", v);
    } else if (strcmp(name, "header") == 0) {
        if ((u->header = yes_no(v)) < 0)
            return lfail(L, line, "header is yes or no, not '%s'", v);
    } else if (strcmp(name, "newline") == 0) {
        if (strcmp(v, "lf") == 0)
            u->crlf = 0;
        else if (strcmp(v, "crlf") == 0)
            u->crlf = 1;
        else
            return lfail(L, line, "newline is lf or crlf, not '%s'", v);
    } else if (strcmp(name, "date") == 0) {
        if (strlen(v) >= sizeof(u->date) || !date_format_ok(v))
            return lfail(L, line, "bad date format '%s': YYYY, MM, DD and optionally HH24, MI, "
                         "SS, FF1-FF9 between - / : . T or spaces (YYYYMMDD, YYYY-MM-DD, "
                         "YYYY-MM-DD HH24:MI:SS)", v);
        snprintf(u->date, sizeof(u->date), "%s", v);
    } else if (strcmp(name, "amount") == 0) {
        if (strcmp(v, "yuan") == 0)
            u->amount_fen = 0;
        else if (strcmp(v, "fen") == 0)
            u->amount_fen = 1;
        else
            return lfail(L, line, "amount is yuan (as the mapping reads each column) or fen "
                         "(every amount written as integer fen), not '%s'", v);
    } else if (strcmp(name, "leading_zero") == 0) {
        if (strcmp(v, "optional") == 0)
            u->lead_zero_opt = 1;
        else if (strcmp(v, "required") == 0)
            u->lead_zero_opt = 0;
        else
            return lfail(L, line, "leading_zero is required or optional, not '%s'", v);
    } else if (strcmp(name, "check") == 0) {
        u->check_none = strcmp(v, "none") == 0;
        if (!u->check_none && !pattern_ok(v, 1))
            return lfail(L, line, "bad check '%s': none, or a file name with {file}, {stem}, "
                         "{table} or {TABLE} (no *, no '/')", v);
        snprintf(u->check, sizeof(u->check), "%s", u->check_none ? "" : v);
    } else if (strcmp(name, "check_fields") == 0) {
        static const struct { const char *n; int f; } cf[] = {
            {"rows", UC_ROWS}, {"bytes", UC_BYTES}, {"md5", UC_MD5}, {"name", UC_NAME},
            {"skip", UC_SKIP}};
        u->ncheck_f = 0;
        int rows = 0;
        for (const char *s = v; *s;) {
            size_t n = strcspn(s, " ,");
            int f = 0;
            for (size_t i = 0; i < sizeof(cf) / sizeof(cf[0]); i++)
                if (strlen(cf[i].n) == n && strncmp(s, cf[i].n, n) == 0)
                    f = cf[i].f;
            if (!f || u->ncheck_f == 8)
                return lfail(L, line, "bad check_fields '%s': up to 8 of rows, bytes, md5, name, "
                             "skip, in the check line's order", v);
            for (int i = 0; i < u->ncheck_f; i++)
                if (u->check_f[i] == f && f != UC_SKIP)
                    return lfail(L, line, "check_fields names %.*s twice", (int)n, s);
            rows += f == UC_ROWS;
            u->check_f[u->ncheck_f++] = f;
            s += n;
            s += strspn(s, " ,");
        }
        if (!rows)
            return lfail(L, line, "check_fields must name rows: a check file gives at least "
                         "the row count");
    } else if (strcmp(name, "check_delimiter") == 0) {
        char c[2];
        if (token_value(v, c, 1) != 1)
            return lfail(L, line, "bad check_delimiter '%s': one ASCII character", v);
        u->check_delim = c[0];
    } else {
        return lfail(L, line, "unknown key '%s' in [unload] (file, encoding, delimiter, quote, "
                     "escape, null, empty, header, newline, date, amount, leading_zero, check, "
                     "check_fields, check_delimiter)", name);
    }
    return 1;
}

static int unload_table_key(loader *L, punload_table *t, const char *name, const char *v,
                            int line)
{
    if (strcmp(name, "file") == 0) {
        if (!pattern_ok(v, 0))
            return lfail(L, line, "bad file pattern '%s': a name with {table} or {TABLE} and at "
                         "most one *, no '/', under %d bytes", v, UPATTERN);
        snprintf(t->file, sizeof(t->file), "%s", v);
        return 1;
    }
    if (strcmp(name, "columns") != 0)
        return lfail(L, line, "unknown key '%s' in [unload %s] (file, columns)", name, t->table);
    /* columns = a, b, "C": repeatable, each line adds to the list */
    for (const char *s = v;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (t->ncols == UMAXCOLS)
            return lfail(L, line, "[unload %s] names more than %d columns, PostgreSQL's limit",
                         t->table, UMAXCOLS);
        if (t->ncols == t->capcols) {
            int cap = t->capcols ? t->capcols * 2 : 32;
            void *c = realloc(t->cols, (size_t)cap * PNAME);
            if (!c)
                return lfail(L, line, "out of memory");
            t->cols = c;
            t->capcols = cap;
        }
        if (pident_parse(&s, t->cols[t->ncols]))
            return lfail(L, line, "bad column name in '%s': names (letters, digits, _, or "
                         "\"Quoted\") separated by commas", v);
        for (int i = 0; i < t->ncols; i++)
            if (strcmp(t->cols[i], t->cols[t->ncols]) == 0)
                return lfail(L, line, "[unload %s] names column %s twice", t->table,
                             t->cols[i]);
        t->ncols++;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == ',')
            s++;
        else if (*s)
            return lfail(L, line, "bad column list '%s': names separated by commas", v);
    }
    return 1;
}

const punload_table *tc_profile_unload_table(const tc_profile *p, const char *table)
{
    for (int i = 0; i < p->unload.nt; i++)
        if (strcmp(p->unload.t[i].table, table) == 0)
            return &p->unload.t[i];
    return NULL;
}

/* ----------------------------------------------------------- workbooks */

const pwb_table *tc_profile_workbook_table(const tc_profile *p, const char *table)
{
    for (int i = 0; i < p->workbook.nt; i++)
        if (strcmp(p->workbook.t[i].table, table) == 0)
            return &p->workbook.t[i];
    return NULL;
}

/* A date format for dates written as text: YYYY, MM or M, DD or D once
 * each, between literal bytes (ASCII punctuation, 年 月 日). */
static int wb_date_ok(const char *fmt)
{
    int y = 0, m = 0, d = 0;
    for (const char *s = fmt; *s;) {
        if (strncmp(s, "YYYY", 4) == 0)
            y++, s += 4;
        else if (*s == 'M')
            m++, s += s[1] == 'M' ? 2 : 1;
        else if (*s == 'D')
            d++, s += s[1] == 'D' ? 2 : 1;
        else if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
            return 0;
        else
            s++;
    }
    return y == 1 && m == 1 && d == 1 && strlen(fmt) < 24;
}

/* A comma-separated list into up to max items of size n (trimmed).  The
 * count, or -1 when an item is empty or too long or there are too many. */
static int wb_list(const char *v, char *items, int max, size_t n)
{
    int k = 0;
    for (const char *s = v;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strcspn(s, ",");
        size_t t = len;
        while (t && (s[t - 1] == ' ' || s[t - 1] == '\t'))
            t--;
        if (!t || t >= n || k == max)
            return -1;
        memcpy(items + (size_t)k * n, s, t);
        items[(size_t)k * n + t] = '\0';
        k++;
        if (!s[len])
            return k;
        s += len + 1;
    }
}

static int workbook_key(loader *L, const char *name, const char *v, int line)
{
    pworkbook *w = &L->p->workbook;
    if (strcmp(name, "county") == 0) {
        if (strcmp(v, "folder") == 0)
            w->county[0] = '\0';
        else if (strlen(v) == 6 && strspn(v, "0123456789") == 6)
            snprintf(w->county, sizeof(w->county), "%s", v);
        else
            return lfail(L, line, "bad county '%s': six digits, or folder (the source "
                         "folder's name)", v);
        return 1;
    }
    if (strcmp(name, "cutover") == 0) {
        int64_t d;
        if (strcmp(v, "none") == 0)
            w->cutover[0] = '\0';
        else if (strlen(v) == 10 && tc_date_parse(v, 10, &d) == 0)
            snprintf(w->cutover, sizeof(w->cutover), "%s", v);
        else
            return lfail(L, line, "bad cutover '%s': a date YYYY-MM-DD, or none", v);
        return 1;
    }
    if (strcmp(name, "dates") == 0) {
        int k = wb_list(v, &w->dates[0][0], 4, sizeof(w->dates[0]));
        if (k < 0)
            return lfail(L, line, "bad dates '%s': up to 4 formats separated by commas", v);
        for (int i = 0; i < k; i++)
            if (!wb_date_ok(w->dates[i]))
                return lfail(L, line, "bad date format '%s': YYYY, MM or M, DD or D once each, "
                             "between punctuation or 年 月 日", w->dates[i]);
        w->ndates = k;
        return 1;
    }
    return lfail(L, line, "unknown key '%s' in [workbook] (county, cutover, dates)", name);
}

/* A sheet column: A..XFD into 0..16383, or -1. */
static int wb_letter(const char *s, size_t n)
{
    int c = 0;
    if (!n || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return -1;
        c = c * 26 + (s[i] - 'A' + 1);
    }
    return c <= 16384 ? c - 1 : -1;
}

static int workbook_table_key(loader *L, pwb_table *t, const char *name, const char *v, int line)
{
    if (strcmp(name, "file") == 0) {
        if (!v[0] || strlen(v) >= UPATTERN || strchr(v, '/'))
            return lfail(L, line, "bad file pattern '%s': a name with at most one * and "
                         "{NAME} captures, no '/', under %d bytes", v, UPATTERN);
        snprintf(t->file, sizeof(t->file), "%s", v);
        return 1;
    }
    if (strcmp(name, "sheet") == 0) {
        if (strlen(v) >= sizeof(t->sheet))
            return lfail(L, line, "the sheet name '%s' is too long", v);
        snprintf(t->sheet, sizeof(t->sheet), "%s", v);
        return 1;
    }
    if (strcmp(name, "header") == 0) {
        int a = 0, b = 0, n = 0;
        if ((sscanf(v, "%d-%d%n", &a, &b, &n) == 2 && !v[n]) ||
            (sscanf(v, "%d%n", &a, &n) == 1 && !v[n] && (b = a)))
            if (a >= 1 && b >= a && b - a < 4 && b < 1000) {
                t->head_first = a;
                t->head_last = b;
                return 1;
            }
        return lfail(L, line, "bad header '%s': the header's row (4), or its first and last "
                     "rows (4-5, at most 4 rows)", v);
    }
    if (strcmp(name, "subtotal") == 0) {
        /* subtotal = COLUMN: 合计, 本月合计, ... */
        const char *colon = strchr(v, ':');
        char col[PNAME];
        const char *q = v;
        if (!colon || pident_parse(&q, col) || q != colon)
            return lfail(L, line, "bad subtotal '%s': COLUMN: MARKER, MARKER, ...", v);
        int k = wb_list(colon + 1, &t->mark[0][0], WMAXMARK, sizeof(t->mark[0]));
        if (k < 0)
            return lfail(L, line, "bad subtotal markers '%s': up to %d texts separated by "
                         "commas", colon + 1, WMAXMARK);
        memcpy(t->subtotal_col, col, PNAME);
        t->nmark = k;
        return 1;
    }
    if (strcmp(name, "credit") == 0) {
        /* credit = COLUMN: 2, 3, 4 - the account codes of credit-normal classes */
        const char *colon = strchr(v, ':');
        char col[PNAME];
        const char *q = v;
        if (!colon || pident_parse(&q, col) || q != colon)
            return lfail(L, line, "bad credit '%s': COLUMN: PREFIX, PREFIX, ... (the account "
                         "column, and how the codes of credit-normal accounts begin)", v);
        int k = wb_list(colon + 1, &t->credit[0][0], WMAXMARK, sizeof(t->credit[0]));
        if (k < 0)
            return lfail(L, line, "bad credit prefixes '%s': up to %d codes separated by "
                         "commas", colon + 1, WMAXMARK);
        memcpy(t->credit_col, col, PNAME);
        t->ncredit = k;
        return 1;
    }
    if (strcmp(name, "blank") == 0) {
        char names[WMAXCOLS][PNAME];
        int k = wb_list(v, &names[0][0], WMAXCOLS, PNAME);
        for (int i = 0; i < k; i++) {
            int found = 0;
            for (int j = 0; j < t->ncols; j++)
                if (strcmp(t->cols[j].name, names[i]) == 0)
                    t->cols[j].blank = found = 1;
            if (!found)
                return lfail(L, line, "blank names column '%s', which [workbook %s] does not "
                             "define above", names[i], t->table);
        }
        if (k < 0)
            return lfail(L, line, "bad blank '%s': column names separated by commas", v);
        return 1;
    }
    /* any other key defines a column: NAME = HEADER TEXT | $LETTER | TEMPLATE */
    char col[PNAME];
    if (!ident_value(name, col))
        return lfail(L, line, "bad column name '%s' in [workbook %s]", name, t->table);
    for (int j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j].name, col) == 0)
            return lfail(L, line, "[workbook %s] defines column %s twice", t->table, col);
    if (t->ncols == WMAXCOLS)
        return lfail(L, line, "[workbook %s] defines more than %d columns", t->table, WMAXCOLS);
    if (!v[0] || strlen(v) >= WSPEC)
        return lfail(L, line, "column %s: give its header text, $LETTER or a template", col);
    pwb_col *c = &t->cols[t->ncols];
    memset(c, 0, sizeof(*c));
    memcpy(c->name, col, PNAME);
    snprintf(c->spec, sizeof(c->spec), "%s", v);
    c->line = line;
    if (v[0] == '$') {
        c->kind = WC_LETTER;
        if ((c->letter = wb_letter(v + 1, strlen(v + 1))) < 0)
            return lfail(L, line, "bad column letter '%s': $A to $XFD", v);
    } else if (strchr(v, '{')) {
        c->kind = WC_TEMPLATE;
        /* {NAME} of a column defined above, {NAME:ym}, {seq NAME}, {row}, {file:CAP},
         * {A-B}, {dir D A} */
        for (const char *s = strchr(v, '{'); s; s = strchr(s, '{')) {
            const char *e = strchr(s, '}');
            if (!e)
                return lfail(L, line, "template '%s': a { without its }", v);
            char in[PNAME + 16];
            size_t k = (size_t)(e - s - 1);
            if (k >= sizeof(in))
                return lfail(L, line, "template '%s': a name too long", v);
            memcpy(in, s + 1, k);
            in[k] = '\0';
            char *minus = strchr(in, '-');
            if (strncmp(in, "dir ", 4) == 0) {   /* {dir D A}: A signed by D's 借 / 贷 / 平 */
                char *d = in + 4, *a = strchr(d, ' ');
                if (!a || !*d || !a[1] || strchr(a + 1, ' '))
                    return lfail(L, line, "template '%s': {%s}: {dir DIRECTION AMOUNT} names "
                                 "two columns", v, in);
                *a++ = '\0';
                int fd = 0, fa = 0;
                for (int j = 0; j < t->ncols; j++) {
                    fd |= strcmp(t->cols[j].name, d) == 0;
                    fa |= strcmp(t->cols[j].name, a) == 0;
                }
                if (!fd || !fa)
                    return lfail(L, line, "template '%s': {dir %s %s} names a column not "
                                 "defined above", v, d, a);
            } else if (minus) {   /* {A-B}: the difference of two amount columns */
                *minus = '\0';
                int fa = 0, fb = 0;
                for (int j = 0; j < t->ncols; j++) {
                    fa |= strcmp(t->cols[j].name, in) == 0;
                    fb |= strcmp(t->cols[j].name, minus + 1) == 0;
                }
                if (!fa || !fb)
                    return lfail(L, line, "template '%s': {%s-%s} names a column not defined "
                                 "above", v, in, minus + 1);
            } else if (strcmp(in, "row") != 0 && strncmp(in, "file:", 5) != 0) {
                char *ref = strncmp(in, "seq ", 4) == 0 ? in + 4 : in;
                char *colon = strchr(ref, ':');
                if (colon && strcmp(colon, ":ym") != 0)
                    return lfail(L, line, "template '%s': {%s}: the only modifier is :ym", v, in);
                if (colon)
                    *colon = '\0';
                int found = 0;
                for (int j = 0; j < t->ncols; j++)
                    found |= strcmp(t->cols[j].name, ref) == 0;
                if (!found)
                    return lfail(L, line, "template '%s': {%s} names no column defined above "
                                 "(a template reads the columns before it)", v, ref);
            }
            s = e;
        }
    } else {
        c->kind = WC_HEADER;
    }
    t->ncols++;
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
        } else if (strcmp(name, "include") == 0) {
            return include(L, value, line);
        } else
            return lfail(L, line, "unknown key '%s' in [profile] (name, schema, include)", name);
        return 1;
    }
    if (strcmp(section, "unload") == 0)
        return unload_key(L, name, value, line);
    if (strcmp(section, "workbook") == 0)
        return workbook_key(L, name, value, line);
    if (strncmp(section, "workbook ", 9) == 0)
        return workbook_table_key(L, &p->workbook.t[p->workbook.nt - 1], name, value, line);
    if (strncmp(section, "unload ", 7) == 0)
        return unload_table_key(L, &p->unload.t[p->unload.nt - 1], name, value, line);
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

/* The unload sections fit together and name every table the mapping reads. */
static int finish_unload(tc_profile *p, loader *L)
{
    punload *u = &p->unload;
    if (!u->on) {
        if (u->nt)
            return lfail(L, u->t[0].line, "[unload %s] without an [unload] section saying how "
                         "the files are written", u->t[0].table), L->rc;
        return 0;
    }
    L->path = u->path;
    if (u->escape == UE_DOUBLE && !u->quote)
        return lfail(L, u->line, "escape = double needs a quote character"), L->rc;
    if (u->escape == UE_BACKSLASH && u->quote)
        return lfail(L, u->line, "escape = backslash (COPY text) goes without quotes: say "
                     "quote = none, or escape = double for CSV"), L->rc;
    if (u->quote && memchr(u->delim, u->quote, (size_t)u->ndelim))
        return lfail(L, u->line, "the delimiter holds the quote character"), L->rc;
    if (u->nnull && u->ndelim <= u->nnull && memmem(u->null, (size_t)u->nnull, u->delim,
                                                   (size_t)u->ndelim))
        return lfail(L, u->line, "the NULL token holds the delimiter"), L->rc;
    const char *need[2 + 2 * 16];
    int nneed = 0, line[2 + 2 * 16];
    need[nneed] = p->county_table, line[nneed++] = p->county_line;
    for (int i = 0; i < p->nrec; i++) {
        need[nneed] = p->recs[i].table, line[nneed++] = p->recs[i].line;
        if (p->recs[i].join_table[0])
            need[nneed] = p->recs[i].join_table, line[nneed++] = p->recs[i].line;
    }
    for (int i = 0; i < nneed; i++) {
        const punload_table *t = tc_profile_unload_table(p, need[i]);
        if (!t)
            return lfail(L, u->line, "no [unload %s] section: the mapping (%s line %d) reads "
                         "table %s, so the profile must give its columns in the file's order",
                         need[i], p->path, line[i], need[i]), L->rc;
        if (!t->ncols)
            return lfail(L, t->line, "[unload %s] gives no columns (columns = a, b, c in the "
                         "file's order)", t->table), L->rc;
    }
    if (u->amount_fen)   /* every amount is written in fen, whatever the database held */
        for (int i = 0; i < p->nrec; i++)
            for (int j = 0; j < p->recs[i].nf; j++)
                if (p->recs[i].f[j].conv == CV_YUAN)
                    p->recs[i].f[j].conv = CV_FEN;
    return 0;
}

/* The workbook sections fit together and name every table the mapping reads. */
static int finish_workbook(tc_profile *p, loader *L)
{
    pworkbook *w = &p->workbook;
    if (!w->on) {
        if (w->nt)
            return lfail(L, w->t[0].line, "[workbook %s] without a [workbook] section",
                         w->t[0].table), L->rc;
        return 0;
    }
    L->path = w->path;
    if (p->unload.on)
        return lfail(L, w->line, "a profile describes unloads or workbooks, not both"), L->rc;
    for (int i = 0; i < p->nrec; i++) {
        const prec *r = &p->recs[i];
        const pwb_table *t = tc_profile_workbook_table(p, r->table);
        if (r->join_table[0] || r->derive)
            return lfail(L, r->line, "[%s]: a workbook's sheets are read without joins or "
                         "derivations", tc_rectypes[r->rectype].name), L->rc;
        if (!t)
            return lfail(L, w->line, "no [workbook %s] section: the mapping (%s line %d) reads "
                         "table %s, so the profile must say which sheet holds it", r->table,
                         p->path, r->line, r->table), L->rc;
        if (!t->file[0] || !t->head_first)
            return lfail(L, t->line, "[workbook %s] must give file and header", t->table),
                   L->rc;
        for (int j = 0; j < r->nf; j++) {
            const pfield *f = &r->f[j];
            int found = f->conv == CV_CONST;
            for (int k = 0; k < t->ncols && !found; k++)
                found = strcmp(t->cols[k].name, f->column) == 0;
            if (!found)
                return lfail(L, f->line, "field reads column %s, which [workbook %s] does not "
                             "define", f->column, t->table), L->rc;
        }
        if (t->subtotal_col[0]) {
            int found = 0;
            for (int k = 0; k < t->ncols; k++)
                found |= strcmp(t->cols[k].name, t->subtotal_col) == 0;
            if (!found)
                return lfail(L, t->line, "[workbook %s]: subtotal names column %s, which it does "
                             "not define", t->table, t->subtotal_col), L->rc;
        }
        if (t->credit_col[0]) {
            /* a column of the sheet, read before any template signs an amount by it */
            int at = -1, first_tpl = t->ncols;
            for (int k = 0; k < t->ncols; k++) {
                if (at < 0 && strcmp(t->cols[k].name, t->credit_col) == 0)
                    at = k;
                if (first_tpl == t->ncols && t->cols[k].kind == WC_TEMPLATE)
                    first_tpl = k;
            }
            if (at < 0 || t->cols[at].kind == WC_TEMPLATE || at > first_tpl)
                return lfail(L, t->line, "[workbook %s]: credit names column %s, which is not "
                             "one of its sheet's columns defined above its templates", t->table,
                             t->credit_col), L->rc;
        }
    }
    return 0;
}

static int finish(tc_profile *p, tc_err *e)
{
    loader L = {p, e, 0, "", NULL, 0, p->path, 0, 0};
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
    int rc = finish_unload(p, &L);
    return rc ? rc : finish_workbook(p, &L);
}

int tc_profile_load(tc_profile **out, const char *path, tc_err *e)
{
    *out = NULL;
    tc_profile *p = calloc(1, sizeof(*p));
    if (!p)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(p->path, sizeof(p->path), "%s", path);
    loader L = {p, e, 0, "", fopen(path, "r"), 0, path, 0, 0};
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
        tc_profile_free(p);
        return L.rc;
    }
    *out = p;
    return 0;
}

void tc_profile_free(tc_profile *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->unload.nt; i++)
        free(p->unload.t[i].cols);
    free(p);
}


static int ndig(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* raw in the unload's date format into YYYYMMDD: 0, or -1.  A time is
 * checked (00-23, 00-59, 00-59) and dropped: the record holds the date. */
static int unload_date(const char *fmt, const char *raw, size_t n, int64_t *out)
{
    char iso[10];
    size_t i = 0;
    for (const char *s = fmt; *s;) {
        int w, max = -1;
        char *to = NULL;
        if (strncmp(s, "YYYY", 4) == 0)
            w = 4, to = iso, s += 4;
        else if (strncmp(s, "MM", 2) == 0)
            w = 2, to = iso + 5, s += 2;
        else if (strncmp(s, "DD", 2) == 0)
            w = 2, to = iso + 8, s += 2;
        else if (strncmp(s, "HH24", 4) == 0)
            w = 2, max = 23, s += 4;
        else if (strncmp(s, "MI", 2) == 0 || strncmp(s, "SS", 2) == 0)
            w = 2, max = 59, s += 2;
        else if (strncmp(s, "FF", 2) == 0)
            w = s[2] - '0', max = 0, s += 3;
        else {
            if (i >= n || raw[i] != *s)
                return -1;
            i++, s++;
            continue;
        }
        if (n - i < (size_t)w || !ndig(raw + i, (size_t)w))
            return -1;
        if (to)
            memcpy(to, raw + i, (size_t)w);
        else if (max > 0 && (raw[i] - '0') * 10 + (raw[i + 1] - '0') > max)
            return -1;
        i += (size_t)w;
    }
    if (i != n)
        return -1;
    iso[4] = iso[7] = '-';
    return tc_date_parse(iso, 10, out);
}

int tc_profile_convert(const tc_profile *p, const pfield *f, tc_coltype want, const char *raw,
                       size_t n, tc_value *v, tc_err *e)
{
    (void)want;
    char z[48];
    if (p->unload.lead_zero_opt && (f->conv == CV_YUAN || f->conv == CV_RATE) && n &&
        n + 1 < sizeof(z) && (raw[0] == '.' || (n > 1 && raw[0] == '-' && raw[1] == '.'))) {
        /* Oracle writes 0.5 as .5: read it as 0.5, nothing else changes */
        size_t k = raw[0] == '-';
        memcpy(z, raw, k);
        z[k] = '0';
        memcpy(z + k + 1, raw + k, n - k);
        raw = z;
        n++;
    }
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
        if (p->unload.on && strcmp(p->unload.date, "YYYY-MM-DD") != 0) {
            if (unload_date(p->unload.date, raw, n, &v->i))
                return tc_fail(e, TC_EINPUT, "bad date '%.*s': expected a calendar date %s",
                               (int)(n < 40 ? n : 40), raw, p->unload.date);
            return 0;
        }
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
