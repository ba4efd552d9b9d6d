/*
 * ident.h - check digits and masking of the identifiers in the ledgers.
 *
 *   GB 11643-1999  resident identity number: 17 digits and a check
 *                  character (0-9 or X), ISO 7064 MOD 11-2.
 *                  11010519491231002X is the standard's sample.
 *   GB 32100-2015  unified social credit code: 18 characters over the
 *                  31-character set 0-9 A-H J-N P-R T U W-Y (no I O Z S V),
 *                  the last a check character, MOD 31.
 *
 * A bad check digit is a finding for the reconciliation, never a reason to
 * refuse a file, so these functions only answer yes or no.
 *
 * Identity numbers are personal data: every report, log line and error
 * message shows them masked, the first 6 and the last 4 characters kept and
 * the 8 between replaced by '*' ("110105********002X").
 */
#ifndef TC_IDENT_H
#define TC_IDENT_H

#include <stddef.h>

/* The check character a 17-digit prefix calls for ('0'-'9' or 'X'), or 0
 * when the prefix is not 17 ASCII digits. */
char tc_ident_id_check_char(const char *first17);

/* 1 when s (length n) is 17 digits plus the right check character (an 'x'
 * is accepted for 'X'), 0 otherwise. */
int tc_ident_id_valid(const char *s, size_t n);

/* The GB 32100 check character for the first 17 characters, or 0 when one
 * of them is outside the code's character set. */
char tc_ident_uscc_check_char(const char *first17);

/* 1 when s (length n) is a unified social credit code with the right check
 * character, 0 otherwise. */
int tc_ident_uscc_valid(const char *s, size_t n);

/* 1 when s (length n) has the shape of an identity number (18 characters,
 * 17 digits then a digit or X), whatever its check digit. */
int tc_ident_looks_like_id(const char *s, size_t n);

/*
 * Write a masked copy of s (length n) into out (size outsz, NUL-terminated):
 * strings of 11 characters or more keep the first 6 and the last 4, the rest
 * become '*'; shorter ones become all '*'.  Returns out.
 */
char *tc_ident_mask(const char *s, size_t n, char *out, size_t outsz);

#endif
