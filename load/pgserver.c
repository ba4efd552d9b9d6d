/* load/pgserver.c: to be written */
typedef int tc_stub_pgserver;
