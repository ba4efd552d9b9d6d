/*
 * cmd_extract.c - `tongchou extract [--profile P] SOURCE... -o DIR`.
 *
 * Each source becomes one batch per record type in DIR, or nothing.  The
 * paths of the batches written go to stdout, one per line, so that
 * `tongchou extract ... | xargs tongchou map ...` works; what happened goes
 * to stderr.  Sources are independent: a refused one does not stop the
 * others, and the exit code is the worst of them.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "cli/trail.h"
#include "core/atomic.h"
#include "core/log.h"
#include "core/record.h"
#include "extract/emit.h"
#include "extract/extract.h"

static const char *kind_name(tc_source_kind k)
{
    return k == TC_SRC_XML ? "handover XML" : k == TC_SRC_DUMP ? "dump"
         : k == TC_SRC_UNLOAD ? "unload"
         : k == TC_SRC_WORKBOOK ? "finance-software workbook folder" : "live database";
}

const tc_command tc_cmd_extract = {
    "extract", cmd_extract, "[--profile P] -o DIR SOURCE...",
    "read county sources into batches, one per record type per county",
    "  -o, --output DIR   folder for the batches (made when missing)\n"
    "  -p, --profile P    profile for legacy databases: a file, or the name of a\n"
    "                     shipped one (default yb2008; see docs/profiles.md)\n"
    "  -q, --quiet        say nothing but errors\n"
    "\n"
    "A SOURCE is a handover XML file (.xml, .xml.gz; UTF-8 or GB18030), a pg_dump\n"
    "dump (plain .sql or .sql.gz, custom, tar, or a directory-format folder),\n"
    "told apart by content, a folder of text unloads (with a profile that has\n"
    "an [unload] section, such as yb2008-sqluldr2), or\n"
    "a live legacy database (a postgresql:// URI or a conninfo with dbname=),\n"
    "read in one REPEATABLE READ snapshot and re-counted in it.\n"
    "Each source's batches (DIR/<county>.<type>.tcb) appear together or not at\n"
    "all: a source that breaks a rule is refused (exit 3) with the file, line\n"
    "and what was expected, and leaves nothing behind.  The paths of the batches\n"
    "written go to stdout, one per line.\n",
    NULL};

int cmd_extract(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_extract, argc, argv))
        return 0;
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"profile", required_argument, NULL, 'p'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    tc_extract_opts o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "o:p:q", opts, NULL)) != -1) {
        switch (c) {
        case 'o': tc_path_trim(optarg), o.outdir = optarg; break;
        case 'p': o.profile = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error(&tc_cmd_extract, "unknown option");
        }
    }
    if (!o.outdir)
        return tc_cli_usage_error(&tc_cmd_extract, "name the output folder with -o DIR");
    if (optind == argc)
        return tc_cli_usage_error(&tc_cmd_extract, "name at least one source");
    for (int i = optind; i < argc; i++)   /* one source named twice: nothing done */
        for (int j = optind; j < i; j++) {
            struct stat a, b;
            if (stat(argv[i], &a) == 0 && stat(argv[j], &b) == 0 && a.st_dev == b.st_dev &&
                a.st_ino == b.st_ino)
                return tc_cli_usage_error(&tc_cmd_extract, "%s and %s are one source, named "
                                          "twice", argv[j], argv[i]);
        }
    int keycode = tc_cli_trail_check();   /* the signing key before any work */
    if (keycode || (keycode = tc_cli_make_outdir(o.outdir)))
        return keycode;

    int worst = 0;
    tc_cli_files out = {0};
    tc_cli_counts per = {0};   /* records per county, for the trail */
    const char *done_src[256];
    size_t ndone = 0;
    char seen[256][7];
    const char *seen_ptr[256], *seen_src[256];
    int nseen = 0;
    for (int i = optind; i < argc; i++) {
        const char *src_arg = argv[i];
        char src[1024];
        tc_redact_secrets(src_arg, src, sizeof(src));
        tc_err e;
        tc_err_clear(&e);
        tc_extract_result r;
        int64_t t0 = tc_now_ns();
        o.done_counties = seen_ptr;
        o.done_sources = seen_src;
        o.ndone = nseen;
        int rc = tc_extract_source(src_arg, &o, &r, &e);
        if (rc) {
            int code = tc_log_fail(&e);
            if (code > worst)
                worst = code;
            continue;
        }
        if (nseen < 256) {
            memcpy(seen[nseen], r.county, 7);
            seen_ptr[nseen] = seen[nseen];
            seen_src[nseen++] = src_arg;
        }
        if (ndone < 256)
            done_src[ndone++] = src_arg;
        long long total = 0;
        for (int t = 0; t < tc_nrectypes; t++) {
            char path[1024];
            tc_emit_batch_path(path, sizeof(path), o.outdir, r.county, tc_rectypes[t].name);
            printf("%s\n", path);
            tc_cli_files_add(&out, path);
            total += r.records[t];
        }
        tc_cli_counts_add(&per, r.county, total);
        double secs = (double)(tc_now_ns() - t0) / 1e9;   /* for people, not money */
        tc_log_info("%s: %s of county %s: %lld records in %.1f s (%lld contributions)", src,
                    kind_name(r.kind), r.county, total, secs, r.records[4]);
        if (!r.counted)   /* no Trailer, no check files: nothing to count the rows against */
            tc_log_info("%s: a %s carries no control totals: rows lost from it show only in "
                        "reconcile's cross-checks of the ledger (VOUCHER_GAP, "
                        "TURNOVER_MISMATCH, ...)", src, kind_name(r.kind));
        else if (r.kind == TC_SRC_UNLOAD)
            tc_log_info("%s: every file's row count agreed with its check file (control "
                        "totals: counts)", src);
        if (r.kind == TC_SRC_WORKBOOK)
            tc_log_info("%s: the journal's turnover agreed with the balance table's, per fund, "
                        "account and period (a check of the ledger against itself, not a "
                        "control total)", src);
        if (r.bad_check_digits)
            tc_log_warning("%s: %lld identity numbers or credit codes with a bad check "
                           "digit (reconcile reports them)", src, r.bad_check_digits);
    }
    fflush(stdout);
    if (ndone) {
        char rec[64 * 32 + 64];
        int code = tc_cli_trail_append(argc, argv, done_src, ndone, &out, NULL,
                                       tc_cli_counts_json(&per, "records", rec, sizeof(rec)));
        if (code > worst)
            worst = code;
    }
    tc_cli_files_free(&out);
    return worst;
}
