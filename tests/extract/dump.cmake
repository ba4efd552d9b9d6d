tc_test(extract_dump SOURCES test_dump.c LIBS tc_extract tc_pgtest tc_load tc_core PkgConfig::LIBPQ)
