/*
 * cityfix.h - the example city as a test fixture: generated (handover XML
 * only, so no PostgreSQL is needed) into DIR/city and every county
 * extracted into DIR/batches.
 */
#ifndef TC_CITYFIX_H
#define TC_CITYFIX_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -1 with a message on stderr.  batches (size n) gets DIR/batches. */
int cityfix_build(const char *dir, uint64_t records, int unmapped, char *batches, size_t n);

#endif
