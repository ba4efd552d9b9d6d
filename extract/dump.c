/* extract/dump.c: being written */
typedef int tc_stub_dump;
