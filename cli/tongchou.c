/*
 * tongchou.c - the front end: a table of subcommands, git-style.
 *
 *   tongchou [--version] [--help] COMMAND [ARGS]
 *
 * main() finds the command, names it to the log module (so every message
 * reads "tongchou: COMMAND: ..."), and hands over argc/argv from the command
 * name on, getopt-style.  The exit codes are those of core/err.h.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
    {"reconcile", cmd_reconcile, "-m MAPPINGS -o DIR BATCH...",
     "run every check of the reconciliation and write its reports",
     "  -m, --mappings DIR  the mapping set the batches were mapped with\n"
     "  -o, --output DIR    folder for the reports (must exist)\n"
     "  -q, --quiet         say nothing but errors\n"
     "\n"
     "Reads city-coded batches (from map), of any counties, and writes\n"
     "DIR/reconciliation.json, findings.csv, arrears.csv (the whole employer\n"
     "arrears schedule), reconciliation.html and reconciliation.xlsx\n"
     "(shared/spec/interfaces.md), printing their paths.\n"
     "A city's MAPPINGS/city/severity.csv (code,severity) overrides which\n"
     "findings block.  Exit 0 clean, 1 findings, 3 bad input, 5 a batch that\n"
     "does not verify (then nothing is written).\n"},
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
    {"transfer", cmd_transfer, "waive|plan|approve|execute [OPTIONS] [PLAN]",
     "move each county's surplus to the city, maker-checker, exactly once",
     "  waive -r REC --county C --finding CODE/FUND/REF... --reason TEXT -k KEY -o FILE\n"
     "      an authorised person's signed waiver of blocking findings of one county\n"
     "  plan -r REC -k MAKER.key [--waiver FILE --pub SIGNER.pub]... -o PLAN [--db DB]\n"
     "      one transfer per county and fund, amount = reconciled cash; counties\n"
     "      with blocking findings not waived are left out; signed by the maker\n"
     "  approve PLAN -k CHECKER.key --pub MAKER.pub\n"
     "      the checker signs (the maker's key is refused)\n"
     "  execute PLAN -r REC -m MAPPINGS --pub MAKER.pub --pub CHECKER.pub -k KEY [--db DB]\n"
     "      verifies signatures, digests and amounts, then posts every transfer in one\n"
     "      transaction with the after-checks; again, it posts nothing.  stdout: posted\n"
     "      or already, county, fund, amount, id\n"
     "\n"
     "  -r, --reconciliation FILE  reconciliation.json (from reconcile)\n"
     "  -k, --key FILE     private key signing the document and the audit entry\n"
     "  -p, --pub FILE     a public key (repeatable)\n"
     "  -t, --trail FILE   the audit trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
     "      --db DB        libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
     "\n"
     "Exit 0 done, 2 usage, 3 bad input, 4 database or I/O (nothing committed),\n"
     "5 integrity: a signature, digest or amount that does not match.  docs/transfer.md.\n"},
    {"load", cmd_load, "[--db DB] [--replace] BATCH... | --retry-failed | --status | --verify",
     "load city-coded batches into the city database, exactly once each",
     "Each batch is loaded by COPY in one transaction that checks count(*) and\n"
     "the sum of every amount column against the batch's trailer (a difference\n"
     "rolls back, exit 5) and registers the batch complete.  A batch already\n"
     "loaded is skipped; a different batch of the same county and record type is\n"
     "refused unless --replace.  A failed batch leaves nothing behind and is\n"
     "recorded with its error; the next batch is tried.  stdout: one line per\n"
     "batch: outcome, county, type, records, path.  A reconciliation.json (from\n"
     "reconcile) given as a BATCH goes into the reconciliation tables, once.\n"
     "\n"
     "      --db DB          libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
     "      --replace        replace a loaded batch of the same county and type\n"
     "      --retry-failed   load again every batch with an open failure\n"
     "      --status         list the batches with an open failure (exit 1 if any)\n"
     "      --verify         re-check every loaded batch against its trailer\n"
     "  -q, --quiet          say nothing but errors\n"
     "\n"
     "The schema must be there first: tongchou db init (docs/database.md).\n"},
    {"db", cmd_db, "start|stop|status|env DIR | init|upgrade [--db DB]",
     "a private PostgreSQL server in a folder; the city database's schema",
     "  init         create schema tongchou, its tables and roles (idempotent)\n"
     "  upgrade      apply the schema steps the database lacks\n"
     "  --db DB      libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
     "  start DIR    create (initdb) and start a server in DIR, Unix socket only,\n"
     "               and print its connection string on stdout\n"
     "  stop DIR     stop the server running in DIR\n"
     "  status DIR   say whether a server runs in DIR (exit 0) or not (exit 4)\n"
     "  env DIR      print PGHOST, PGPORT and PGUSER as shell assignments\n"
     "\n"
     "  --fast       fsync=off and friends: for tests and throwaway data only\n"},
    {"keygen", cmd_keygen, "[--alg ed25519|sm2] -o NAME",
     "make a signing key pair for the audit trail",
     "  -a, --alg ALG      ed25519 (default) or sm2 (SM2 with SM3, ID 1234567812345678)\n"
     "  -o, --output NAME  write NAME.key (private, PKCS#8 PEM, mode 0600) and\n"
     "                     NAME.pub (public, PEM)\n"
     "\n"
     "Prints the key id (\"ed25519:\" or \"sm2:\" and 16 hex digits of the SHA-256\n"
     "of the public key).  Every command that signs refuses a private key that\n"
     "group or others may read.  See docs/audit.md.\n"},
    {"audit", cmd_audit, "show|verify|checkpoint|cosign|prove|repair [OPTIONS]",
     "the signed audit trail: show it, verify it, checkpoint it, prove an entry",
     "  show                      print the trail readably (identity numbers masked)\n"
     "  verify [FILE...]          check, with public keys only, every entry's\n"
     "                            signature and chain, the checkpoint and proofs\n"
     "                            given, and that each FILE is the one recorded;\n"
     "                            every problem is listed, exit 5 naming the first\n"
     "                            bad entry\n"
     "  checkpoint -o FILE        write a signed checkpoint (c2sp.org/tlog-checkpoint)\n"
     "                            of the whole trail, signed by each --key\n"
     "  cosign --checkpoint FILE  add one more --key's signature to a checkpoint\n"
     "  prove N --checkpoint CP -o FILE  the inclusion proof of entry N\n"
     "                            (c2sp.org/tlog-proof@v1)\n"
     "  repair                    cut a torn last line (a crash mid-append) off the\n"
     "                            trail, keeping its bytes in TRAIL.torn\n"
     "\n"
     "  -t, --trail FILE      the trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
     "  -k, --key FILE        a private key to sign with (repeatable)\n"
     "  -p, --pub FILE        a trusted public key (repeatable)\n"
     "      --require FILE    a public key whose signature the checkpoint must carry\n"
     "      --origin TEXT     the checkpoint's origin (verify: the one expected)\n"
     "  -c, --checkpoint FILE a checkpoint to verify, prove against or cosign\n"
     "      --proof FILE      an inclusion proof to verify (repeatable)\n"
     "      --rerun           re-run the last recorded reconcile on its recorded\n"
     "                            inputs; its reports must be byte for byte the same\n"
     "  -o, --output FILE     where checkpoint and prove write\n"},
    {"run", cmd_run, "[--dry-run] [--county C] [--jobs N] [--keep-db] [--db DB] MANIFEST",
     "the whole handover of a city from its manifest, resumable",
     "  -n, --dry-run      print what would run (and what is up to date), do nothing\n"
     "  -c, --county C     only county C (its report goes to WORK/reports/C)\n"
     "  -j, --jobs N       counties at once (default: the number of cores)\n"
     "  -k, --keep-db      leave the embedded database server running\n"
     "  -d, --db DB        the city database (else the manifest's, DATABASE_URL, PG*)\n"
     "  -q, --quiet        say nothing but errors\n"
     "\n"
     "Per county, in parallel: extract its sources, map them to the city coding;\n"
     "then for the city: reconcile, load.  Every step appends a signed entry to\n"
     "WORK/audit.trail; a step whose outputs exist and match the trail is skipped,\n"
     "so a run that failed or was killed is resumed by running it again.  With no\n"
     "database named anywhere, a private PostgreSQL server is started in WORK/db\n"
     "(Unix socket only) and stopped at the end.  The manifest format is in\n"
     "docs/manifest.md.  Exit 1 when the reconciliation found something.\n"},
    {"status", cmd_status, "[--html FILE] [--db DB] MANIFEST",
     "where each county of a handover stands",
     "  -H, --html FILE   also write the table as one self-contained page\n"
     "  -d, --db DB       the city database (else the manifest's, DATABASE_URL, or\n"
     "                    the embedded server under WORK/db)\n"
     "\n"
     "Per county: records extracted, records rejected by map, findings (blocking,\n"
     "warnings), batches loaded, transfer state; then whether the audit trail\n"
     "verifies with the maker's key (exit 5 when it does not).  Reads only.\n"},
    {"demo", cmd_demo, "[-n RECORDS] [--keep-db] [DIR]",
     "the example city's whole handover, start to finish",
     "  -n, --records N   contribution records per county (default 20000)\n"
     "  -k, --keep-db     leave the embedded database running, and say how to reach it\n"
     "  -j, --jobs N      counties at once (default: the number of cores)\n"
     "\n"
     "In DIR (default demo/): generates the example city (city/, with its answer\n"
     "key), makes two key pairs (keys/maker, keys/checker), writes the manifest\n"
     "city.ini, runs the whole pipeline on an embedded PostgreSQL server (work/),\n"
     "plans, approves and executes the transfer, verifies the audit trail, and\n"
     "prints the transfer and findings per county and where the reports are.\n"},
    {"batch", cmd_batch, "[--raw] show|verify BATCH...",
     "look inside batch files",
     "  show BATCH     print the header, the records as tab-separated text and\n"
     "                 the trailer (identity numbers masked unless --raw)\n"
     "  verify BATCH   read every batch to the end and check its trailer:\n"
     "                 count, control totals, digest; exit 5 on any mismatch\n"},
};

const tc_command *tc_cli_commands(size_t *n)
{
    *n = sizeof(commands) / sizeof(commands[0]);
    return commands;
}

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

int tc_cli_set_out_inputs(const char *name, const char *what, int argc, char **argv,
                          const char **set, const char **outdir, int *first)
{
    static const struct option opts[] = {{"mappings", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    *set = *outdir = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'm': *set = optarg; break;
        case 'o': *outdir = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error(name, "unknown option");
        }
    }
    if (!*set || !*outdir)
        return tc_cli_usage_error(name, "name the mapping set (-m) and the output folder (-o)");
    if (optind == argc)
        return tc_cli_usage_error(name, "name at least one %s", what);
    struct stat st;
    if (stat(*outdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return tc_cli_usage_error(name, "output folder %s does not exist", *outdir);
    *first = optind;
    return -1;
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
    /* The stages make and free buffers of a few hundred KiB by the
     * thousand (a zlib stream and a block per batch part, per segment of
     * a large XML).  glibc would map and unmap each, and every first touch
     * of a fresh page is a fault: 29,000 of them for a 2-million-record
     * extraction.  Kept in the heap and reused, 6,600; peak RSS grows by
     * 2 MiB. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
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
    if (strcmp(name, "help") == 0 && argc > 2 && strcmp(argv[2], "--man") == 0) {
        tc_cli_man(stdout);
        return TC_EXIT_OK;
    }
    if (strcmp(name, "help") == 0 && argc > 2 && strcmp(argv[2], "--bash-completion") == 0) {
        tc_cli_completion(stdout);
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
