/*
 * manifest.c - see manifest.h.
 *
 * inih calls on_kv for every key; Debian's inih does not pass the line, so
 * the reader counts lines itself (as extract/profile.c does).  Keys are
 * checked as they come; what can only be checked at the end (a required
 * key missing) names the section's header line.
 */
#include "pipeline/manifest.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/textline.h"
#include "core/atomic.h"
#include "core/record.h"

typedef struct loader {
    tc_manifest *m;
    tc_err *e;
    int rc;
    FILE *f;
    int line;
    int section_line;             /* of the last [section] header read */
    char dir[TC_MANIFEST_PATH];   /* the manifest's folder, "" for "." */
    int city_line, keys_line;
    tc_manifest_county *cur;      /* the county section being read */
} loader;

static int lfail(loader *L, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* inih's line reader; a line too long for inih, or holding a NUL byte, is
 * refused (core/textline.h). */
static char *read_line(char *str, int num, void *stream)
{
    loader *L = stream;
    switch (tc_text_line(L->f, str, num, &L->line)) {
    case TC_LINE_OK: break;
    case TC_LINE_END: return NULL;
    case TC_LINE_NUL:
        lfail(L, L->line, NULL, "the line holds a NUL byte: not a text file");
        return NULL;
    case TC_LINE_LONG:
        lfail(L, L->line, "shorten the line (a path: move the files, or name them "
              "relative to the manifest's folder)", "the line is longer than %d bytes, the "
              "most a manifest line may hold", num - 1);
        return NULL;
    }
    /* inih has no section callback: note where headers are */
    const char *p = str + strspn(str, " \t");
    if (*p == '[')
        L->section_line = L->line;
    return str;
}
static int lfail(loader *L, int line, const char *hint, const char *fmt, ...)
{
    if (L->rc)
        return 0;
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    L->rc = tc_fail(L->e, TC_EINPUT, "%s", msg);
    tc_err_at(L->e, L->m->path, line, 0);
    if (hint)
        tc_err_hint(L->e, "%s", hint);
    return 0;   /* stops inih */
}

/* A path from the manifest, taken from the manifest's folder. */
static int set_path(loader *L, char *dst, const char *v)
{
    int n = v[0] == '/' || !L->dir[0] ? snprintf(dst, TC_MANIFEST_PATH, "%s", v)
                                      : snprintf(dst, TC_MANIFEST_PATH, "%s/%s", L->dir, v);
    if (n >= TC_MANIFEST_PATH)
        return lfail(L, L->line, NULL, "path too long: %.60s...", v);
    tc_path_trim(dst);   /* work = work/ joins as work/batches, not work//batches */
    return 1;
}

static int set_text(loader *L, char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return lfail(L, L->line, NULL, "value too long: %.60s...", v);
    memcpy(dst, v, strlen(v) + 1);
    return 1;
}

static int region_ok(const char *v)
{
    if (strlen(v) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

static int on_city(loader *L, const char *k, const char *v)
{
    tc_manifest *m = L->m;
    if (strcmp(k, "code") == 0) {
        if (!region_ok(v))
            return lfail(L, L->line, NULL, "city code '%s' is not a 6-digit region code", v);
        return set_text(L, m->city, sizeof(m->city), v);
    }
    if (strcmp(k, "name") == 0)
        return set_text(L, m->name, sizeof(m->name), v);
    if (strcmp(k, "cutover") == 0) {
        int64_t d;
        if (tc_date_parse(v, strlen(v), &d) != 0)
            return lfail(L, L->line, NULL, "cutover '%s' is not a date YYYY-MM-DD", v);
        return set_text(L, m->cutover, sizeof(m->cutover), v);
    }
    if (strcmp(k, "mappings") == 0)
        return set_path(L, m->mappings, v);
    if (strcmp(k, "work") == 0)
        return set_path(L, m->work, v);
    if (strcmp(k, "database") == 0)
        return set_text(L, m->database, sizeof(m->database), v);
    return lfail(L, L->line, "[city] knows code, name, cutover, mappings, work and database",
                 "unknown key '%s' in [city]", k);
}

static int on_keys(loader *L, const char *k, const char *v)
{
    if (strcmp(k, "maker") == 0)
        return set_path(L, L->m->maker_key, v);
    if (strcmp(k, "policy") == 0)
        return set_path(L, L->m->policy, v);
    if (strcmp(k, "data") == 0)
        return set_path(L, L->m->data_key, v);
    return lfail(L, L->line, "[keys] knows maker, policy and data", "unknown key '%s' in [keys]",
                 k);
}

static int on_security(loader *L, const char *k, const char *v)
{
    if (strcmp(k, "group") == 0)
        return set_text(L, L->m->group, sizeof(L->m->group), v);
    return lfail(L, L->line, "[security] knows group", "unknown key '%s' in [security]", k);
}

/* A city fund code: up to 15 letters, digits, '_' or '-'. */
static int fund_code_ok(const char *p, size_t n)
{
    return n && n <= 15 &&
           strspn(p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") >= n;
}

/* cutover.FUND = DATE: the county hands FUND over at its own cutover (a
 * part handover); checked against [city] cutover once the file is read. */
static int on_fund_cutover(loader *L, const char *fund, const char *v)
{
    tc_manifest_county *c = L->cur;
    int64_t d;
    if (!fund_code_ok(fund, strlen(fund)))
        return lfail(L, L->line, "name a city fund code, as cutover.330 = 2021-03-31",
                     "'%s' is not a fund code", fund);
    if (tc_date_parse(v, strlen(v), &d) != 0)
        return lfail(L, L->line, NULL, "cutover of fund %s '%s' is not a date YYYY-MM-DD", fund,
                     v);
    for (int i = 0; i < c->ncutovers; i++)
        if (strcmp(c->cutovers[i].fund, fund) == 0)
            return lfail(L, L->line, "give each fund one cutover",
                         "the cutover of fund %s of county %s is named twice (line %d)", fund,
                         c->code, c->cutovers[i].line);
    if (c->ncutovers == TC_MANIFEST_MAX_CUTOVERS)
        return lfail(L, L->line, NULL, "county %s gives more than %d funds a cutover", c->code,
                     TC_MANIFEST_MAX_CUTOVERS);
    tc_manifest_cutover *x = &c->cutovers[c->ncutovers++];
    snprintf(x->fund, sizeof(x->fund), "%s", fund);
    snprintf(x->date, sizeof(x->date), "%s", v);
    x->line = L->line;
    return 1;
}

/* Whether fund is one of list ("310,330"). */
static int in_list(const char *list, const char *fund)
{
    size_t n = strlen(fund);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, fund, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

static int on_county(loader *L, const char *k, const char *v)
{
    tc_manifest_county *c = L->cur;
    if (strcmp(k, "name") == 0)
        return set_text(L, c->name, sizeof(c->name), v);
    if (strcmp(k, "source") == 0 || strcmp(k, "sources") == 0) {
        if (c->nsources == TC_MANIFEST_MAX_SOURCES)
            return lfail(L, L->line, NULL, "county %s has more than %d sources", c->code,
                         TC_MANIFEST_MAX_SOURCES);
        /* a live database is not a path */
        if (strncmp(v, "postgres", 8) == 0 || strstr(v, "dbname="))
            return set_text(L, c->sources[c->nsources++], TC_MANIFEST_PATH, v);
        return set_path(L, c->sources[c->nsources++], v);
    }
    if (strncmp(k, "cutover.", 8) == 0)
        return on_fund_cutover(L, k + 8, v);
    if (strcmp(k, "funds") == 0) {
        /* the city funds the county hands over: codes, comma or space apart */
        char norm[256] = "";
        for (const char *p = v; *p;) {
            p += strspn(p, ", \t");
            size_t n = strcspn(p, ", \t");
            if (!n)
                break;
            if (!fund_code_ok(p, n))
                return lfail(L, L->line, "name city fund codes, as funds = 310, 330",
                             "'%.*s' is not a fund code", (int)n, p);
            if (strlen(norm) + n + 2 >= sizeof(norm))
                return lfail(L, L->line, NULL, "county %s names too many funds", c->code);
            snprintf(norm + strlen(norm), sizeof(norm) - strlen(norm), "%s%.*s",
                     norm[0] ? "," : "", (int)n, p);
            p += n;
        }
        if (!norm[0])
            return lfail(L, L->line, "name the funds it hands over, or leave the key out for "
                         "all", "'funds' of county %s is empty", c->code);
        return set_text(L, c->funds, sizeof(c->funds), norm);
    }
    if (strcmp(k, "profile") == 0) {
        if (strchr(v, '/') || strstr(v, ".ini"))
            return set_path(L, c->profile, v);
        return set_text(L, c->profile, sizeof(c->profile), v);
    }
    return lfail(L, L->line, "a [county CODE] section knows name, source, profile, funds and "
                 "cutover.FUND", "unknown key '%s' in [county %s]", k, c->code);
}

static int on_kv(void *user, const char *section, const char *k, const char *v)
{
    loader *L = user;
    tc_manifest *m = L->m;
    if (L->rc)
        return 0;
    if (strcmp(section, "city") == 0) {
        if (!L->city_line)
            L->city_line = L->section_line;
        return on_city(L, k, v);
    }
    if (strcmp(section, "keys") == 0) {
        if (!L->keys_line)
            L->keys_line = L->section_line;
        return on_keys(L, k, v);
    }
    if (strcmp(section, "security") == 0)
        return on_security(L, k, v);
    if (strncmp(section, "county ", 7) == 0) {
        const char *code = section + 7;
        if (!region_ok(code))
            return lfail(L, L->line, NULL, "[%s]: '%s' is not a 6-digit region code", section,
                         code);
        if (!L->cur || strcmp(L->cur->code, code) != 0) {
            if (tc_manifest_county_find(m, code))
                return lfail(L, L->line, "name each county once, with all its sources",
                             "county %s appears twice", code);
            tc_manifest_county *cs =
                realloc(m->counties, (size_t)(m->ncounties + 1) * sizeof(*cs));
            if (!cs) {
                L->rc = tc_fail(L->e, TC_ENOMEM, "out of memory");
                return 0;
            }
            m->counties = cs;
            L->cur = &cs[m->ncounties++];
            memset(L->cur, 0, sizeof(*L->cur));
            memcpy(L->cur->code, code, 7);
            L->cur->line = L->section_line;
        }
        return on_county(L, k, v);
    }
    return lfail(L, L->line, "sections are [city], [keys], [security] and [county CODE]",
                 "unknown section [%s]", section);
}

/* What only the whole file can tell. */
static int finish(loader *L)
{
    tc_manifest *m = L->m;
    static const char *const need[] = {"code", "cutover", "mappings", "work"};
    const char *have[] = {m->city, m->cutover, m->mappings, m->work};
    for (int i = 0; i < 4; i++)
        if (!have[i][0])
            return lfail(L, L->city_line ? L->city_line : 1, NULL, "[city] lacks '%s'",
                         need[i]), L->rc;
    if (!m->maker_key[0])
        return lfail(L, L->keys_line ? L->keys_line : 1,
                     "make one with 'tongchou keygen -o maker' and name it in [keys]",
                     "[keys] lacks 'maker', the key that signs the audit trail"), L->rc;
    if (!m->ncounties)
        return lfail(L, 1, "add a [county CODE] section per former pool",
                     "the manifest names no county"), L->rc;
    for (int i = 0; i < m->ncounties; i++)
        if (!m->counties[i].nsources)
            return lfail(L, m->counties[i].line, NULL, "county %s has no source",
                         m->counties[i].code), L->rc;
    /* a fund's own cutover: within the handover, of a fund handed over */
    for (int i = 0; i < m->ncounties; i++) {
        const tc_manifest_county *c = &m->counties[i];
        for (int k = 0; k < c->ncutovers; k++) {
            const tc_manifest_cutover *x = &c->cutovers[k];
            if (strcmp(x->date, m->cutover) > 0)
                return lfail(L, x->line, "a fund hands over on or before the city's cutover: "
                             "give an earlier date, or a later [city] cutover",
                             "county %s fund %s: cutover %s is after the city's cutover %s",
                             c->code, x->fund, x->date, m->cutover), L->rc;
            if (c->funds[0] && !in_list(c->funds, x->fund))
                return lfail(L, x->line, "add the fund to 'funds', or leave its cutover out",
                             "county %s fund %s has a cutover but is not among the funds it "
                             "hands over (%s)", c->code, x->fund, c->funds), L->rc;
        }
    }
    return 0;
}

int tc_manifest_load(tc_manifest **out, const char *path, tc_err *e)
{
    *out = NULL;
    tc_manifest *m = calloc(1, sizeof(*m));
    if (!m)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(m->path, sizeof(m->path), "%s", path);
    loader L = {.m = m, .e = e, .f = fopen(path, "r")};
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(L.dir, sizeof(L.dir), "%.*s", (int)(slash - path) > 0 ? (int)(slash - path) : 1,
                 path);
    if (!L.f) {
        free(m);
        return tc_fail(e, TC_EUSAGE, "cannot read manifest %s", path);
    }
    int r = ini_parse_stream(read_line, &L, on_kv, &L);
    fclose(L.f);
    if (!L.rc && r > 0) {
        L.rc = tc_fail(e, TC_EINPUT, "malformed line in the manifest");
        tc_err_at(e, path, r, 0);
        tc_err_hint(e, "lines are '[section]', 'key = value', or comments starting with ';'");
    }
    if (!L.rc)
        L.rc = finish(&L);
    if (L.rc) {
        tc_manifest_free(m);
        return L.rc;
    }
    *out = m;
    return 0;
}

void tc_manifest_free(tc_manifest *m)
{
    if (!m)
        return;
    free(m->counties);
    free(m);
}

const tc_manifest_county *tc_manifest_county_find(const tc_manifest *m, const char *code)
{
    for (int i = 0; i < m->ncounties; i++)
        if (strcmp(m->counties[i].code, code) == 0)
            return &m->counties[i];
    return NULL;
}

int tc_manifest_source_missing(const char *source)
{
    /* a live database is tried when extracted, as run tries it */
    return !tc_is_conninfo(source) && access(source, F_OK) != 0;
}
