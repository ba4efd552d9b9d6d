/*
 * textline.h - one line of a small text file (a manifest, a profile), read
 * the way an INI parser needs it read: fgets into num bytes, but a line
 * that does not fit, or holds a NUL byte, is named rather than cut in two.
 * (Debian's inih reads a line into 200 bytes and would parse what does not
 * fit - a path's tail, the rest after a NUL - as a line of its own.)
 */
#ifndef TC_TEXTLINE_H
#define TC_TEXTLINE_H

#include <stdio.h>

typedef enum {
    TC_LINE_OK,        /* a line (with its newline, if it had one) in str */
    TC_LINE_END,       /* no more lines */
    TC_LINE_NUL,       /* the line holds a NUL byte: not a text file */
    TC_LINE_LONG       /* the line is longer than num - 1 bytes */
} tc_line_status;

/* Read the next line of f into str (num bytes); *line counts the lines
 * read, the one refused included. */
tc_line_status tc_text_line(FILE *f, char *str, int num, int *line);

#endif
