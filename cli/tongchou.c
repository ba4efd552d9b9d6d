/*
 * tongchou.c - the front end: a table of subcommands, git-style.
 *
 *   tongchou [--version] [--help] COMMAND [ARGS]
 *
 * main() finds the command, names it to the log module (so every message
 * reads "tongchou: COMMAND: ..."), and hands over argc/argv from the command
 * name on, getopt-style.  The exit codes are those of core/err.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "core/log.h"
#include "core/version.h"

static const tc_command commands[] = {
    {"generate", cmd_generate, "[OPTIONS] DIR",
     "generate the example city: county exports, legacy dumps, answer key",
     "Writes an example city modelled on Changchun into DIR: seven pools, each\n"
     "exported as handover XML (UTF-8, GB18030, gzipped) or as a YB2008 legacy\n"
     "database dumped with pg_dump (plain gzipped, custom format), and\n"
     "answer-key.json, the figures and findings the reconciliation must produce,\n"
     "derived from how the data was built.  The same seed gives the same bytes.\n"
     "\n"
     "  -n, --records N    contribution records per county (default 2000)\n"
     "  -s, --seed N       seed of the pseudo-random data (default 1)\n"
     "      --cutover D    cutover date YYYY-MM-DD (default 2021-06-30)\n"
     "      --unmapped     also inject one code the example mapping set lacks\n"
     "      --xml-only     write every county as handover XML (no PostgreSQL)\n"
     "      --write-mappings  write only the example mapping set into DIR\n"
     "      --county CODE  write only this county's source, no answer key\n"
     "                     (for benchmarks: one big file)\n"
     "  -q, --quiet        say nothing but errors\n"},
    {"extract", cmd_extract, "[--profile P] -o DIR SOURCE...",
     "read county sources into batches, one per record type per county",
     "  -o, --output DIR   folder for the batches (must exist)\n"
     "  -p, --profile P    profile for legacy databases: a file, or the name of a\n"
     "                     shipped one (default yb2008; see docs/profiles.md)\n"
     "  -q, --quiet        say nothing but errors\n"
     "\n"
     "A SOURCE is a handover XML file (.xml, .xml.gz; UTF-8 or GB18030), a pg_dump\n"
     "dump (plain .sql or .sql.gz, or custom format), told apart by content, or\n"
     "a live legacy database (a postgresql:// URI or a conninfo with dbname=),\n"
     "read in one REPEATABLE READ snapshot and re-counted in it.\n"
     "Each source's batches (DIR/<county>.<type>.tcb) appear together or not at\n"
     "all: a source that breaks a rule is refused (exit 3) with the file, line\n"
     "and what was expected, and leaves nothing behind.  The paths of the batches\n"
     "written go to stdout, one per line.\n"},
    {"map", cmd_map, "-m MAPPINGS -o DIR BATCH...",
     "turn county codes into the city coding; unmapped records go to rejects",
     "  -m, --mappings DIR  the mapping set (shared/spec/mappings.md)\n"
     "  -o, --output DIR    folder for the city batches (must exist)\n"
     "  -q, --quiet         say nothing but errors\n"
     "\n"
     "Each county-coded batch (from extract) becomes DIR/<region>.<type>.tcb,\n"
     "with the county's codes kept beside the city's (src_* columns), and the\n"
     "records no rule covers DIR/<county>.<type>.rejects.tcb, with the dimension,\n"
     "code and date that failed (exit 1).  Once the set is fixed, map the\n"
     "rejects batch into the same folder: its records rejoin the city batch in\n"
     "their original order, byte for byte as a clean run.  Records and amounts\n"
     "in must equal out plus rejected, or nothing is written (exit 5).\n"},
    {"mappings", cmd_mappings, "check MAPPINGS [BATCH...]",
     "check a mapping set, and the codes batches use that it does not cover",
     "  check MAPPINGS   read and check the set (shared/spec/mappings.md): a\n"
     "                   malformed row, an overlapping or duplicate rule, a\n"
     "                   target missing from the city lists or a '*' rule that\n"
     "                   can never apply is refused with its file and line\n"
     "                   (exit 3); prints the set's digest and rule counts\n"
     "  BATCH...         county-coded batches (from extract): prints each code in\n"
     "                   use that no rule covers, per county and dimension, with\n"
     "                   its records and amount; exit 1 when there is any\n"},
    {"db", cmd_db, "start|stop|status|env DIR",
     "start or stop a private PostgreSQL server in a folder",
     "  start DIR    create (initdb) and start a server in DIR, Unix socket only,\n"
     "               and print its connection string on stdout\n"
     "  stop DIR     stop the server running in DIR\n"
     "  status DIR   say whether a server runs in DIR (exit 0) or not (exit 4)\n"
     "  env DIR      print PGHOST, PGPORT and PGUSER as shell assignments\n"
     "\n"
     "  --fast       fsync=off and friends: for tests and throwaway data only\n"},
    {"batch", cmd_batch, "[--raw] show|verify BATCH...",
     "look inside batch files",
     "  show BATCH     print the header, the records as tab-separated text and\n"
     "                 the trailer (identity numbers masked unless --raw)\n"
     "  verify BATCH   read every batch to the end and check its trailer:\n"
     "                 count, control totals, digest; exit 5 on any mismatch\n"},
};

const tc_command *tc_cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void tc_cli_help(const tc_command *c)
{
    printf("usage: tongchou %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
    if (c->help && c->help[0])
        printf("\n%s", c->help);
}

int tc_cli_wants_help(const char *name, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            tc_cli_help(tc_cli_find(name));
            return 1;
        }
    }
    return 0;
}

int tc_cli_usage_error(const char *name, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_log_error("%s", msg);
    fprintf(stderr, "usage: tongchou %s %s\n", name, tc_cli_find(name)->synopsis);
    return TC_EXIT_USAGE;
}

static void usage_all(FILE *f)
{
    fprintf(f, "usage: tongchou [--version] [--help] COMMAND [ARGS]\n\n"
               "The handover of county medical-insurance funds to city-level pooling.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'tongchou COMMAND --help' tells more about one command.\n"
               "exit codes: 0 done, 1 findings, 2 usage, 3 bad input, 4 database or i/o\n"
               "failure, 5 integrity failure\n");
}

int main(int argc, char **argv)
{
    tc_log_init("tongchou");
    if (argc < 2) {
        usage_all(stderr);
        return TC_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("tongchou %s\n", TC_VERSION);
        return TC_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage_all(stdout);
        return TC_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        const tc_command *c = argc > 2 ? tc_cli_find(argv[2]) : NULL;
        if (argc > 2 && !c) {
            tc_log_error("unknown command '%s'", argv[2]);
            return TC_EXIT_USAGE;
        }
        if (c)
            tc_cli_help(c);
        else
            usage_all(stdout);
        return TC_EXIT_OK;
    }
    const tc_command *c = tc_cli_find(name);
    if (!c) {
        tc_log_error("'%s' is not a tongchou command (see 'tongchou --help')", name);
        return TC_EXIT_USAGE;
    }
    tc_log_set_command(c->name);
    return c->fn(argc - 1, argv + 1);
}
