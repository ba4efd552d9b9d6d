/*
 * commands.c - the command table: every command's descriptor, in the order
 * `tongchou --help`, the man page and the bash completion list them.
 *
 * Only the table lives here; each descriptor, with its help text, is
 * defined beside its command (cmd_X.c), so the commands need not know the
 * table and nothing the table reaches depends on it: main (tongchou.c) and
 * docgen.c use it, no command does.
 */
#include <string.h>

#include "cli/cmd.h"

static const tc_command *const commands[] = {
    &tc_cmd_generate,
    &tc_cmd_extract,
    &tc_cmd_map,
    &tc_cmd_reconcile,
    &tc_cmd_diff,
    &tc_cmd_mappings,
    &tc_cmd_transfer,
    &tc_cmd_documents,
    &tc_cmd_policy,
    &tc_cmd_load,
    &tc_cmd_db,
    &tc_cmd_keygen,
    &tc_cmd_audit,
    &tc_cmd_run,
    &tc_cmd_status,
    &tc_cmd_archive,
    &tc_cmd_purge,
    &tc_cmd_demo,
    &tc_cmd_batch,
};

const tc_command *const *tc_cli_commands(size_t *n)
{
    *n = sizeof(commands) / sizeof(commands[0]);
    return commands;
}

const tc_command *tc_cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}
