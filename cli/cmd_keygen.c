/*
 * cmd_keygen.c - `tongchou keygen [--alg ed25519|sm2|x25519] -o NAME`.
 *
 * Writes NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (PEM) and prints the
 * key id on stdout (core/sign.h says how it is derived).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include <string.h>

#include "core/log.h"
#include "core/seal.h"
#include "core/sign.h"

const tc_command tc_cmd_keygen = {
    "keygen", cmd_keygen, "[--alg ed25519|sm2|x25519] -o NAME",
    "make a key pair: signing (audit trail, plans) or data (sealed batches)",
    "  -a, --alg ALG      ed25519 (default) or sm2 (SM2 with SM3, ID 1234567812345678)\n"
    "                     to sign; x25519 (or sm2) for a [data] holder of the\n"
    "                     policy, whose key opens sealed batches\n"
    "  -o, --output NAME  write NAME.key (private, PKCS#8 PEM, mode 0600) and\n"
    "                     NAME.pub (public, PEM)\n"
    "\n"
    "Prints the key id (\"ed25519:\" or \"sm2:\" and 16 hex digits of the SHA-256\n"
    "of the public key).  Every command that signs refuses a private key that\n"
    "group or others may read.  See docs/audit.md and docs/personal-data.md.\n",
    NULL};

int cmd_keygen(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_keygen, argc, argv))
        return 0;
    static const struct option opts[] = {{"alg", required_argument, NULL, 'a'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    const char *alg_name = "ed25519", *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "a:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'a': alg_name = optarg; break;
        case 'o': out = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error(&tc_cmd_keygen, "unknown option");
        }
    }
    if (!out || optind != argc)
        return tc_cli_usage_error(&tc_cmd_keygen,
                                  "name the key pair with -o NAME, and nothing else");
    tc_err e;
    tc_err_clear(&e);
    tc_sign_alg alg;
    char id[TC_SEAL_KEYID_MAX];
    if (strcmp(alg_name, "x25519") == 0) {
        if (tc_seal_keygen(alg_name, out, id, &e))
            return tc_log_fail(&e);
    } else if (tc_sign_alg_parse(alg_name, &alg, &e) || tc_sign_keygen(alg, out, id, &e))
        return tc_log_fail(&e);
    printf("%s\n", id);
    tc_log_info("wrote %s.key (private, mode 0600) and %s.pub", out, out);
    return 0;
}
