/* generate/gen.c: to be written */
typedef int tc_stub_gen;
