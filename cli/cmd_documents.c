/*
 * cmd_documents.c - `tongchou documents -r REC --plan PLAN -o DIR`: the
 * handover certificate of every county the executed plan moved money out
 * of, and its statements, letters and lists (pipeline/certify.h,
 * docs/documents.md).  stdout: per document the county, the PDF, the
 * workbook and the document's digest.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/trail.h"
#include "core/audit.h"
#include "core/log.h"
#include "pipeline/certify.h"

const tc_command tc_cmd_documents = {
    "documents", cmd_documents,
    "-r REC --plan PLAN [-t TRAIL] [-P POLICY] -o DIR [--each] [-j N] | sign ...",
    "the handover certificates (基金移交交接书), statements, letters and lists of an executed "
    "transfer, PDF and workbook",
    "  -r, --reconciliation FILE  reconciliation.json (from reconcile)\n"
    "      --plan FILE    the executed transfer plan\n"
    "  -t, --trail FILE   the audit trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
    "  -P, --policy FILE  the city's key policy (else $TONGCHOU_POLICY)\n"
    "  -o, --output DIR   DIR/COUNTY.certificate.pdf and .xlsx, one per county moved,\n"
    "                     and its statements, letters and lists beside them, in\n"
    "                     DIR/COUNTY.statements.pdf and .xlsx\n"
    "      --each         each statement, letter and list in files of its own,\n"
    "                     DIR/COUNTY.KIND[.FUND].pdf and .xlsx\n"
    "  -j, --jobs N       processes writing the files (default: the number of cores);\n"
    "                     the bytes do not depend on it\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "First checks what `transfer verify` checks - the plan's signatures under the\n"
    "policy, its reconciliation the one a reconcile entry of the trail recorded -\n"
    "and that an execute entry of the trail names the plan; then writes, per county,\n"
    "the certificate: per fund the cash handed over (transfer id, execution time),\n"
    "claims and debts carried over, receivables, payables, personal accounts and\n"
    "net assets, in figures and in capitals; the waivers; five signature blocks;\n"
    "its digest as text, QR code and footer.  Beside it, per fund the 资产负债表\n"
    "(balance) and 收支表 (income); the 余额调节表 of its bank accounts (bank);\n"
    "询证函 to its banks, institutions and employers in arrears (confirm-bank,\n"
    "confirm-institution, confirm-employer); the arrears list for the tax bureau\n"
    "(arrears) and the subsidy shortfalls for the finance bureau (subsidy); each\n"
    "its own part of the county's PDF, its pages numbered within it.\n"
    "stdout: per document the county, PDF, workbook, digest and kind (certificate,\n"
    "balance.FUND, income.FUND, bank, ...).  With $TONGCHOU_KEY,\n"
    "an entry of the trail records the files written.\n"
    "Exit 0 done, 2 usage, 3 bad input, 4 I/O, 5 integrity: the plan not\n"
    "executed, not signed, a figure not the reconciliation's, or a balance sheet\n"
    "that does not balance (nothing written).\n"
    "\n"
    "  sign CERT --as PARTY -k KEY   a party signs a certificate's digest with its\n"
    "                     own key (tongchou documents sign --help)\n",
    "sign"};

static void line(const char *county, const char *pdf, const char *xlsx, const char *digest,
                 const char *kind, const char *fund)
{
    printf("%s\t%s\t%s\t%s\t%s%s%s\n", county, pdf, xlsx, digest, kind, fund ? "." : "",
           fund ? fund : "");
}

static void on_made(void *arg, const tc_cert_made *m)
{
    (void)arg;
    line(m->county, m->pdf, m->xlsx, m->digest, "certificate", NULL);
}

/* A statement, letter or list: the same line, with its kind. */
static void on_stmt(void *arg, const tc_stmt_made *m)
{
    (void)arg;
    line(m->county, m->pdf, m->xlsx, m->digest, m->kind, m->fund);
}

int cmd_documents(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sign") == 0)   /* a party signs (cmd_docsign.c) */
        return cmd_documents_sign(argc - 1, argv + 1);
    if (tc_cli_wants_help(&tc_cmd_documents, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"reconciliation", required_argument, NULL, 'r'}, {"plan", required_argument, NULL, 'p'},
        {"trail", required_argument, NULL, 't'}, {"policy", required_argument, NULL, 'P'},
        {"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},
        {"each", no_argument, NULL, 'e'}, {"jobs", required_argument, NULL, 'j'},
        {0, 0, 0, 0}};
    tc_certify_opts o = {0};
    const char *pol = NULL;
    int c;
    o.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    while ((c = getopt_long(argc, argv, "r:t:P:o:qj:", opts, NULL)) != -1) {
        if (c == 'r') o.reconciliation = optarg;
        else if (c == 'p') o.plan = optarg;
        else if (c == 't') o.trail = optarg;
        else if (c == 'P') pol = optarg;
        else if (c == 'o') o.outdir = optarg;
        else if (c == 'q') tc_log_set_level(TC_LOG_QUIET);
        else if (c == 'e') o.each = 1;
        else if (c == 'j') {
            if (tc_cli_jobs(&tc_cmd_documents, optarg, &o.jobs))
                return TC_EXIT_USAGE;
        } else return tc_cli_usage_error(&tc_cmd_documents, "unknown option");
    }
    if (optind < argc)
        return tc_cli_usage_error(&tc_cmd_documents, "'%s' is one word too many", argv[optind]);
    if (!o.reconciliation || !o.plan || !o.outdir)
        return tc_cli_usage_error(&tc_cmd_documents, "name the reconciliation (-r), the plan "
                                  "(--plan) and the output folder (-o)");
    if (!pol || !pol[0])
        pol = getenv("TONGCHOU_POLICY");
    if (!pol || !pol[0])
        return tc_cli_usage_error(&tc_cmd_documents, "name the city's key policy with --policy "
                                  "or TONGCHOU_POLICY (docs/policy.md)");
    int code = tc_cli_trail_check();
    if (code)
        return code;
    tc_err e = {0};
    tc_policy *policy = NULL;
    int rc = tc_policy_load(&policy, pol, &e), n = 0;
    /* with $TONGCHOU_KEY, tc_certify records the run itself, in the trail
     * the documents are bound to, with each certificate's digest: what the
     * parties sign (pipeline/docsign.h) */
    tc_signer *signer = NULL;
    const char *key = getenv("TONGCHOU_KEY");
    if (!rc && key && key[0])
        rc = tc_signer_load(&signer, key, &e);
    o.policy = policy;
    o.on_made = on_made;
    o.on_stmt = on_stmt;
    o.signer = signer;
    o.argc = argc;
    o.argv = argv;
    if (!rc)
        rc = tc_certify(&o, &n, &e);
    tc_policy_free(policy);
    tc_signer_free(signer);
    if (!rc) {
        tc_log_info("%s: %d handover certificates and their statements, letters and lists, "
                    "PDF and workbook", o.outdir, n);
        if (signer)
            tc_log_info("recorded in %s", o.trail ? o.trail : tc_audit_default_path());
        else
            tc_log_info("not recorded in an audit trail (set TONGCHOU_KEY to a signing key, "
                        "see 'tongchou keygen'): the parties cannot sign what no entry "
                        "recorded");
    }
    return rc ? tc_log_fail(&e) : code;
}
