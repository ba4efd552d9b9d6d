typedef int tc_stub_pgtest;
