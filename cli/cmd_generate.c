/*
 * cmd_generate.c - `tongchou generate [OPTIONS] DIR`: the example city.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/atomic.h"
#include "core/log.h"
#include "core/money.h"
#include "generate/gen.h"

static void on_source(void *arg, const char *path, uint64_t records)
{
    (void)arg;
    tc_log_info("wrote %s (%" PRIu64 " contribution records)", path, records);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s[0] || s[0] == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

const tc_command tc_cmd_generate = {
    "generate", cmd_generate, "[OPTIONS] DIR",
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
    "      --legacy-as FORMS  also write the two legacy-database counties\n"
    "                     (220182, 220183) in these forms, comma-separated, under\n"
    "                     DIR/legacy/: unload (PostgreSQL COPY text unloads with\n"
    "                     check files), yonyou and kingdee (用友 and 金蝶 ledger\n"
    "                     workbooks), each folder with its profile beside it\n"
    "      --write-mappings  write only the example mapping set into DIR\n"
    "      --county CODE  write only this county's source, no answer key\n"
    "                     (for benchmarks: one big file)\n"
    "      --order ORDER  the contribution records' order: payer (each payer's\n"
    "                     together, the default), period (by period, no payer\n"
    "                     repeating within a run) or mixed (by period, payers\n"
    "                     scrambled); the same records and answer key in each\n"
    "      --months N     also the city's first N months after the cutover\n"
    "                     (12-120): months/YYYY-MM/ (each county's month ledger,\n"
    "                     city.csv), operations/ (budget.csv, requests.csv,\n"
    "                     exceptions.csv, answer-key.json)\n"
    "      --correct CODE=YUAN  a corrected export: county CODE's cutover-day\n"
    "                     interest on its first fund (and its cash) moved by YUAN,\n"
    "                     everything else the same (for trying corrections)\n"
    "  -q, --quiet        say nothing but errors\n",
    NULL};

int cmd_generate(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_generate, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"records", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"cutover", required_argument, NULL, 'c'}, {"unmapped", no_argument, NULL, 'u'},
        {"xml-only", no_argument, NULL, 'x'},      {"quiet", no_argument, NULL, 'q'},
        {"write-mappings", no_argument, NULL, 'm'}, {"county", required_argument, NULL, 'C'},
        {"correct", required_argument, NULL, 'K'}, {"order", required_argument, NULL, 'O'},
        {"months", required_argument, NULL, 'M'},  {"legacy-as", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0}};
    tc_gen_options o;
    tc_gen_defaults(&o);
    int mappings_only = 0, c;
    while ((c = getopt_long(argc, argv, "n:s:q", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_u64(optarg, &o.records))
                return tc_cli_usage_error(&tc_cmd_generate, "bad --records '%s'", optarg);
            break;
        case 's':
            if (parse_u64(optarg, &o.seed))
                return tc_cli_usage_error(&tc_cmd_generate, "bad --seed '%s'", optarg);
            break;
        case 'c': snprintf(o.cutover, sizeof(o.cutover), "%s", optarg); break;
        case 'u': o.unmapped = 1; break;
        case 'x': o.xml_only = 1; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        case 'm': mappings_only = 1; break;
        case 'C': o.only = optarg; break;
        case 'M': {
            uint64_t n;
            if (parse_u64(optarg, &n) || (n && (n < 12 || n > 120)))
                return tc_cli_usage_error(&tc_cmd_generate, "--months is 12 to 120, not '%s'",
                                          optarg);
            o.months = (int)n;
            break;
        }
        case 'L':
            for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
                if (strcmp(t, "unload") == 0)
                    o.legacy_as |= TC_GEN_LEGACY_UNLOAD;
                else if (strcmp(t, "yonyou") == 0)
                    o.legacy_as |= TC_GEN_LEGACY_YONYOU;
                else if (strcmp(t, "kingdee") == 0)
                    o.legacy_as |= TC_GEN_LEGACY_KINGDEE;
                else
                    return tc_cli_usage_error(&tc_cmd_generate, "--legacy-as takes unload, "
                                              "yonyou and kingdee, comma-separated, not '%s'", t);
            }
            if (!o.legacy_as)
                return tc_cli_usage_error(&tc_cmd_generate, "--legacy-as names no form");
            break;
        case 'O':
            if (strcmp(optarg, "payer") == 0)
                o.order = TC_GEN_ORDER_PAYER;
            else if (strcmp(optarg, "period") == 0)
                o.order = TC_GEN_ORDER_PERIOD;
            else if (strcmp(optarg, "mixed") == 0)
                o.order = TC_GEN_ORDER_MIXED;
            else
                return tc_cli_usage_error(&tc_cmd_generate, "--order is payer, period or "
                                          "mixed, not '%s'", optarg);
            break;
        case 'K': {
            char *eq = strchr(optarg, '=');
            tc_err pe;
            if (!eq || eq - optarg != 6 ||
                tc_money_parse_yuan(eq + 1, strlen(eq + 1), &o.correct_fen, &pe))
                return tc_cli_usage_error(&tc_cmd_generate, "--correct takes CODE=YUAN, as "
                                          "220112=123.45 or 220112=-50.00");
            *eq = '\0';
            o.correct = optarg;
            break;
        }
        default: return tc_cli_usage_error(&tc_cmd_generate, "unknown option");
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error(&tc_cmd_generate, "name one output folder");
    tc_path_trim(argv[optind]);
    tc_err e;
    tc_err_clear(&e);
    int rc;
    if (mappings_only) {
        rc = tc_gen_write_mappings(argv[optind], &e);
    } else {
        o.dir = argv[optind];
        o.on_source = on_source;
        rc = tc_gen_city(&o, &e);
        if (!rc && !o.only) {
            char key[1024];
            snprintf(key, sizeof(key), "%s/answer-key.json", o.dir);
            tc_log_info("wrote %s", key);
            if (o.months)
                tc_log_info("wrote %d months after the cutover: %s/months, %s/operations",
                            o.months, o.dir, o.dir);
            rc = tc_gen_summary(key, stdout, &e);
        }
    }
    return rc ? tc_log_fail(&e) : 0;
}
