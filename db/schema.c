/*
 * schema.c - the numbered steps of the city database's schema.  See
 * schema.h and docs/database.md.
 *
 * Step 1 makes the tables: one per record type (the city-coded columns and
 * their lineage, as `map` writes them, led by county), the batch register,
 * load failures and replacements, and, empty for now, the tables of the
 * reconciliation results, the transfers, their postings and the audit
 * trail.  Step 2 makes the three NOLOGIN group roles and grants each the
 * least it needs.  Step 3 makes audit_entry append-only.
 *
 * Types: amounts are bigint fen; rates integer 1/10000; periods integer
 * YYYYMM (as in batches: a period is a month, not a day); dates date; the
 * int columns (line, year, src_record) bigint; text is text; the county
 * char(6).  Every table's primary key begins with county, so the schema can
 * be distributed by county later.  A record table's key is (county,
 * src_county, src_record): natural keys may repeat in a legacy source
 * (DUPLICATE_RECORD is a finding, not a load failure), and merged counties'
 * codes collide in the city coding, but the lineage never repeats.
 */
#include "db/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* Advisory lock key (class, object) serializing schema changes. */
#define LOCK_SCHEMA "SELECT pg_advisory_xact_lock(1952672, 1)"

#define REC(name, cols)                                                                        \
    "CREATE TABLE tongchou." name " (\n  county char(6) NOT NULL,\n" cols                      \
    "  src_county text NOT NULL,\n  src_record bigint NOT NULL,\n"
#define REC_END(name) "  PRIMARY KEY (county, src_county, src_record)\n);\n"

static const char step1[] =
    REC("account", "  code text NOT NULL, name text NOT NULL, class text NOT NULL,\n")
    "  src_code text NOT NULL,\n" REC_END("account")
    REC("bank_account", "  no text NOT NULL, fund text NOT NULL, role text NOT NULL,\n"
                        "  account text NOT NULL, bank text NOT NULL,\n")
    "  src_fund text NOT NULL, src_role text NOT NULL, src_account text NOT NULL,\n"
    REC_END("bank_account")
    REC("balance", "  fund text NOT NULL, account text NOT NULL, period integer NOT NULL,\n"
                   "  opening bigint NOT NULL, debit bigint NOT NULL, credit bigint NOT NULL,\n"
                   "  closing bigint NOT NULL,\n")
    "  src_fund text NOT NULL, src_account text NOT NULL,\n" REC_END("balance")
    REC("voucher_line", "  voucher text NOT NULL, date date, fund text NOT NULL,\n"
                        "  voucher_memo text NOT NULL, line bigint NOT NULL,\n"
                        "  account text NOT NULL, debit bigint NOT NULL, credit bigint NOT NULL,\n"
                        "  bank_ref text NOT NULL, memo text NOT NULL,\n")
    "  src_fund text NOT NULL, src_account text NOT NULL,\n" REC_END("voucher_line")
    REC("contribution", "  payer text NOT NULL, kind text NOT NULL, fund text NOT NULL,\n"
                        "  period integer NOT NULL, base bigint NOT NULL, rate integer NOT NULL,\n"
                        "  due bigint NOT NULL, paid bigint NOT NULL,\n")
    "  src_kind text NOT NULL, src_fund text NOT NULL,\n" REC_END("contribution")
    REC("subsidy", "  level text NOT NULL, fund text NOT NULL, year bigint NOT NULL,\n"
                   "  due bigint NOT NULL, received bigint NOT NULL,\n")
    "  src_level text NOT NULL, src_fund text NOT NULL,\n" REC_END("subsidy")
    REC("payable", "  institution text NOT NULL, name text NOT NULL, fund text NOT NULL,\n"
                   "  period integer NOT NULL, settled bigint NOT NULL, paid bigint NOT NULL,\n")
    "  src_institution text NOT NULL, src_fund text NOT NULL,\n" REC_END("payable")
    REC("bank_statement", "  account text NOT NULL, \"from\" date, \"to\" date,\n"
                          "  opening bigint NOT NULL, closing bigint NOT NULL,\n")
    REC_END("bank_statement")
    REC("bank_entry", "  account text NOT NULL, date date, ref text NOT NULL,\n"
                      "  amount bigint NOT NULL,\n")
    REC_END("bank_entry")
    REC("personal_account", "  person text NOT NULL, fund text NOT NULL, balance bigint NOT NULL,\n")
    "  src_fund text NOT NULL,\n" REC_END("personal_account")
    /* The batch register: a batch is complete (loaded, verified) or
     * replaced; at most one complete batch per county and record type. */
    "CREATE TABLE tongchou.batch (\n"
    "  county char(6) NOT NULL,\n"
    "  id text NOT NULL,\n"
    "  type text NOT NULL,\n"
    "  records bigint NOT NULL,\n"
    "  coding text NOT NULL,\n"
    "  mappings text,\n"
    "  source text,\n"
    "  cutover date,\n"
    "  path text NOT NULL,\n"
    "  state text NOT NULL CHECK (state IN ('complete', 'replaced')),\n"
    "  loaded_at timestamptz NOT NULL DEFAULT now(),\n"
    "  loaded_by text NOT NULL DEFAULT current_user,\n"
    "  replaced_by text,\n"
    "  replaced_at timestamptz,\n"
    "  PRIMARY KEY (county, id)\n"
    ");\n"
    "CREATE UNIQUE INDEX batch_one_complete ON tongchou.batch (county, type)\n"
    "  WHERE state = 'complete';\n"
    "CREATE TABLE tongchou.batch_total (\n"
    "  county char(6) NOT NULL,\n"
    "  id text NOT NULL,\n"
    "  col text NOT NULL,\n"
    "  total bigint NOT NULL,\n"
    "  PRIMARY KEY (county, id, col),\n"
    "  FOREIGN KEY (county, id) REFERENCES tongchou.batch\n"
    ");\n"
    "CREATE TABLE tongchou.replaced (\n"
    "  county char(6) NOT NULL,\n"
    "  type text NOT NULL,\n"
    "  old_id text NOT NULL,\n"
    "  new_id text NOT NULL,\n"
    "  old_records bigint NOT NULL,\n"
    "  new_records bigint NOT NULL,\n"
    "  replaced_at timestamptz NOT NULL DEFAULT now(),\n"
    "  replaced_by text NOT NULL DEFAULT current_user,\n"
    "  PRIMARY KEY (county, type, replaced_at, old_id)\n"
    ");\n"
    /* county '000000' when the batch could not even be read. */
    "CREATE TABLE tongchou.load_failure (\n"
    "  county char(6) NOT NULL,\n"
    "  no bigint GENERATED ALWAYS AS IDENTITY,\n"
    "  path text NOT NULL,\n"
    "  batch text,\n"
    "  type text,\n"
    "  error text NOT NULL,\n"
    "  failed_at timestamptz NOT NULL DEFAULT now(),\n"
    "  failed_by text NOT NULL DEFAULT current_user,\n"
    "  resolved_at timestamptz,\n"
    "  PRIMARY KEY (county, no)\n"
    ");\n"
    "CREATE INDEX load_failure_open ON tongchou.load_failure (path) WHERE resolved_at IS NULL;\n"
    /* The reconciliation results (reconciliation.json), per report. */
    "CREATE TABLE tongchou.recon_report (\n"
    "  county char(6) NOT NULL,\n"
    "  report text NOT NULL,\n"
    "  mappings text NOT NULL,\n"
    "  cutover date NOT NULL,\n"
    "  status text NOT NULL,\n"
    "  loaded_at timestamptz NOT NULL DEFAULT now(),\n"
    "  PRIMARY KEY (county, report)\n"
    ");\n"
    "CREATE TABLE tongchou.recon_fund (\n"
    "  county char(6) NOT NULL,\n"
    "  report text NOT NULL,\n"
    "  fund text NOT NULL,\n"
    "  cash bigint NOT NULL, ledger_receivables bigint NOT NULL,\n"
    "  ledger_payables bigint NOT NULL, net_assets bigint NOT NULL,\n"
    "  fund_balance bigint NOT NULL, employer_arrears bigint NOT NULL,\n"
    "  arrears_0_3 bigint NOT NULL, arrears_4_12 bigint NOT NULL, arrears_13 bigint NOT NULL,\n"
    "  overpaid bigint NOT NULL, subsidy_shortfall bigint NOT NULL,\n"
    "  institution_payables bigint NOT NULL, personal_accounts bigint NOT NULL,\n"
    "  transfer bigint NOT NULL,\n"
    "  PRIMARY KEY (county, report, fund),\n"
    "  FOREIGN KEY (county, report) REFERENCES tongchou.recon_report\n"
    ");\n"
    "CREATE TABLE tongchou.recon_finding (\n"
    "  county char(6) NOT NULL,\n"
    "  report text NOT NULL,\n"
    "  no integer NOT NULL,\n"
    "  code text NOT NULL,\n"
    "  severity text NOT NULL CHECK (severity IN ('blocking', 'warning')),\n"
    "  fund text NOT NULL,\n"
    "  ref text NOT NULL,\n"
    "  amount bigint NOT NULL,\n"
    "  message text NOT NULL,\n"
    "  PRIMARY KEY (county, report, no),\n"
    "  FOREIGN KEY (county, report) REFERENCES tongchou.recon_report\n"
    ");\n"
    /* Transfers: one per plan, county and fund; the id is fixed by the plan. */
    "CREATE TABLE tongchou.transfer (\n"
    "  county char(6) NOT NULL,\n"
    "  plan text NOT NULL,\n"
    "  fund text NOT NULL,\n"
    "  amount bigint NOT NULL CHECK (amount >= 0),\n"
    "  state text NOT NULL CHECK (state IN ('planned', 'approved', 'executed')),\n"
    "  prepared_by text NOT NULL,\n"
    "  approved_by text,\n"
    "  executed_at timestamptz,\n"
    "  PRIMARY KEY (county, plan, fund),\n"
    "  CHECK (approved_by IS NULL OR approved_by <> prepared_by)\n"
    ");\n"
    "CREATE TABLE tongchou.posting (\n"
    "  county char(6) NOT NULL,\n"
    "  plan text NOT NULL,\n"
    "  fund text NOT NULL,\n"
    "  line integer NOT NULL,\n"
    "  ledger text NOT NULL CHECK (ledger IN ('county', 'city')),\n"
    "  account text NOT NULL,\n"
    "  debit bigint NOT NULL DEFAULT 0 CHECK (debit >= 0),\n"
    "  credit bigint NOT NULL DEFAULT 0 CHECK (credit >= 0),\n"
    "  posted_at timestamptz NOT NULL DEFAULT now(),\n"
    "  PRIMARY KEY (county, plan, fund, line),\n"
    "  FOREIGN KEY (county, plan, fund) REFERENCES tongchou.transfer\n"
    ");\n"
    /* The audit trail's entries as the database keeps them (the signed
     * file is the authority; this is its copy for queries). */
    "CREATE TABLE tongchou.audit_entry (\n"
    "  county char(6) NOT NULL,\n"
    "  seq bigint NOT NULL,\n"
    "  at timestamptz NOT NULL DEFAULT now(),\n"
    "  command text NOT NULL,\n"
    "  key_id text NOT NULL,\n"
    "  prev text NOT NULL,\n"
    "  entry text NOT NULL,\n"
    "  hash text NOT NULL,\n"
    "  signature text NOT NULL,\n"
    "  PRIMARY KEY (county, seq)\n"
    ");\n";

#define RECORD_TABLES                                                                          \
    "tongchou.account, tongchou.bank_account, tongchou.balance, tongchou.voucher_line, "       \
    "tongchou.contribution, tongchou.subsidy, tongchou.payable, tongchou.bank_statement, "     \
    "tongchou.bank_entry, tongchou.personal_account"
/* Roles belong to the cluster, and the schema lock to one database: an
 * init of another database may create the role at the same moment. */
#define ROLE(r)                                                                                \
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" r "') THEN\n"                  \
    "    BEGIN CREATE ROLE " r " NOLOGIN;\n"                                                   \
    "    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;\n  END IF;\n"

static const char step2[] =
    "DO $$ BEGIN\n" ROLE("tongchou_loader") ROLE("tongchou_transfer") ROLE("tongchou_auditor")
    "END $$;\n"
    "REVOKE ALL ON SCHEMA tongchou FROM PUBLIC;\n"
    "GRANT USAGE ON SCHEMA tongchou TO tongchou_loader, tongchou_transfer, tongchou_auditor;\n"
    "GRANT SELECT ON tongchou.schema_version TO tongchou_loader, tongchou_transfer,\n"
    "  tongchou_auditor;\n"
    /* loader: the record tables (DELETE only for --replace), the batch
     * register, failures, replacements, reconciliation results; entries. */
    "GRANT SELECT, INSERT, DELETE ON " RECORD_TABLES " TO tongchou_loader;\n"
    "GRANT SELECT, INSERT ON tongchou.batch, tongchou.batch_total, tongchou.replaced,\n"
    "  tongchou.load_failure, tongchou.recon_report, tongchou.recon_fund,\n"
    "  tongchou.recon_finding, tongchou.audit_entry TO tongchou_loader;\n"
    "GRANT UPDATE (state, path, loaded_at, loaded_by, replaced_by, replaced_at)\n"
    "  ON tongchou.batch TO tongchou_loader;\n"
    "GRANT UPDATE (resolved_at) ON tongchou.load_failure TO tongchou_loader;\n"
    /* transfer: reads what was loaded, writes transfers and postings. */
    "GRANT SELECT ON " RECORD_TABLES ", tongchou.batch, tongchou.batch_total,\n"
    "  tongchou.recon_report, tongchou.recon_fund, tongchou.recon_finding\n"
    "  TO tongchou_transfer;\n"
    "GRANT SELECT, INSERT ON tongchou.transfer, tongchou.posting, tongchou.audit_entry\n"
    "  TO tongchou_transfer;\n"
    "GRANT UPDATE (state, approved_by, executed_at) ON tongchou.transfer TO tongchou_transfer;\n"
    /* auditor: reads everything, changes nothing. */
    "GRANT SELECT ON ALL TABLES IN SCHEMA tongchou TO tongchou_auditor;\n";

static const char step3[] =
    "CREATE FUNCTION tongchou.audit_entry_refuse() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  RAISE EXCEPTION 'tongchou.audit_entry is append-only: % refused', TG_OP\n"
    "    USING ERRCODE = 'insufficient_privilege';\n"
    "END $$;\n"
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON tongchou.audit_entry\n"
    "  FOR EACH ROW EXECUTE FUNCTION tongchou.audit_entry_refuse();\n"
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON tongchou.audit_entry\n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION tongchou.audit_entry_refuse();\n";

/*
 * Pools (shared/spec/mappings.md, "Pools that merge"): a city sub-ledger may
 * hold several source pools, each with its own batches, reconciliation rows
 * and transfers.  Every row that stood for "the county" gets the pool whose
 * books it is, and each key that said "one per county" says "one per county
 * and pool".  Rows from before are their region's only pool.
 */
#define ADD_POOL(t)                                                                            \
    "ALTER TABLE tongchou." t " ADD COLUMN pool char(6);\n"                                    \
    "UPDATE tongchou." t " SET pool = county;\n"                                               \
    "ALTER TABLE tongchou." t " ALTER COLUMN pool SET NOT NULL;\n"
static const char step4[] =
    ADD_POOL("batch") ADD_POOL("replaced") ADD_POOL("recon_report") ADD_POOL("recon_fund")
    ADD_POOL("recon_finding") ADD_POOL("transfer") ADD_POOL("posting")
    /* a part handover: a fund kept, or handed over at its own date */
    "ALTER TABLE tongchou.recon_fund ADD COLUMN handed_over boolean NOT NULL DEFAULT true,\n"
    "  ADD COLUMN cutover date;\n"
    "DROP INDEX tongchou.batch_one_complete;\n"
    "CREATE UNIQUE INDEX batch_one_complete ON tongchou.batch (county, pool, type)\n"
    "  WHERE state = 'complete';\n"
    "ALTER TABLE tongchou.recon_fund DROP CONSTRAINT recon_fund_county_report_fkey,\n"
    "  DROP CONSTRAINT recon_fund_pkey;\n"
    "ALTER TABLE tongchou.recon_finding DROP CONSTRAINT recon_finding_county_report_fkey,\n"
    "  DROP CONSTRAINT recon_finding_pkey;\n"
    "ALTER TABLE tongchou.recon_report DROP CONSTRAINT recon_report_pkey,\n"
    "  ADD PRIMARY KEY (county, pool, report);\n"
    "ALTER TABLE tongchou.recon_fund ADD PRIMARY KEY (county, pool, report, fund),\n"
    "  ADD FOREIGN KEY (county, pool, report) REFERENCES tongchou.recon_report;\n"
    "ALTER TABLE tongchou.recon_finding ADD PRIMARY KEY (county, pool, report, no),\n"
    "  ADD FOREIGN KEY (county, pool, report) REFERENCES tongchou.recon_report;\n"
    "GRANT UPDATE (state, path, loaded_at, loaded_by, replaced_by, replaced_at)\n"
    "  ON tongchou.batch TO tongchou_loader;\n"
    /* correcting transfers (补划, 退回): new rows referring to the transfer
     * they correct, never an update of it */
    "ALTER TABLE tongchou.transfer ADD COLUMN kind text NOT NULL DEFAULT 'transfer'\n"
    "  CHECK (kind IN ('transfer', 'top-up', 'refund', 'amend')),\n"
    "  ADD COLUMN corrects text,\n"
    "  ADD CHECK ((kind = 'transfer') = (corrects IS NULL));\n";
#undef ADD_POOL

static const struct {
    const char *what;
    const char *sql;
} steps[] = {
    {"tables: records, batches, failures, reconciliation, transfers, audit", step1},
    {"roles tongchou_loader, tongchou_transfer, tongchou_auditor", step2},
    {"audit_entry append-only", step3},
    {"pools: batches, reconciliation rows and transfers per county and pool", step4},
};
#define NSTEPS (int)(sizeof(steps) / sizeof(steps[0]))

int tc_schema_latest(void)
{
    return NSTEPS;
}

int tc_schema_version(PGconn *c, int *version, tc_err *e)
{
    *version = 0;
    PGresult *r;
    int rc;
    if ((rc = tc_db_query(c, "SELECT to_regclass('tongchou.schema_version') IS NOT NULL", 0, NULL,
                          &r, "reading the schema version", e)))
        return rc;
    int present = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!present)
        return 0;
    if ((rc = tc_db_query(c, "SELECT coalesce(max(version), 0) FROM tongchou.schema_version", 0,
                          NULL, &r, "reading the schema version", e)))
        return rc;
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static int too_new(int have, tc_err *e)
{
    tc_fail(e, TC_EINPUT, "the database's schema is at version %d, newer than this tongchou "
                          "knows (%d)", have, NSTEPS);
    return tc_err_hint(e, "use the tongchou release that upgraded it");
}

/* Apply step k (1-based) in its own transaction, unless another process
 * applied it meanwhile. */
static int apply_step(PGconn *c, int k, tc_err *e)
{
    char doing[96], ver[16];
    snprintf(doing, sizeof(doing), "applying schema step %d", k);
    snprintf(ver, sizeof(ver), "%d", k);
    int rc = tc_db_exec(c, "BEGIN", doing, e);
    if (!rc)
        rc = tc_db_exec(c, LOCK_SCHEMA, doing, e);
    PGresult *r = NULL;
    const char *p[2] = {ver, steps[k - 1].what};
    if (!rc)
        rc = tc_db_query(c, "SELECT 1 FROM tongchou.schema_version WHERE version = $1::int", 1, p,
                         &r, doing, e);
    int done = !rc && PQntuples(r) > 0;
    PQclear(r);
    if (!rc && !done) {
        rc = tc_db_exec(c, steps[k - 1].sql, doing, e);
        if (!rc)
            rc = tc_db_query(c, "INSERT INTO tongchou.schema_version (version, description) "
                                "VALUES ($1::int, $2)", 2, p, NULL, doing, e);
    }
    if (!rc)
        return tc_db_exec(c, "COMMIT", doing, e);
    PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

int tc_schema_migrate(PGconn *c, int create, int *from, int *to, tc_err *e)
{
    int have, rc;
    if ((rc = tc_schema_version(c, &have, e)))
        return rc;
    if (from)
        *from = have;
    if (to)
        *to = have;
    if (have > NSTEPS)
        return too_new(have, e);
    if (have == 0 && !create) {
        tc_fail(e, TC_EINPUT, "the database holds no tongchou schema to upgrade");
        return tc_err_hint(e, "run 'tongchou db init' first");
    }
    if (have == 0) {
        /* Concurrent inits: the lock makes the second wait, then see it. */
        const char *doing = "creating schema tongchou";
        rc = tc_db_exec(c, "BEGIN", doing, e);
        if (!rc)
            rc = tc_db_exec(c, LOCK_SCHEMA, doing, e);
        if (!rc)
            rc = tc_db_exec(c,
                            "CREATE SCHEMA IF NOT EXISTS tongchou;\n"
                            "CREATE TABLE IF NOT EXISTS tongchou.schema_version (\n"
                            "  version integer PRIMARY KEY,\n"
                            "  description text NOT NULL,\n"
                            "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
                            "  applied_by text NOT NULL DEFAULT current_user\n"
                            ")",
                            doing, e);
        if (!rc)
            rc = tc_db_exec(c, "COMMIT", doing, e);
        if (rc) {
            PQclear(PQexec(c, "ROLLBACK"));
            return rc;
        }
    }
    for (int k = have + 1; k <= NSTEPS; k++)
        if ((rc = apply_step(c, k, e)))
            return rc;
    if ((rc = tc_schema_version(c, &have, e)))
        return rc;
    if (to)
        *to = have;
    return have > NSTEPS ? too_new(have, e) : 0;
}

int tc_schema_check(PGconn *c, tc_err *e)
{
    int have, rc;
    if ((rc = tc_schema_version(c, &have, e)))
        return rc;
    if (have > NSTEPS)
        return too_new(have, e);
    if (have == 0) {
        tc_fail(e, TC_EINPUT, "the database holds no tongchou schema");
        return tc_err_hint(e, "run 'tongchou db init' first");
    }
    if (have < NSTEPS) {
        tc_fail(e, TC_EINPUT, "the database's schema is at version %d, this tongchou needs %d",
                have, NSTEPS);
        return tc_err_hint(e, "run 'tongchou db upgrade'");
    }
    return 0;
}

int tc_schema_install(const char *db, int create, int *from, int *to, tc_err *e)
{
    PGconn *c;
    int rc = tc_db_connect(&c, db, e);
    if (rc)
        return rc;
    rc = tc_schema_migrate(c, create, from, to, e);
    PQfinish(c);
    return rc;
}
