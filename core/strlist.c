/*
 * strlist.c - see strlist.h.
 */
#include "core/strlist.h"

#include <stdlib.h>
#include <string.h>

int tc_strlist_add(tc_strlist *l, const char *s, int unique, tc_err *e)
{
    if (unique && tc_strlist_has(l, s))
        return 0;
    char **v = realloc(l->v, (size_t)(l->n + 1) * sizeof(char *));
    if (!v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    l->v = v;
    if (!(l->v[l->n] = strdup(s)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    l->n++;
    return 0;
}

int tc_strlist_has(const tc_strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tc_strlist_sort(tc_strlist *l)
{
    if (l->n > 1)
        qsort(l->v, (size_t)l->n, sizeof(char *), by_bytes);
}

void tc_strlist_free(tc_strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
