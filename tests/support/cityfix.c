/*
 * cityfix.c - see cityfix.h.
 */
#include "tests/support/cityfix.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "extract/extract.h"
#include "generate/gen.h"

int cityfix_build(const char *dir, uint64_t records, int unmapped, char *batches, size_t n)
{
    char city[1024], sources[1100];
    snprintf(city, sizeof(city), "%s/city", dir);
    snprintf(sources, sizeof(sources), "%s/sources", city);
    snprintf(batches, n, "%s/batches", dir);
    mkdir(batches, 0755);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = city;
    o.records = records;
    o.xml_only = 1;
    o.unmapped = unmapped;
    tc_err e;
    if (tc_gen_city(&o, &e)) {
        fprintf(stderr, "cityfix: %s\n", e.msg);
        return -1;
    }
    DIR *d = opendir(sources);
    struct dirent *de;
    int rc = 0;
    while (!rc && d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char src[1400];
        snprintf(src, sizeof(src), "%s/%s", sources, de->d_name);
        tc_extract_opts eo = {.outdir = batches};
        tc_extract_result r;
        if (tc_extract_source(src, &eo, &r, &e)) {
            fprintf(stderr, "cityfix: %s: %s\n", src, e.msg);
            rc = -1;
        }
    }
    if (d)
        closedir(d);
    return rc;
}
