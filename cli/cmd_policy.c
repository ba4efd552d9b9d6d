/*
 * cmd_policy.c - `tongchou policy make|show`: the city's key policy
 * (core/policy.h, docs/policy.md).  make writes one from public key files;
 * show prints its digest and each key with its role (stdout).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "core/policy.h"

#define MAXK 32
#define MAXP 256     /* --party options */

const tc_command tc_cmd_policy = {
    "policy", cmd_policy, "make -o POLICY --maker PUB --checker PUB ... | show POLICY | adopt NEW",
    "write or show the city's key policy: whose key may sign what",
    "  make -o FILE [--city CODE] [--origin TEXT] --maker PUB --checker PUB\n"
    "       [--waiver PUB] [--party NAME[:COUNTY]=PUB] [--witness PUB]\n"
    "       [--require ACT=N] [--data PUB [--cipher sm4-ctr-hmac-sm3|aes-256-gcm]]\n"
    "      writes the policy with the public keys themselves in it (each option\n"
    "      repeatable; one key, one role); --party names a party that signs the\n"
    "      handover certificates (县财政局) and its key, for one county's\n"
    "      certificates with :COUNTY, else for every county's; ACT is approve,\n"
    "      waive, checkpoint or document, N the distinct signatures it needs\n"
    "      (document: of each party; default 1); --data names a holder (x25519 or\n"
    "      sm2 key) for whom every batch is sealed (docs/personal-data.md)\n"
    "  show FILE\n"
    "      checks the policy and prints its digest and each key's id and role\n"
    "      (a party's key: its party and county, * for every county)\n"
    "  adopt NEW --policy CURRENT -k CHECKER.key [-t TRAIL]\n"
    "      puts NEW in force in place of CURRENT, which must be in force; signed by a\n"
    "      checker of CURRENT (a policy enters the trail when first used; from then\n"
    "      on the commands that act refuse any other)\n"
    "\n"
    "Every command that acts (transfer waive, plan, approve, execute) checks its\n"
    "signatures against the policy, never against keys named on its command\n"
    "line.  docs/policy.md.\n",
    "make show adopt"};

static int show(const char *path)
{
    tc_err e;
    tc_err_clear(&e);
    tc_policy *p;
    if (tc_policy_load(&p, path, &e))
        return tc_log_fail(&e);
    printf("policy\t%s\t%s\n", tc_policy_digest(p), path);
    for (int r = 0; r < TC_NROLES; r++) {
        const tc_pubkey *const *k;
        size_t n = tc_policy_keys(p, (tc_role)r, &k);
        for (size_t i = 0; i < n; i++) {
            const char *county = NULL;
            const char *party = tc_policy_key_party(p, tc_pubkey_id(k[i]), &county);
            if (party)
                printf("%s\t%s\t%s\t%s\n", tc_role_name((tc_role)r), tc_pubkey_id(k[i]),
                       party, county[0] ? county : "*");
            else
                printf("%s\t%s\n", tc_role_name((tc_role)r), tc_pubkey_id(k[i]));
        }
    }
    const tc_seal_holder *const *h;
    size_t nh = tc_policy_holders(p, &h);
    for (size_t i = 0; i < nh; i++)
        printf("data\t%s\n", tc_seal_holder_id(h[i]));
    if (nh)
        printf("cipher\t%s\n", tc_seal_cipher_name(tc_policy_cipher(p)));
    for (int a = 0; a < TC_NACTS; a++)
        printf("require\t%s\t%d\n", tc_act_name((tc_act)a), tc_policy_required(p, (tc_act)a));
    tc_policy_free(p);
    return 0;
}

static int adopt(const char *next, const char *cur, const char *key, const char *trail)
{
    tc_err e;
    tc_err_clear(&e);
    tc_signer *s = NULL;
    tc_policy *a = NULL, *b = NULL;
    int rc = tc_signer_load(&s, key, &e);
    if (!rc)
        rc = tc_policy_load(&a, cur, &e);
    if (!rc)
        rc = tc_policy_load(&b, next, &e);
    if (!rc)
        rc = tc_policy_adopt(a, b, trail, s, &e);
    if (!rc)
        tc_log_info("%s is in force (%s)", next, tc_policy_digest(b));
    tc_policy_free(a);
    tc_policy_free(b);
    tc_signer_free(s);
    return rc ? tc_log_fail(&e) : 0;
}

int cmd_policy(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_policy, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"city", required_argument, NULL, 'c'},
        {"origin", required_argument, NULL, 'O'}, {"maker", required_argument, NULL, 0},
        {"checker", required_argument, NULL, 1},  {"waiver", required_argument, NULL, 2},
        {"party", required_argument, NULL, 3},    {"witness", required_argument, NULL, 4},
        {"require", required_argument, NULL, 'R'}, {"policy", required_argument, NULL, 'P'},
        {"key", required_argument, NULL, 'k'},     {"trail", required_argument, NULL, 't'},
        {"data", required_argument, NULL, 'D'},    {"cipher", required_argument, NULL, 'C'},
        {0, 0, 0, 0}};
    const char *data[MAXK + 1] = {0};
    int nd = 0;
    const char *sub = argc > 1 ? argv[1] : "";
    const char *keys[TC_NROLES][MAXK + 1] = {{0}};
    int nk[TC_NROLES] = {0}, c;
    tc_policy_spec spec = {0};
    const char *out = NULL, *cur = NULL, *key = NULL, *trail = NULL;
    tc_policy_party_spec parties[MAXP];
    char pnames[MAXP][TC_PARTY_NAME_MAX + 8], pcounties[MAXP][8];
    size_t np = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "o:k:t:P:", opts, NULL)) != -1) {
        if (c == TC_ROLE_PARTY) {
            /* NAME=PUB or NAME:COUNTY=PUB */
            const char *eq = strchr(optarg, '=');
            const char *colon = eq ? memchr(optarg, ':', (size_t)(eq - optarg)) : NULL;
            const char *end = colon ? colon : eq;
            if (!eq || end == optarg || (size_t)(end - optarg) > TC_PARTY_NAME_MAX ||
                !eq[1] || (colon && (eq - colon - 1 != 6 ||
                                     strspn(colon + 1, "0123456789") < 6)) || np == MAXP)
                return tc_cli_usage_error(&tc_cmd_policy, "--party takes NAME=PUB or "
                                          "NAME:COUNTY=PUB (a county code of 6 digits)");
            snprintf(pnames[np], sizeof(pnames[np]), "%.*s", (int)(end - optarg), optarg);
            snprintf(pcounties[np], sizeof(pcounties[np]), "%.*s",
                     colon ? 6 : 0, colon ? colon + 1 : "");
            parties[np] = (tc_policy_party_spec){pnames[np], pcounties[np], eq + 1};
            np++;
        } else if (c >= 0 && c < TC_NROLES && nk[c] < MAXK)
            keys[c][nk[c]++] = optarg;
        else if (c == 'o')
            out = optarg;
        else if (c == 'P')
            cur = optarg;
        else if (c == 'k')
            key = optarg;
        else if (c == 't')
            trail = optarg;
        else if (c == 'D' && nd < MAXK)
            data[nd++] = optarg;
        else if (c == 'C') {
            tc_err ce;
            tc_err_clear(&ce);
            if (tc_seal_cipher_parse(optarg, &spec.cipher, &ce))
                return tc_cli_usage_error(&tc_cmd_policy, "--cipher is sm4-ctr-hmac-sm3 or "
                                          "aes-256-gcm");
        } else if (c == 'c')
            spec.city = optarg;
        else if (c == 'O')
            spec.origin = optarg;
        else if (c == 'R') {
            const char *eq = strchr(optarg, '=');
            int a = -1;
            for (int i = 0; eq && i < TC_NACTS; i++)
                if (strncmp(optarg, tc_act_name((tc_act)i), (size_t)(eq - optarg)) == 0 &&
                    strlen(tc_act_name((tc_act)i)) == (size_t)(eq - optarg))
                    a = i;
            if (a < 0 || strlen(eq + 1) != 1 || eq[1] < '1' || eq[1] > '9')
                return tc_cli_usage_error(&tc_cmd_policy, "--require takes ACT=N (approve, "
                                          "waive, checkpoint, document; N from 1 to 9)");
            spec.required[a] = eq[1] - '0';
        } else
            return tc_cli_usage_error(&tc_cmd_policy, "unknown option or too many keys");
    }
    int nargs = argc - 1 - optind;
    if (strcmp(sub, "show") == 0 && nargs == 1)
        return show(argv[optind + 1]);
    if (strcmp(sub, "adopt") == 0 && nargs == 1 && cur && key)
        return adopt(argv[optind + 1], cur, key, trail);
    if (strcmp(sub, "make") != 0 || nargs != 0 || !out)
        return tc_cli_usage_error(&tc_cmd_policy, "policy make -o FILE ... or policy show FILE");
    for (int r = 0; r < TC_NROLES; r++)
        spec.pubs[r] = keys[r];
    spec.parties = parties;
    spec.nparties = np;
    spec.data = data;
    tc_err e;
    tc_err_clear(&e);
    if (tc_policy_make(&spec, out, &e))
        return tc_log_fail(&e);
    tc_log_info("wrote %s", out);
    return 0;
}
