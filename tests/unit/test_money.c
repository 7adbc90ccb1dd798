/* test_money.c: strbuf and money (integer parsing, rounding, formatting). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "money.h"
#include "strbuf.h"

#define NB "\xc2\xa0"     /* U+00A0 NO-BREAK SPACE */
#define NNB "\xe2\x80\xaf" /* U+202F NARROW NO-BREAK SPACE */
#define SENTINEL INT64_C(-777)

/* ---- strbuf ---- */

static void test_strbuf_empty_is_never_null(void **state)
{
	strbuf sb = STRBUF_INIT;
	assert_string_equal(strbuf_cstr(&sb), "");
	assert_false(strbuf_failed(&sb));
	char *s = strbuf_detach(&sb);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	strbuf_free(&sb);
	strbuf_free(NULL);
}

static void test_strbuf_appends_and_grows(void **state)
{
	strbuf sb = STRBUF_INIT;
	assert_true(strbuf_append(&sb, "ab"));
	assert_true(strbuf_append(&sb, NULL));
	assert_true(strbuf_appendc(&sb, 'c'));
	assert_true(strbuf_appendn(&sb, "defgh", 2));
	assert_true(strbuf_appendf(&sb, "-%d-%s", 42, "x"));
	assert_string_equal(strbuf_cstr(&sb), "abcde-42-x");
	assert_int_equal(sb.len, 10);
	for (int i = 0; i < 1000; i++)
		assert_true(strbuf_appendf(&sb, "%03d", i));
	assert_int_equal(sb.len, 10 + 3000);
	assert_true(sb.cap > sb.len);
	assert_memory_equal(sb.buf + 10, "000001002", 9);
	assert_string_equal(sb.buf + sb.len - 3, "999");
	strbuf_reset(&sb);
	assert_string_equal(strbuf_cstr(&sb), "");
	assert_int_equal(sb.len, 0);
	assert_true(strbuf_append(&sb, "again"));
	char *s = strbuf_detach(&sb);
	assert_string_equal(s, "again");
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	free(s);
}

static void test_strbuf_failure_is_sticky(void **state)
{
	strbuf sb = STRBUF_INIT;
	assert_true(strbuf_append(&sb, "kept"));
	/* A size that cannot be allocated stands in for malloc failing. */
	assert_false(strbuf_appendn(&sb, "x", SIZE_MAX));
	assert_true(strbuf_failed(&sb));
	assert_false(strbuf_append(&sb, "more"));
	assert_false(strbuf_appendc(&sb, 'c'));
	assert_false(strbuf_appendf(&sb, "%d", 1));
	assert_string_equal(strbuf_cstr(&sb), "kept");
	strbuf_reset(&sb);
	assert_false(strbuf_failed(&sb));
	assert_true(strbuf_append(&sb, "ok"));
	assert_false(strbuf_appendn(&sb, "x", SIZE_MAX - 1));
	assert_null(strbuf_detach(&sb)); /* never a partial text */
	assert_null(sb.buf);
	assert_false(strbuf_failed(&sb));
}

/* ---- money_parse ---- */

struct parse_case {
	const char *text;
	bool ok;
	int64_t value;
};

static const struct parse_case cents_cases[] = {
	{ "114.98", true, 11498 },
	{ "-3.5", true, -350 },
	{ "1234", true, 123400 },
	{ "1 234,56", true, 123456 },
	{ "1" NB "234,56", true, 123456 },
	{ "1" NNB "234,56" NNB "$", true, 123456 },
	{ "1,234.56", true, 123456 },
	{ "1.234,56", true, 123456 },
	{ "$12.00", true, 1200 },
	{ "$ 12.00", true, 1200 },
	{ "12,00 $", true, 1200 },
	{ "12,00" NB "$", true, 1200 },
	{ "12.00$", true, 1200 },
	{ "-$12.00", true, -1200 },
	{ "$-12.00", true, -1200 },
	{ "-1 234,56 $", true, -123456 },
	{ "-1" NB "234,56" NB "$", true, -123456 },
	{ "-$1,234.56", true, -123456 },
	{ "+2", true, 200 },
	{ ".50", true, 50 },
	{ ",5", true, 50 },
	{ "-.05", true, -5 },
	{ "0", true, 0 },
	{ "-0", true, 0 },
	{ "-0.00", true, 0 },
	{ "0,01", true, 1 },
	{ "  42 \t", true, 4200 },
	{ "007.50", true, 750 },
	{ "12.3", true, 1230 },
	{ "1,234,567.89", true, 123456789 },
	{ "1.234.567", true, 123456700 },
	{ "1 234 567", true, 123456700 },
	{ "1,000,000", true, 100000000 },
	{ "92233720368547758.07", true, INT64_MAX },
	{ "-92233720368547758.08", true, INT64_MIN },
	{ "92 233 720 368 547 758,07 $", true, INT64_MAX },
	{ "-$92,233,720,368,547,758.08", true, INT64_MIN },
	/* refused */
	{ "", false, 0 },
	{ "   ", false, 0 },
	{ NB, false, 0 },
	{ "$", false, 0 },
	{ "-", false, 0 },
	{ "-$", false, 0 },
	{ ".", false, 0 },
	{ "abc", false, 0 },
	{ "12abc", false, 0 },
	{ "1e3", false, 0 },
	{ "0x10", false, 0 },
	{ "0.005", false, 0 },
	{ "1.999", false, 0 },
	{ "12.3456", false, 0 },
	{ "1,234", false, 0 }, /* ambiguous */
	{ "1.234", false, 0 }, /* ambiguous */
	{ "12,345", false, 0 },
	{ ",234", false, 0 },
	{ "12.", false, 0 },
	{ "12,", false, 0 },
	{ "1..2", false, 0 },
	{ "1,,200", false, 0 },
	{ "1 ,200", false, 0 },
	{ "--1", false, 0 },
	{ "+-1", false, 0 },
	{ "- 12", false, 0 },
	{ "12-", false, 0 },
	{ "(12)", false, 0 },
	{ "1 2", false, 0 },
	{ "12 34", false, 0 },
	{ "1\t234", false, 0 },
	{ "1234,567.00", false, 0 },
	{ "1,23,456.00", false, 0 },
	{ "0,123,456", false, 0 },
	{ "1,234 567", false, 0 },
	{ "1 234.567,00", false, 0 },
	{ "1.2.3,4", false, 0 },
	{ "1.234.567,891", false, 0 },
	{ "$12 $", false, 0 },
	{ "12$$", false, 0 },
	{ "$$12", false, 0 },
	{ "12 CAD", false, 0 },
	{ "92233720368547758.08", false, 0 },
	{ "-92233720368547758.09", false, 0 },
	{ "99999999999999999999", false, 0 },
	{ "184467440737095516.16", false, 0 },
};

static void test_money_parse_null_and_empty(void **state)
{
	kc_error err = KC_ERROR_INIT;
	kc_cents v = SENTINEL;
	assert_int_equal(money_parse(NULL, &v, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	assert_int_equal(v, SENTINEL);
	assert_int_equal(money_parse("", &v, &err), KC_ERR_INVALID);
	assert_int_equal(err.code, KC_ERR_INVALID);
	assert_int_equal(money_parse("1.00", &v, NULL), KC_OK); /* err may be NULL */
	assert_int_equal(v, 100);
	assert_int_equal(money_parse("x", &v, NULL), KC_ERR_INVALID);
	kc_error_clear(&err);
}

static void test_money_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof cents_cases / sizeof cents_cases[0]; i++) {
		const struct parse_case *c = &cents_cases[i];
		kc_error err = KC_ERROR_INIT;
		kc_cents v = SENTINEL;
		kc_status st = money_parse(c->text, &v, &err);
		if (c->ok) {
			if (st != KC_OK)
				fail_msg("\"%s\" refused: %s", c->text, kc_error_text(&err));
			if (v != c->value)
				fail_msg("\"%s\" gave %lld, expected %lld", c->text, (long long)v,
					 (long long)c->value);
			assert_null(err.message);
		} else {
			if (st != KC_ERR_INVALID)
				fail_msg("\"%s\" accepted as %lld", c->text, (long long)v);
			assert_int_equal(v, SENTINEL);
			assert_int_equal(err.code, KC_ERR_INVALID);
			assert_non_null(err.message);
		}
		kc_error_clear(&err);
	}
}

static void test_money_parse_messages_say_why(void **state)
{
	kc_error err = KC_ERROR_INIT;
	kc_cents v;
	assert_int_equal(money_parse("0.005", &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "0.005"));
	assert_non_null(strstr(err.message, "2 decimals"));
	assert_int_equal(money_parse("1,234", &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "Ambiguous"));
	assert_int_equal(money_parse("92233720368547758.08", &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "too large"));
	assert_int_equal(money_parse("12 34", &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "thousands"));
	assert_int_equal(money_parse("abc", &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "not an amount"));
	kc_error_clear(&err);
}

static const struct parse_case units8_cases[] = {
	{ "0.015", true, 1500000 },
	{ "0.00000000", true, 0 },
	{ "-0.99", true, -99000000 },
	{ "12", true, 1200000000 },
	{ "0.03087500", true, 3087500 },
	{ "0.00000001", true, 1 },
	{ "+0.5", true, 50000000 },
	{ ".5", true, 50000000 },
	{ " 1.5 ", true, 150000000 },
	{ "-0", true, 0 },
	{ "92233720368.54775807", true, INT64_MAX },
	{ "-92233720368.54775808", true, INT64_MIN },
	{ "", false, 0 },
	{ "-", false, 0 },
	{ ".", false, 0 },
	{ "12.", false, 0 },
	{ "0.000000001", false, 0 },
	{ "0.015000000", false, 0 },
	{ "1,5", false, 0 },
	{ "1 000", false, 0 },
	{ "1.2.3", false, 0 },
	{ "$1.00", false, 0 },
	{ "abc", false, 0 },
	{ "--1", false, 0 },
	{ "92233720368.54775808", false, 0 },
	{ "-92233720368.54775809", false, 0 },
};

static void test_money_parse_units8_table(void **state)
{
	kc_units8 v = SENTINEL;
	assert_int_equal(money_parse_units8(NULL, &v, NULL), KC_ERR_INVALID);
	assert_int_equal(v, SENTINEL);
	for (size_t i = 0; i < sizeof units8_cases / sizeof units8_cases[0]; i++) {
		const struct parse_case *c = &units8_cases[i];
		kc_error err = KC_ERROR_INIT;
		v = SENTINEL;
		kc_status st = money_parse_units8(c->text, &v, &err);
		if (c->ok && (st != KC_OK || v != c->value))
			fail_msg("\"%s\": status %d value %lld, expected %lld", c->text, st,
				 (long long)v, (long long)c->value);
		if (!c->ok && (st != KC_ERR_INVALID || v != SENTINEL || !err.message))
			fail_msg("\"%s\" accepted as %lld", c->text, (long long)v);
		kc_error_clear(&err);
	}
}

/* ---- arithmetic ---- */

static void test_money_add_sub_mul_overflow(void **state)
{
	int64_t v = SENTINEL;
	assert_true(money_add(INT64_MAX - 1, 1, &v));
	assert_int_equal(v, INT64_MAX);
	v = SENTINEL;
	assert_false(money_add(INT64_MAX, 1, &v));
	assert_false(money_add(INT64_MIN, -1, &v));
	assert_int_equal(v, SENTINEL);
	assert_true(money_add(INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, -1);
	assert_true(money_sub(-1, INT64_MAX, &v));
	assert_int_equal(v, INT64_MIN);
	v = SENTINEL;
	assert_false(money_sub(-2, INT64_MAX, &v));
	assert_false(money_sub(0, INT64_MIN, &v));
	assert_false(money_sub(INT64_MAX, -1, &v));
	assert_int_equal(v, SENTINEL);
	assert_true(money_sub(1999, 2000, &v));
	assert_int_equal(v, -1);
	assert_true(money_mul(1999, 12, &v));
	assert_int_equal(v, 23988);
	assert_true(money_mul(-1999, 12, &v));
	assert_int_equal(v, -23988);
	assert_true(money_mul(INT64_MIN, 1, &v));
	assert_int_equal(v, INT64_MIN);
	v = SENTINEL;
	assert_false(money_mul(INT64_MIN, -1, &v));
	assert_false(money_mul(INT64_MAX / 2 + 1, 2, &v));
	assert_false(money_mul(INT64_C(4294967296), INT64_C(4294967296), &v));
	assert_int_equal(v, SENTINEL);
	assert_true(money_mul(INT64_C(-4611686018427387904), 2, &v));
	assert_int_equal(v, INT64_MIN);
}

struct rate_case {
	int64_t amount, num, den, expect;
};

static void test_money_mul_rate_rounds_half_away_from_zero(void **state)
{
	static const struct rate_case cases[] = {
		{ 100, 1, 3, 33 },
		{ 200, 1, 3, 67 },
		{ 1, 1, 2, 1 },
		{ -1, 1, 2, -1 },
		{ 3, 1, 2, 2 },
		{ -3, 1, 2, -2 },
		{ 5, -1, 2, -3 },
		{ 5, 1, -2, -3 },
		{ -5, -1, -2, -3 },
		{ 1, 1, 3, 0 },
		{ -1, 1, 3, 0 },
		{ 2, 1, 3, 1 },
		{ 0, 7, 9, 0 },
		{ 10000, 9975, 100000, 998 },
		{ 30000, 9975, 100000, 2993 },
		{ INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX },
		{ INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN },
		{ INT64_MAX, 3, 4, INT64_C(6917529027641081855) }, /* ...855.25 */
		{ INT64_MAX, 1, 2, INT64_C(4611686018427387904) }, /* ...903.5 */
		{ INT64_MIN, 1, 2, INT64_C(-4611686018427387904) },
		{ INT64_MAX, 2, INT64_MAX, 2 },
		{ 1, 1, INT64_MIN, 0 },
		{ INT64_C(9223372036854775), 1000, 1001, INT64_C(9214157878975799) },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rate_case *c = &cases[i];
		int64_t v = SENTINEL;
		if (!money_mul_rate(c->amount, c->num, c->den, &v) || v != c->expect)
			fail_msg("case %zu: %lld * %lld / %lld gave %lld, expected %lld", i,
				 (long long)c->amount, (long long)c->num, (long long)c->den,
				 (long long)v, (long long)c->expect);
	}
	int64_t v = SENTINEL;
	assert_false(money_mul_rate(1, 1, 0, &v));
	assert_false(money_mul_rate(INT64_MAX, 2, 1, &v));
	assert_false(money_mul_rate(INT64_MIN, -1, 1, &v));
	assert_false(money_mul_rate(INT64_MIN, 1, -1, &v));
	assert_false(money_mul_rate(INT64_MAX, INT64_MAX, 2, &v));
	assert_int_equal(v, SENTINEL);
}

static void test_BIL4_percent_examples(void **state)
{
	kc_cents gst, qst, total;
	assert_true(money_percent(10000, 5000, &gst));
	assert_true(money_percent(10000, 9975, &qst));
	assert_int_equal(gst, 500);
	assert_int_equal(qst, 998); /* 9.975 -> 9.98: half up */
	assert_true(money_add(10000, gst, &total));
	assert_true(money_add(total, qst, &total));
	assert_int_equal(total, 11498);
	char *s = money_format_plain(total);
	assert_string_equal(s, "114.98");
	free(s);
	assert_true(money_percent(30000, 5000, &gst));
	assert_true(money_percent(30000, 9975, &qst));
	assert_int_equal(gst, 1500);
	assert_int_equal(qst, 2993); /* 29.925 -> 29.93 */
	assert_true(money_percent(-30000, 9975, &qst));
	assert_int_equal(qst, -2993); /* a credit note mirrors the invoice */
	assert_true(money_percent(123456, 0, &qst));
	assert_int_equal(qst, 0);
	assert_false(money_percent(INT64_MAX, 100000 + 1, &qst));
}

static void test_money_units8_to_cents_rounding(void **state)
{
	static const int64_t cases[][2] = {
		{ 0, 0 },
		{ 499999, 0 },
		{ 500000, 1 },
		{ 1000000, 1 },
		{ 1499999, 1 },
		{ 1500000, 2 },
		{ 3087500, 3 },
		{ -499999, 0 },
		{ -500000, -1 },
		{ -1500000, -2 },
		{ -1499999, -1 },
		{ 1, 0 },
		{ -1, 0 },
		{ INT64_MAX, INT64_C(9223372036855) },
		{ INT64_MIN, INT64_C(-9223372036855) },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (money_units8_to_cents(cases[i][0]) != cases[i][1])
			fail_msg("%lld units8 gave %lld cents, expected %lld", (long long)cases[i][0],
				 (long long)money_units8_to_cents(cases[i][0]), (long long)cases[i][1]);
	kc_units8 u = SENTINEL;
	assert_true(money_cents_to_units8(-150, &u));
	assert_int_equal(u, -150000000);
	u = SENTINEL;
	assert_false(money_cents_to_units8(INT64_MAX / 1000000 + 1, &u));
	assert_int_equal(u, SENTINEL);
}

/* ---- formatting ---- */

struct format_case {
	int64_t value;
	const char *plain, *fr, *en;
};

static const struct format_case format_cases[] = {
	{ 11498, "114.98", "114,98" NB "$", "$114.98" },
	{ -5, "-0.05", "-0,05" NB "$", "-$0.05" },
	{ 0, "0.00", "0,00" NB "$", "$0.00" },
	{ 1, "0.01", "0,01" NB "$", "$0.01" },
	{ 100, "1.00", "1,00" NB "$", "$1.00" },
	{ 99999, "999.99", "999,99" NB "$", "$999.99" },
	{ 100000, "1000.00", "1" NB "000,00" NB "$", "$1,000.00" },
	{ 123456, "1234.56", "1" NB "234,56" NB "$", "$1,234.56" },
	{ -123456, "-1234.56", "-1" NB "234,56" NB "$", "-$1,234.56" },
	{ 12345678, "123456.78", "123" NB "456,78" NB "$", "$123,456.78" },
	{ 123456789, "1234567.89", "1" NB "234" NB "567,89" NB "$", "$1,234,567.89" },
	{ INT64_MAX, "92233720368547758.07",
	  "92" NB "233" NB "720" NB "368" NB "547" NB "758,07" NB "$",
	  "$92,233,720,368,547,758.07" },
	{ INT64_MIN, "-92233720368547758.08",
	  "-92" NB "233" NB "720" NB "368" NB "547" NB "758,08" NB "$",
	  "-$92,233,720,368,547,758.08" },
};

static void test_money_format_both_locales_exact_bytes(void **state)
{
	for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
		const struct format_case *c = &format_cases[i];
		char *plain = money_format_plain(c->value);
		char *fr = money_format_locale(c->value, MONEY_FR_CA);
		char *en = money_format_locale(c->value, MONEY_EN_CA);
		assert_string_equal(plain, c->plain);
		assert_string_equal(fr, c->fr);
		assert_string_equal(en, c->en);
		/* Every display form parses back to the same cents. */
		const char *forms[] = { plain, fr, en };
		for (int f = 0; f < 3; f++) {
			kc_cents back = SENTINEL;
			assert_int_equal(money_parse(forms[f], &back, NULL), KC_OK);
			assert_int_equal(back, c->value);
		}
		free(plain);
		free(fr);
		free(en);
	}
}

static void test_money_append_to_strbuf(void **state)
{
	strbuf sb = STRBUF_INIT;
	assert_true(strbuf_append(&sb, "total="));
	assert_true(money_append_plain(&sb, -11498));
	assert_true(strbuf_appendc(&sb, ' '));
	assert_true(money_append_locale(&sb, 11498, MONEY_FR_CA));
	assert_true(strbuf_appendc(&sb, ' '));
	assert_true(money_append_units8(&sb, 1500000));
	assert_string_equal(strbuf_cstr(&sb), "total=-114.98 114,98" NB "$ 0.01500000");
	strbuf_free(&sb);
}

static void test_money_format_units8(void **state)
{
	static const struct {
		int64_t value;
		const char *text;
	} cases[] = {
		{ 1500000, "0.01500000" },
		{ -99000000, "-0.99000000" },
		{ 0, "0.00000000" },
		{ 1, "0.00000001" },
		{ -1, "-0.00000001" },
		{ 3087500, "0.03087500" },
		{ 1200000000, "12.00000000" },
		{ INT64_MAX, "92233720368.54775807" },
		{ INT64_MIN, "-92233720368.54775808" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = money_format_units8(cases[i].value);
		assert_string_equal(s, cases[i].text);
		kc_units8 back = SENTINEL;
		assert_int_equal(money_parse_units8(s, &back, NULL), KC_OK);
		assert_int_equal(back, cases[i].value);
		free(s);
	}
}

static void test_money_style_from_language(void **state)
{
	assert_int_equal(money_style_from_language("fr"), MONEY_FR_CA);
	assert_int_equal(money_style_from_language("FR"), MONEY_FR_CA);
	assert_int_equal(money_style_from_language("fr_CA"), MONEY_FR_CA);
	assert_int_equal(money_style_from_language("fr-CA"), MONEY_FR_CA);
	assert_int_equal(money_style_from_language("fr_CA.UTF-8"), MONEY_FR_CA);
	assert_int_equal(money_style_from_language("en"), MONEY_EN_CA);
	assert_int_equal(money_style_from_language("en_CA.UTF-8"), MONEY_EN_CA);
	assert_int_equal(money_style_from_language("fy"), MONEY_EN_CA);
	assert_int_equal(money_style_from_language("fre"), MONEY_EN_CA);
	assert_int_equal(money_style_from_language("f"), MONEY_EN_CA);
	assert_int_equal(money_style_from_language(""), MONEY_EN_CA);
	assert_int_equal(money_style_from_language(NULL), MONEY_EN_CA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_empty_is_never_null),
		cmocka_unit_test(test_strbuf_appends_and_grows),
		cmocka_unit_test(test_strbuf_failure_is_sticky),
		cmocka_unit_test(test_money_parse_null_and_empty),
		cmocka_unit_test(test_money_parse_table),
		cmocka_unit_test(test_money_parse_messages_say_why),
		cmocka_unit_test(test_money_parse_units8_table),
		cmocka_unit_test(test_money_add_sub_mul_overflow),
		cmocka_unit_test(test_money_mul_rate_rounds_half_away_from_zero),
		cmocka_unit_test(test_BIL4_percent_examples),
		cmocka_unit_test(test_money_units8_to_cents_rounding),
		cmocka_unit_test(test_money_format_both_locales_exact_bytes),
		cmocka_unit_test(test_money_append_to_strbuf),
		cmocka_unit_test(test_money_format_units8),
		cmocka_unit_test(test_money_style_from_language),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
