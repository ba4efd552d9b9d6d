/* core/batch.c: to be written */
typedef int tc_stub_batch;
