/*
 * fuzz_money.c: libFuzzer target for the amount parsers of money.h
 * (money_parse for amounts people type, money_parse_units8 for voip.ms
 * decimals).  Built and run by tests/fuzz/run-fuzz.sh.
 *
 * Besides memory safety (ASan/UBSan) it checks the contract:
 *  - on failure *out is untouched and err holds a message;
 *  - what the formatters write parses back to the same value (plain, both
 *    locale styles, units8), for every value a parser accepted;
 *  - differentially, against an exact reference for the plain forms
 *    "[+-]DIGITS[.D{1,2}]" (cents) and "[+-]DIGITS[.D{1,8}]" (units8): the
 *    parser accepts exactly when the value fits int64, with that value.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL INT64_C(0x5A5A5A5A5A5A5A5A)

/*
 * Reference value of text when it is exactly [+-]DIGITS[.D{1,max_dec}]:
 * returns 1 and *out (value in 10^-max_dec units) when it fits int64, 0 when
 * it does not fit, -1 when text is not of that form.
 */
static int reference(const char *text, int max_dec, int64_t *out)
{
	const char *p = text;
	bool negative = false;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (*p < '0' || *p > '9')
		return -1;
	unsigned __int128 v = 0;
	bool big = false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > ((unsigned __int128)1 << 100))
			big = true, v = (unsigned __int128)1 << 100;
	}
	int dec = 0;
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, dec++)
			v = v * 10 + (unsigned)(*p - '0');
		if (dec == 0 || dec > max_dec)
			return -1;
	}
	if (*p)
		return -1;
	for (; dec < max_dec; dec++)
		v *= 10;
	unsigned __int128 limit = negative ? (unsigned __int128)INT64_MAX + 1 : INT64_MAX;
	if (big || v > limit)
		return 0;
	*out = negative ? (int64_t)(0 - (uint64_t)v) : (int64_t)v;
	return 1;
}

static void expect_cents(const char *text, kc_cents want)
{
	kc_cents got = SENTINEL;
	kc_error err = KC_ERROR_INIT;
	if (money_parse(text, &got, &err) != KC_OK || got != want)
		abort(); /* a formatted amount does not parse back */
	kc_error_clear(&err);
}

static void round_trip_cents(kc_cents v)
{
	char *plain = money_format_plain(v);
	char *en = money_format_locale(v, MONEY_EN_CA);
	char *fr = money_format_locale(v, MONEY_FR_CA);
	if (!plain || !en || !fr)
		abort();
	expect_cents(plain, v);
	expect_cents(en, v);
	expect_cents(fr, v);
	free(plain);
	free(en);
	free(fr);
}

static void check_cents(const char *text)
{
	kc_cents v = SENTINEL;
	kc_error err = KC_ERROR_INIT;
	kc_status rc = money_parse(text, &v, &err);
	if (rc != KC_OK && (rc != KC_ERR_INVALID || v != SENTINEL || !err.message))
		abort();
	if (rc == KC_OK && err.message)
		abort();
	kc_error_clear(&err);
	int64_t ref;
	int r = reference(text, 2, &ref);
	if (r == 1 && (rc != KC_OK || v != ref))
		abort(); /* a plain amount refused or misread */
	if (r == 0 && rc == KC_OK)
		abort(); /* an amount beyond int64 cents accepted */
	if (rc == KC_OK)
		round_trip_cents(v);
}

static void check_units8(const char *text)
{
	kc_units8 v = SENTINEL;
	kc_error err = KC_ERROR_INIT;
	kc_status rc = money_parse_units8(text, &v, &err);
	if (rc != KC_OK && (rc != KC_ERR_INVALID || v != SENTINEL || !err.message))
		abort();
	kc_error_clear(&err);
	int64_t ref;
	int r = reference(text, 8, &ref);
	if (r == 1 && (rc != KC_OK || v != ref))
		abort();
	if (r == 0 && rc == KC_OK)
		abort();
	if (rc != KC_OK)
		return;
	char *s = money_format_units8(v);
	if (!s)
		abort();
	kc_units8 back = SENTINEL;
	if (money_parse_units8(s, &back, NULL) != KC_OK || back != v)
		abort();
	free(s);
	/* Rounding to cents stays within half a cent (1 cent = 10^6 units). */
	kc_cents c = money_units8_to_cents(v);
	__int128 diff = (__int128)c * MONEY_UNITS8_PER_CENT - v;
	if (diff > MONEY_UNITS8_PER_CENT / 2 || diff < -MONEY_UNITS8_PER_CENT / 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* an embedded NUL ends the text, as in C callers */
	check_cents(text);
	check_units8(text);
	free(text);
	return 0;
}
