/*
 * cmd_batch.c - `tongchou batch show|verify BATCH...`: look inside batches.
 *
 * show prints the header as "# key value" lines, the records as
 * tab-separated text (amounts in yuan, identity numbers masked unless
 * --raw), and the trailer; verify reads each batch to its end and reports
 * count, totals and body digest.  Both stop with exit 5 at the first batch
 * that is not whole.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/batch.h"
#include "core/ident.h"
#include "core/log.h"
#include "core/money.h"

static void print_value(const tc_column *c, const tc_value *v, int raw)
{
    char b[TC_MONEY_BUFSZ + 32];
    switch (c->type) {
    case TC_COL_TEXT:
        if (!raw && tc_ident_looks_like_id(v->s, v->n))
            fputs(tc_ident_mask(v->s, v->n, b, sizeof(b)), stdout);
        else
            fwrite(v->s, 1, v->n, stdout);
        break;
    case TC_COL_AMOUNT:
        fputs(tc_money_format(v->i, b), stdout);
        break;
    case TC_COL_RATE:
        fputs(tc_rate_format((int32_t)v->i, b), stdout);
        break;
    case TC_COL_DATE:
        printf("%04d-%02d-%02d", (int)(v->i / 10000), (int)(v->i / 100 % 100), (int)(v->i % 100));
        break;
    case TC_COL_PERIOD:
        printf("%04d-%02d", (int)(v->i / 100), (int)(v->i % 100));
        break;
    case TC_COL_INT:
        printf("%" PRId64, v->i);
        break;
    }
}

static void print_summary(const tc_batch_header *h, const tc_batch_summary *s, const char *pfx)
{
    char b[TC_MONEY_BUFSZ];
    printf("%scount %" PRIu64 "\n", pfx, s->count);
    for (int i = 0; i < h->ncols; i++)
        if (h->cols[i].type == TC_COL_AMOUNT)
            printf("%stotal %s %s\n", pfx, h->colname[i], tc_money_format(s->totals[i], b));
    printf("%sbody %s\n", pfx, s->body);
}

static int show(const char *path, int raw, tc_err *e)
{
    tc_batch_reader *r;
    int rc = tc_batch_open(&r, path, 0, e);
    if (rc)
        return rc;
    const tc_batch_header *h = tc_batch_header_of(r);
    printf("# type %s\n# county %s\n# pool %s\n# coding %s\n# cutover %s\n# source %s\n"
           "# mappings %s\n", h->type, h->county, h->pool[0] ? h->pool : "-", h->coding,
           h->cutover[0] ? h->cutover : "-",
           h->source[0] ? h->source : "-", h->mappings[0] ? h->mappings : "-");
    for (int i = 0; i < h->ncols; i++)
        printf("%s%s", i ? "\t" : "", h->colname[i]);
    putchar('\n');
    const tc_value *v;
    while ((rc = tc_batch_next(r, &v, e)) == 1) {
        for (int i = 0; i < h->ncols; i++) {
            if (i)
                putchar('\t');
            print_value(&h->cols[i], &v[i], raw);
        }
        putchar('\n');
    }
    if (rc == 0)
        print_summary(h, tc_batch_summary_of(r), "# ");
    tc_batch_close(r);
    return rc;
}

const tc_command tc_cmd_batch = {
    "batch", cmd_batch, "[--raw] show|verify BATCH...",
    "look inside batch files",
    "  show BATCH     print the header, the records as tab-separated text and\n"
    "                 the trailer (identity numbers masked unless --raw)\n"
    "  verify BATCH   read every batch to the end and check its trailer:\n"
    "                 count, control totals, digest; exit 5 on any mismatch\n",
    "show verify"};

int cmd_batch(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_batch, argc, argv))
        return 0;
    static const struct option opts[] = {{"raw", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
    int raw = 0, c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'r')
            return tc_cli_usage_error(&tc_cmd_batch, "unknown option");
        raw = 1;
    }
    if (argc - optind < 2)
        return tc_cli_usage_error(&tc_cmd_batch, "say show or verify, and name at least one batch");
    const char *verb = argv[optind];
    int is_show = strcmp(verb, "show") == 0;
    if (!is_show && strcmp(verb, "verify") != 0)
        return tc_cli_usage_error(&tc_cmd_batch, "unknown verb '%s'", verb);
    tc_err e;
    for (int i = optind + 1; i < argc; i++) {
        tc_err_clear(&e);
        int rc;
        if (is_show) {
            rc = show(argv[i], raw, &e);
        } else {
            tc_batch_header h;
            tc_batch_summary s;
            rc = tc_batch_verify(argv[i], &h, &s, &e);
            if (!rc) {
                printf("%s: whole: %s %s %s\n", argv[i], h.type, h.county, h.coding);
                print_summary(&h, &s, "  ");
            }
        }
        if (rc)
            return tc_log_fail(&e);
    }
    return 0;
}
