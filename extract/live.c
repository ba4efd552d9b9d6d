/* extract/live.c: being written */
typedef int tc_stub_live;
