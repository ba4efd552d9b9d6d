/*
 * xml.c - see xml.h.
 *
 * The grammar is data: a table of elements (name, parent, attributes, the
 * record type they become) and per element a table of attributes (name,
 * value type, column, required).  Element and attribute names are looked
 * up by pointer: libxml2 interns every name in the parser's dictionary, and
 * so do we, once, when the parser is made; a string comparison backs the
 * pointer comparison up so correctness never rests on the interning.
 *
 * Values are parsed in place from the attribute slices libxml2 hands the
 * SAX2 callback (no copies), converted to the column's type and passed to
 * the emitter while the callback runs.  Only a Voucher's fields (its Lines
 * come later) and a BankStatement's account (its Entries come later) are
 * copied.
 */
#include "extract/xml.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <zlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "core/writebehind.h"
#include "core/digest.h"
#include "core/ident.h"
#include "core/money.h"

#define NS "urn:tongchou:handover:1"
#define CHUNK (1 << 18)

/* ---------------------------------------------------------------- grammar */

typedef enum {
    V_CODE = 1, V_REGION, V_TEXT, V_AMOUNT, V_RATE, V_DATE, V_PERIOD, V_YEAR, V_PERSON,
    V_PAYER, V_CLASS, V_DATETIME, V_COUNT, V_SECTION, V_SUMATTR, V_VERSION
} vtype;

typedef struct attr {
    const char *name;
    vtype type;
    signed char col;       /* column of the record, or -1 */
    unsigned char required;
} attr;

enum {
    E_HANDOVER, E_HEADER,
    /* sections, in their required order */
    E_ACCOUNTS, E_BANKACCOUNTS, E_BALANCES, E_VOUCHERS, E_CONTRIBUTIONS, E_SUBSIDIES,
    E_PAYABLES, E_BANKSTATEMENTS, E_PERSONALACCOUNTS, E_TRAILER,
    /* records */
    E_ACCOUNT, E_BANKACCOUNT, E_BALANCE, E_VOUCHER, E_LINE, E_CONTRIBUTION, E_SUBSIDY,
    E_PAYABLE, E_BANKSTATEMENT, E_ENTRY, E_PERSONALACCOUNT, E_COUNT, E_SUM,
    E_N
};

#define MAXATTR 8

typedef struct element {
    const char *name;
    int parent;            /* the element it must be in */
    int rectype;           /* index into tc_rectypes, or -1 */
    attr attrs[MAXATTR];
} element;

/* Record type indexes of core/record.c's tc_rectypes[]. */
enum { R_ACCOUNT, R_BANK_ACCOUNT, R_BALANCE, R_VOUCHER_LINE, R_CONTRIBUTION, R_SUBSIDY,
       R_PAYABLE, R_BANK_STATEMENT, R_BANK_ENTRY, R_PERSONAL_ACCOUNT, R_N };

static const element EL[E_N] = {
    [E_HANDOVER] = {"Handover", -1, -1, {{"version", V_VERSION, -1, 1}}},
    [E_HEADER] = {"Header", E_HANDOVER, -1,
                  {{"county", V_REGION, -1, 1}, {"countyName", V_TEXT, -1, 1},
                   {"cutover", V_DATE, -1, 1}, {"system", V_TEXT, -1, 1},
                   {"exportedAt", V_DATETIME, -1, 1}}},
    [E_ACCOUNTS] = {"Accounts", E_HANDOVER, -1, {{0}}},
    [E_BANKACCOUNTS] = {"BankAccounts", E_HANDOVER, -1, {{0}}},
    [E_BALANCES] = {"Balances", E_HANDOVER, -1, {{0}}},
    [E_VOUCHERS] = {"Vouchers", E_HANDOVER, -1, {{0}}},
    [E_CONTRIBUTIONS] = {"Contributions", E_HANDOVER, -1, {{0}}},
    [E_SUBSIDIES] = {"Subsidies", E_HANDOVER, -1, {{0}}},
    [E_PAYABLES] = {"Payables", E_HANDOVER, -1, {{0}}},
    [E_BANKSTATEMENTS] = {"BankStatements", E_HANDOVER, -1, {{0}}},
    [E_PERSONALACCOUNTS] = {"PersonalAccounts", E_HANDOVER, -1, {{0}}},
    [E_TRAILER] = {"Trailer", E_HANDOVER, -1, {{0}}},
    [E_ACCOUNT] = {"Account", E_ACCOUNTS, R_ACCOUNT,
                   {{"code", V_CODE, 0, 1}, {"name", V_TEXT, 1, 1}, {"class", V_CLASS, 2, 1}}},
    [E_BANKACCOUNT] = {"BankAccount", E_BANKACCOUNTS, R_BANK_ACCOUNT,
                       {{"no", V_CODE, 0, 1}, {"fund", V_CODE, 1, 1}, {"role", V_CODE, 2, 1},
                        {"account", V_CODE, 3, 1}, {"bank", V_TEXT, 4, 1}}},
    [E_BALANCE] = {"Balance", E_BALANCES, R_BALANCE,
                   {{"fund", V_CODE, 0, 1}, {"account", V_CODE, 1, 1}, {"period", V_PERIOD, 2, 1},
                    {"opening", V_AMOUNT, 3, 1}, {"debit", V_AMOUNT, 4, 1},
                    {"credit", V_AMOUNT, 5, 1}, {"closing", V_AMOUNT, 6, 1}}},
    /* a Voucher's own fields go to its Lines' columns 0-3 */
    [E_VOUCHER] = {"Voucher", E_VOUCHERS, -1,
                   {{"no", V_CODE, 0, 1}, {"date", V_DATE, 1, 1}, {"fund", V_CODE, 2, 1},
                    {"memo", V_TEXT, 3, 0}}},
    [E_LINE] = {"Line", E_VOUCHER, R_VOUCHER_LINE,
                {{"account", V_CODE, 5, 1}, {"debit", V_AMOUNT, 6, 0}, {"credit", V_AMOUNT, 7, 0},
                 {"bankRef", V_CODE, 8, 0}, {"memo", V_TEXT, 9, 0}}},
    [E_CONTRIBUTION] = {"Contribution", E_CONTRIBUTIONS, R_CONTRIBUTION,
                        {{"payer", V_PAYER, 0, 1}, {"kind", V_CODE, 1, 1}, {"fund", V_CODE, 2, 1},
                         {"period", V_PERIOD, 3, 1}, {"base", V_AMOUNT, 4, 1},
                         {"rate", V_RATE, 5, 1}, {"due", V_AMOUNT, 6, 1},
                         {"paid", V_AMOUNT, 7, 1}}},
    [E_SUBSIDY] = {"Subsidy", E_SUBSIDIES, R_SUBSIDY,
                   {{"level", V_CODE, 0, 1}, {"fund", V_CODE, 1, 1}, {"year", V_YEAR, 2, 1},
                    {"due", V_AMOUNT, 3, 1}, {"received", V_AMOUNT, 4, 1}}},
    [E_PAYABLE] = {"Payable", E_PAYABLES, R_PAYABLE,
                   {{"institution", V_CODE, 0, 1}, {"name", V_TEXT, 1, 1}, {"fund", V_CODE, 2, 1},
                    {"period", V_PERIOD, 3, 1}, {"settled", V_AMOUNT, 4, 1},
                    {"paid", V_AMOUNT, 5, 1}}},
    [E_BANKSTATEMENT] = {"BankStatement", E_BANKSTATEMENTS, R_BANK_STATEMENT,
                         {{"account", V_CODE, 0, 1}, {"from", V_DATE, 1, 1}, {"to", V_DATE, 2, 1},
                          {"opening", V_AMOUNT, 3, 1}, {"closing", V_AMOUNT, 4, 1}}},
    [E_ENTRY] = {"Entry", E_BANKSTATEMENT, R_BANK_ENTRY,
                 {{"date", V_DATE, 1, 1}, {"ref", V_CODE, 2, 1}, {"amount", V_AMOUNT, 3, 1}}},
    [E_PERSONALACCOUNT] = {"PersonalAccount", E_PERSONALACCOUNTS, R_PERSONAL_ACCOUNT,
                           {{"person", V_PERSON, 0, 1}, {"fund", V_CODE, 1, 1},
                            {"balance", V_AMOUNT, 2, 1}}},
    [E_COUNT] = {"Count", E_TRAILER, -1,
                 {{"section", V_SECTION, 0, 1}, {"records", V_COUNT, 1, 1},
                  {"lines", V_COUNT, 2, 0}, {"entries", V_COUNT, 3, 0}}},
    [E_SUM] = {"Sum", E_TRAILER, -1,
               {{"section", V_SECTION, 0, 1}, {"attribute", V_SUMATTR, 1, 1},
                {"value", V_AMOUNT, 2, 1}}},
};

/* The record element each section holds. */
static const int CHILD_OF[E_N] = {
    [E_ACCOUNTS] = E_ACCOUNT, [E_BANKACCOUNTS] = E_BANKACCOUNT, [E_BALANCES] = E_BALANCE,
    [E_VOUCHERS] = E_VOUCHER, [E_CONTRIBUTIONS] = E_CONTRIBUTION, [E_SUBSIDIES] = E_SUBSIDY,
    [E_PAYABLES] = E_PAYABLE, [E_BANKSTATEMENTS] = E_BANKSTATEMENT,
    [E_PERSONALACCOUNTS] = E_PERSONALACCOUNT, [E_VOUCHER] = E_LINE, [E_BANKSTATEMENT] = E_ENTRY,
};

/* The Trailer's control totals (handover-xml.md): per section, the amount
 * attributes summed and where their totals are (record type, column). */
typedef struct sumdef {
    int section;
    const char *attribute;
    int rectype, col;
} sumdef;

static const sumdef SUMS[] = {
    {E_BALANCES, "opening", R_BALANCE, 3},      {E_BALANCES, "debit", R_BALANCE, 4},
    {E_BALANCES, "credit", R_BALANCE, 5},       {E_BALANCES, "closing", R_BALANCE, 6},
    {E_VOUCHERS, "debit", R_VOUCHER_LINE, 6},   {E_VOUCHERS, "credit", R_VOUCHER_LINE, 7},
    {E_CONTRIBUTIONS, "base", R_CONTRIBUTION, 4}, {E_CONTRIBUTIONS, "due", R_CONTRIBUTION, 6},
    {E_CONTRIBUTIONS, "paid", R_CONTRIBUTION, 7}, {E_SUBSIDIES, "due", R_SUBSIDY, 3},
    {E_SUBSIDIES, "received", R_SUBSIDY, 4},    {E_PAYABLES, "settled", R_PAYABLE, 4},
    {E_PAYABLES, "paid", R_PAYABLE, 5},         {E_BANKSTATEMENTS, "opening", R_BANK_STATEMENT, 3},
    {E_BANKSTATEMENTS, "closing", R_BANK_STATEMENT, 4},
    {E_BANKSTATEMENTS, "amount", R_BANK_ENTRY, 3},
    {E_PERSONALACCOUNTS, "balance", R_PERSONAL_ACCOUNT, 2},
};
#define NSUMS ((int)(sizeof(SUMS) / sizeof(SUMS[0])))

/* ------------------------------------------------------------------ state */

/*
 * Two threads share the work.  The parser thread runs libxml2 and checks
 * the structure - which element, in which parent, in which section order,
 * which attributes - by comparing interned pointers, and copies each
 * element's attribute values into a message for the worker:
 *
 *   el(1) nattr(1) line(4) col(4), then per attribute as it came:
 *   k(1) len(2) bytes
 *
 * built in place in the hand-off block (tc_writebehind_claim), so the values are
 * copied once.  A line beyond 2^32 wraps in messages, nothing else.
 *
 * (k: the attribute's place in the element's table).  The worker (a tc_writebehind,
 * so messages travel in 256 KiB blocks and memory stays flat) converts and
 * validates the values, keeps the open Voucher and BankStatement, collects
 * the Trailer and emits the records.  Messages come in document order, so
 * the first violation the worker finds precedes anything the parser finds
 * later: when both fail, the worker's error is the one reported.
 */

#define MSGCAP 65000          /* one element's message, at most */
#define WBLOCK (1 << 18)      /* the hand-off block */

typedef struct trailer_count {
    int seen;
    long long records, lines, entries;
    int has_lines, has_entries;
    long line;             /* where the Count was, for messages */
} trailer_count;

/* The worker's side: everything about values. */
typedef struct worker {
    const char *path;
    tc_emit *em;
    tc_xml_stats *st;
    tc_err *e;             /* the error of the block being worked on */
    long line, col;        /* where the element being worked on is */
    /* the open Voucher (codes are at most 32 characters: 128 bytes) */
    char v_no[160], v_fund[160], v_memo[MSGCAP];
    size_t v_no_n, v_fund_n, v_memo_n;
    int64_t v_date;
    int v_lines;
    char h_county[7], h_cutover[11];
    /* the open BankStatement */
    char s_account[160];
    size_t s_account_n;
    /* the last payer checked, and what its check digit said (records come
     * in runs: an employer's or a person's months one after the other) */
    char payer[18];
    int payer_verdict;     /* 0 none, 1 good, 2 bad identity number, 3 bad credit code */
    trailer_count tc[E_N];
    int sum_seen[NSUMS];
    int64_t sum_value[NSUMS];
    long sum_line[NSUMS];
} worker;

/* The parser thread's side: structure. */
typedef struct state {
    xmlParserCtxtPtr ctxt;
    const char *path;
    tc_xml_stats *st;
    tc_err pe;                            /* the parser's own refusal */
    int failed;
    tc_writebehind *bg;                           /* messages to the worker */
    const xmlChar *iname[E_N];            /* interned element names */
    const xmlChar *ins;                   /* the namespace, interned */
    const xmlChar *iattr[E_N][MAXATTR];   /* interned attribute names */
    int stack[8];                         /* open elements */
    int depth;
    int last_section;                     /* highest section index seen */
    int header_seen, handover_closed;
    long end_line, end_col;               /* where </Handover> was */
    /* the open Voucher, for "has no Line" */
    char v_no[160];
    int v_no_n, v_lines;
    long long vouchers;
    long long counts[E_N];                /* records per section element */
    worker w;
} state;

static long line_no(state *s) { return (long)xmlSAX2GetLineNumber(s->ctxt); }
static long col_no(state *s) { return (long)xmlSAX2GetColumnNumber(s->ctxt); }

/* The parser thread: record the first violation and stop the parser. */
static void fail(state *s, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(state *s, const char *hint, const char *fmt, ...)
{
    if (s->failed)
        return;
    s->failed = 1;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_fail(&s->pe, TC_EINPUT, "%s", msg);
    tc_err_at(&s->pe, s->path, line_no(s), col_no(s));
    if (hint)
        tc_err_hint(&s->pe, "%s", hint);
    xmlStopParser(s->ctxt);
}

/* The worker: the same, at the element being worked on; returns TC_EINPUT. */
static int wfail(worker *w, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int wfail(worker *w, const char *hint, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_fail(w->e, TC_EINPUT, "%s", msg);
    tc_err_at(w->e, w->path, w->line, w->col);
    if (hint)
        tc_err_hint(w->e, "%s", hint);
    return TC_EINPUT;
}

static const char HINT_FIX[] =
    "the export breaks the handover format (shared/spec/handover-xml.md); ask the county's "
    "vendor for a corrected file - nothing was written";

/* ------------------------------------------------------------ value types */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int digits(const xmlChar *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return 0;
    return 1;
}

static int num(const xmlChar *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static int parse_date(const xmlChar *p, size_t n, int64_t *out)
{
    return tc_date_parse((const char *)p, n, out);
}

static int parse_period(const xmlChar *p, size_t n, int64_t *out)
{
    return tc_period_parse((const char *)p, n, '-', out);
}

/* xs:dateTime as exports write it: YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm] */
static int valid_datetime(const xmlChar *p, size_t n)
{
    int64_t d;
    if (n < 19 || parse_date(p, 10, &d) || p[10] != 'T' || p[13] != ':' || p[16] != ':' ||
        !digits(p + 11, 2) || !digits(p + 14, 2) || !digits(p + 17, 2) ||
        num(p + 11, 2) > 23 || num(p + 14, 2) > 59 || num(p + 17, 2) > 59)
        return 0;
    size_t i = 19;
    if (i < n && p[i] == '.') {
        size_t f = ++i;
        while (i < n && is_digit(p[i]))
            i++;
        if (i == f)
            return 0;
    }
    if (i == n)
        return 1;
    if (p[i] == 'Z')
        return i + 1 == n;
    /* a zone of at most +-14:00, as xs:dateTime allows */
    if (!((p[i] == '+' || p[i] == '-') && n - i == 6 && digits(p + i + 1, 2) && p[i + 3] == ':' &&
          digits(p + i + 4, 2)))
        return 0;
    int zh = num(p + i + 1, 2), zm = num(p + i + 4, 2);
    return zm <= 59 && (zh < 14 || (zh == 14 && zm == 0));
}

/* 1-32 characters (UTF-8), no whitespace. */
static int valid_code(const xmlChar *p, size_t n)
{
    if (n == 0)
        return 0;
    /* the common case: printable ASCII, one byte a character */
    size_t i = 0;
    while (i < n && p[i] > ' ' && p[i] < 0x7f)
        i++;
    if (i == n)
        return n <= 32;
    size_t chars = i;
    for (; i < n; i++) {
        unsigned char c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            return 0;
        /* Unicode space separators (\p{Z}), as the schema has it: U+00A0,
         * U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
        if (c == 0xC2 && i + 1 < n && p[i + 1] == 0xA0)
            return 0;
        if (i + 2 < n) {
            unsigned char c1 = p[i + 1], c2 = p[i + 2];
            if ((c == 0xE1 && c1 == 0x9A && c2 == 0x80) ||
                (c == 0xE2 && c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) ||
                (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) || (c == 0xE3 && c1 == 0x80 && c2 == 0x80))
                return 0;
        }
        if ((c & 0xC0) != 0x80)
            chars++;
    }
    return chars <= 32;
}

static const char *const CLASSES[] = {"asset", "liability", "fund", "income", "expense"};

static int eq(const xmlChar *p, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Quote a value for a message: identity numbers masked, long ones cut. */
static const char *quote(vtype t, const xmlChar *p, size_t n, char *buf, size_t cap)
{
    if ((t == V_PERSON || t == V_PAYER) || tc_ident_looks_like_id((const char *)p, n))
        return tc_ident_mask((const char *)p, n, buf, cap);
    size_t k = n < 60 ? n : 60;
    snprintf(buf, cap, "%.*s%s", (int)k, (const char *)p, n > k ? "..." : "");
    return buf;
}

static int section_of(const xmlChar *p, size_t n)
{
    for (int i = E_ACCOUNTS; i <= E_PERSONALACCOUNTS; i++)
        if (eq(p, n, EL[i].name))
            return i;
    return -1;
}

/*
 * Check and convert one attribute value into v.  Returns 0, or fails the
 * parse with a message naming the element, the attribute, the value and
 * what was expected.
 */
static int convert(worker *w, int el, const attr *a, const xmlChar *p, size_t n, tc_value *v)
{
    char q[96];
    const char *want = NULL;
    tc_err me;
    switch (a->type) {
    case V_CODE:
        if (!valid_code(p, n))
            want = "a code of 1 to 32 characters without spaces";
        *v = tc_v_text((const char *)p, n);
        break;
    case V_TEXT:
        *v = tc_v_text((const char *)p, n);
        break;
    case V_REGION:
        if (n != 6 || !digits(p, 6))
            want = "a region code of 6 ASCII digits";
        *v = tc_v_text((const char *)p, n);
        break;
    case V_AMOUNT:
        if (tc_money_parse_yuan((const char *)p, n, &v->i, &me)) {
            return wfail(w, HINT_FIX, "%s attribute '%s': %s; an amount is yuan like 1234.50 "
                         "(-?[0-9]{1,15}(.[0-9]{1,2})?)", EL[el].name, a->name, me.msg);
        }
        break;
    case V_RATE: {
        int32_t r;
        if (tc_rate_parse((const char *)p, n, &r, &me)) {
            return wfail(w, HINT_FIX, "%s attribute '%s': %s", EL[el].name, a->name, me.msg);
        }
        v->i = r;
        break;
    }
    case V_DATE:
        if (parse_date(p, n, &v->i))
            want = "a calendar date YYYY-MM-DD";
        break;
    case V_PERIOD:
        if (parse_period(p, n, &v->i))
            want = "a period YYYY-MM with a month from 01 to 12";
        break;
    case V_YEAR:
        if (n != 4 || !digits(p, 4) || num(p, 4) < 1900)
            want = "a year of 4 ASCII digits";
        else
            v->i = num(p, 4);
        break;
    case V_PERSON:
        if (!tc_ident_looks_like_id((const char *)p, n) || p[17] == 'x')
            want = "a resident identity number: 17 digits and a digit or X";
        else if (!tc_ident_id_valid((const char *)p, n))
            w->st->bad_id_check++;
        *v = tc_v_text((const char *)p, n);
        break;
    case V_PAYER: {
        /* 18 characters 0-9 A-Z; an identity number when the first 17 are
         * digits and the last a digit or X, else a credit code.  One pass
         * without branches: every employer and insured person has one. */
        if (!(n == 18 && w->payer_verdict && memcmp(p, w->payer, 18) == 0)) {
            /* not the payer of the record before: check it */
            unsigned bad = n != 18, nondigit = 0;
            for (size_t i = 0; !bad && i < 18; i++) {
                unsigned c = p[i], d = c - '0' < 10u, u = c - 'A' < 26u;
                bad |= !(d | u);
                nondigit |= (i < 17) & !d;
            }
            if (bad) {
                want = "a unified social credit code or an identity number: 18 characters "
                       "0-9 A-Z";
                break;
            }
            if (!nondigit && (is_digit(p[17]) || p[17] == 'X'))
                w->payer_verdict = tc_ident_id_check_char((const char *)p) != p[17] ? 2 : 1;
            else
                w->payer_verdict = tc_ident_uscc_valid((const char *)p, n) ? 1 : 3;
            memcpy(w->payer, p, 18);
        }
        w->st->bad_id_check += w->payer_verdict == 2;
        w->st->bad_uscc_check += w->payer_verdict == 3;
        *v = tc_v_text((const char *)p, n);
        break;
    }
    case V_CLASS: {
        int ok = 0;
        for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++)
            ok |= eq(p, n, CLASSES[i]);
        if (!ok)
            want = "one of asset, liability, fund, income, expense";
        *v = tc_v_text((const char *)p, n);
        break;
    }
    case V_DATETIME:
        if (!valid_datetime(p, n))
            want = "a date and time like 2021-06-30T18:00:00+08:00";
        break;
    case V_COUNT:
        if (n == 0 || n > 18 || !digits(p, n) || (n > 1 && p[0] == '0'))
            want = "a count: digits, no leading zero";
        else {
            v->i = 0;
            for (size_t i = 0; i < n; i++)
                v->i = v->i * 10 + (p[i] - '0');
        }
        break;
    case V_SECTION:
        if ((v->i = section_of(p, n)) < 0)
            want = "a section name: Accounts, BankAccounts, Balances, Vouchers, Contributions, "
                   "Subsidies, Payables, BankStatements or PersonalAccounts";
        break;
    case V_SUMATTR:
        *v = tc_v_text((const char *)p, n);
        break;
    case V_VERSION:
        if (!eq(p, n, "1"))
            want = "version=\"1\" (this toolkit reads version 1 of the format)";
        break;
    }
    if (want) {
        return wfail(w, HINT_FIX, "%s attribute '%s': bad value '%s': expected %s", EL[el].name,
                     a->name, quote(a->type, p, n, q, sizeof(q)), want);
    }
    return 0;
}

/* ------------------------------------------- the worker: values, records */

static void copy_field(char *dst, size_t cap, size_t *len, const tc_value *v)
{
    size_t n = v->n < cap ? v->n : cap;
    memcpy(dst, v->s, n);
    *len = n;
}

static int record_element(worker *w, int el, tc_value *vals)
{
    switch (el) {
    case E_HEADER:
        if (tc_emit_set_county(w->em, w->h_county, w->h_cutover, w->e)) {
            tc_err_at(w->e, w->path, w->line, w->col);
            return w->e->code ? w->e->code : TC_EINTERNAL;
        }
        return 0;
    case E_VOUCHER:
        copy_field(w->v_no, sizeof(w->v_no), &w->v_no_n, &vals[0]);
        w->v_date = vals[1].i;
        copy_field(w->v_fund, sizeof(w->v_fund), &w->v_fund_n, &vals[2]);
        copy_field(w->v_memo, sizeof(w->v_memo), &w->v_memo_n, &vals[3]);
        w->v_lines = 0;
        return 0;
    case E_LINE:
        vals[0] = tc_v_text(w->v_no, w->v_no_n);
        vals[1] = tc_v_int(w->v_date);
        vals[2] = tc_v_text(w->v_fund, w->v_fund_n);
        vals[3] = tc_v_text(w->v_memo, w->v_memo_n);
        vals[4] = tc_v_int(++w->v_lines);
        break;
    case E_BANKSTATEMENT:
        copy_field(w->s_account, sizeof(w->s_account), &w->s_account_n, &vals[0]);
        break;
    case E_ENTRY:
        vals[0] = tc_v_text(w->s_account, w->s_account_n);
        break;
    case E_COUNT: {
        int sec = (int)vals[0].i;
        trailer_count *c = &w->tc[sec];
        if (c->seen)
            return wfail(w, HINT_FIX, "Trailer has two Counts of section %s (lines %ld and %ld)",
                         EL[sec].name, c->line, w->line);
        c->seen = 1;
        c->line = w->line;
        c->records = vals[1].i;
        c->lines = vals[2].i;
        c->entries = vals[3].i;
        c->has_lines = vals[2].n == 1;     /* marked by convert_element when present */
        c->has_entries = vals[3].n == 1;
        if ((c->has_lines && sec != E_VOUCHERS) || (c->has_entries && sec != E_BANKSTATEMENTS))
            return wfail(w, HINT_FIX, "Count of section %s: '%s' belongs to %s only",
                         EL[sec].name, c->has_lines ? "lines" : "entries",
                         c->has_lines ? "Vouchers" : "BankStatements");
        return 0;
    }
    case E_SUM: {
        int sec = (int)vals[0].i, k = -1;
        for (int i = 0; i < NSUMS; i++)
            if (SUMS[i].section == sec && eq((const xmlChar *)vals[1].s, vals[1].n,
                                             SUMS[i].attribute))
                k = i;
        if (k < 0)
            return wfail(w, HINT_FIX, "Sum: section %s has no amount attribute '%.*s' to sum",
                         EL[sec].name, (int)vals[1].n, vals[1].s);
        if (w->sum_seen[k])
            return wfail(w, HINT_FIX, "Trailer has two Sums of %s/%s (lines %ld and %ld)",
                         EL[sec].name, SUMS[k].attribute, w->sum_line[k], w->line);
        w->sum_seen[k] = 1;
        w->sum_value[k] = vals[2].i;
        w->sum_line[k] = w->line;
        return 0;
    }
    default:
        break;
    }
    int t = EL[el].rectype;
    if (t >= 0 && tc_emit_record(w->em, t, vals, w->line, w->e)) {
        tc_err_at(w->e, w->path, w->line, 0);
        return w->e->code ? w->e->code : TC_EINTERNAL;
    }
    return 0;
}

/* Convert one element's message (see "state") and act on it. */
static int work_element(worker *w, const unsigned char *c, const unsigned char **next)
{
    int el = c[0], nattr = c[1];
    uint32_t line, col;
    memcpy(&line, c + 2, 4);
    memcpy(&col, c + 6, 4);
    c += 10;
    w->line = (long)line;
    w->col = (long)col;
    const element *E = &EL[el];
    tc_value vals[TC_MAX_COLUMNS];
    memset(vals, 0, 13 * sizeof(tc_value));   /* the widest record has 10 columns */
    unsigned seen = 0;
    for (int i = 0; i < nattr; i++) {
        int k = c[0];
        uint16_t n;
        memcpy(&n, c + 1, 2);
        const xmlChar *p = c + 3;
        c += 3 + n;
        const attr *a = &E->attrs[k];
        /* converted straight into its column (attributes that fill none
         * into a spare slot past the widest record) */
        tc_value *v = &vals[a->col >= 0 ? a->col : 12];
        int rc = convert(w, el, a, p, n, v);
        if (rc)
            return rc;
        seen |= 1u << k;
        if (el == E_COUNT && k >= 2)
            v->n = 1;   /* mark lines/entries present */
        if (el == E_HEADER && k == 0)
            memcpy(w->h_county, p, 6);      /* checked: 6 digits */
        else if (el == E_HEADER && k == 2)
            memcpy(w->h_cutover, p, 10);    /* checked: YYYY-MM-DD */
    }
    *next = c;
    /* absent optional text is "", absent optional amounts 0 (already) */
    for (int j = 0; j < MAXATTR && E->attrs[j].name; j++)
        if (!(seen & (1u << j)) && E->attrs[j].col >= 0 &&
            (E->attrs[j].type == V_TEXT || E->attrs[j].type == V_CODE))
            vals[(int)E->attrs[j].col] = tc_v_text("", 0);
    if (el == E_HANDOVER)
        return 0;
    return record_element(w, el, vals);
}

/* The tc_writebehind function: a block of whole messages. */
static int work_block(void *ctx, const void *p, size_t n, tc_err *e)
{
    worker *w = ctx;
    w->e = e;
    const unsigned char *c = p, *end = c + n;
    while (c < end) {
        int rc = work_element(w, c, &c);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---------------------------------------- the parser thread: structure */

static int el_lookup(state *s, const xmlChar *name)
{
    for (int i = 0; i < E_N; i++)
        if (name == s->iname[i] || strcmp((const char *)name, EL[i].name) == 0)
            return i;
    return -1;
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nns, const xmlChar **nss, int nattr, int ndef,
                     const xmlChar **attrs)
{
    (void)prefix, (void)nns, (void)nss, (void)ndef;
    state *s = ctx;
    if (s->failed)
        return;
    s->st->elements++;
    int parent = s->depth ? s->stack[s->depth - 1] : -1;
    int el;
    /* fast path: the one record element the open section holds */
    if (parent >= 0 && CHILD_OF[parent] && localname == s->iname[CHILD_OF[parent]])
        el = CHILD_OF[parent];
    else
        el = el_lookup(s, localname);
    if (!uri || (uri != s->ins && strcmp((const char *)uri, NS) != 0)) {
        fail(s, HINT_FIX, "element %s%s%s is not in the handover namespace %s", localname,
             uri ? " of namespace " : " without a namespace", uri ? (const char *)uri : "", NS);
        return;
    }
    if (el < 0) {
        fail(s, HINT_FIX, "unknown element %s%s%s", localname, parent >= 0 ? " in " : "",
             parent >= 0 ? EL[parent].name : "");
        return;
    }
    if (EL[el].parent != parent) {
        if (parent < 0)
            fail(s, HINT_FIX, "the root element is %s; expected Handover", EL[el].name);
        else
            fail(s, HINT_FIX, "element %s is not allowed in %s", EL[el].name, EL[parent].name);
        return;
    }
    if (s->depth >= (int)(sizeof(s->stack) / sizeof(s->stack[0]))) {
        fail(s, HINT_FIX, "elements nested too deep");
        return;
    }
    /* section order */
    if (parent == E_HANDOVER) {
        if (el != E_HEADER && !s->header_seen) {
            fail(s, HINT_FIX, "section %s before the Header; the Header comes first", EL[el].name);
            return;
        }
        if (el <= s->last_section) {
            fail(s, HINT_FIX, el == s->last_section ? "section %s appears twice"
                 : "section %s is out of order: sections come in the order Header, Accounts, "
                   "BankAccounts, Balances, Vouchers, Contributions, Subsidies, Payables, "
                   "BankStatements, PersonalAccounts, Trailer", EL[el].name);
            return;
        }
        s->last_section = el;
    }
    s->stack[s->depth++] = el;

    /* attributes: known, not twice, required ones there */
    const element *E = &EL[el];
    unsigned seen = 0;
    int place[MAXATTR + 8];
    size_t size = 10;
    for (int i = 0; i < nattr; i++) {
        const xmlChar *an = attrs[5 * i], *aprefix = attrs[5 * i + 1];
        /* attributes mostly come in the spec's order: try that place first */
        int k = i < MAXATTR && an == s->iattr[el][i] ? i : -1;
        for (int j = 0; k < 0 && j < MAXATTR && E->attrs[j].name; j++)
            if (an == s->iattr[el][j])
                k = j;
        for (int j = 0; k < 0 && j < MAXATTR && E->attrs[j].name; j++)
            if (strcmp((const char *)an, E->attrs[j].name) == 0)
                k = j;
        if (k < 0 || aprefix) {
            fail(s, HINT_FIX, "%s has an unknown attribute '%s%s%s'", E->name,
                 aprefix ? (const char *)aprefix : "", aprefix ? ":" : "", an);
            return;
        }
        /* libxml2 refuses duplicate attributes itself; MAXATTR + 8 bounds
         * nattr for what it lets through (namespace declarations aside) */
        if ((seen & (1u << k)) || i >= MAXATTR + 8) {
            place[i < MAXATTR + 8 ? i : MAXATTR + 7] = -1;
            continue;
        }
        seen |= 1u << k;
        place[i] = k;
        size += 3 + (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);
    }
    for (int j = 0; j < MAXATTR && E->attrs[j].name; j++)
        if (E->attrs[j].required && !(seen & (1u << j))) {
            fail(s, HINT_FIX, "%s lacks the required attribute '%s'", E->name, E->attrs[j].name);
            return;
        }
    if (size > MSGCAP) {
        fail(s, "a handover export carries codes, amounts and short texts; a longer value "
             "means a damaged or wrong file", "%s: its attributes hold more than %d bytes",
             E->name, MSGCAP);
        return;
    }
    if (el == E_HEADER)
        s->header_seen = 1;
    else if (el == E_VOUCHER) {
        const xmlChar *no = attrs[3], *end = attrs[4];   /* 'no' is required: first or not */
        for (int i = 0; i < nattr && i < MAXATTR + 8; i++)
            if (place[i] == 0)
                no = attrs[5 * i + 3], end = attrs[5 * i + 4];
        s->v_no_n = end - no < (long)sizeof(s->v_no) ? (int)(end - no) : (int)sizeof(s->v_no);
        memcpy(s->v_no, no, (size_t)s->v_no_n);
        s->v_lines = 0;
        s->vouchers++;
    } else if (el == E_LINE)
        s->v_lines++;
    if (parent >= 0 && CHILD_OF[parent] == el)
        s->counts[parent]++;
    if (!E->attrs[0].name)
        return;   /* a section: nothing for the worker */

    /* the message, written straight into the hand-off block */
    unsigned char *m = tc_writebehind_claim(s->bg, size, &s->pe);
    if (!m) {
        /* the worker refused an earlier element (its error is reported), or
         * the hand-off failed (pe says why) */
        s->failed = 1;
        xmlStopParser(s->ctxt);
        return;
    }
    uint32_t line = (uint32_t)line_no(s), col = (uint32_t)col_no(s);
    unsigned char *c = m + 10;
    int kept = 0;
    for (int i = 0; i < nattr && i < MAXATTR + 8; i++) {
        if (place[i] < 0)
            continue;
        const xmlChar *av = attrs[5 * i + 3];
        uint16_t n = (uint16_t)(attrs[5 * i + 4] - av);
        c[0] = (unsigned char)place[i];
        memcpy(c + 1, &n, 2);
        memcpy(c + 3, av, n);
        c += 3 + n;
        kept++;
    }
    m[0] = (unsigned char)el;
    m[1] = (unsigned char)kept;
    memcpy(m + 2, &line, 4);
    memcpy(m + 6, &col, 4);
    tc_writebehind_claimed(s->bg, (size_t)(c - m));
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname, (void)prefix, (void)uri;
    state *s = ctx;
    if (s->failed || s->depth == 0)
        return;
    int el = s->stack[--s->depth];
    if (el == E_VOUCHER && s->v_lines == 0)
        fail(s, HINT_FIX, "Voucher %.*s has no Line", s->v_no_n, s->v_no);
    else if (el == E_HANDOVER) {
        if (s->last_section != E_TRAILER)
            fail(s, HINT_FIX, "the Trailer is missing: the file ends its sections without one");
        else {
            s->handover_closed = 1;
            s->end_line = line_no(s);
            s->end_col = col_no(s);
        }
    }
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    state *s = ctx;
    if (s->failed)
        return;
    for (int i = 0; i < len; i++)
        if (ch[i] != ' ' && ch[i] != '\t' && ch[i] != '\r' && ch[i] != '\n') {
            fail(s, HINT_FIX, "text content in %s; the format carries everything in "
                 "attributes", s->depth ? EL[s->stack[s->depth - 1]].name : "the document");
            return;
        }
}

static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    fail(ctx, "a handover export has no DOCTYPE; entities and DTDs are refused for safety",
         "DOCTYPE declarations are not allowed");
}

static void on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
                      const xmlChar *sys, xmlChar *content)
{
    (void)type, (void)pub, (void)sys, (void)content;
    fail(ctx, NULL, "entity declarations are not allowed (%s)", name);
}

static void on_error(void *ctx, xmlErrorPtr err)
{
    state *s = ctx;
    if (!err || err->level < XML_ERR_ERROR || s->failed)
        return;
    s->failed = 1;
    char msg[600];
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "malformed XML");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    for (char *c = msg; *c; c++)
        if (*c == '\n')
            *c = ' ';
    const char *hint = HINT_FIX;
    if (strstr(msg, "encoding") || strstr(msg, "UTF-8") || strstr(msg, "conversion"))
        hint = "the bytes do not match the encoding the XML declaration names (UTF-8 or "
               "GB18030); ask for a file whose declaration tells the truth";
    tc_fail(&s->pe, TC_EINPUT, "malformed XML: %s", msg);
    tc_err_at(&s->pe, s->path, err->line, err->int2);
    tc_err_hint(&s->pe, "%s", hint);
    xmlStopParser(s->ctxt);
}

/* libxml2 reports encoding trouble through its generic error function, not
 * the structured one: keep the first message for the refusal, print none. */
static char generic_msg[300];

static void on_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    if (generic_msg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(generic_msg, sizeof(generic_msg), fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ the Trailer */

/* After the worker has finished: the Trailer's counts and sums against what
 * the file held (tally: the records emitted, per record type).  Errors
 * point at </Handover>. */
static int check_trailer(state *s, const tc_batch_summary *const *tally)
{
    worker *w = &s->w;
    w->line = s->end_line;
    w->col = s->end_col;
    static const int rt_of[E_N] = {
        [E_ACCOUNTS] = R_ACCOUNT, [E_BANKACCOUNTS] = R_BANK_ACCOUNT, [E_BALANCES] = R_BALANCE,
        [E_CONTRIBUTIONS] = R_CONTRIBUTION, [E_SUBSIDIES] = R_SUBSIDY, [E_PAYABLES] = R_PAYABLE,
        [E_BANKSTATEMENTS] = R_BANK_STATEMENT, [E_PERSONALACCOUNTS] = R_PERSONAL_ACCOUNT};
    static const char HINT_TRAILER[] =
        "the Trailer's control totals disagree with the records: the export is truncated or "
        "altered; ask the county for a complete, unaltered file";
    for (int sec = E_ACCOUNTS; sec <= E_PERSONALACCOUNTS ; sec++) {
        long long have = sec == E_VOUCHERS ? s->vouchers : s->counts[sec];
        const trailer_count *c = &w->tc[sec];
        if (!c->seen) {
            if (have)
                return wfail(w, HINT_TRAILER, "the Trailer has no Count of section %s, which holds %lld "
                     "records", EL[sec].name, have);
            continue;
        }
        if (c->records != have) {
            return wfail(w, HINT_TRAILER, "Trailer Count of %s (line %ld) says records=\"%lld\"; the file "
                 "holds %lld", EL[sec].name, c->line, c->records, have);
        }
        if (sec == E_VOUCHERS || sec == E_BANKSTATEMENTS) {
            int rt = sec == E_VOUCHERS ? R_VOUCHER_LINE : R_BANK_ENTRY;
            const char *what = sec == E_VOUCHERS ? "lines" : "entries";
            long long got = (long long)tally[rt]->count;
            int has = sec == E_VOUCHERS ? c->has_lines : c->has_entries;
            long long said = sec == E_VOUCHERS ? c->lines : c->entries;
            if (!has && have)
                return wfail(w, HINT_TRAILER, "Trailer Count of %s (line %ld) lacks '%s'", EL[sec].name,
                     c->line, what);
            else if (has && said != got)
                return wfail(w, HINT_TRAILER, "Trailer Count of %s (line %ld) says %s=\"%lld\"; the "
                     "file holds %lld", EL[sec].name, c->line, what, said, got);
        } else if (rt_of[sec] >= 0 && (long long)tally[rt_of[sec]]->count != have) {
            return wfail(w, NULL, "internal: %s count and emitted records differ", EL[sec].name);
        }
    }
    for (int k = 0; k < NSUMS ; k++) {
        const sumdef *d = &SUMS[k];
        long long have = d->section == E_VOUCHERS ? s->vouchers : s->counts[d->section];
        int64_t total = tally[d->rectype]->totals[d->col];
        char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
        if (!w->sum_seen[k]) {
            if (have)
                return wfail(w, HINT_TRAILER, "the Trailer has no Sum of %s/%s (the file's total is %s)",
                     EL[d->section].name, d->attribute, tc_money_format(total, a));
        } else if (w->sum_value[k] != total) {
            return wfail(w, HINT_TRAILER, "Trailer Sum of %s/%s (line %ld) says %s; the file's total is %s",
                 EL[d->section].name, d->attribute, w->sum_line[k],
                 tc_money_format(w->sum_value[k], a), tc_money_format(total, b));
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ driver */

/* The file's bytes: read() for plain files, straight into the emitter's
 * digest buffers when it hashes what the reader reads (no copy), zlib for
 * gzip, told by the magic bytes. */
typedef struct input {
    int fd;
    gzFile gz;
    tc_emit *em;
    char *buf;        /* our own buffer, when not the emitter's */
} input;

static int in_open(input *in, const char *path, tc_emit *em)
{
    in->gz = NULL;
    in->em = em;
    in->buf = NULL;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return -1;
    unsigned char m[2];
    ssize_t k = pread(in->fd, m, 2, 0);
    if (k == 2 && m[0] == 0x1f && m[1] == 0x8b) {
        in->gz = gzdopen(in->fd, "rb");
        if (!in->gz) {
            close(in->fd);
            return -1;
        }
        gzbuffer(in->gz, CHUNK);
    }
    return 0;
}

/* The next bytes: *p points at the count returned, 0 at the end; -1 damaged
 * gzip, -2 cut-short gzip, -3 I/O, -4 out of memory.  *p stays valid until
 * the next call but one. */
static int in_next(input *in, const char **p)
{
    if (in->gz || !in->buf) {
        size_t cap = CHUNK;
        char *b = in->gz || !in->em ? NULL : tc_emit_source_buffer(in->em, &cap, NULL);
        if (!b) {
            if (!in->buf && !(in->buf = malloc(CHUNK)))
                return -4;
            b = in->buf;
            cap = CHUNK;
        }
        if (in->gz) {
            int r = gzread(in->gz, b, (unsigned)cap);
            int zerr = Z_OK;
            if (r <= 0)
                gzerror(in->gz, &zerr);
            if (r < 0 || zerr != Z_OK)
                return zerr == Z_BUF_ERROR ? -2 : -1;
            *p = b;
            return r;
        }
        ssize_t r;
        do
            r = read(in->fd, b, cap);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            return -3;
        if (b != in->buf && tc_emit_source_put(in->em, (size_t)r, NULL) != 0)
            return -4;
        *p = b;
        return (int)r;
    }
    /* a plain file read into our own buffer: the emitter gets a copy */
    ssize_t r;
    do
        r = read(in->fd, in->buf, CHUNK);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -3;
    if (r > 0 && in->em && tc_emit_source_bytes(in->em, in->buf, (size_t)r, NULL) != 0)
        return -4;
    *p = in->buf;
    return (int)r;
}

static void in_close(input *in)
{
    if (in->gz)
        gzclose(in->gz);
    else if (in->fd >= 0)
        close(in->fd);
    free(in->buf);
}

/* The message for a failed in_next(). */
static void in_fail(tc_err *e, const char *path, int n)
{
    if (n == -3)
        tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
    else if (n == -4)
        tc_fail(e, TC_ENOMEM, "out of memory reading %s", path);
    else
        tc_fail(e, TC_EINPUT, "the gzip data is %s", n == -2 ? "cut short" : "damaged");
}

static void state_init(state *s, const char *path, tc_emit *em, tc_xml_stats *st)
{
    s->path = path;
    s->st = st;
    s->last_section = E_HANDOVER;
    s->w.path = path;
    s->w.em = em;
    s->w.st = st;
    tc_err_clear(&s->pe);
}

/* The parser of s, made with the first bytes of its input (4 tell the
 * encoding), names interned in its dictionary. */
static int new_parser(state *s, const char *p, int n, tc_err *e)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.internalSubset = on_dtd;
    sax.externalSubset = on_dtd;
    sax.entityDecl = on_entity;
    sax.serror = on_error;
    s->ctxt = xmlCreatePushParserCtxt(&sax, s, p, n, s->path);
    if (!s->ctxt)
        return tc_fail(e, TC_ENOMEM, "cannot create an XML parser");
    xmlCtxtUseOptions(s->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    s->ins = xmlDictLookup(s->ctxt->dict, (const xmlChar *)NS, -1);
    for (int i = 0; i < E_N; i++) {
        s->iname[i] = xmlDictLookup(s->ctxt->dict, (const xmlChar *)EL[i].name, -1);
        for (int j = 0; j < MAXATTR && EL[i].attrs[j].name; j++)
            s->iattr[i][j] = xmlDictLookup(s->ctxt->dict, (const xmlChar *)EL[i].attrs[j].name, -1);
    }
    return 0;
}

/* The whole file on this thread and a worker (see "state"); the source's
 * bytes go to em's digest when feed is set. */
static int extract_sequential(const char *path, tc_emit *em, int feed, tc_xml_stats *st,
                              tc_err *e)
{
    memset(st, 0, sizeof(*st));
    input f;
    if (in_open(&f, path, feed ? em : NULL) != 0)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    state *s = calloc(1, sizeof(*s));
    if (!s) {
        in_close(&f);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    state_init(s, path, em, st);
    int rc = tc_writebehind_open(&s->bg, WBLOCK, work_block, &s->w, e);
    generic_msg[0] = '\0';
    xmlSetGenericErrorFunc(NULL, on_generic);
    /* the parser is made with the first 4 bytes, to tell the encoding */
    const char *p = NULL;
    int n = rc ? 0 : in_next(&f, &p);
    if (!rc && n < 0) {
        in_fail(e, path, n);
        tc_err_hint(e, "the file is truncated or corrupt; copy it again from the county");
        rc = e->code;
    }
    int first = n < 4 ? n : 4;
    if (!rc)
        rc = new_parser(s, p, first, e);
    if (!rc) {
        p += first;
        n -= first;
        for (int more = n == 0; !s->failed; more = 1) {
            if (more)
                n = in_next(&f, &p);
            if (n < 0) {
                in_fail(&s->pe, path, n);
                tc_err_at(&s->pe, path, line_no(s), 0);
                tc_err_hint(&s->pe, "the file is truncated or corrupt; copy it again from the "
                            "county");
                s->failed = 1;
                break;
            }
            int perr = xmlParseChunk(s->ctxt, p, n, n == 0);
            if (perr && !s->failed) {
                /* an error no callback reported: encoding, most often */
                xmlErrorPtr le = xmlCtxtGetLastError(s->ctxt);
                char m[400];
                snprintf(m, sizeof(m), "%s", generic_msg[0] ? generic_msg
                         : le && le->message ? le->message : "the parser stopped");
                m[strcspn(m, "\n")] = '\0';
                int enc = strstr(m, "encod") || strstr(m, "conversion");
                fail(s, enc ? "the bytes do not match the encoding the XML declaration names "
                              "(UTF-8 or GB18030); ask for a file whose declaration tells the truth"
                            : HINT_FIX, "malformed XML: %s", m);
            }
            if (n == 0)
                break;
        }
        if (!s->failed && !s->handover_closed) {
            /* the parser ended without </Handover> and without an error */
            fail(s, HINT_FIX, "the file ends before </Handover>: truncated?");
        }
        /* The worker's error, if any, concerns an element before anything
         * the parser refused: it wins.  Then the parser's, then the Trailer. */
        tc_writebehind *bg = s->bg;
        s->bg = NULL;
        rc = tc_writebehind_close(bg, e);
        if (!rc && s->failed) {
            *e = s->pe;
            rc = s->pe.code ? s->pe.code : TC_EINPUT;
        }
        if (!rc) {
            const tc_batch_summary *tally[R_N];
            for (int t = 0; t < R_N; t++)
                tally[t] = tc_emit_tally(em, t);
            s->w.e = e;
            rc = check_trailer(s, tally);
        }
        xmlFreeParserCtxt(s->ctxt);
    }
    tc_writebehind_abort(s->bg);
    in_close(&f);
    free(s);
    return rc;
}

/* ---------------------------------------------------------------- segments */

/*
 * A large plain file is parsed in segments, one libxml2 parser each, on as
 * many threads as there are cores: parsing is most of extraction's work
 * and one parser runs on one core.
 *
 * The plan is made from the bytes alone, so the same file always gives the
 * same segments (and the same batch bytes) on any machine.  Each cut is at
 * a record element of a section (Contribution, Balance, ...) that starts a
 * line, found near an even share of the file.  Segment k > 0 is parsed
 * behind a made-up start - the XML declaration with the file's encoding,
 * the Handover root and the open section - so its parser sees a document
 * that, from the cut on, is the file itself.  Whitespace between segments
 * is dropped (whitespace between elements means nothing).
 *
 * Segmented reading is only a faster way to the same answer, never a
 * different one: a segment must end exactly where it was cut (every byte
 * consumed, inside the section the next one opens) and the Trailer must
 * agree with every segment's records together.  Anything else - a
 * malformed file, a cut that fell inside a comment - throws the segments
 * away and the file is read again as one, which finds the first violation
 * with its true line and column.  A file the segments accept, the
 * sequential reader accepts with the same records in the same order.  The
 * natural keys are checked at commit as for a file read as one, each
 * segment's lines offset by the newlines before it (the parsers count
 * those in the segments, the plan those between), so a duplicate is
 * reported at the file's lines.  The fuzz target reads every input both
 * ways and compares.
 *
 * The last 4 MiB are cut in quarters, so the threads end together; the
 * digest thread hashes the chunks the segments read (lend(), feeder).
 */
#define SEG_MIN_DEFAULT (4L << 20)
#define SEG_MAX 64
#define SEG_LOOK (1 << 20)    /* how far past an even share to look for a cut */
#define HLEND 16              /* chunks lent to the digest thread at most ... */
#define HLEND_BYTES (4 << 20) /* ... and bytes */
#define HSPARE 8
#define HWAKE (1 << 20)       /* the digest thread, waiting, wakes for this much */

static long seg_min = SEG_MIN_DEFAULT;

void tc_xml_set_segment_size(long bytes) { seg_min = bytes > 0 ? bytes : SEG_MIN_DEFAULT; }

typedef struct segment {
    off_t from, to;           /* the file's bytes [from, to) */
    int section;              /* the section open at `from` (k > 0) */
    long gap_lines;           /* newlines between the previous segment's end and `from` */
    long lines;               /* newlines in [from, to), once parsed */
    long long vouchers;       /* what the parser counted, once parsed */
    long long counts[E_N];
    tc_emit *child;
    tc_xml_stats st;
    state *s;                 /* the parser's state, after the run */
    int ok;                   /* parsed whole, ended where it should */
} segment;

typedef struct plan {
    const char *path;
    int fd;
    int n;
    char enc[16];
    segment seg[SEG_MAX];
    atomic_int next;          /* the next segment a thread takes */
    atomic_int stop;          /* a segment failed: the others give up */
    int feeding;              /* a digest thread takes lent chunks */
    /* What the segments read, lent to the digest thread (see feeder),
     * under hmu: the chunks it may take, how far each segment has read,
     * and buffers to give back. */
    pthread_mutex_t hmu;
    pthread_cond_t hcv;
    struct lent {
        off_t off;
        size_t len;
        char *buf;
    } lent[HLEND];
    int nlent;
    size_t lent_bytes;
    off_t hashed;             /* the digest's position */
    off_t readto[SEG_MAX];    /* segment k has read [start, readto[k]) */
    int wait_k;               /* the digest thread waits for segment wait_k to */
    off_t wait_to;            /* have read up to wait_to (wait_k -1: it does not wait) */
    int closed;               /* nothing more will be lent */
    char *spare[HSPARE];
    int nspare;
} plan;

static int ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The encoding the file declares, for the made-up starts: UTF-8 or
 * GB18030/GBK; 0 when there is anything else (the sequential reader then
 * decides). */
static int plan_encoding(plan *pl, const unsigned char *h, size_t n)
{
    size_t i = 0;
    int bom = n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF;
    if (bom)
        i = 3;
    snprintf(pl->enc, sizeof(pl->enc), "UTF-8");
    if (n - i < 5 || memcmp(h + i, "<?xml", 5) != 0)
        return 1;
    const unsigned char *end = memmem(h + i, n - i, "?>", 2);
    if (!end)
        return 0;
    const unsigned char *en = memmem(h + i, (size_t)(end - h) - i, "encoding", 8);
    if (!en)
        return 1;
    en += 8;
    while (en < end && ws(*en))
        en++;
    if (en >= end || *en++ != '=')
        return 0;
    while (en < end && ws(*en))
        en++;
    if (en >= end || (*en != '"' && *en != '\''))
        return 0;
    unsigned char q = *en++;
    const unsigned char *v = en;
    while (en < end && *en != q)
        en++;
    size_t vn = (size_t)(en - v);
    if (en >= end || vn >= sizeof(pl->enc))
        return 0;
    char name[16];
    for (size_t k = 0; k < vn; k++)
        name[k] = (char)(v[k] >= 'a' && v[k] <= 'z' ? v[k] - 32 : v[k]);
    name[vn] = '\0';
    if (strcmp(name, "UTF-8") != 0 && ((strcmp(name, "GB18030") != 0 && strcmp(name, "GBK") != 0) || bom))
        return 0;
    snprintf(pl->enc, sizeof(pl->enc), "%s", name);
    return 1;
}

/* In w[0, n), from `at` on: a line that starts (after blanks) with a
 * record element of a section.  Returns the offset of its '<' and the
 * section in *section, or -1. */
static long find_cut(const unsigned char *w, size_t n, size_t at, int *section)
{
    for (const unsigned char *c = memchr(w + at, '\n', n - at); c;
         c = memchr(c + 1, '\n', (size_t)(w + n - c - 1))) {
        const unsigned char *q = c + 1, *end = w + n;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q >= end || *q != '<')
            continue;
        for (int sec = E_ACCOUNTS; sec <= E_PERSONALACCOUNTS; sec++) {
            const char *name = EL[CHILD_OF[sec]].name;
            size_t k = strlen(name);
            if ((size_t)(end - q) > k + 1 && memcmp(q + 1, name, k) == 0 &&
                (ws(q[1 + k]) || q[1 + k] == '/' || q[1 + k] == '>')) {
                *section = sec;
                return (long)(q - w);
            }
        }
        if ((size_t)(c - w) + 1 >= n)
            break;
    }
    return -1;
}

/* Plan the segments of a plain file of size bytes: 0 (read it as one), or
 * the number of segments (>= 2). */
static int plan_segments(plan *pl, off_t size)
{
    pl->n = 0;
    if (size < 2 * (off_t)seg_min)
        return 0;
    unsigned char head[512];
    ssize_t hn = pread(pl->fd, head, sizeof(head), 0);
    if (hn < 8 || (head[0] == 0x1f && head[1] == 0x8b) || !plan_encoding(pl, head, (size_t)hn) ||
        memmem(head, (size_t)hn, "<!DOCTYPE", 9))
        return 0;
    /* Cut targets: even shares of all but the last seg_min bytes, then that
     * last stretch in quarters - the threads end together when the last
     * segments are short (the one still running when the others are done
     * is at most a quarter segment's work). */
    off_t tail = seg_min, bulk = size - tail, targets[SEG_MAX];
    int nb = (int)(bulk / seg_min), want = 0;
    if (nb > SEG_MAX - 4)
        nb = SEG_MAX - 4;
    for (int k = 1; k < nb; k++)
        targets[want++] = bulk / nb * k;
    for (int j = 0; j < 4; j++)
        targets[want++] = bulk + tail / 4 * j;
    /* look back a little from each even share, for the blanks before a cut */
    const off_t BACK = seg_min < 4096 ? seg_min : 4096;
    unsigned char *w = malloc((size_t)BACK + SEG_LOOK);
    if (!w)
        return 0;
    off_t last = 0;
    pl->seg[0].from = 0;
    int n = 1;
    for (int k = 0; k < want; k++) {
        off_t target = targets[k], base = target - BACK;
        if (target <= last + BACK)
            continue;
        /* most cuts are found in the first few lines: a small read first */
        ssize_t got = pread(pl->fd, w, (size_t)BACK + (64 << 10), base);
        int sec;
        long cut = got > BACK ? find_cut(w, (size_t)got, (size_t)BACK, &sec) : -1;
        if (cut < 0 && got == BACK + (64 << 10)) {
            got = pread(pl->fd, w, (size_t)BACK + SEG_LOOK, base);
            cut = got > BACK ? find_cut(w, (size_t)got, (size_t)BACK, &sec) : -1;
        }
        if (cut < 0)
            continue;
        /* the previous segment ends at the cut, less the blanks before it */
        long end = cut;
        while (end > 0 && ws(w[end - 1]))
            end--;
        if (end == 0 || w[end - 1] != '>')
            continue;
        pl->seg[n - 1].to = base + end;
        pl->seg[n].from = base + cut;
        pl->seg[n].section = sec;
        pl->seg[n].gap_lines = 0;
        for (long i = end; i < cut; i++)
            pl->seg[n].gap_lines += w[i] == '\n';
        last = base + cut;
        n++;
    }
    free(w);
    pl->seg[n - 1].to = size;
    return pl->n = n >= 2 ? n : 0;
}

static void quiet_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx, (void)fmt;
}

static char *lend(plan *pl, int k, off_t off, size_t len, char *buf);

/* Parse segment k into its child emitter; g->ok when it ended as planned. */
static void run_segment(plan *pl, int k)
{
    segment *g = &pl->seg[k];
    state *s = calloc(1, sizeof(*s));
    char *buf = malloc(CHUNK);
    tc_err e;
    tc_err_clear(&e);
    g->s = s;
    if (!s || !buf || atomic_load(&pl->stop)) {
        free(buf);
        return;
    }
    state_init(s, pl->path, g->child, &g->st);
    /* a worker on this thread: every core already has a segment to parse */
    int rc = tc_writebehind_open_sync(&s->bg, WBLOCK, work_block, &s->w, &e);
    char pre[256];
    int pn = 0;
    if (k > 0) {
        s->header_seen = 1;
        pn = snprintf(pre, sizeof(pre),
                      "<?xml version=\"1.0\" encoding=\"%s\"?><Handover xmlns=\"%s\" "
                      "version=\"1\"><%s>", pl->enc, NS, EL[g->section].name);
    } else {
        ssize_t r = pread(pl->fd, pre, 4, 0);
        pn = r == 4 ? 4 : -1;
    }
    if (!rc && pn >= 4)
        rc = new_parser(s, pre, 4, &e);
    else if (!rc)
        rc = TC_EIO;
    if (!rc && k > 0 && xmlParseChunk(s->ctxt, pre + 4, pn - 4, 0))
        s->failed = 1;
    off_t at = k > 0 ? g->from : 4;
    while (!rc && !s->failed && at < g->to && !atomic_load(&pl->stop)) {
        size_t want = (size_t)(g->to - at) < CHUNK ? (size_t)(g->to - at) : CHUNK;
        ssize_t r = pread(pl->fd, buf, want, at);
        if (r <= 0) {
            rc = TC_EIO;
            break;
        }
        at += r;
        int last = k == pl->n - 1 && at == g->to;
        if (xmlParseChunk(s->ctxt, buf, (int)r, last))
            s->failed = 1;
        /* libxml2 has copied the bytes: the digest thread may have them */
        buf = lend(pl, k, at - r, (size_t)r, buf);
        if (!buf) {
            rc = TC_ENOMEM;
            break;
        }
    }
    int ok = !rc && !s->failed && at == g->to && !atomic_load(&pl->stop);
    if (ok && k < pl->n - 1)
        /* ended where it was cut: every byte consumed, in the section the
         * next segment opens */
        ok = s->depth == 2 && s->stack[1] == pl->seg[k + 1].section &&
             xmlByteConsumed(s->ctxt) == (long)((k > 0 ? pn : 0) + (g->to - g->from));
    else if (ok)
        ok = s->handover_closed;
    /* every byte consumed: the parser's line is one past the newlines */
    g->lines = ok ? line_no(s) - 1 : 0;
    tc_writebehind *bg = s->bg;
    s->bg = NULL;
    if (tc_writebehind_close(bg, &e))
        ok = 0;
    if (ok && tc_emit_child_finish(g->child, &e))
        ok = 0;
    if (s->ctxt)
        xmlFreeParserCtxt(s->ctxt);
    s->ctxt = NULL;
    free(buf);
    /* what the Trailer check needs; the state itself (66 KiB, most of it
     * the worker's) only of the last segment, which holds the Trailer */
    g->vouchers = s->vouchers;
    memcpy(g->counts, s->counts, sizeof(g->counts));
    if (k < pl->n - 1) {
        free(s);
        g->s = NULL;
    }
    g->ok = ok;
    if (!ok)
        atomic_store(&pl->stop, 1);
}

/*
 * Segment k has read and parsed [off, off + len) into buf: lend the chunk
 * to the digest thread if it will need it (it has not hashed past it, and
 * what is lent stays under HLEND_BYTES).  Returns the buffer for the next
 * read (buf again when not lent; NULL when out of memory).
 */
static char *lend(plan *pl, int k, off_t off, size_t len, char *buf)
{
    char *next = buf;
    pthread_mutex_lock(&pl->hmu);
    pl->readto[k] = off + (off_t)len;
    if (pl->feeding && off >= pl->hashed && pl->nlent < HLEND &&
        pl->lent_bytes + len <= HLEND_BYTES) {
        pl->lent[pl->nlent++] = (struct lent){off, len, buf};
        pl->lent_bytes += len;
        next = pl->nspare ? pl->spare[--pl->nspare] : NULL;
    }
    /* a wake-up for a run of chunks, not for each: each costs both threads
     * a trip through the kernel */
    if (k == pl->wait_k && pl->readto[k] >= pl->wait_to)
        pthread_cond_signal(&pl->hcv);
    pthread_mutex_unlock(&pl->hmu);
    return next ? next : malloc(CHUNK);
}

static void *segment_main(void *arg)
{
    plan *pl = arg;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    for (int k; (k = atomic_fetch_add(&pl->next, 1)) < pl->n;)
        run_segment(pl, k);
    return NULL;
}

/*
 * The source digest, on a thread of its own while the segments are parsed
 * (they read the file out of order).  It hashes in file order the chunks
 * the segments lend it as they go (see lend()), so most of the file is
 * read once; what was not lent (the blanks between segments, chunks read
 * while too much was lent, everything once the segments stop) it reads
 * itself, in the same chunk boundaries.
 */
typedef struct feeder {
    plan *pl;
    off_t size;
    int rc;
    tc_err e;
    char digest[TC_DIGEST_TEXT_MAX];
    pthread_t th;
} feeder;

/* How long the chunk at pos is, and which segment reads it (*k; -1 for
 * bytes no segment reads). */
static size_t chunk_at(const plan *pl, off_t pos, int *k)
{
    for (int i = 0; i < pl->n; i++) {
        const segment *g = &pl->seg[i];
        off_t start = i ? g->from : 4;
        if (pos < start) {
            *k = -1;
            return (size_t)(start - pos);
        }
        if (pos < g->to) {
            *k = i;
            off_t end = start + ((pos - start) / CHUNK + 1) * CHUNK;
            return (size_t)((end < g->to ? end : g->to) - pos);
        }
    }
    *k = -1;
    return CHUNK;
}

static void *feed_main(void *arg)
{
    feeder *f = arg;
    plan *pl = f->pl;
    tc_err_clear(&f->e);
    tc_digest *d;
    char *own = malloc(CHUNK);
    if (!own) {
        f->rc = tc_fail(&f->e, TC_ENOMEM, "out of memory");
        return NULL;
    }
    if ((f->rc = tc_digest_new(&d, TC_DIGEST_SHA256, &f->e))) {
        free(own);
        return NULL;
    }
    pthread_mutex_lock(&pl->hmu);
    while (pl->hashed < f->size && !f->rc) {
        off_t pos = pl->hashed;
        int k, got = -1;
        for (int i = 0; i < pl->nlent; i++)
            if (pl->lent[i].off == pos)
                got = i;
        if (got >= 0) {
            struct lent c = pl->lent[got];
            pl->lent[got] = pl->lent[--pl->nlent];
            pl->lent_bytes -= c.len;
            pthread_mutex_unlock(&pl->hmu);
            tc_digest_update(d, c.buf, c.len);
            pthread_mutex_lock(&pl->hmu);
            pl->hashed = pos + (off_t)c.len;
            if (pl->nspare < HSPARE)
                pl->spare[pl->nspare++] = c.buf;
            else
                free(c.buf);
            continue;
        }
        size_t len = chunk_at(pl, pos, &k);
        if (k >= 0 && !pl->closed && pl->readto[k] <= pos) {
            /* its segment will lend it: wait for a run of chunks (or the
             * segment's end) */
            off_t end = pl->seg[k].to;
            pl->wait_k = k;
            pl->wait_to = end - pos > HWAKE ? pos + HWAKE : end;
            pthread_cond_wait(&pl->hcv, &pl->hmu);
            pl->wait_k = -1;
            continue;
        }
        pthread_mutex_unlock(&pl->hmu);
        if (len > CHUNK)
            len = CHUNK;
        if ((off_t)len > f->size - pos)
            len = (size_t)(f->size - pos);
        ssize_t r = pread(pl->fd, own, len, pos);
        if (r <= 0)
            f->rc = tc_fail(&f->e, TC_EIO, "cannot read the source: %s",
                            r < 0 ? strerror(errno) : "it is shorter than it was");
        else
            tc_digest_update(d, own, (size_t)r);
        pthread_mutex_lock(&pl->hmu);
        if (r > 0)
            pl->hashed = pos + r;
        /* what was lent before the digest's position is not needed */
        for (int i = 0; i < pl->nlent;)
            if (pl->lent[i].off < pl->hashed) {
                free(pl->lent[i].buf);
                pl->lent_bytes -= pl->lent[i].len;
                pl->lent[i] = pl->lent[--pl->nlent];
            } else
                i++;
    }
    pthread_mutex_unlock(&pl->hmu);
    tc_digest_final_text(d, f->digest);
    tc_digest_free(d);
    free(own);
    return NULL;
}

static void plan_free(plan *pl)
{
    close(pl->fd);
    for (int i = 0; i < pl->nlent; i++)
        free(pl->lent[i].buf);
    for (int i = 0; i < pl->nspare; i++)
        free(pl->spare[i]);
    pthread_mutex_destroy(&pl->hmu);
    pthread_cond_destroy(&pl->hcv);
    free(pl);
}

/*
 * Read path in segments when it is worth it.  Returns 0 when done (the
 * records are in em, st filled), 1 when the file must be read as one
 * (nothing of it is in em), or an error.  *fed tells whether the source's
 * digest is being fed (by a thread the caller joins with join_feeder).
 */
static int extract_segmented(const char *path, tc_emit *em, tc_xml_stats *st, feeder *fd_,
                             int *fed, tc_err *e)
{
    *fed = 0;
    plan *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return 1;
    pl->path = path;
    pl->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (pl->fd < 0 || fstat(pl->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        !plan_segments(pl, sb.st_size)) {
        if (pl->fd >= 0)
            close(pl->fd);
        free(pl);
        return 1;
    }
    int rc = 0;
    for (int k = 0; k < pl->n && !rc; k++)
        rc = tc_emit_fork(em, &pl->seg[k].child, e);
    pthread_mutex_init(&pl->hmu, NULL);
    pthread_cond_init(&pl->hcv, NULL);
    pl->wait_k = -1;
    if (!rc && tc_emit_wants_source(em)) {
        fd_->pl = pl;
        fd_->size = sb.st_size;
        fd_->rc = 0;
        pl->feeding = 1;
        if (pthread_create(&fd_->th, NULL, feed_main, fd_) == 0)
            *fed = 1;
        else
            pl->feeding = 0;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nth = cores < 1 ? 1 : cores > pl->n ? pl->n : (int)cores;
    pthread_t th[SEG_MAX];
    int started = 0;
    xmlInitParser();
    for (int i = 1; !rc && i < nth; i++)
        if (pthread_create(&th[i], NULL, segment_main, pl) == 0)
            started = i;
    if (!rc)
        segment_main(pl);   /* this thread takes segments too */
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    xmlSetGenericErrorFunc(NULL, NULL);
    pthread_mutex_lock(&pl->hmu);
    pl->closed = 1;   /* the digest thread reads the rest itself */
    pthread_cond_broadcast(&pl->hcv);
    pthread_mutex_unlock(&pl->hmu);
    int ok = !rc;
    for (int k = 0; k < pl->n && ok; k++)
        ok = pl->seg[k].ok;
    if (ok) {
        /* the Trailer against every segment's records together */
        const tc_batch_summary *tally[R_N];
        tc_batch_summary sum[R_N];
        memset(sum, 0, sizeof(sum));
        for (int t = 0; t < R_N && ok; t++) {
            for (int k = 0; k < pl->n && ok; k++) {
                const tc_batch_summary *c = tc_emit_tally(pl->seg[k].child, t);
                sum[t].count += c->count;
                for (int i = 0; i < TC_MAX_COLUMNS && ok; i++)
                    ok = !__builtin_add_overflow(sum[t].totals[i], c->totals[i], &sum[t].totals[i]);
            }
            tally[t] = &sum[t];
        }
        state *agg = ok ? calloc(1, sizeof(*agg)) : NULL;
        if (agg) {
            state *last = pl->seg[pl->n - 1].s;
            agg->w = last->w;
            agg->end_line = last->end_line;
            agg->end_col = last->end_col;
            for (int k = 0; k < pl->n; k++) {
                agg->vouchers += pl->seg[k].vouchers;
                for (int i = 0; i < E_N; i++)
                    agg->counts[i] += pl->seg[k].counts[i];
            }
            tc_err te;
            agg->w.e = &te;
            ok = check_trailer(agg, tally) == 0;
            free(agg);
        } else
            ok = 0;
    }
    if (ok) {
        memset(st, 0, sizeof(*st));
        for (int k = 0; k < pl->n; k++) {
            st->elements += pl->seg[k].st.elements - (k ? 2 : 0);   /* less the made-up start */
            st->bad_id_check += pl->seg[k].st.bad_id_check;
            st->bad_uscc_check += pl->seg[k].st.bad_uscc_check;
        }
        st->segments = pl->n;
        /* the children's keys carry their segment's lines: the line of
         * segment k's first byte is 1 + the newlines before it */
        long before = 0;
        for (int k = 0; k < pl->n && !rc; k++) {
            before += pl->seg[k].gap_lines;
            rc = tc_emit_join(em, pl->seg[k].child, before, e);
            pl->seg[k].child = NULL;
            before += pl->seg[k].lines;
        }
    }
    for (int k = 0; k < pl->n; k++) {
        tc_emit_abort(pl->seg[k].child);
        free(pl->seg[k].s);
    }
    if (!*fed)
        plan_free(pl);      /* else join_feeder frees it */
    return rc ? rc : ok ? 0 : 1;
}

static int join_feeder(feeder *f, tc_emit *em, int rc, tc_err *e)
{
    pthread_join(f->th, NULL);
    plan_free(f->pl);
    if (!rc && f->rc) {
        if (e)
            *e = f->e;
        rc = f->rc;
    }
    if (!rc)
        tc_emit_set_source_digest(em, f->digest);
    return rc;
}

int tc_xml_extract(const char *path, tc_emit *em, tc_xml_stats *st, tc_err *e)
{
    tc_xml_stats dummy;
    tc_err scratch;
    if (!st)
        st = &dummy;
    if (!e)
        e = &scratch;
    memset(st, 0, sizeof(*st));
    feeder f;
    int fed = 0;
    int rc = extract_segmented(path, em, st, &f, &fed, e);
    if (rc == 1)
        /* read as one: the first violation, with its true place, or the
         * same records the segments would have given */
        rc = extract_sequential(path, em, !fed, st, e);
    return fed ? join_feeder(&f, em, rc, e) : rc;
}
