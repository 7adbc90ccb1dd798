/*
 * money.h: exact integer money: parsing, arithmetic, rounding, formatting.
 *
 * Contract
 *  - Amounts are int64_t, never floating point: kc_cents for invoices and
 *    payments (1 = 0.01 CAD), kc_units8 for raw voip.ms usage (1 = 10^-8
 *    CAD).  Usage is rounded to cents once, on the invoice line
 *    (money_units8_to_cents), half away from zero.
 *  - Arithmetic helpers return false on overflow (or a zero divisor) and
 *    then leave *out unchanged; they work for both units.
 *  - Rounding is always half away from zero: 0.5 cent becomes 1 cent and
 *    -0.5 cent becomes -1 cent, so a credit note mirrors its invoice.
 *  - Parsers write *out only on success; on failure they return
 *    KC_ERR_INVALID with a translated message in err (err may be NULL).
 *  - Formatting never calls setlocale() nor reads the global locale.
 *    money_format_*() return a new heap string the caller frees with
 *    free(), or NULL when memory runs out.  money_append_*() append the
 *    same text to a strbuf (false on allocation failure, see strbuf.h).
 *  - MONEY_FR_CA output uses U+00A0 NO-BREAK SPACE (UTF-8 bytes C2 A0) both
 *    between digit groups and before the "$": "-1 234,56 $".  MONEY_EN_CA
 *    gives "-$1,234.56".
 */
#ifndef KC_MONEY_H
#define KC_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#include "kc.h"
#include "strbuf.h"

typedef int64_t kc_cents;  /* CAD cents */
typedef int64_t kc_units8; /* 10^-8 CAD, as voip.ms reports usage */

#define MONEY_UNITS8_PER_CENT INT64_C(1000000)
/* U+00A0 NO-BREAK SPACE in UTF-8, as used by MONEY_FR_CA. */
#define MONEY_NBSP "\xc2\xa0"

enum money_style {
	MONEY_EN_CA, /* $1,234.56   -$1,234.56 */
	MONEY_FR_CA  /* 1 234,56 $  -1 234,56 $ (no-break spaces) */
};

/*
 * Parses an amount typed by a person into cents, exactly.  Accepted:
 * "1234", "114.98", "-3.5", "+2", ".50", "1 234,56", "1,234.56",
 * "1.234,56", "$12.00", "-$12.00", "12,00 $", "1 234,56 $".
 *  - Sign first (or right after a leading "$"); one "$" before or after.
 *  - Thousands separators: space, U+00A0, U+202F, ',' or '.', in groups of
 *    three digits; one kind per amount.
 *  - The decimal separator is '.' or ',' with at most 2 decimals.  When the
 *    only separator is followed by exactly 3 digits ("1,234", "1.234") the
 *    amount is refused as ambiguous rather than guessed.
 *  - Refused: NULL, empty, more than 2 decimals ("0.005"), other
 *    characters, values outside int64 cents.
 */
kc_status money_parse(const char *text, kc_cents *out, kc_error *err);

/*
 * Parses a machine decimal such as voip.ms sends ("0.015", "0.00000000",
 * "-0.99", "12") into 10^-8 units, exactly: optional sign, digits, '.' and
 * at most 8 decimals; surrounding ASCII spaces are ignored, nothing else.
 */
kc_status money_parse_units8(const char *text, kc_units8 *out, kc_error *err);

/* *out = a + b, a - b, a * factor; false on overflow. */
bool money_add(int64_t a, int64_t b, int64_t *out) KC_WARN_UNUSED;
bool money_sub(int64_t a, int64_t b, int64_t *out) KC_WARN_UNUSED;
bool money_mul(int64_t a, int64_t factor, int64_t *out) KC_WARN_UNUSED;

/*
 * *out = amount * num / den rounded half away from zero, computed exactly
 * (128-bit intermediate).  False if den == 0 or the result overflows.
 */
bool money_mul_rate(int64_t amount, int64_t num, int64_t den, int64_t *out) KC_WARN_UNUSED;

/*
 * *out = amount * percent, the percent given in thousandths of a percent
 * (9975 is 9.975 %, 5000 is 5 %), rounded half away from zero.
 */
bool money_percent(kc_cents amount, int32_t thousandths_pct, kc_cents *out) KC_WARN_UNUSED;

/* Rounds usage to cents, half away from zero (never overflows). */
kc_cents money_units8_to_cents(kc_units8 units);
/* Exact conversion of cents to 10^-8 units; false on overflow. */
bool money_cents_to_units8(kc_cents cents, kc_units8 *out) KC_WARN_UNUSED;

/* "114.98", "-0.05", "0.00": for CSV, JSON and the database exports. */
char *money_format_plain(kc_cents cents) KC_WARN_UNUSED;
bool money_append_plain(strbuf *sb, kc_cents cents);

/* "0.01500000", "-0.99000000": always 8 decimals. */
char *money_format_units8(kc_units8 units) KC_WARN_UNUSED;
bool money_append_units8(strbuf *sb, kc_units8 units);

/* "$1,234.56" or "1 234,56 $" (see the contract for the exact bytes). */
char *money_format_locale(kc_cents cents, enum money_style style) KC_WARN_UNUSED;
bool money_append_locale(strbuf *sb, kc_cents cents, enum money_style style);

/*
 * MONEY_FR_CA for a French language tag ("fr", "fr_CA", "fr-CA",
 * "fr_CA.UTF-8", any case), MONEY_EN_CA for anything else, NULL included.
 */
enum money_style money_style_from_language(const char *language);

#endif
