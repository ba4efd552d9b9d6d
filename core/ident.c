/*
 * ident.c - GB 11643 and GB 32100 check characters, and masking.
 */
#include "core/ident.h"

#include <pthread.h>
#include <string.h>

/* GB 11643 / ISO 7064 MOD 11-2: weight of position i is 2^(17-i) mod 11. */
static const int ID_W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_C[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

char tc_ident_id_check_char(const char *first17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        char c = first17[i];
        if (c < '0' || c > '9')
            return 0;
        sum += (c - '0') * ID_W[i];
    }
    return ID_C[sum % 11];
}

int tc_ident_looks_like_id(const char *s, size_t n)
{
    if (n != 18)
        return 0;
    for (int i = 0; i < 17; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return (s[17] >= '0' && s[17] <= '9') || s[17] == 'X' || s[17] == 'x';
}

int tc_ident_id_valid(const char *s, size_t n)
{
    if (!tc_ident_looks_like_id(s, n))
        return 0;
    char want = tc_ident_id_check_char(s);
    char got = s[17] == 'x' ? 'X' : s[17];
    return want == got;
}

/* GB 32100: 31 characters, weights 3^i mod 31, check = 31 - sum mod 31. */
static const char USCC_SET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_W[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/* Value of a credit-code character: its place in USCC_SET, or -1.  A table,
 * built once: extraction checks every employer's code. */
static signed char uscc_table[256];
static pthread_once_t uscc_once = PTHREAD_ONCE_INIT;

static void uscc_init(void)
{
    memset(uscc_table, -1, sizeof(uscc_table));
    for (int i = 0; USCC_SET[i]; i++)
        uscc_table[(unsigned char)USCC_SET[i]] = (signed char)i;
}

static int uscc_value(char c) { return uscc_table[(unsigned char)c]; }

char tc_ident_uscc_check_char(const char *first17)
{
    pthread_once(&uscc_once, uscc_init);
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0)
            return 0;
        sum += v * USCC_W[i];
    }
    int c = 31 - sum % 31;
    return USCC_SET[c == 31 ? 0 : c];
}

int tc_ident_uscc_valid(const char *s, size_t n)
{
    if (n != 18)
        return 0;
    char want = tc_ident_uscc_check_char(s);
    return want != 0 && want == s[17];
}

char *tc_ident_mask(const char *s, size_t n, char *out, size_t outsz)
{
    if (outsz == 0)
        return out;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outsz; i++) {
        int keep = n >= 11 && (i < 6 || i >= n - 4);
        out[k++] = keep ? s[i] : '*';
    }
    out[k] = '\0';
    return out;
}
