/*
 * cmd_audit.c - `tongchou audit show|verify|checkpoint|cosign|prove|repair`.
 *
 * One option parser for all the subcommands, then one library call each
 * (core/audit.h).  verify prints every problem on stderr and exits 5 naming
 * the first bad entry; everything else maps its error to an exit code.
 * Every key is loaded (and a private key's mode checked) before any work.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/audit.h"
#include "core/log.h"
#include "core/policy.h"
#include "pipeline/docsign.h"

#define MAXN 32

typedef struct aopts {
    const char *trail, *origin, *out, *state, *policy;
    const char *keys[MAXN], *pubs[MAXN], *req[MAXN], *proofs[MAXN], *cps[MAXN];
    const char *certs[MAXN];
    int nkeys, npubs, nreq, nproofs, ncps, rerun, ncerts;
} aopts;

static int add(const char **v, int *n, const char *s)
{
    if (*n == MAXN)
        return -1;
    v[(*n)++] = s;
    return 0;
}

static int parse(aopts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"trail", required_argument, NULL, 't'}, {"key", required_argument, NULL, 'k'},
        {"pub", required_argument, NULL, 'p'},   {"require", required_argument, NULL, 'r'},
        {"origin", required_argument, NULL, 'O'}, {"checkpoint", required_argument, NULL, 'c'},
        {"proof", required_argument, NULL, 'P'}, {"output", required_argument, NULL, 'o'},
        {"rerun", no_argument, NULL, 'R'},       {"quiet", no_argument, NULL, 'q'},
        {"state", required_argument, NULL, 'S'}, {"policy", required_argument, NULL, 'Y'},
        {"certificate", required_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
    int c, bad = 0;
    while ((c = getopt_long(argc, argv, "t:k:p:c:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 't': o->trail = optarg; break;
        case 'k': bad |= add(o->keys, &o->nkeys, optarg); break;
        case 'p': bad |= add(o->pubs, &o->npubs, optarg); break;
        case 'r': bad |= add(o->req, &o->nreq, optarg) | add(o->pubs, &o->npubs, optarg); break;
        case 'O': o->origin = optarg; break;
        case 'c': bad |= add(o->cps, &o->ncps, optarg); break;
        case 'S': o->state = optarg; break;
        case 'Y': o->policy = optarg; break;
        case 'C': bad |= add(o->certs, &o->ncerts, optarg); break;
        case 'P': bad |= add(o->proofs, &o->nproofs, optarg); break;
        case 'o': o->out = optarg; break;
        case 'R': o->rerun = 1; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return -1;
        }
    }
    if (!o->trail)
        o->trail = tc_audit_default_path();
    return bad;
}

static void print_problem(void *arg, const tc_audit_problem *p)
{
    (void)arg;
    if (p->line)
        tc_log_error("%s:%ld: %s", p->where, p->line, p->msg);
    else
        tc_log_error("%s: %s", p->where, p->msg);
}

/* The public keys of --pub (into keys, *n of them) and the policy (into
 * *pol, when named), all loaded before any work. */
static int load_trust(const aopts *a, tc_pubkey **keys, int *n, tc_policy **pol, tc_err *e)
{
    int rc = 0;
    *n = 0;
    *pol = NULL;
    for (; *n < a->npubs && !(rc = tc_pubkey_load(&keys[*n], a->pubs[*n], e)); (*n)++)
        ;
    if (!rc && a->policy)
        rc = tc_policy_load(pol, a->policy, e);
    return rc;
}

static void free_trust(tc_pubkey **keys, int n, tc_policy *pol)
{
    while (n--)
        tc_pubkey_free(keys[n]);
    tc_policy_free(pol);
}

static void print_cert_problem(void *arg, long long seq, const char *msg)
{
    (void)seq;
    tc_log_error("%s: %s", (const char *)arg, msg);
}

/*
 * Each --certificate: the certificate a documents entry recorded for these
 * bytes (or this digest), and which of the policy's parties have signed it
 * (pipeline/docsign.h).  stdout, a line per party: COUNTY DIGEST PARTY
 * signed KEY ENTRY, or COUNTY DIGEST PARTY missing.  0 all complete, 1 a
 * problem (a file no entry recorded, a signature that does not count), 2
 * one incomplete.
 */
static int certificates(const aopts *a, const tc_policy *pol)
{
    tc_err e;
    tc_err_clear(&e);
    tc_docsign_trail *t;
    if (tc_docsign_read(&t, a->trail, &e)) {
        tc_log_fail(&e);
        return 1;
    }
    int worst = 0;
    for (int i = 0; i < a->ncerts; i++) {
        tc_docsign_cert c;
        int bad = 0;
        tc_err_clear(&e);
        if (tc_docsign_find(t, pol, a->certs[i], &c, print_cert_problem, (void *)a->certs[i],
                            &bad, &e)) {
            tc_log_fail(&e);
            worst = 1;
            continue;
        }
        for (int k = 0; k < c.nparties; k++) {
            const tc_docsign_party *q = &c.parties[k];
            for (int j = 0; j < q->have; j++)
                printf("%s\t%s\t%s\tsigned\t%s\tentry %lld\n", c.county, c.digest, q->name,
                       q->key[j], q->seq[j]);
            if (q->have < q->need)
                printf("%s\t%s\t%s\tmissing\n", c.county, c.digest, q->name);
        }
        char lack[TC_POLICY_MAX_PARTIES * (TC_PARTY_NAME_MAX + 2)];
        if (c.complete)
            tc_log_info("%s: county %s's certificate %s (documents entry %lld): complete, "
                        "every one of the policy's %d parties has signed", a->certs[i],
                        c.county, c.digest, c.seq, c.nparties);
        else
            tc_log_error("%s: county %s's certificate %s (documents entry %lld): incomplete, "
                         "%d of %d parties have signed; missing: %s", a->certs[i], c.county,
                         c.digest, c.seq, c.signed_parties, c.nparties,
                         tc_docsign_missing(&c, lack, sizeof(lack)));
        if (bad)
            worst = 1;
        else if (!c.complete && !worst)
            worst = 2;
    }
    tc_docsign_free(t);
    fflush(stdout);
    return worst;
}

static int verify(const aopts *a, char **files, int nfiles, tc_err *e)
{
    tc_pubkey *keys[MAXN];
    tc_policy *pol;
    const char *req[MAXN];
    int n = 0;
    int rc = load_trust(a, keys, &n, &pol, e);
    for (int k = 0; !rc && k < n; k++)
        for (int q = 0; q < a->nreq; q++)
            if (strcmp(a->req[q], a->pubs[k]) == 0)
                req[q] = tc_pubkey_id(keys[k]);
    tc_audit_verify_opts vo = {.keys = (const tc_pubkey *const *)keys, .nkeys = (size_t)n,
                               .policy = pol, .checkpoints = a->cps,
                               .ncheckpoints = (size_t)a->ncps, .required = req,
                               .nrequired = (size_t)a->nreq, .origin = a->origin,
                               .proofs = a->proofs, .nproofs = (size_t)a->nproofs,
                               .files = (const char *const *)files, .nfiles = (size_t)nfiles,
                               .problem = print_problem};
    char self[4096];
    ssize_t sn = a->rerun ? readlink("/proc/self/exe", self, sizeof(self) - 1) : -1;
    if (sn > 0) {
        self[sn] = '\0';
        vo.rerun = self;
    }
    tc_audit_report r;
    if (!rc && !(rc = tc_audit_verify(a->trail, &vo, &r, e)))
        tc_log_info("%s: %lld entries, every signature and link holds%s%s%s%s%s", a->trail,
                    r.entries, pol ? ", every key holds its role in the policy" : "",
                    a->ncps == 1   ? ", the checkpoint too"
                    : a->ncps > 1 ? ", the checkpoints too, consistent with each other"
                                  : "",
                    a->nproofs ? ", every proof" : "",
                    !nfiles   ? ""
                    : r.purged ? ", every file still there is the one recorded"
                               : ", every file is the one recorded",
                    vo.rerun ? ", the re-run reconciliation is the recorded one" : "");
    if (!rc && r.purged)
        tc_log_info("%lld of the files given are gone as a purge entry of the trail says: it "
                    "recorded each one's digest before it was removed (docs/retention.md)",
                    r.purged);
    else if (rc == TC_EINTEGRITY) {
        char first[96] = "";
        if (r.first_seq)
            snprintf(first, sizeof(first), "; the first bad entry is entry %lld, line %ld",
                     r.first_seq, r.first_line);
        tc_log_error("%lld problem%s%s%s", r.problems, r.problems == 1 ? "" : "s",
                     r.forks ? " (the checkpoints fork)" : "", first);
        rc = 1;   /* already reported, problem by problem */
    }
    if ((!rc || rc == 1) && a->ncerts) {
        int c = certificates(a, pol);
        rc = rc == 1 || c == 1 ? 1 : c;
    }
    free_trust(keys, n, pol);
    return rc;
}

/* The witness's state folder by default: beside its key, KEY without
 * ".key", then ".witness" (keys/city.key: keys/city.witness). */
static void default_state(const char *key, char *buf, size_t n)
{
    size_t k = strlen(key);
    if (k > 4 && strcmp(key + k - 4, ".key") == 0)
        k -= 4;
    snprintf(buf, n, "%.*s.witness", (int)k, key);
}

static int sign_with(const aopts *a, const char *sub, long long seq, tc_err *e)
{
    tc_signer *s[MAXN];
    tc_pubkey *keys[MAXN];
    tc_policy *pol = NULL;
    int n = 0, np = 0, rc = 0;
    for (; n < a->nkeys && !(rc = tc_signer_load(&s[n], a->keys[n], e)); n++)
        ;
    if (!rc && strcmp(sub, "cosign") == 0)
        rc = load_trust(a, keys, &np, &pol, e);
    if (!rc && strcmp(sub, "checkpoint") == 0) {
        rc = tc_audit_checkpoint(a->trail, a->origin ? a->origin : "tongchou/audit",
                                 (const tc_signer *const *)s, (size_t)n, a->out, e);
        if (!rc) {
            char store[4200];
            tc_audit_store_path(a->trail, store, sizeof(store));
            tc_log_info("wrote %s, and kept it in %s/", a->out, store);
        }
    } else if (!rc && strcmp(sub, "cosign") == 0) {
        char state[4200];
        if (a->state)
            snprintf(state, sizeof(state), "%s", a->state);
        else
            default_state(a->keys[0], state, sizeof(state));
        tc_audit_cosign_opts co = {.state = state, .keys = (const tc_pubkey *const *)keys,
                                   .nkeys = (size_t)np, .policy = pol};
        if (!(rc = tc_audit_cosign(a->trail, a->cps[0], s[0], &co, e)))
            tc_log_info("cosigned %s as %s; the witness's state is in %s/", a->cps[0],
                        tc_signer_id(s[0]), state);
    } else if (!rc) {
        rc = tc_audit_prove(a->trail, a->cps[0], seq, a->out, e);
    }
    free_trust(keys, np, pol);
    while (n--)
        tc_signer_free(s[n]);
    return rc;
}

const tc_command tc_cmd_audit = {
    "audit", cmd_audit, "show|verify|checkpoint|cosign|prove|repair [OPTIONS]",
    "the signed audit trail: show it, verify it, checkpoint it, prove an entry",
    "  show                      print the trail readably (identity numbers masked)\n"
    "  verify [FILE...]          check, with public keys only, every entry's\n"
    "                            signature and chain, the checkpoint and proofs\n"
    "                            given, and that each FILE is the one recorded;\n"
    "                            every problem is listed, exit 5 naming the first\n"
    "                            bad entry\n"
    "  checkpoint -o FILE        write a signed checkpoint (c2sp.org/tlog-checkpoint)\n"
    "                            of the whole trail, signed by each --key, and keep\n"
    "                            it in TRAIL.checkpoints/; refused (exit 5) unless\n"
    "                            the last one kept is a prefix of the trail\n"
    "  cosign --checkpoint FILE  as a witness, add the --key's signature to a\n"
    "                            checkpoint that matches the trail and extends the\n"
    "                            last one this witness cosigned (exit 5 otherwise)\n"
    "  verify --certificate FILE  also: FILE (a handover certificate's PDF or\n"
    "                            workbook, or its digest) is one a documents entry\n"
    "                            recorded, and which of the policy's parties have\n"
    "                            signed it (stdout: a line per party); exit 1 when\n"
    "                            one lacks a signature, 5 when its bytes are not\n"
    "                            recorded or a signature entry does not count\n"
    "  prove N --checkpoint CP -o FILE  the inclusion proof of entry N\n"
    "                            (c2sp.org/tlog-proof@v1)\n"
    "  repair                    cut a torn last line (a crash mid-append) off the\n"
    "                            trail, keeping its bytes in TRAIL.torn\n"
    "\n"
    "  -t, --trail FILE      the trail (default $TONGCHOU_AUDIT, else ./audit.trail)\n"
    "  -k, --key FILE        a private key to sign with (repeatable)\n"
    "  -p, --pub FILE        a trusted public key (repeatable); cosign: the log's,\n"
    "                            one of which must have signed the checkpoint\n"
    "      --require FILE    a public key whose signature the checkpoint must carry\n"
    "      --origin TEXT     the checkpoint's origin (verify: the one expected)\n"
    "  -c, --checkpoint FILE a checkpoint to verify (repeatable: they must be\n"
    "                            consistent with each other), prove against or cosign\n"
    "      --proof FILE      an inclusion proof to verify (repeatable)\n"
    "      --rerun           re-run the last recorded reconcile on its recorded\n"
    "                            inputs; its reports must be byte for byte the same\n"
    "  -o, --output FILE     where checkpoint and prove write\n"
    "      --policy FILE     the city's key policy (docs/policy.md).  verify: each\n"
    "                            entry's key must be in it and hold the entry's\n"
    "                            role, checkpoints need its witnesses; cosign\n"
    "                            (also $TONGCHOU_POLICY): the key must be a witness,\n"
    "                            the checkpoint signed by a key of the policy\n"
    "      --state DIR       cosign: where the witness keeps the last checkpoint it\n"
    "                            cosigned per origin (default: beside the key,\n"
    "                            KEY.witness/)\n",
    "show verify checkpoint cosign prove repair"};

int cmd_audit(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_audit, argc, argv))
        return 0;
    aopts a;
    memset(&a, 0, sizeof(a));
    if (parse(&a, argc, argv))
        return tc_cli_usage_error(&tc_cmd_audit, "unknown option, or more than %d of one", MAXN);
    if (optind == argc)
        return tc_cli_usage_error(&tc_cmd_audit, "name a subcommand");
    const char *sub = argv[optind++];
    int rest = argc - optind, rc;
    tc_err e;
    tc_err_clear(&e);
    tc_log_set_command(strcmp(sub, "verify") == 0 ? "audit verify" : "audit");
    if (strcmp(sub, "show") == 0 && rest == 0) {
        rc = tc_audit_show(a.trail, stdout, &e);
    } else if (strcmp(sub, "verify") == 0) {
        if (a.npubs == 0 && !a.policy)
            return tc_cli_usage_error(&tc_cmd_audit, "verify needs the trusted public keys "
                                      "(--pub) or the city's policy (--policy)");
        if (a.ncerts && !a.policy)
            return tc_cli_usage_error(&tc_cmd_audit, "--certificate needs the city's policy "
                                      "(--policy): it names the parties that sign");
        if ((rc = verify(&a, argv + optind, rest, &e)) == 1)
            return TC_EXIT_INTEGRITY;
        if (rc == 2)
            return TC_EXIT_FINDINGS;   /* holds, but a certificate lacks signatures */
    } else if (strcmp(sub, "checkpoint") == 0 && rest == 0 && a.nkeys && a.out) {
        rc = sign_with(&a, sub, 0, &e);
    } else if (strcmp(sub, "cosign") == 0 && rest == 0 && a.nkeys == 1 && a.ncps == 1) {
        if (!a.policy && getenv("TONGCHOU_POLICY") && getenv("TONGCHOU_POLICY")[0])
            a.policy = getenv("TONGCHOU_POLICY");
        rc = sign_with(&a, sub, 0, &e);
    } else if (strcmp(sub, "prove") == 0 && rest == 1 && a.ncps == 1 && a.out) {
        char *end;
        long long seq = strtoll(argv[optind], &end, 10);
        if (*end || seq < 1)
            return tc_cli_usage_error(&tc_cmd_audit, "prove takes an entry number, 1 or more");
        rc = sign_with(&a, sub, seq, &e);
    } else if (strcmp(sub, "repair") == 0 && rest == 0) {
        long long cut = 0;
        if (!(rc = tc_audit_repair(a.trail, &cut, &e)) && cut)
            tc_log_info("cut %lld torn bytes off %s (kept in %s.torn)", cut, a.trail, a.trail);
        else if (!rc)
            tc_log_info("nothing torn in %s", a.trail);
    } else {
        return tc_cli_usage_error(&tc_cmd_audit, "'%s' is not an audit subcommand, or lacks an "
                                  "option it needs (see tongchou audit --help)", sub);
    }
    return rc ? tc_log_fail(&e) : 0;
}
