/*
 * tongchou.c - the front end's main(): git-style subcommands.
 *
 *   tongchou [--version] [--help] [--group NAME] COMMAND [ARGS]
 *
 * Every file a command writes is its owner's alone (0600, folders 0700);
 * --group NAME, or $TONGCHOU_GROUP, shares them with one group (0640/0750,
 * core/perm.h); a manifest's [security] group does the same for run.
 *
 * main() finds the command in the table (commands.c), names it to the log
 * module (so every message reads "tongchou: COMMAND: ..."), and hands over
 * argc/argv from the command name on, getopt-style.  `tongchou help` prints
 * the overview, a command's help (options.c), the man page or the bash
 * completion (docgen.c).  The exit codes are those of core/err.h.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/batch.h"
#include "core/err.h"
#include "core/log.h"
#include "core/perm.h"
#include "core/policy.h"
#include "core/seal.h"
#include "core/version.h"

static void usage_all(FILE *f)
{
    fprintf(f, "usage: tongchou [--version] [--help] [--group NAME] COMMAND [ARGS]\n\n"
               "The handover of county medical-insurance funds to city-level pooling.\n\n"
               "commands:\n");
    size_t n;
    const tc_command *const *c = tc_cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-10s %s\n", c[i]->name, c[i]->summary);
    fprintf(f, "\n'tongchou COMMAND --help' tells more about one command.\n"
               "Every file written is its owner's alone (0600, folders 0700); --group NAME\n"
               "or $TONGCHOU_GROUP shares them with that group (0640, folders 0750).\n"
               "exit codes: 0 done, 1 findings, 2 usage, 3 bad input, 4 database or i/o\n"
               "failure, 5 integrity failure\n");
}

/*
 * Sealed batches (docs/personal-data.md): $TONGCHOU_DATA_KEY opens them for
 * every command; extract and map seal what they write for the [data]
 * holders of $TONGCHOU_POLICY.  Both live until the process ends.
 */
static int data_setup(const char *cmd)
{
    static tc_seal_key *key;
    static tc_policy *policy;
    tc_err e;
    tc_err_clear(&e);
    const char *kp = getenv("TONGCHOU_DATA_KEY");
    if (kp && kp[0]) {
        if (tc_seal_key_load(&key, kp, &e)) {
            tc_err_prefix(&e, "TONGCHOU_DATA_KEY: ");
            return tc_log_fail(&e);
        }
        tc_batch_open_with(key);
    }
    const char *pp = getenv("TONGCHOU_POLICY");
    if (!pp || !pp[0] || (strcmp(cmd, "extract") != 0 && strcmp(cmd, "map") != 0))
        return 0;
    const tc_seal_holder *const *h;
    if (tc_policy_load(&policy, pp, &e)) {
        tc_err_prefix(&e, "TONGCHOU_POLICY: ");
        return tc_log_fail(&e);
    }
    size_t n = tc_policy_holders(policy, &h);
    if (n && tc_batch_seal_for(tc_policy_cipher(policy), h, n, &e))
        return tc_log_fail(&e);
    return 0;
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
    tc_perm_init();
    const char *group = getenv("TONGCHOU_GROUP");
    if (argc > 1 && strcmp(argv[1], "--group") == 0) {
        if (argc < 3) {
            tc_log_error("--group needs the name of a group");
            return TC_EXIT_USAGE;
        }
        group = argv[2];
        argv[2] = argv[0];
        argv += 2, argc -= 2;
    }
    if (group && group[0]) {
        tc_err e;
        tc_err_clear(&e);
        if (tc_perm_share(group, &e))
            return tc_log_fail(&e);
    }
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
    int help = 0;
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        help |= strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0;
    int code = help ? 0 : data_setup(c->name);
    return code ? code : c->fn(argc - 1, argv + 1);
}
