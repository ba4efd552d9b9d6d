/* core/money.c: to be written */
typedef int tc_stub_money;
