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

int cmd_reconcile(int argc, char **argv)
{
    if (tc_cli_wants_help("reconcile", argc, argv))
        return 0;
    const char *set, *out;
    int first, code = tc_cli_set_out_inputs("reconcile", "city-coded batch", argc, argv, &set,
                                            &out, &first);
    if (code >= 0)
        return code;
    tc_err e;
    tc_err_clear(&e);
    int status = 0;
    tc_cli_files files = {0};
    int rc = tc_reconcile_run(set, (const char *const *)argv + first, argc - first, out, wrote,
                              &files, &status, &e);
    fflush(stdout);
    code = rc ? 0 : tc_cli_trail_append(argc, argv, (const char *const *)argv + first,
                                  (size_t)(argc - first), &files, NULL, NULL);
    tc_cli_files_free(&files);
    if (rc)
        return tc_log_fail(&e);
    if (code)
        return code;
    if (status)
        tc_log_warning("findings need attention: see %s/findings.csv", out);
    return status ? TC_EXIT_FINDINGS : TC_EXIT_OK;
}
