/* core/atomic.c: to be written */
typedef int tc_stub_atomic;
