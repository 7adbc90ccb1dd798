/* test_date.c: civil dates, instants, office zone, clock seam, BIL-1 cycles. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "date.h"

static kc_date D(int y, int m, int d)
{
	return (kc_date){ y, m, d };
}

static void assert_date(kc_date got, int y, int m, int d)
{
	char buf[DATE_BUFSZ];
	if (got.year != y || got.month != m || got.day != d) {
		print_error("got %s, expected %04d-%02d-%02d\n", date_format(got, buf), y, m, d);
		fail();
	}
}

static kc_instant instant(const char *s)
{
	kc_instant t = 0;
	assert_int_equal(date_instant_parse(s, &t, NULL), KC_OK);
	return t;
}

static kc_local local(int y, int mo, int d, int h, int mi, int s)
{
	return (kc_local){ { y, mo, d }, h, mi, s };
}

static void assert_local(kc_local l, const char *expected)
{
	char buf[DATE_LOCAL_BUFSZ];
	assert_string_equal(date_local_format(l, buf), expected);
}

static int setup_zone(void **state)
{
	(void)state;
	return date_set_office_zone("America/Toronto", NULL) == KC_OK ? 0 : -1;
}

/* --- NULL and refusals first --------------------------------------------- */

static void test_parse_null_and_empty(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	kc_date d = D(1, 2, 3);
	assert_int_equal(date_parse(NULL, &d, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	assert_int_equal(date_parse("", &d, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	assert_int_equal(date_parse("", &d, NULL), KC_ERR_INVALID);
	assert_date(d, 1, 2, 3); /* untouched */
	kc_error_clear(&err);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2025-02-30", "2025-13-01", "", "2025-1-1", "2025-00-10", "2025-01-00",
		"2025-01-32", "2023-02-29", "2100-02-29", "20250101", "2025/01/01",
		" 2025-01-01", "2025-01-01 ", "2025-01-01x", "+025-01-01", "2025-0a-01",
		"2025-01-1", "25-01-01", "2025--1-01",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		kc_date d = D(7, 7, 7);
		if (date_parse(bad[i], &d, &err) != KC_ERR_INVALID) {
			print_error("accepted \"%s\"\n", bad[i]);
			fail();
		}
		assert_int_equal(err.code, KC_ERR_INVALID);
		assert_non_null(err.message);
		assert_date(d, 7, 7, 7);
		kc_error_clear(&err);
	}
}

static void test_parse_message_names_the_text(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(date_parse("2025-02-30", NULL, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "2025-02-30"));
	kc_error_clear(&err);
}

static void test_parse_and_format(void **state)
{
	(void)state;
	kc_date d;
	char buf[DATE_BUFSZ];
	assert_int_equal(date_parse("2024-02-29", &d, NULL), KC_OK);
	assert_date(d, 2024, 2, 29);
	assert_int_equal(date_parse("2000-02-29", &d, NULL), KC_OK);
	assert_int_equal(date_parse("0001-01-01", &d, NULL), KC_OK);
	assert_date(d, 1, 1, 1);
	assert_int_equal(date_parse("9999-12-31", &d, NULL), KC_OK);
	assert_string_equal(date_format(d, buf), "9999-12-31");
	assert_string_equal(date_format(D(2025, 1, 5), buf), "2025-01-05");
}

/* --- arithmetic ---------------------------------------------------------- */

static void test_leap_years(void **state)
{
	(void)state;
	assert_true(date_is_leap(2024));
	assert_true(date_is_leap(2000));
	assert_true(date_is_leap(2400));
	assert_false(date_is_leap(2023));
	assert_false(date_is_leap(1900));
	assert_false(date_is_leap(2100));
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2025, 2), 28);
	assert_int_equal(date_days_in_month(2100, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2025, 4), 30);
	assert_int_equal(date_days_in_month(2025, 12), 31);
	assert_int_equal(date_days_in_month(2025, 0), 0);
	assert_int_equal(date_days_in_month(2025, 13), 0);
	assert_int_equal(date_days_between(D(2024, 1, 1), D(2025, 1, 1)), 366);
	assert_int_equal(date_days_between(D(2025, 1, 1), D(2026, 1, 1)), 365);
	assert_int_equal(date_days_between(D(2000, 1, 1), D(2400, 1, 1)), 146097);
}

static void test_days_from_civil_known_values(void **state)
{
	(void)state;
	assert_int_equal(date_days_from_civil(D(1970, 1, 1)), 0);
	assert_int_equal(date_days_from_civil(D(1969, 12, 31)), -1);
	assert_int_equal(date_days_from_civil(D(2000, 3, 1)), 11017);
	assert_int_equal(date_days_from_civil(D(2024, 6, 21)), 19895);
	assert_date(date_civil_from_days(19895), 2024, 6, 21);
	assert_date(date_civil_from_days(-719468), 0, 3, 1);
}

/* Every day of ~4400 years maps back to itself and follows its predecessor. */
static void test_civil_round_trip_consecutive(void **state)
{
	(void)state;
	kc_date prev = date_civil_from_days(-800001);
	for (int64_t z = -800000; z <= 800000; z++) {
		kc_date d = date_civil_from_days(z);
		assert_true(date_is_valid(d));
		assert_int_equal(date_days_from_civil(d), z);
		bool next_day = d.day == prev.day + 1 && d.month == prev.month && d.year == prev.year;
		bool next_month = d.day == 1 && prev.day == date_days_in_month(prev.year, prev.month) &&
				  ((d.month == prev.month + 1 && d.year == prev.year) ||
				   (d.month == 1 && prev.month == 12 && d.year == prev.year + 1));
		assert_true(next_day || next_month);
		prev = d;
	}
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(D(1970, 1, 1)), 4); /* Thursday */
	assert_int_equal(date_weekday(D(1969, 12, 28)), 0);
	assert_int_equal(date_weekday(D(2000, 1, 1)), 6);
	assert_int_equal(date_weekday(D(2024, 6, 21)), 5);
	assert_int_equal(date_weekday(D(2025, 3, 9)), 0);
	assert_int_equal(date_weekday(D(2025, 11, 2)), 0);
	assert_int_equal(date_weekday(D(1600, 1, 1)), 6);
}

static void test_add_days_and_compare(void **state)
{
	(void)state;
	assert_date(date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
	assert_date(date_add_days(D(2024, 2, 28), 2), 2024, 3, 1);
	assert_date(date_add_days(D(2025, 2, 28), 1), 2025, 3, 1);
	assert_date(date_add_days(D(2025, 1, 1), -1), 2024, 12, 31);
	assert_date(date_add_days(D(2025, 1, 31), 30), 2025, 3, 2);
	assert_int_equal(date_days_between(D(2025, 3, 2), D(2025, 1, 31)), -30);
	assert_true(date_compare(D(2025, 1, 1), D(2024, 12, 31)) > 0);
	assert_true(date_compare(D(2024, 12, 31), D(2025, 1, 1)) < 0);
	assert_int_equal(date_compare(D(2025, 6, 1), D(2025, 6, 1)), 0);
	assert_true(date_compare(D(2025, 6, 1), D(2025, 5, 31)) > 0);
}

/* --- instants -------------------------------------------------------------- */

static void test_instant_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "2024-06-21", "2024-06-21T20:00:00", "2024-06-21 20:00:00Z",
		"2024-06-21T24:00:00Z", "2024-06-21T20:60:00Z", "2024-06-21T20:00:60Z",
		"2024-06-21T20:00:00+00:00", "2024-06-21T20Z", "2024-06-31T20:00:00Z",
		"2024-06-21T2:00:00Z", "2024-06-21T20:00:00ZZ", "2024-06-21T20:00:0Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		kc_instant t = 42;
		if (date_instant_parse(bad[i], &t, &err) != KC_ERR_INVALID) {
			print_error("accepted \"%s\"\n", bad[i]);
			fail();
		}
		assert_non_null(err.message);
		assert_int_equal(t, 42);
		kc_error_clear(&err);
	}
	assert_int_equal(date_instant_parse(NULL, NULL, NULL), KC_ERR_INVALID);
}

static void test_instant_round_trips(void **state)
{
	(void)state;
	char buf[DATE_INSTANT_BUFSZ];
	assert_int_equal(instant("2024-06-21T20:00:00Z"), 1719000000);
	assert_int_equal(instant("2024-06-21T20:00Z"), 1719000000);
	assert_int_equal(instant("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(instant("1969-12-31T23:59:59Z"), -1);
	assert_string_equal(date_instant_format(1719000000, buf), "2024-06-21T20:00:00Z");
	assert_string_equal(date_instant_format(-1, buf), "1969-12-31T23:59:59Z");
	assert_string_equal(date_instant_format(951782400, buf), "2000-02-29T00:00:00Z");
	/* A spread of instants, negative ones included, survives text. */
	for (kc_instant t = -5000000000; t < 5000000000; t += 9876543) {
		kc_instant back = 0;
		assert_int_equal(date_instant_parse(date_instant_format(t, buf), &back, NULL), KC_OK);
		assert_int_equal(back, t);
	}
}

/* --- office zone ------------------------------------------------------------ */

static void test_zone_refusals_keep_previous(void **state)
{
	(void)state;
	static const char *const bad[] = { "Foo/Bar", "", "../etc/passwd", "/etc/localtime",
					   "America/Toronto ", "America/../Toronto" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		assert_int_equal(date_set_office_zone(bad[i], &err), KC_ERR_INVALID);
		assert_non_null(err.message);
		kc_error_clear(&err);
	}
	assert_int_equal(date_set_office_zone(NULL, NULL), KC_ERR_INVALID);
	assert_string_equal(date_office_zone(), "America/Toronto");
	assert_local(date_to_local(instant("2024-06-21T20:00:00Z")), "2024-06-21 16:00");
}

static void test_zone_utc_and_back(void **state)
{
	(void)state;
	assert_int_equal(date_set_office_zone("UTC", NULL), KC_OK);
	assert_local(date_to_local(instant("2024-06-21T20:00:00Z")), "2024-06-21 20:00");
	assert_int_equal(date_set_office_zone("Europe/Paris", NULL), KC_OK);
	assert_local(date_to_local(instant("2024-06-21T20:00:00Z")), "2024-06-21 22:00");
	assert_int_equal(date_set_office_zone("America/Toronto", NULL), KC_OK);
	assert_string_equal(date_office_zone(), "America/Toronto");
	assert_local(date_to_local(instant("2024-06-21T20:00:00Z")), "2024-06-21 16:00");
	assert_local(date_to_local(instant("2024-12-21T20:00:00Z")), "2024-12-21 15:00");
}

static void test_toronto_spring_forward_2025(void **state)
{
	(void)state;
	/* 2025-03-09: 02:00 EST becomes 03:00 EDT. */
	assert_local(date_to_local(instant("2025-03-09T06:59:59Z")), "2025-03-09 01:59:59");
	assert_local(date_to_local(instant("2025-03-09T07:00:00Z")), "2025-03-09 03:00");
	assert_int_equal(date_from_local(local(2025, 3, 9, 1, 59, 59)),
			 instant("2025-03-09T06:59:59Z"));
	assert_int_equal(date_from_local(local(2025, 3, 9, 3, 0, 0)),
			 instant("2025-03-09T07:00:00Z"));
	/* Nonexistent wall times move forward by the gap. */
	assert_int_equal(date_from_local(local(2025, 3, 9, 2, 0, 0)),
			 instant("2025-03-09T07:00:00Z"));
	assert_int_equal(date_from_local(local(2025, 3, 9, 2, 30, 0)),
			 instant("2025-03-09T07:30:00Z"));
	assert_local(date_to_local(date_from_local(local(2025, 3, 9, 2, 30, 0))), "2025-03-09 03:30");
	/* Only 23 hours in that day. */
	assert_int_equal(date_from_local(local(2025, 3, 10, 0, 0, 0)) -
				 date_from_local(local(2025, 3, 9, 0, 0, 0)),
			 23 * 3600);
}

static void test_toronto_fall_back_2025(void **state)
{
	(void)state;
	/* 2025-11-02: 02:00 EDT becomes 01:00 EST; 01:xx happens twice. */
	assert_local(date_to_local(instant("2025-11-02T05:30:00Z")), "2025-11-02 01:30");
	assert_local(date_to_local(instant("2025-11-02T06:30:00Z")), "2025-11-02 01:30");
	assert_local(date_to_local(instant("2025-11-02T05:59:59Z")), "2025-11-02 01:59:59");
	assert_local(date_to_local(instant("2025-11-02T06:00:00Z")), "2025-11-02 01:00");
	/* Ambiguous: the first (DST) occurrence. */
	assert_int_equal(date_from_local(local(2025, 11, 2, 1, 30, 0)),
			 instant("2025-11-02T05:30:00Z"));
	assert_int_equal(date_from_local(local(2025, 11, 2, 1, 0, 0)),
			 instant("2025-11-02T05:00:00Z"));
	assert_int_equal(date_from_local(local(2025, 11, 2, 0, 59, 0)),
			 instant("2025-11-02T04:59:00Z"));
	assert_int_equal(date_from_local(local(2025, 11, 2, 2, 0, 0)),
			 instant("2025-11-02T07:00:00Z"));
	/* 25 hours in that day. */
	assert_int_equal(date_from_local(local(2025, 11, 3, 0, 0, 0)) -
				 date_from_local(local(2025, 11, 2, 0, 0, 0)),
			 25 * 3600);
}

/* Every quarter hour of 2025 reads back to the same instant, except the
 * second pass of the fall-back hour (resolved to the first pass). */
static void test_toronto_round_trip_2025(void **state)
{
	(void)state;
	kc_instant fallback_second_pass = instant("2025-11-02T06:00:00Z");
	for (kc_instant t = instant("2025-01-01T05:00:00Z"); t < instant("2026-01-01T05:00:00Z");
	     t += 900) {
		kc_instant back = date_from_local(date_to_local(t));
		if (t >= fallback_second_pass && t < fallback_second_pass + 3600)
			assert_int_equal(back, t - 3600);
		else
			assert_int_equal(back, t);
	}
}

static void test_local_parse_format(void **state)
{
	(void)state;
	kc_local l;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(date_local_parse("2024-06-21 16:00", &l, NULL), KC_OK);
	assert_local(l, "2024-06-21 16:00");
	assert_int_equal(l.sec, 0);
	assert_int_equal(date_local_parse("2024-06-21T16:00:07", &l, NULL), KC_OK);
	assert_local(l, "2024-06-21 16:00:07");
	assert_int_equal(date_local_parse("2024-06-21 16:00Z", &l, &err), KC_ERR_INVALID);
	assert_int_equal(date_local_parse("2024-06-21", &l, &err), KC_ERR_INVALID);
	assert_int_equal(date_local_parse("2024-06-21 25:00", &l, &err), KC_ERR_INVALID);
	assert_int_equal(date_local_parse(NULL, &l, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	kc_error_clear(&err);
}

/* --- clock seam --------------------------------------------------------------- */

static void test_now_seam(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	unsetenv(DATE_NOW_ENV);
	date_set_now_for_tests(instant("2025-01-01T04:59:59Z"));
	assert_int_equal(date_now(), instant("2025-01-01T04:59:59Z"));
	assert_date(date_today_local(), 2024, 12, 31); /* still 23:59:59 in Toronto */
	date_set_now_for_tests(instant("2025-01-01T05:00:00Z"));
	assert_date(date_today_local(), 2025, 1, 1);

	/* The test setter beats the environment. */
	setenv(DATE_NOW_ENV, "2030-05-05T12:00:00Z", 1);
	assert_int_equal(date_now(), instant("2025-01-01T05:00:00Z"));
	date_clear_now_for_tests();
	assert_int_equal(date_now(), instant("2030-05-05T12:00:00Z"));
	assert_int_equal(date_check_now_env(&err), KC_OK);

	setenv(DATE_NOW_ENV, "yesterday", 1);
	assert_int_equal(date_check_now_env(&err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "yesterday"));
	assert_true(date_now() > instant("2024-01-01T00:00:00Z")); /* system clock */
	unsetenv(DATE_NOW_ENV);
	assert_int_equal(date_check_now_env(NULL), KC_OK);
	kc_error_clear(&err);
}

/* --- BIL-1 billing cycles --------------------------------------------------- */

struct cycle_ctx {
	int rows, failures;
};

static void check_cycle_row(int nfields, char **f, int line, void *vctx)
{
	struct cycle_ctx *ctx = vctx;
	enum cycle_kind kind;
	kc_date anchor, expected;
	char got[DATE_BUFSZ];
	ctx->rows++;
	if (nfields != 4 || date_cycle_parse(f[0], &kind, NULL) != KC_OK ||
	    date_parse(f[1], &anchor, NULL) != KC_OK || date_parse(f[3], &expected, NULL) != KC_OK) {
		print_error("billing-cycles.csv:%d: unreadable row\n", line);
		ctx->failures++;
		return;
	}
	int n = atoi(f[2]);
	kc_date bill = date_cycle_nth(kind, anchor, n);
	if (date_compare(bill, expected) != 0) {
		print_error("billing-cycles.csv:%d: %s from %s n=%d gave %s, expected %s\n", line, f[0],
			    f[1], n, date_format(bill, got), f[3]);
		ctx->failures++;
	}
	/* A billing run on the bill date finds n; the day before, n - 1. */
	int idx = date_cycle_index_on_or_before(kind, anchor, expected);
	int before = date_cycle_index_on_or_before(kind, anchor, date_add_days(expected, -1));
	if (idx != n || before != n - 1) {
		print_error("billing-cycles.csv:%d: index on %s = %d, day before = %d (n=%d)\n", line,
			    f[3], idx, before, n);
		ctx->failures++;
	}
}

static void test_BIL1_billing_cycles_csv(void **state)
{
	(void)state;
	struct cycle_ctx ctx = { 0, 0 };
	assert_int_equal(test_read_csv("billing-cycles.csv", check_cycle_row, &ctx), 280);
	assert_int_equal(ctx.rows, 280);
	assert_int_equal(ctx.failures, 0);
}

static void test_BIL1_monthly_31st_clamps_without_drift(void **state)
{
	(void)state;
	kc_date a = D(2027, 1, 31);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 1), 2027, 2, 28);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 2), 2027, 3, 31);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 3), 2027, 4, 30);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 13), 2028, 2, 29);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 11), 2027, 12, 31);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, 12), 2028, 1, 31);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, -1), 2026, 12, 31);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, a, -11), 2026, 2, 28);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, D(2024, 2, 29), 12), 2025, 2, 28);
	assert_date(date_cycle_nth(CYCLE_MONTHLY, D(2024, 2, 29), 48), 2028, 2, 29);
	assert_date(date_cycle_nth(CYCLE_30DAYS, a, 1), 2027, 3, 2);
	assert_date(date_cycle_nth(CYCLE_30DAYS, a, 0), 2027, 1, 31);
}

static void test_BIL1_index_on_or_before(void **state)
{
	(void)state;
	kc_date a = D(2027, 1, 31);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 1, 30)), -1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2026, 12, 31)), -1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 1, 31)), 0);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 2, 27)), 0);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 2, 28)), 1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 3, 30)), 1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2027, 3, 31)), 2);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_MONTHLY, a, D(2030, 1, 31)), 36);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_30DAYS, a, D(2027, 1, 30)), -1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_30DAYS, a, D(2027, 3, 1)), 0);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_30DAYS, a, D(2027, 3, 2)), 1);
	assert_int_equal(date_cycle_index_on_or_before(CYCLE_30DAYS, a, D(2028, 1, 26)), 12);
}

static void test_BIL1_cycle_parse(void **state)
{
	(void)state;
	enum cycle_kind k = CYCLE_MONTHLY;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(date_cycle_parse("30days", &k, &err), KC_OK);
	assert_int_equal(k, CYCLE_30DAYS);
	assert_int_equal(date_cycle_parse("monthly", &k, &err), KC_OK);
	assert_int_equal(k, CYCLE_MONTHLY);
	assert_int_equal(date_cycle_parse("Monthly", &k, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	assert_int_equal(date_cycle_parse(NULL, &k, &err), KC_ERR_INVALID);
	assert_int_equal(k, CYCLE_MONTHLY);
	assert_string_equal(date_cycle_key(CYCLE_30DAYS), "30days");
	assert_string_equal(date_cycle_key(CYCLE_MONTHLY), "monthly");
	kc_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_null_and_empty),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_message_names_the_text),
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_days_from_civil_known_values),
		cmocka_unit_test(test_civil_round_trip_consecutive),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_add_days_and_compare),
		cmocka_unit_test(test_instant_parse_refusals),
		cmocka_unit_test(test_instant_round_trips),
		cmocka_unit_test_setup(test_zone_refusals_keep_previous, setup_zone),
		cmocka_unit_test_setup(test_zone_utc_and_back, setup_zone),
		cmocka_unit_test_setup(test_toronto_spring_forward_2025, setup_zone),
		cmocka_unit_test_setup(test_toronto_fall_back_2025, setup_zone),
		cmocka_unit_test_setup(test_toronto_round_trip_2025, setup_zone),
		cmocka_unit_test(test_local_parse_format),
		cmocka_unit_test_setup(test_now_seam, setup_zone),
		cmocka_unit_test(test_BIL1_billing_cycles_csv),
		cmocka_unit_test(test_BIL1_monthly_31st_clamps_without_drift),
		cmocka_unit_test(test_BIL1_index_on_or_before),
		cmocka_unit_test(test_BIL1_cycle_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
