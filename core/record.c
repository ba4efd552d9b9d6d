/* core/record.c: to be written */
typedef int tc_stub_record;
