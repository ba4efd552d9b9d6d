/*
 * textline.c - see textline.h.
 */
#include "core/textline.h"

tc_line_status tc_text_line(FILE *f, char *str, int num, int *line)
{
    int n = 0, c = 0;
    while (n < num - 1 && (c = getc(f)) != EOF) {
        if (c == '\0') {
            ++*line;
            return TC_LINE_NUL;
        }
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return TC_LINE_END;
    str[n] = '\0';
    ++*line;
    if (n == num - 1 && str[n - 1] != '\n') {
        c = getc(f);
        if (c != '\n' && c != EOF)
            return TC_LINE_LONG;
    }
    return TC_LINE_OK;
}
