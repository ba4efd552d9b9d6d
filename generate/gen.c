/*
 * gen.c - tc_gen_city(): run the construction for each county into the
 * sink its format calls for, then write the answer key.  See gen.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/perm.h"
#include "core/atomic.h"
#include "core/money.h"
#include "generate/gen_model.h"
#include "db/pgserver.h"

void tc_gen_defaults(tc_gen_options *o)
{
    memset(o, 0, sizeof(*o));
    o->records = 2000;
    o->seed = 1;
    snprintf(o->cutover, sizeof(o->cutover), "2021-06-30");
}

static int parse_cutover(gen_city *g, const char *s, tc_err *e)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 ||
        y > 2100 || m < 4 || m > 12 || d < 1 || d > 31)
        return tc_fail(e, TC_EUSAGE, "bad cutover '%s': expected YYYY-MM-DD in April or later", s);
    g->year = y;
    g->np = m;
    g->cut_day = d;
    g->cutover = y * 10000 + m * 100 + d;
    return 0;
}

int gen_city_new(gen_city **out, const tc_gen_options *o, tc_err *e)
{
    if (o->records < 100)
        return tc_fail(e, TC_EUSAGE, "at least 100 records per county are needed, not %llu",
                       (unsigned long long)o->records);
    if (o->months && (o->months < 12 || o->months > 120))
        return tc_fail(e, TC_EUSAGE, "--months is 12 to 120 (room for every injected case), not %d",
                       o->months);
    if (o->legacy_as && o->xml_only)
        return tc_fail(e, TC_EUSAGE, "--legacy-as writes the legacy databases' counties in other "
                       "forms: not with --xml-only, which writes them as XML");
    if (o->months && o->only)
        return tc_fail(e, TC_EUSAGE, "--months goes on with the whole city, not one county's "
                       "source (--county)");
    gen_city *g = calloc(1, sizeof(*g));
    if (!g)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    g->o = *o;
    g->seed = o->seed;
    g->records = o->records;
    int rc = parse_cutover(g, o->cutover, e);
    if (rc) {
        free(g);
        return rc;
    }
    for (int i = 0; i < GEN_NCOUNTIES; i++) {
        g->defs[i] = gen_counties[i];
        if (o->xml_only && g->defs[i].format != FMT_XML) {
            snprintf(g->files[i], sizeof(g->files[i]), "%s.xml", g->defs[i].code);
            g->defs[i].file = g->files[i];
            g->defs[i].format = FMT_XML;
            g->defs[i].gz = 0;
            /* handover XML cannot carry a duplicate record: its reader
             * refuses the file, as handover-xml.md says */
            g->defs[i].inject &= ~INJ_DUPLICATE;
        }
        if (o->unmapped && strcmp(g->defs[i].code, "220122") == 0)
            g->defs[i].inject |= INJ_UNMAPPED;
        g->counties[i].c = &g->defs[i];
        g->counties[i].ci = i;
    }
    *out = g;
    return 0;
}

void gen_city_free(gen_city *g)
{
    if (!g)
        return;
    for (int i = 0; i < GEN_NCOUNTIES; i++) {
        county_state *s = &g->counties[i];
        free(s->lines);
        free(s->v);
        free(s->entries);
        free(s->findings);
    }
    free(g);
}

static int mkdir_p1(const char *path, tc_err *e)
{
    return tc_mkdir_p(path, tc_perm_dir(), e);
}

int tc_gen_city(const tc_gen_options *o, tc_err *e)
{
    gen_city *g;
    int rc = gen_city_new(&g, o, e);
    if (rc)
        return rc;
    char sources[1024], path[1200];
    snprintf(sources, sizeof(sources), "%s/sources", o->dir);
    rc = tc_mkdir_p(o->dir, tc_perm_dir(), e);   /* and the folders above it, as mkdir -p */
    if (!rc)
        rc = mkdir_p1(sources, e);
    int wanted[GEN_NCOUNTIES], nwanted = 0, need_pg = 0;
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++) {
        const gen_county *c = g->counties[ci].c;
        wanted[ci] = !o->only || strcmp(o->only, c->code) == 0 || strcmp(o->only, c->file) == 0 ||
                     strcmp(o->only, c->city) == 0;
        nwanted += wanted[ci];
        need_pg |= wanted[ci] && c->format != FMT_XML;
    }
    if (!rc && !nwanted)
        rc = tc_fail(e, TC_EUSAGE, "the example city has no county '%s'", o->only);
    tc_pgserver *srv = NULL;
    if (!rc && need_pg)
        rc = tc_pgserver_start(&srv, NULL, TC_PGSERVER_EPHEMERAL | TC_PGSERVER_FAST, e);
    for (int ci = 0; ci < GEN_NCOUNTIES && !rc; ci++) {
        const gen_county *c = g->counties[ci].c;
        if (!wanted[ci])
            continue;
        snprintf(path, sizeof(path), "%s/%s", sources, c->file);
        gen_sink *sink;
        if (c->format == FMT_XML)
            rc = gen_xml_sink(&sink, c, path, o->cutover, e);
        else
            rc = gen_yb2008_sink(&sink, c, srv, path, o->cutover, o->legacy_as, o->dir, e);
        if (rc)
            break;
        rc = gen_county_emit(g, ci, sink, e);
        if (rc) {
            sink->abort(sink);
            break;
        }
        rc = sink->commit(sink, e);
        if (!rc && o->on_source)
            o->on_source(o->arg, path, g->counties[ci].tally.count[RT_CONTRIBUTION]);
    }
    if (!rc && !o->only) {
        snprintf(path, sizeof(path), "%s/answer-key.json", o->dir);
        rc = gen_key_write(g, path, e);
    }
    if (!rc && !o->only && o->months)
        rc = gen_months_write(g, e);
    tc_err e2;
    if (srv && tc_pgserver_stop(srv, &e2) && !rc)
        rc = tc_fail(e, e2.code, "%s", e2.msg);
    gen_city_free(g);
    return rc;
}
