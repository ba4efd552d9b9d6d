/* cmd_transfer.c - `tongchou transfer waive|plan|approve|execute` (transfer/transfer.h,
 * docs/transfer.md): one option parser, one library call each; stdout: execute's
 * transfers (posted or already, county, fund, amount, id). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "transfer/transfer.h"
#define MAXN 64
static void on_result(void *arg, const tc_transfer_result *r)
{
    char b[TC_MONEY_BUFSZ];
    (void)arg;
    printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
           r->outcome == TC_TRANSFER_POSTED ? "posted" : "already", r->county, r->pool, r->fund,
           tc_money_format(r->amount, b), r->id, r->kind);
}

/* One line per pool or fund the plan leaves out: which, and why. */
static void on_left_out(void *arg, const tc_transfer_left_out *x)
{
    char b[1024];
    *(int *)arg += x->nfindings > 0;   /* held by blocking findings */
    if (strcmp(x->pool, x->county) == 0)
        tc_log_info("left out: pool %s, %s", x->pool, tc_transfer_left_out_text(x, b, sizeof(b)));
    else
        tc_log_info("left out: pool %s (sub-ledger %s), %s", x->pool, x->county,
                    tc_transfer_left_out_text(x, b, sizeof(b)));
}

const tc_command tc_cmd_transfer = {
    "transfer", cmd_transfer, "waive|plan|approve|execute|verify [OPTIONS] [FILE]",
    "move each county's surplus to the city, maker-checker, exactly once",
    "  waive -r REC --county C [--pool P] --finding CODE/FUND/REF... --reason TEXT\n"
    "        -k KEY -o FILE\n"
    "      a waiver authority's signed waiver of blocking findings of one county\n"
    "      (--finding once per finding; --pool when the county merges pools);\n"
    "      waive FILE -k KEY adds another authority's signature when the policy\n"
    "      needs more than one\n"
    "  plan -r REC -k MAKER.key [--waiver FILE]... -o PLAN [--db DB]\n"
    "      one transfer per county, pool and fund, amount = reconciled cash; pools\n"
    "      with blocking findings not waived are left out; signed by a maker\n"
    "  approve PLAN -r REC -k CHECKER.key [--db DB]\n"
    "      a checker signs, after the checks execute makes\n"
    "  execute PLAN -r REC -m MAPPINGS -k KEY [--db DB]\n"
    "      verifies signatures, digests and amounts, then, in one transaction, that the\n"
    "      reconciliation is the recorded and loaded one and every blocking finding of\n"
    "      a planned county is waived, posts every transfer and makes the after-checks;\n"
    "      again, it posts nothing.  stdout: posted or already, county, pool, fund,\n"
    "      amount, id, kind (transfer, or a correction: top-up, refund, amend)\n"
    "  verify PLAN -r REC [-t TRAIL]\n"
    "      offline, for an auditor: the plan's signatures, its reconciliation the\n"
    "      recorded one, every blocking finding of a county it moves waived under the\n"
    "      policy; stdout: the counts and how many execute entries name the plan\n"
    "\n"
    "  -P, --policy FILE  the city's key policy (else $TONGCHOU_POLICY): whose keys\n"
    "                     may plan, approve, waive and execute (docs/policy.md)\n"
    "  -r, --reconciliation FILE  reconciliation.json (from reconcile)\n"
    "  -k, --key FILE     private key signing the document and the audit entry\n"
    "  -o, --output FILE  the waiver or the plan written\n"
    "  -m, --mappings DIR the mapping set (execute)\n"
    "  -t, --trail FILE   the audit trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
    "      --db DB        libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
    "\n"
    "Signatures are checked against the policy, never against keys named on the\n"
    "command line.  Exit 0 done, 2 usage, 3 bad input, 4 database or I/O (nothing\n"
    "committed), 5 integrity: a signature, digest, waiver or amount that does not\n"
    "hold.  docs/transfer.md.\n",
    "waive plan approve execute verify"};

int cmd_transfer(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_transfer, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"reconciliation", required_argument, NULL, 'r'},
        {"mappings", required_argument, NULL, 'm'}, {"key", required_argument, NULL, 'k'},
        {"pub", required_argument, NULL, 'p'}, {"waiver", required_argument, NULL, 'w'},
        {"output", required_argument, NULL, 'o'}, {"trail", required_argument, NULL, 't'},
        {"county", required_argument, NULL, 'c'}, {"finding", required_argument, NULL, 'f'},
        {"reason", required_argument, NULL, 'R'}, {"quiet", no_argument, NULL, 'q'},
        {"policy", required_argument, NULL, 'P'}, {"pool", required_argument, NULL, 'L'},
        {0, 0, 0, 0}};
    const char *db = NULL, *rec = NULL, *map = NULL, *key = NULL, *out = NULL, *trail = NULL;
    const char *county = NULL, *pool = NULL, *reason = NULL, *waivers[MAXN], *finds[MAXN], *pol = NULL;
    int nw = 0, nf = 0, c;
    const char *sub = argc > 1 ? argv[1] : "";
    while ((c = getopt_long(argc - 1, argv + 1, "d:r:m:k:p:w:o:t:c:f:qP:", opts, NULL)) != -1) {
        if (c == 'd') db = optarg;
        else if (c == 'r') rec = optarg;
        else if (c == 'm') map = optarg;
        else if (c == 'k') key = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 't') trail = optarg;
        else if (c == 'c') county = optarg;
        else if (c == 'L') pool = optarg;
        else if (c == 'R') reason = optarg;
        else if (c == 'P') pol = optarg;
        else if (c == 'q') tc_log_set_level(TC_LOG_QUIET);
        else if (c == 'p')
            return tc_cli_usage_error(&tc_cmd_transfer, "transfer takes its keys from the "
                                      "city's policy (--policy), not from --pub");
        else if (c == 'w' && nw < MAXN) waivers[nw++] = optarg;
        else if (c == 'f' && nf < MAXN) finds[nf++] = optarg;
        else return tc_cli_usage_error(&tc_cmd_transfer, "unknown option or too many of one");
    }
    /* every word after the subcommand that is not an option: at most one,
     * the file acted on; anything else would be silently dropped */
    int nfile = argc - 1 - optind;
    const char *file = nfile == 1 ? argv[optind + 1] : NULL;
    int takes_file = strcmp(sub, "approve") == 0 || strcmp(sub, "execute") == 0 ||
                     strcmp(sub, "verify") == 0 ||
                     (strcmp(sub, "waive") == 0 && !rec);
    if (nfile > (takes_file ? 1 : 0))
        return tc_cli_usage_error(&tc_cmd_transfer, "'%s' is one word too many (give each "
                                  "finding with its own --finding)",
                                  argv[optind + 1 + (takes_file ? 1 : 0)]);
    if (!pol || !pol[0])
        pol = getenv("TONGCHOU_POLICY");
    if (!pol || !pol[0])
        return tc_cli_usage_error(&tc_cmd_transfer, "name the city's key policy with --policy "
                                  "or TONGCHOU_POLICY (docs/policy.md)");
    tc_transfer_audit audit = {trail, argc, argv};
    tc_err e = {0};
    tc_policy *policy = NULL;
    int rc = tc_policy_load(&policy, pol, &e);
    if (rc)
        return tc_log_fail(&e);
    if (strcmp(sub, "waive") == 0 && file && key && !rec && !county && !nf && !out) {
        rc = tc_transfer_waive_sign(file, key, policy, &audit, &e);
    } else if (strcmp(sub, "waive") == 0 && !file && rec && county && key && out && reason) {
        tc_transfer_waive_opts o = {rec, county, pool, finds, nf, reason, key, policy, out, audit};
        rc = tc_transfer_waive(&o, &e);
    } else if (strcmp(sub, "plan") == 0 && !file && rec && key && out) {
        int held = 0;
        tc_transfer_plan_opts o = {db, rec, key, waivers, nw, policy, out, audit, on_left_out,
                                   &held};
        tc_transfer_plan_summary s;
        if (!(rc = tc_transfer_plan(&o, &s, &e))) {
            char b[TC_MONEY_BUFSZ];
            tc_log_info("%s: %d transfers (%d correcting earlier ones), %s yuan; %d pools left "
                        "out, %d let through by a waiver, %d funds moved already, %d kept by "
                        "a part handover", out, s.transfers, s.corrections,
                        tc_money_format(s.total, b), s.excluded, s.waived, s.already, s.kept);
            if (held)
                tc_log_info("a pool held by blocking findings moves once a waiver authority "
                            "waives them (transfer waive) and the plan is made again with "
                            "--waiver, or once they are fixed and reconciled again");
        }
    } else if (strcmp(sub, "approve") == 0 && file && rec && key) {
        tc_transfer_approve_opts o = {db, file, rec, key, policy, audit};
        tc_transfer_approve_summary s;
        if (!(rc = tc_transfer_approve(&o, &s, &e))) {
            char b[TC_MONEY_BUFSZ];
            tc_log_info("%s: approved by %s (%d of the %d checkers the policy needs): %d "
                        "transfers (%d correcting earlier ones), %s yuan%s", file, s.checker,
                        s.approvals, s.needed, s.transfers, s.corrections,
                        tc_money_format(s.total, b),
                        s.approvals < s.needed ? "; another checker approves before execute"
                                               : "; ready to execute");
        }
    } else if (strcmp(sub, "verify") == 0 && file && rec && !key) {
        tc_transfer_verify_result v;
        if (!(rc = tc_transfer_verify(file, rec, policy, trail, &v, &e)))
            printf("%s\tholds\t%d transfers\t%d waivers\t%d checkers\texecuted %d times\n",
                   file, v.transfers, v.waivers, v.checkers, v.executions);
    } else if (strcmp(sub, "execute") == 0 && file && rec && map && key) {
        tc_mapset *m = NULL;
        tc_transfer_exec_opts o = {db, file, rec, NULL, policy, key, audit, on_result, NULL};
        tc_transfer_exec_summary s;
        if (!(rc = tc_mapset_load(&m, map, &e))) {
            o.mappings = m;
            rc = tc_transfer_execute(&o, &s, &e);
        }
        tc_mapset_free(m);
        if (!rc)
            tc_log_info("%s: %d transfers posted, %d already done; every after-check holds",
                        file, s.posted, s.already);
    } else {
        tc_policy_free(policy);
        return tc_cli_usage_error(&tc_cmd_transfer,
                                  "see 'tongchou transfer --help' for what %s needs",
                                  sub[0] ? sub : "a subcommand");
    }
    tc_policy_free(policy);
    return rc ? tc_log_fail(&e) : 0;
}
