/*
 * cmd_mappings.c - `tongchou mappings check MAPPINGS [BATCH...]`.
 *
 * Loads and checks a mapping set (any fault: exit 3, with file and line),
 * prints its digest, the files it read as GB18030 and its rule counts, and with county-coded batches prints
 * one line per county, dimension and code that no rule covers, with the
 * records and amount behind it (exit 1 when there is any).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "core/money.h"
#include "mappings/mapset.h"

static int cmp_unc(const void *a, const void *b)
{
    const tc_uncovered *x = a, *y = b;
    int c = strcmp(x->county, y->county);
    if (!c)
        c = (int)x->dim - (int)y->dim;
    if (!c)
        c = strcmp(x->code, y->code);
    if (!c)
        c = strcmp(x->type, y->type);
    return c;
}

const tc_command tc_cmd_mappings = {
    "mappings", cmd_mappings, "check MAPPINGS [BATCH...]",
    "check a mapping set, and the codes batches use that it does not cover",
    "  check MAPPINGS   read and check the set (shared/spec/mappings.md): a\n"
    "                   malformed row, an overlapping or duplicate rule, a\n"
    "                   target missing from the city lists or a '*' rule that\n"
    "                   can never apply is refused with its file and line\n"
    "                   (exit 3); prints the set's digest and rule counts.\n"
    "                   Files are UTF-8; one that is not but decodes whole as\n"
    "                   GB18030 (Excel's default on Chinese Windows) is read\n"
    "                   as that and listed as 'encoding FILE GB18030'; one\n"
    "                   that is neither is refused at its first bad byte\n"
    "  BATCH...         county-coded batches (from extract): prints each code in\n"
    "                   use that no rule covers, per county and dimension, with\n"
    "                   its records and amount; exit 1 when there is any\n",
    "check"};

int cmd_mappings(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_mappings, argc, argv))
        return 0;
    if (argc < 3 || strcmp(argv[1], "check") != 0)
        return tc_cli_usage_error(&tc_cmd_mappings, "expected: mappings check MAPPINGS [BATCH...]");
    tc_err e;
    tc_err_clear(&e);
    tc_mapset *m;
    if (tc_mapset_load(&m, argv[2], &e))
        return tc_log_fail(&e);
    printf("mapping set %s\ndigest %s\n", argv[2], tc_mapset_digest(m));
    const char *const *gb;
    int ngb = tc_mapset_gb18030(m, &gb);
    for (int i = 0; i < ngb; i++)
        printf("encoding %s GB18030\n", gb[i]);
    for (int d = 0; d < TC_NDIM; d++)
        printf("rules %-12s %d\n", tc_dim_name((tc_dim)d), tc_mapset_rules(m, (tc_dim)d));
    tc_uncovered *list = NULL;
    int n = 0, rc = 0;
    for (int i = 3; i < argc && !rc; i++)
        if ((rc = tc_mapset_uncovered(m, argv[i], &list, &n, &e)))
            tc_err_prefix(&e, "%s: ", argv[i]);
    if (rc) {
        free(list);
        tc_mapset_free(m);
        return tc_log_fail(&e);
    }
    if (n)
        qsort(list, (size_t)n, sizeof(*list), cmp_unc);
    if (argc > 3)
        printf("uncovered %d\n", n);
    for (int i = 0; i < n; i++) {
        char b[TC_MONEY_BUFSZ];
        printf("county %s\t%s\t%s\t%s\t%lld records", list[i].county, tc_dim_name(list[i].dim),
               list[i].code, list[i].type, list[i].records);
        if (list[i].amount_col[0])
            printf("\t%s %s", list[i].amount_col, tc_money_format(list[i].amount, b));
        printf("\n");
    }
    if (n)
        tc_log_warning("%d codes in use have no rule: add rows to the dimension files named above",
                       n);
    free(list);
    tc_mapset_free(m);
    return n ? TC_EXIT_FINDINGS : 0;
}
