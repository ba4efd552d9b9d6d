/*
 * trail.h - the audit entry of one command run from the command line.
 *
 * Every command that reads inputs or changes state appends an entry to the
 * audit trail (core/audit.h) when a signing key is configured: the private
 * key in $TONGCHOU_KEY, the trail in $TONGCHOU_AUDIT (default
 * ./audit.trail).  With no key configured the command still runs and says,
 * once, that it was not recorded; `tongchou run` always records, with the
 * manifest's key.
 */
#ifndef TC_CLI_TRAIL_H
#define TC_CLI_TRAIL_H

#include <stddef.h>

/* Paths a command wrote, collected as it goes. */
typedef struct tc_cli_files {
    char **v;
    size_t n;
} tc_cli_files;

void tc_cli_files_add(tc_cli_files *f, const char *path);
void tc_cli_files_free(tc_cli_files *f);

/*
 * Counts per county for an entry's "records", so that `tongchou status`
 * reads each county's figure from a command run by hand over several:
 * {"KEY":total,"220113":n,...}.  Up to 64 counties are named; the total
 * counts them all.
 */
typedef struct tc_cli_counts {
    char code[64][7];
    long long n[64];
    int k;
    long long total;
} tc_cli_counts;

void tc_cli_counts_add(tc_cli_counts *c, const char *county, long long n);
/* The object's text in buf (returned); key names the total. */
const char *tc_cli_counts_json(const tc_cli_counts *c, const char *key, char *buf, size_t n);

/*
 * Check the signing key $TONGCHOU_KEY names, if any, before the command
 * does any work: a key that would be refused at the end would leave the
 * work done and unrecorded.  0, or the exit code of the refusal (already
 * reported on stderr).
 */
int tc_cli_trail_check(void);

/*
 * Record the command (argv[0] is its name) with its inputs and outputs.
 * Returns the exit code to use: 0 when recorded or nothing to record with,
 * else the exit code of the failure (already reported on stderr).
 */
int tc_cli_trail_append(int argc, char **argv, const char *const *inputs, size_t nin,
                  const tc_cli_files *outputs, const char *mappings, const char *records);

#endif
