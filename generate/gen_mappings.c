/*
 * gen_mappings.c - the example mapping set for the example city
 * (shared/spec/mappings.md), written from the same tables that make the
 * data, so the two cannot drift apart.  mappings/changchun/ in the source
 * tree is this output, checked in; a test regenerates it and compares.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/perm.h"
#include "core/atomic.h"
#include "core/money.h"
#include "generate/gen_int.h"

typedef struct csv {
    tc_atomic *a;
    FILE *f;
} csv;

static int csv_open(csv *c, const char *dir, const char *name, const char *header, tc_err *e)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = tc_atomic_open(&c->a, path, e);
    if (rc)
        return rc;
    c->f = tc_atomic_file(c->a);
    fprintf(c->f, "%s\r\n", header);
    return 0;
}

static int csv_close(csv *c, int rc, tc_err *e)
{
    if (rc) {
        tc_atomic_abort(c->a);
        return rc;
    }
    return tc_atomic_commit(c->a, e);
}

/* One field, quoted as RFC 4180 says when it holds a comma, a quote or a
 * line break (the notes do: "...划归长春,区划代码..."). */
static void field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void row(csv *c, const char *county, const char *src, const char *dst, const char *note)
{
    fprintf(c->f, "%s,%s,%s,,,", county, src, dst);
    field(c->f, note);
    fputs("\r\n", c->f);
}

#define MAPHDR "county,source,target,valid_from,valid_to,note"

static int city_lists(const char *dir, tc_err *e)
{
    char sub[1024];
    snprintf(sub, sizeof(sub), "%s/city", dir);
    int rc = tc_mkdir_p(sub, tc_perm_dir(), e);
    if (rc)
        return rc;
    csv c;
    rc = csv_open(&c, sub, "regions.csv", "code,name", e);
    if (rc)
        return rc;
    for (int i = 0; i < GEN_NCOUNTIES; i++)
        fprintf(c.f, "%s,%s\r\n", gen_counties[i].city, gen_counties[i].name);
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    static const char *const funds[][2] = {
        {"310", "职工基本医疗保险"},     {"320", "公务员医疗补助"},
        {"330", "大额医疗费用补助"},     {"340", "离休人员医疗保障"},
        {"390", "城乡居民基本医疗保险"}, {"392", "城乡居民大病医疗保险"},
        {"510", "生育保险"}};
    if ((rc = csv_open(&c, sub, "funds.csv", "code,name", e)))
        return rc;
    for (size_t i = 0; i < sizeof(funds) / sizeof(funds[0]); i++)
        fprintf(c.f, "%s,%s\r\n", funds[i][0], funds[i][1]);
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, sub, "accounts.csv", "code,name,class,role", e)))
        return rc;
    for (int i = 0; i < gen_city_chart_n; i++)
        fprintf(c.f, "%s,%s,%s,%s\r\n", gen_city_chart[i].code, gen_city_chart[i].name,
                gen_city_chart[i].cls, gen_city_chart[i].role);
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, sub, "institutions.csv", "code,name", e)))
        return rc;
    for (int k = 0; k < GEN_NCOUNTIES; k++)
        for (int i = 0; i < GEN_NINST; i++) {
            char code[32], name[96];
            gen_inst_city(&gen_counties[k], i, code, sizeof(code));
            gen_inst_name(&gen_counties[k], i, name, sizeof(name));
            fprintf(c.f, "%s,%s\r\n", code, name);
        }
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, sub, "rates.csv", "fund,kind,valid_from,valid_to,rate", e)))
        return rc;
    for (int i = 0; i < gen_city_rates_n; i++) {
        char r[16];
        fprintf(c.f, "%s,%s,%s,%s,%s\r\n", gen_city_rates[i].fund, gen_city_rates[i].kind,
                gen_city_rates[i].from, gen_city_rates[i].to,
                gen_rate_text(gen_city_rates[i].rate, 0, r));
    }
    return csv_close(&c, 0, e);
}

int tc_gen_write_mappings(const char *dir, tc_err *e)
{
    int rc = tc_mkdir_p(dir, tc_perm_dir(), e);
    if (!rc)
        rc = city_lists(dir, e);
    if (rc)
        return rc;
    csv c;

    if ((rc = csv_open(&c, dir, "region.csv", MAPHDR, e)))
        return rc;
    for (int i = 0; i < GEN_NCOUNTIES; i++) {
        const gen_county *k = &gen_counties[i];
        row(&c, "*", k->code, k->city,
            strcmp(k->code, k->city) ? "公主岭市2020年划归长春,区划代码220381改为220184" : "");
    }
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, dir, "fund.csv", MAPHDR, e)))
        return rc;
    for (int i = 0; i < GEN_NCOUNTIES; i++) {
        const gen_county *k = &gen_counties[i];
        for (int f = 0; f < k->nfunds; f++)
            row(&c, k->code, k->funds[f].code, k->funds[f].city,
                k->funds[f].kind == FK_MATERNITY ? "生育保险并入职工基本医疗保险" : "");
    }
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, dir, "account.csv", MAPHDR, e)))
        return rc;
    for (int a = 0; a < A_N; a++)
        row(&c, "*", gen_chart3[a].code, gen_chart4[a].code,
            a == A_BENEFIT_PA ? "1999年科目:个人账户支出并入待遇支出" : "1999年科目");
    for (int a = 0; a < A_N; a++)
        if (a != A_BENEFIT_PA)
            row(&c, "*", gen_chart4[a].code, gen_chart4[a].code, "");
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    if ((rc = csv_open(&c, dir, "institution.csv", MAPHDR, e)))
        return rc;
    for (int k = 0; k < GEN_NCOUNTIES; k++)
        for (int i = 0; i < GEN_NINST; i++) {
            char local[32], city[32];
            gen_inst_local(&gen_counties[k], i, local, sizeof(local));
            gen_inst_city(&gen_counties[k], i, city, sizeof(city));
            row(&c, gen_counties[k].code, local, city, "");
        }
    if ((rc = csv_close(&c, 0, e)))
        return rc;

    static const struct {
        const char *file;
        const char *const *words;
    } coded[3] = {{"kind.csv", gen_kind_names},
                  {"level.csv", gen_level_names},
                  {"bank_role.csv", gen_role_names}};
    for (int d = 0; d < 3; d++) {
        if ((rc = csv_open(&c, dir, coded[d].file, MAPHDR, e)))
            return rc;
        for (int i = 0; i < 4; i++)
            row(&c, "*", coded[d].words[i], coded[d].words[i], "");
        for (int k = 0; k < GEN_NCOUNTIES; k++) {
            const gen_county *g = &gen_counties[k];
            if (g->format == FMT_XML)
                continue;
            const char *const *local = d == 0 ? g->kinds : d == 1 ? g->levels : g->roles;
            for (int i = 0; i < 4; i++)
                row(&c, g->code, local[i], coded[d].words[i], "YB2008 代码");
        }
        if ((rc = csv_close(&c, 0, e)))
            return rc;
    }
    return 0;
}
