/*
 * cmd_reconcile.c - `tongchou reconcile -m MAPPINGS -o DIR BATCH...`.
 *
 * Prints the paths of the reports written, one per line; exit 0 when
 * everything checked holds, 1 when there are findings, 3 for bad input,
 * 5 when a batch does not verify (reconcile/reconcile.h does the work).
 */
#include <stdio.h>

#include "cli/cmd.h"
#include "cli/trail.h"
#include "core/log.h"
#include "reconcile/reconcile.h"

static void wrote(void *arg, const char *path)
{
    printf("%s\n", path);
    tc_cli_files_add(arg, path);
}

const tc_command tc_cmd_reconcile = {
    "reconcile", cmd_reconcile,
    "-m MAPPINGS -o DIR [--funds COUNTY=FUND,...]... [--cutover COUNTY:FUND=DATE]... BATCH...",
    "run every check of the reconciliation and write its reports",
    "  -m, --mappings DIR  the mapping set the batches were mapped with\n"
    "  -o, --output DIR    folder for the reports (made when missing)\n"
    "      --funds COUNTY=FUND,...  a part handover: the city funds COUNTY (a\n"
    "                      region or pool code) hands over; its other funds are\n"
    "                      reconciled, marked \"handed_over\": false, never transferred\n"
    "      --cutover COUNTY:FUND=YYYY-MM-DD  a part handover: COUNTY hands city fund\n"
    "                      FUND over at its own cutover, on or before the batches';\n"
    "                      its balances, bank statements, checks, claims and debts\n"
    "                      are taken at that date, and its entry says \"cutover\"\n"
    "  -q, --quiet         say nothing but errors\n"
    "\n"
    "Reads city-coded batches (from map), of any counties, and writes\n"
    "DIR/reconciliation.json, findings.csv, arrears.csv (the whole employer\n"
    "arrears schedule), reconciliation.html and reconciliation.xlsx\n"
    "(shared/spec/interfaces.md), printing their paths.  Every finding has\n"
    "its message in English and in Chinese (\"message_zh\"; findings.csv's\n"
    "columns: county,pool,fund,code,severity,ref,amount,message,message_zh).\n"
    "A city's MAPPINGS/city/severity.csv (code,severity) overrides which\n"
    "findings block.  Exit 0 clean, 1 findings, 3 bad input, 5 a batch that\n"
    "does not verify (then nothing is written).\n",
    NULL};

int cmd_reconcile(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_reconcile, argc, argv))
        return 0;
    const char *set, *out;
    tc_cli_handover h;
    int first, code = tc_cli_set_out_inputs(&tc_cmd_reconcile, "city-coded batch", argc, argv,
                                            &set, &out, &h, &first);
    if (code >= 0)
        return code;
    if ((code = tc_cli_trail_check()) || (code = tc_cli_make_outdir(out)))
        return code;   /* the signing key before any work */
    tc_err e;
    tc_err_clear(&e);
    int status = 0;
    tc_cli_files files = {0};
    tc_mapset *m = NULL;
    tc_reconcile_opts o = {h.funds, h.nfunds, h.cutovers, h.ncutovers};
    int rc = tc_mapset_load(&m, set, &e);
    if (!rc)
        rc = tc_reconcile_run(m, (const char *const *)argv + first, argc - first, &o, out, wrote,
                              &files, &status, &e);
    fflush(stdout);
    /* the entry names the mapping set by its digest, as map's does */
    code = rc ? 0 : tc_cli_trail_append(argc, argv, (const char *const *)argv + first,
                                        (size_t)(argc - first), &files, tc_mapset_digest(m),
                                        NULL);
    tc_mapset_free(m);
    tc_cli_files_free(&files);
    if (rc)
        return tc_log_fail(&e);
    if (code)
        return code;
    if (status)
        tc_log_warning("findings need attention: see %s/findings.csv", out);
    return status ? TC_EXIT_FINDINGS : TC_EXIT_OK;
}
