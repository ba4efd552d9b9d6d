/*
 * record.c - the table of canonical record types.  See record.h.
 */
#include "core/record.h"

#include <pthread.h>
#include <string.h>

#define T TC_COL_TEXT
#define A TC_COL_AMOUNT
#define R TC_COL_RATE
#define D TC_COL_DATE
#define P TC_COL_PERIOD
#define I TC_COL_INT

static const tc_column c_account[] = {{"code", T}, {"name", T}, {"class", T}};
static const tc_column c_bank_account[] = {
    {"no", T}, {"fund", T}, {"role", T}, {"account", T}, {"bank", T}};
static const tc_column c_balance[] = {{"fund", T},    {"account", T}, {"period", P},
                                      {"opening", A}, {"debit", A},   {"credit", A},
                                      {"closing", A}};
static const tc_column c_voucher_line[] = {
    {"voucher", T}, {"date", D},  {"fund", T},   {"voucher_memo", T}, {"line", I},
    {"account", T}, {"debit", A}, {"credit", A}, {"bank_ref", T},     {"memo", T}};
static const tc_column c_contribution[] = {{"payer", T}, {"kind", T}, {"fund", T},
                                           {"period", P}, {"base", A}, {"rate", R},
                                           {"due", A},   {"paid", A}};
static const tc_column c_subsidy[] = {
    {"level", T}, {"fund", T}, {"year", I}, {"due", A}, {"received", A}};
static const tc_column c_payable[] = {{"institution", T}, {"name", T},    {"fund", T},
                                      {"period", P},      {"settled", A}, {"paid", A}};
static const tc_column c_bank_statement[] = {
    {"account", T}, {"from", D}, {"to", D}, {"opening", A}, {"closing", A}};
static const tc_column c_bank_entry[] = {{"account", T}, {"date", D}, {"ref", T}, {"amount", A}};
static const tc_column c_personal_account[] = {{"person", T}, {"fund", T}, {"balance", A}};

#define N(a) (int)(sizeof(a) / sizeof(a[0]))

const tc_rectype tc_rectypes[] = {
    {"account", "Accounts", c_account, N(c_account)},
    {"bank_account", "BankAccounts", c_bank_account, N(c_bank_account)},
    {"balance", "Balances", c_balance, N(c_balance)},
    {"voucher_line", "Vouchers", c_voucher_line, N(c_voucher_line)},
    {"contribution", "Contributions", c_contribution, N(c_contribution)},
    {"subsidy", "Subsidies", c_subsidy, N(c_subsidy)},
    {"payable", "Payables", c_payable, N(c_payable)},
    {"bank_statement", "BankStatements", c_bank_statement, N(c_bank_statement)},
    {"bank_entry", "BankStatements", c_bank_entry, N(c_bank_entry)},
    {"personal_account", "PersonalAccounts", c_personal_account, N(c_personal_account)},
};
const int tc_nrectypes = N(tc_rectypes);

/* Natural keys (handover-xml.md, "Rules a reader enforces"), by column name. */
static const char *const natural_keys[][5] = {
    {"code"},                                   /* account */
    {"no"},                                     /* bank_account */
    {"fund", "account", "period"},              /* balance */
    {"voucher", "line"},                        /* voucher_line */
    {"payer", "kind", "fund", "period"},        /* contribution */
    {"level", "fund", "year"},                  /* subsidy */
    {"institution", "fund", "period"},          /* payable */
    {"account"},                                /* bank_statement */
    {"account", "ref"},                         /* bank_entry */
    {"person", "fund"},                         /* personal_account */
};

/* The key column indexes, resolved from the names once. */
static int key_cols[sizeof(natural_keys) / sizeof(natural_keys[0])][5];
static int key_n[sizeof(natural_keys) / sizeof(natural_keys[0])];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void resolve_keys(void)
{
    for (int ti = 0; ti < tc_nrectypes; ti++)
        for (int n = 0; n < 5 && natural_keys[ti][n]; n++)
            key_cols[ti][key_n[ti]++] = tc_rectype_col(&tc_rectypes[ti], natural_keys[ti][n]);
}

int tc_rectype_key(const tc_rectype *t, int cols[5])
{
    int ti = (int)(t - tc_rectypes);
    if (ti < 0 || ti >= tc_nrectypes)
        return 0;
    pthread_once(&key_once, resolve_keys);
    memcpy(cols, key_cols[ti], sizeof(key_cols[ti]));
    return key_n[ti];
}

const tc_rectype *tc_rectype_find(const char *name)
{
    for (int i = 0; i < tc_nrectypes; i++)
        if (strcmp(tc_rectypes[i].name, name) == 0)
            return &tc_rectypes[i];
    return NULL;
}

int tc_rectype_col(const tc_rectype *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

static const char *const coltype_names[] = {NULL,   "text",   "amount", "rate",
                                            "date", "period", "int"};

const char *tc_coltype_name(tc_coltype t)
{
    return t >= TC_COL_TEXT && t <= TC_COL_INT ? coltype_names[t] : "?";
}

tc_coltype tc_coltype_parse(const char *s, size_t n)
{
    for (int t = TC_COL_TEXT; t <= TC_COL_INT; t++)
        if (strlen(coltype_names[t]) == n && memcmp(coltype_names[t], s, n) == 0)
            return (tc_coltype)t;
    return (tc_coltype)0;
}

/* ---------------------------------------------------------------- dates */

static int digits_at(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

int tc_date_parse(const char *s, size_t n, int64_t *out)
{
    int y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 4, &y) ||
        !digits_at(s + 5, 2, &m) || !digits_at(s + 8, 2, &d))
        return -1;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return -1;
    *out = (int64_t)y * 10000 + m * 100 + d;
    return 0;
}

int tc_period_parse(const char *s, size_t n, char sep, int64_t *out)
{
    int y, m;
    size_t mo = sep ? 5 : 4;
    if (n != mo + 2 || (sep && s[4] != sep) || !digits_at(s, 4, &y) || !digits_at(s + mo, 2, &m))
        return -1;
    if (y < 1900 || m < 1 || m > 12)
        return -1;
    *out = (int64_t)y * 100 + m;
    return 0;
}
