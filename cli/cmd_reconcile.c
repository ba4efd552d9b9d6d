/*
 * cmd_reconcile.c - `tongchou reconcile -m MAPPINGS -o DIR BATCH...`.
 *
 * Prints the paths of the reports written, one per line; exit 0 when
 * everything checked holds, 1 when there are findings, 3 for bad input,
 * 5 when a batch does not verify (reconcile/reconcile.h does the work).
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "cli/record.h"
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
    static const struct option opts[] = {{"mappings", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    const char *set = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'm': set = optarg; break;
        case 'o': out = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error("reconcile", "unknown option");
        }
    }
    if (!set || !out)
        return tc_cli_usage_error("reconcile", "name the mapping set (-m) and the output folder (-o)");
    if (optind == argc)
        return tc_cli_usage_error("reconcile", "name at least one city-coded batch");
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
        return tc_cli_usage_error("reconcile", "output folder %s does not exist", out);
    tc_err e;
    tc_err_clear(&e);
    int status = 0;
    tc_cli_files files = {0};
    int rc = tc_reconcile_run(set, (const char *const *)argv + optind, argc - optind, out, wrote,
                              &files, &status, &e);
    fflush(stdout);
    int code = rc ? 0 : tc_cli_record(argc, argv, (const char *const *)argv + optind,
                                      (size_t)(argc - optind), &files, NULL, NULL);
    tc_cli_files_free(&files);
    if (rc)
        return tc_log_fail(&e);
    if (code)
        return code;
    if (status)
        tc_log_warning("findings need attention: see %s/findings.csv", out);
    return status ? TC_EXIT_FINDINGS : TC_EXIT_OK;
}
