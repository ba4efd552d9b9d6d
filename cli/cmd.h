/*
 * cmd.h - the front end's command table.
 *
 * Each subcommand is a thin main (shared/style.md, habit 1): it parses its
 * options into a struct, calls one library function, and maps the result to
 * an exit code with tc_log_fail().  Its help text lives in the table in
 * tongchou.c, the one source for `tongchou CMD --help`, `tongchou help CMD`
 * and, later, the man page.
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
} tc_command;

/* The command table, and how many commands it has. */
const tc_command *tc_cli_commands(size_t *n);

/* tongchou(1) in troff, and the bash completion, from the table (docgen.c). */
void tc_cli_man(FILE *f);
void tc_cli_completion(FILE *f);

/* Find a command by name (NULL when unknown). */
const tc_command *tc_cli_find(const char *name);

/* Print the command's help to stdout. */
void tc_cli_help(const tc_command *c);

/*
 * When argv holds -h or --help, print the help of `name` and return 1;
 * cmd_* functions start with `if (tc_cli_wants_help(...)) return 0;`.
 */
int tc_cli_wants_help(const char *name, int argc, char **argv);

/*
 * The words of `tongchou NAME -m MAPPINGS -o DIR [-q] INPUT...` (map,
 * reconcile): *set, *outdir and *first (the index of the first input) on
 * success and -1; otherwise the usage error is reported and its exit code
 * returned.  what names the inputs in the message ("batch").
 */
int tc_cli_set_out_inputs(const char *name, const char *what, int argc, char **argv,
                          const char **set, const char **outdir, int *first);

/* Report a usage error for `name` and return the usage exit code. */
int tc_cli_usage_error(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_batch(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_mappings(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_transfer(int argc, char **argv);

#endif
