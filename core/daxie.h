/*
 * daxie.h - amounts in Chinese capitals (大写金额), as a cheque, a voucher
 * or a handover certificate writes them (shared/spec/documents.md; the
 * rules are those of 《正确填写票据和结算凭证的基本规定》, PBOC):
 *
 *   ¥1,409.50    人民币壹仟肆佰零玖元伍角整
 *   ¥6,007.14    人民币陆仟零柒元壹角肆分
 *   ¥107,000.53  人民币壹拾万柒仟元零伍角叁分
 *   ¥0.08        人民币捌分
 *
 * The writing, which is unique for an amount:
 *
 *   - 人民币, then 负 for a negative amount;
 *   - the yuan in digits 零壹贰叁肆伍陆柒捌玖 with 拾佰仟 inside a group
 *     of four and 万 and 亿 between groups (壹万亿 is 10^12); 壹拾, never
 *     拾 alone; one 零 for a run of zeros before a non-zero digit, also
 *     across groups (壹亿零伍万, 贰万零伍佰, 壹亿零壹仟), but not for the
 *     zeros a non-empty group ends with (壹拾万柒仟, 壹拾亿壹仟万), nor
 *     at the end;
 *   - 元, when there are yuan; 零元整 for zero;
 *   - 角 and 分: 整 after 元 or 角 when there are no 分; 零 after 元 when
 *     the 角 is zero and there are 分 (壹拾元零伍分), and when the yuan end
 *     in a zero and there are 角 (壹拾万柒仟元零伍角叁分); nothing before
 *     the 角 or 分 of an amount under one yuan.
 *
 * tc_daxie_parse reads exactly that writing back, and nothing else: it is
 * the check that the writer is right (tests/core/test_daxie.c turns a
 * million random amounts into words and back), and what a document check
 * uses to read a printed amount.
 */
#ifndef TC_DAXIE_H
#define TC_DAXIE_H

#include <stddef.h>

#include "core/err.h"
#include "core/money.h"

/* The longest writing (INT64_MIN fen), with its NUL: 3 bytes a character. */
#define TC_DAXIE_BUFSZ 256

/* Write fen in capitals into buf (cap >= TC_DAXIE_BUFSZ always suffices);
 * returns the length, or -1 when cap is too small (buf then holds ""). */
int tc_daxie(tc_fen fen, char *buf, size_t cap);

/* Read the capitals in s (n bytes, UTF-8) into *fen: 0, or TC_EINPUT with
 * the byte offset of the first character that is not where the writing
 * puts it.  Only the writing tc_daxie gives is accepted. */
int tc_daxie_parse(const char *s, size_t n, tc_fen *fen, tc_err *e);

#endif
