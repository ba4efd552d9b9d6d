/*
 * cityfix.h - the example city as a test fixture: generated into DIR/city
 * (handover XML only, so no PostgreSQL is needed, unless _full), every
 * county extracted into DIR/batches, and on request mapped to the city
 * coding into DIR/city-batches.
 */
#ifndef TC_CITYFIX_H
#define TC_CITYFIX_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -1 with a message on stderr.  batches (size n) gets DIR/batches. */
int cityfix_build(const char *dir, uint64_t records, int unmapped, char *batches, size_t n);

/* The same with the generator's defaults: the two YB2008 counties as real
 * pg_dump files (the generator starts its own PostgreSQL for them). */
int cityfix_build_full(const char *dir, uint64_t records, char *batches, size_t n);

/* The city's seven counties: as they export, and as the city codes them. */
extern const char *const cityfix_exported[7];
extern const char *const cityfix_regions[7];

/*
 * Map the 70 county batches in batches (from cityfix_build) with the
 * example mapping set into DIR/city-batches; paths[i] get the 70 city
 * batches (county by county in the order above, record types in
 * tc_rectypes order) and all[i] point at them.  0, or -1 with a message.
 */
int cityfix_map(const char *dir, const char *batches, char paths[70][1300], const char *all[70]);

#endif
