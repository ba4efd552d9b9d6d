/* core/digest.c: to be written */
typedef int tc_stub_digest;
