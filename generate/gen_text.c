/*
 * gen_text.c - how the generator spells amounts and rates.  Both the
 * handover XML (gen_xml.c) and the mapping set's rate table
 * (gen_mappings.c) use it; the exports vary the spelling on purpose
 * ("12.5" and "12.50"), since the readers must take every form the
 * grammar allows.  See gen_int.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "generate/gen_int.h"

/* "12.50" -> "12.5", "7.00" -> "7": the shortest form the grammar allows. */
static void trim_decimals(char *buf)
{
    size_t n = strlen(buf);
    while (buf[n - 1] == '0')
        buf[--n] = '\0';
    if (buf[n - 1] == '.')
        buf[--n] = '\0';
}

char *gen_yuan(int64_t fen, int minimal, char *buf)
{
    tc_money_format(fen, buf);
    if (minimal) {
        trim_decimals(buf);
        if (strcmp(buf, "-0") == 0)
            strcpy(buf, "0");
    }
    return buf;
}

char *gen_rate_text(int32_t rate, int minimal, char *buf)
{
    /* rate is 0..10000 (core/money.h), so this fits "1.0000". */
    unsigned r = rate < 0 ? 0u : rate > 10000 ? 10000u : (unsigned)rate;
    snprintf(buf, 8, "%u.%04u", r / 10000 % 10, r % 10000);
    if (minimal)
        trim_decimals(buf);
    return buf;
}
