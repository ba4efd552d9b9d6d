/*
 * cmd.h - the front end's commands, their table and the helpers they share.
 *
 * Each subcommand is a thin main (shared/style.md, habit 1): it parses its
 * options into a struct, calls one library function, and maps the result to
 * an exit code with tc_log_fail().  Each cmd_X.c defines its own descriptor,
 * tc_cmd_X: name, function and help text, kept next to the code they
 * describe; that text is the one source for `tongchou X --help`, `tongchou
 * help X`, the man page and the bash completion.  commands.c lists the
 * descriptors in a table; the helpers (options.c) take a descriptor, so no
 * command depends on the table or on another command.
 *
 *   tongchou.c (main) -> commands.c, docgen.c, options.c
 *   docgen.c          -> commands.c
 *   commands.c        -> cmd_*.c -> options.c, trail.c
 */
#ifndef TC_CLI_CMD_H
#define TC_CLI_CMD_H

#include <stddef.h>
#include <stdio.h>

typedef struct tc_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;   /* after "usage: tongchou NAME " */
    const char *summary;    /* one line */
    const char *help;       /* options and details, may be "" */
    const char *verbs;      /* its subcommands, space-separated ("show verify"), or NULL */
} tc_command;

/* The command table, in the order of `tongchou --help`, and how many
 * commands it has (commands.c). */
const tc_command *const *tc_cli_commands(size_t *n);

/* Find a command by name (NULL when unknown). */
const tc_command *tc_cli_find(const char *name);

/* tongchou(1) in troff, and the bash completion, from the table (docgen.c). */
void tc_cli_man(FILE *f);
void tc_cli_completion(FILE *f);

/* Print the command's help to stdout (options.c, as are the three below). */
void tc_cli_help(const tc_command *c);

/*
 * When argv holds -h or --help, print the help of c and return 1;
 * cmd_* functions start with `if (tc_cli_wants_help(&tc_cmd_X, ...)) return 0;`.
 */
int tc_cli_wants_help(const tc_command *c, int argc, char **argv);

#define TC_CLI_MAX_SPECS 64
typedef struct tc_cli_handover {   /* reconcile's options of a part handover */
    const char *funds[TC_CLI_MAX_SPECS];      /* --funds COUNTY=FUND,... */
    int nfunds;
    const char *cutovers[TC_CLI_MAX_SPECS];   /* --cutover COUNTY:FUND=YYYY-MM-DD */
    int ncutovers;
} tc_cli_handover;

/*
 * The words of `tongchou NAME -m MAPPINGS -o DIR [-q] INPUT...` (map, and
 * reconcile, whose --funds and --cutover go into h; NULL refuses them):
 * *set, *outdir (its trailing slashes stripped, tc_path_trim) and *first
 * (the index of the first input) on success and -1; otherwise the usage
 * error is reported and its exit code returned.  what names the inputs in
 * the message ("batch").
 */
int tc_cli_set_out_inputs(const tc_command *c, const char *what, int argc, char **argv,
                          const char **set, const char **outdir, tc_cli_handover *h,
                          int *first);

/*
 * Make the output folder a command was given (-o DIR), and the folders
 * above it, as `mkdir -p` does, new ones mode 0700: they hold identity
 * numbers.  0, or the exit code of the failure (reported on stderr).
 * Called once the words and the signing key are checked, so a refused
 * command makes nothing.
 */
int tc_cli_make_outdir(const char *dir);

/* Report a usage error for c, with its synopsis, and return the usage exit code. */
/* --jobs N: *jobs = N when it is a whole number from 1 to 1024 and 0
 * returned; else the usage error (exit 2) of c. */
int tc_cli_jobs(const tc_command *c, const char *arg, int *jobs);

int tc_cli_usage_error(const tc_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The commands: each cmd_X.c defines cmd_X and its descriptor tc_cmd_X. */
int cmd_batch(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_mappings(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_transfer(int argc, char **argv);
int cmd_documents(int argc, char **argv);
int cmd_documents_sign(int argc, char **argv);   /* `documents sign` (cmd_docsign.c) */
int cmd_policy(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_purge(int argc, char **argv);

extern const tc_command tc_cmd_batch;
extern const tc_command tc_cmd_db;
extern const tc_command tc_cmd_extract;
extern const tc_command tc_cmd_mappings;
extern const tc_command tc_cmd_map;
extern const tc_command tc_cmd_generate;
extern const tc_command tc_cmd_keygen;
extern const tc_command tc_cmd_audit;
extern const tc_command tc_cmd_reconcile;
extern const tc_command tc_cmd_diff;
extern const tc_command tc_cmd_load;
extern const tc_command tc_cmd_run;
extern const tc_command tc_cmd_status;
extern const tc_command tc_cmd_demo;
extern const tc_command tc_cmd_transfer;
extern const tc_command tc_cmd_documents;
extern const tc_command tc_cmd_documents_sign;
extern const tc_command tc_cmd_policy;
extern const tc_command tc_cmd_archive;
extern const tc_command tc_cmd_purge;

#endif
