/* core/ident.c: to be written */
typedef int tc_stub_ident;
