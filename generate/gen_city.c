/*
 * gen_city.c - who the seven counties are: codes, charts, vendors, and
 * which finding each one carries.  The same tables write the example
 * mapping set (gen_mappings.c), so data and mappings cannot drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "generate/gen_int.h"

const gen_account gen_chart3[A_N] = {
    [A_INCOME_BANK] = {"104", "收入户存款", "asset"},
    [A_FISCAL] = {"103", "财政专户存款", "asset"},
    [A_EXPENSE_BANK] = {"102", "支出户存款", "asset"},
    [A_RECEIVABLE] = {"111", "暂付款", "asset"},
    [A_PAYABLE] = {"201", "暂收款", "liability"},
    [A_FUND] = {"301", "统筹基金", "fund"},
    [A_PERSONAL] = {"302", "个人账户基金", "fund"},
    [A_CONTRIB] = {"401", "基本医疗保险费收入", "income"},
    [A_SUBSIDY] = {"403", "财政补贴收入", "income"},
    [A_INTEREST] = {"402", "利息收入", "income"},
    [A_BENEFIT] = {"501", "基本医疗保险统筹基金支出", "expense"},
    [A_BENEFIT_PA] = {"502", "个人账户支出", "expense"},
    [A_REMIT] = {"513", "上解上级支出", "expense"},
};

const gen_account gen_chart4[A_N] = {
    [A_INCOME_BANK] = {"1002", "收入户存款", "asset"},
    [A_FISCAL] = {"1003", "财政专户存款", "asset"},
    [A_EXPENSE_BANK] = {"1004", "支出户存款", "asset"},
    [A_RECEIVABLE] = {"1101", "暂付款", "asset"},
    [A_PAYABLE] = {"2001", "暂收款", "liability"},
    [A_FUND] = {"300101", "一般基金结余—统筹基金", "fund"},
    [A_PERSONAL] = {"300102", "一般基金结余—个人账户", "fund"},
    [A_CONTRIB] = {"4001", "社会保险费收入", "income"},
    [A_SUBSIDY] = {"4101", "财政补贴收入", "income"},
    [A_INTEREST] = {"4301", "利息收入", "income"},
    [A_BENEFIT] = {"5001", "社会保险待遇支出", "expense"},
    [A_BENEFIT_PA] = {"5001", "社会保险待遇支出", "expense"},
    [A_REMIT] = {"5401", "上解上级支出", "expense"},
};

/* shared/spec/mappings.md, "The example city chart". */
const gen_city_account gen_city_chart[] = {
    {"1001", "库存现金", "asset", "cash"},
    {"1002", "收入户存款", "asset", "cash"},
    {"1003", "财政专户存款", "asset", "cash"},
    {"1004", "支出户存款", "asset", "cash"},
    {"1101", "暂付款", "asset", "receivable"},
    {"2001", "暂收款", "liability", "payable"},
    {"2101", "借入款项", "liability", "payable"},
    {"300101", "一般基金结余—统筹基金", "fund", "fund_balance"},
    {"300102", "一般基金结余—个人账户", "fund", "personal_account_balance"},
    {"4001", "社会保险费收入", "income", "contribution_income"},
    {"4101", "财政补贴收入", "income", "subsidy_income"},
    {"4301", "利息收入", "income", ""},
    {"4701", "下级上解收入", "income", "received_from_below"},
    {"5001", "社会保险待遇支出", "expense", ""},
    {"5401", "上解上级支出", "expense", "remit_up"},
};
const int gen_city_chart_n = (int)(sizeof(gen_city_chart) / sizeof(gen_city_chart[0]));

int gen_debit_normal(const char *cls)
{
    return strcmp(cls, "asset") == 0 || strcmp(cls, "expense") == 0;
}

const char *const gen_kind_names[4] = {"employer", "employee", "flexible", "resident"};
const char *const gen_level_names[4] = {"central", "province", "city", "county"};
const char *const gen_role_names[4] = {"income", "expense", "fiscal", "cash"};

#define WORDS_KINDS {"employer", "employee", "flexible", "resident"}
#define WORDS_LEVELS {"central", "province", "city", "county"}
#define WORDS_ROLES {"income", "expense", "fiscal", "cash"}
#define YB_CODES {"1", "2", "3", "4"}

const gen_county gen_counties[GEN_NCOUNTIES] = {
    {"220100", "220100", "长春市本级", "长春医保核心系统 V5.1", "220100.xml", FMT_XML, 0, 0, 0, 0, 0,
     WORDS_KINDS, WORDS_LEVELS, WORDS_ROLES,
     {{"310", "310", FK_EMPLOYEE}, {"390", "390", FK_RESIDENT}, {"330", "330", FK_LARGE}}, 3,
     "CC", "长春", "中国工商银行长春分行", 0},
    {"220112", "220112", "双阳区", "某厂商医保系统 V3.2", "220112.xml", FMT_XML, 0, 1, 0, 1, 0,
     WORDS_KINDS, WORDS_LEVELS, WORDS_ROLES,
     {{"01", "310", FK_EMPLOYEE}, {"02", "390", FK_RESIDENT}}, 2,
     "SY", "双阳", "中国农业银行双阳支行", INJ_ROLLFORWARD | INJ_DUE},
    {"220113", "220113", "九台区", "某厂商医保系统 V3.2", "220113.xml.gz", FMT_XML, 1, 0, 0, 0, 0,
     WORDS_KINDS, WORDS_LEVELS, WORDS_ROLES,
     {{"01", "310", FK_EMPLOYEE}, {"02", "390", FK_RESIDENT}, {"05", "310", FK_MATERNITY}}, 3,
     "JT", "九台", "中国建设银行九台支行", INJ_UNBALANCED | INJ_RATE},
    {"220381", "220184", "公主岭市", "四平医保信息系统 2016版", "220381.xml.gz", FMT_XML, 1, 1, 0, 1,
     0, WORDS_KINDS, WORDS_LEVELS, WORDS_ROLES,
     {{"11", "310", FK_EMPLOYEE}, {"12", "390", FK_RESIDENT}}, 2,
     "GZL", "公主岭", "吉林银行公主岭支行", INJ_TURNOVER | INJ_BANK | INJ_CHECK_DIGIT},
    {"220182", "220182", "榆树市", "YB2008", "220182.sql.gz", FMT_YB_PLAIN, 1, 0, 0, 1, 0,
     YB_CODES, YB_CODES, YB_CODES,
     {{"01", "310", FK_EMPLOYEE}, {"02", "390", FK_RESIDENT}}, 2,
     "YS", "榆树", "中国银行榆树支行", INJ_DUPLICATE | INJ_CONTRIB},
    {"220183", "220183", "德惠市", "YB2008", "220183.dump", FMT_YB_CUSTOM, 0, 0, 0, 0, 0,
     YB_CODES, YB_CODES, YB_CODES,
     {{"01", "310", FK_EMPLOYEE}, {"02", "390", FK_RESIDENT}}, 2,
     "DH", "德惠", "中国邮政储蓄银行德惠支行", INJ_PERSONAL | INJ_EQUATION},
    {"220122", "220122", "农安县", "农安县社保一体化平台", "220122.xml", FMT_XML, 0, 0, 1, 0, 1,
     WORDS_KINDS, WORDS_LEVELS, WORDS_ROLES,
     {{"A1", "310", FK_EMPLOYEE}, {"A2", "390", FK_RESIDENT}}, 2,
     "NA", "农安", "吉林农村商业银行农安支行", 0},
};

void gen_inst_local(const gen_county *c, int i, char *out, size_t n)
{
    snprintf(out, n, "%s%04d", c->inst_prefix, 11 * i + 7);
}

void gen_inst_city(const gen_county *c, int i, char *out, size_t n)
{
    /* National designated-institution codes: H (hospital) or P (pharmacy),
     * the region, and a sequence. */
    snprintf(out, n, "%c%s%05d", i < 7 ? 'H' : 'P', c->city, i + 1);
}

void gen_inst_name(const gen_county *c, int i, char *out, size_t n)
{
    static const char *const kinds[GEN_NINST] = {
        "人民医院", "中医院",       "妇幼保健院",   "第一人民医院", "第二人民医院",
        "中心卫生院", "骨科医院", "大药房",       "康源药店",     "益民药房"};
    snprintf(out, n, "%s%s", c->place, kinds[i]);
}

/*
 * The city's contribution rates.  Two employer rates are in force for fund
 * 310 because the maternity fund merged into it: a county that still books
 * maternity contributions separately (九台) charges employers 0.7 % for it,
 * and after mapping those records carry fund 310 too.  A record's rate must
 * equal one of the rates in force for its fund, kind and period.
 */
const gen_rate gen_city_rates[] = {
    {"310", "employer", "2019-01-01", "", 700},
    {"310", "employer", "2019-01-01", "", 70},
    {"310", "employee", "2019-01-01", "", 200},
    {"310", "flexible", "2019-01-01", "", 900},
    {"330", "employee", "2019-01-01", "", 10000},
    {"390", "resident", "2019-01-01", "", 10000},
};
const int gen_city_rates_n = (int)(sizeof(gen_city_rates) / sizeof(gen_city_rates[0]));
