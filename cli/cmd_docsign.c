/*
 * cmd_docsign.c - `tongchou documents sign CERT|DIGEST --as PARTY -k KEY`:
 * a party of the handover signs a certificate's digest with its own key,
 * an entry of the audit trail (pipeline/docsign.h, docs/documents.md
 * "Signing").  `documents` hands its `sign` verb here (cmd_documents.c),
 * so that making the documents and signing them stay apart.  stdout: the
 * county, the digest, the entry, and the parties that still lack.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/audit.h"
#include "core/log.h"
#include "pipeline/docsign.h"

/* Its own descriptor for its help and usage errors; the table lists
 * `documents`, whose help names this verb. */
const tc_command tc_cmd_documents_sign = {
    "documents sign", cmd_documents_sign, "CERT.pdf|CERT.xlsx|DIGEST --as PARTY -k KEY "
    "[-t TRAIL] [-P POLICY]",
    "sign a handover certificate's digest as one of its parties",
    "  CERT               the certificate's PDF or workbook (matched by its bytes\n"
    "                     to one a documents entry of the trail recorded), or the\n"
    "                     digest printed on it (sha256:...)\n"
    "      --as PARTY     the party signing, as the policy names it (县财政局)\n"
    "  -k, --key FILE     the party's own private key (mode 0600)\n"
    "  -t, --trail FILE   the audit trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
    "  -P, --policy FILE  the city's key policy (else $TONGCHOU_POLICY)\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "Appends an entry, role party, recording the certificate's digest, its county\n"
    "and the party, signed by the key.  Refused, nothing appended (exit 5): a key\n"
    "the policy does not list for that party, or lists for another county's; a\n"
    "party that signed already; a certificate no documents entry recorded; a\n"
    "trail that does not verify under the policy.  stdout: county, digest, entry,\n"
    "and \"complete\" or the parties that still lack.  Exit 0 signed, 2 usage,\n"
    "3 bad input (a readable key), 4 I/O, 5 refused.\n",
    NULL};

int cmd_documents_sign(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_documents_sign, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"as", required_argument, NULL, 'a'},     {"key", required_argument, NULL, 'k'},
        {"trail", required_argument, NULL, 't'},  {"policy", required_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},        {0, 0, 0, 0}};
    tc_docsign_opts o = {0};
    const char *key = NULL, *pol = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "a:k:t:P:q", opts, NULL)) != -1) {
        if (c == 'a') o.party = optarg;
        else if (c == 'k') key = optarg;
        else if (c == 't') o.trail = optarg;
        else if (c == 'P') pol = optarg;
        else if (c == 'q') tc_log_set_level(TC_LOG_QUIET);
        else return tc_cli_usage_error(&tc_cmd_documents_sign, "unknown option");
    }
    if (optind != argc - 1 || !o.party || !o.party[0] || !key)
        return tc_cli_usage_error(&tc_cmd_documents_sign, "name one certificate (its PDF, "
                                  "workbook or digest), the party (--as) and its key (-k)");
    o.what = argv[optind];
    if (!pol || !pol[0])
        pol = getenv("TONGCHOU_POLICY");
    if (!pol || !pol[0])
        return tc_cli_usage_error(&tc_cmd_documents_sign, "name the city's key policy with "
                                  "--policy or TONGCHOU_POLICY (docs/policy.md)");
    tc_err e;
    tc_err_clear(&e);
    tc_signer *s = NULL;
    tc_policy *p = NULL;
    int rc = tc_signer_load(&s, key, &e);   /* and its mode: 0600 */
    if (!rc)
        rc = tc_policy_load(&p, pol, &e);
    tc_docsign_cert after;
    long long seq = 0;
    if (!rc) {
        o.policy = p;
        o.signer = s;
        /* the entry's command: "documents sign ..." as typed */
        o.argc = argc + 1;
        o.argv = argv - 1;
        rc = tc_docsign_sign(&o, &after, &seq, &e);
    }
    if (!rc) {
        char lack[TC_POLICY_MAX_PARTIES * (TC_PARTY_NAME_MAX + 2)];
        printf("%s\t%s\t%lld\t%s\n", after.county, after.digest, seq,
               after.complete ? "complete" : tc_docsign_missing(&after, lack, sizeof(lack)));
        tc_log_info("signed as %s, entry %lld of %s; %s", o.party, seq,
                    o.trail ? o.trail : tc_audit_default_path(),
                    after.complete ? "every party has signed: the certificate is complete"
                                   : "the certificate still lacks the others' signatures");
    }
    tc_policy_free(p);
    tc_signer_free(s);
    return rc ? tc_log_fail(&e) : 0;
}
