/*
 * strlist.h - a growing list of owned strings (paths, codes), for the
 * stages and commands that gather file names before they act on them.
 */
#ifndef TC_STRLIST_H
#define TC_STRLIST_H

#include "core/err.h"

typedef struct tc_strlist {
    char **v;
    int n;
} tc_strlist;

/* Append a copy of s; unique: not when the list holds it already.
 * TC_ENOMEM when out of memory (e may be NULL). */
int tc_strlist_add(tc_strlist *l, const char *s, int unique, tc_err *e);
/* 1 when the list holds s. */
int tc_strlist_has(const tc_strlist *l, const char *s);
/* Sort by bytes (strcmp), so every run names them in one order. */
void tc_strlist_sort(tc_strlist *l);
/* Free the strings and the list; it is empty again. */
void tc_strlist_free(tc_strlist *l);

#endif
