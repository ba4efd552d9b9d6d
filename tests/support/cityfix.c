/*
 * cityfix.c - see cityfix.h.
 */
#include "tests/support/cityfix.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/record.h"
#include "extract/extract.h"
#include "mappings/mapset.h"
#include "transform/map.h"
#include "generate/gen.h"

static int build(const char *dir, uint64_t records, int unmapped, int xml_only, char *batches,
                 size_t n)
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
    o.xml_only = xml_only;
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

int cityfix_build(const char *dir, uint64_t records, int unmapped, char *batches, size_t n)
{
    return build(dir, records, unmapped, 1, batches, n);
}

int cityfix_build_full(const char *dir, uint64_t records, char *batches, size_t n)
{
    return build(dir, records, 0, 0, batches, n);
}

const char *const cityfix_exported[7] = {"220100", "220112", "220113", "220381",
                                         "220182", "220183", "220122"};
const char *const cityfix_regions[7] = {"220100", "220112", "220113", "220184",
                                        "220182", "220183", "220122"};

int cityfix_map(const char *dir, const char *batches, char paths[70][1300], const char *all[70])
{
    char city[1100];
    snprintf(city, sizeof(city), "%s/city-batches", dir);
    mkdir(city, 0755);
    static char in[70][1300];
    const char *inp[70];
    int n = 0;
    for (int i = 0; i < 7; i++)
        for (int t = 0; t < tc_nrectypes; t++) {
            snprintf(in[n], sizeof(in[n]), "%s/%s.%s.tcb", batches, cityfix_exported[i],
                     tc_rectypes[t].name);
            snprintf(paths[n], 1300, "%s/%s.%s.tcb", city, cityfix_regions[i],
                     tc_rectypes[t].name);
            inp[n] = in[n];
            all[n] = paths[n];
            n++;
        }
    tc_mapset *m;
    tc_err e;
    long long rej;
    if (tc_mapset_load(&m, TC_TEST_SOURCE_DIR "/mappings/changchun", &e) ||
        tc_map_run(m, inp, n, city, NULL, NULL, &rej, &e)) {
        fprintf(stderr, "cityfix: map: %s\n", e.msg);
        return -1;
    }
    tc_mapset_free(m);
    return 0;
}
