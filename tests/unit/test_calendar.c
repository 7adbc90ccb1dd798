/* test_calendar.c: Quebec holidays, business time (SLA-2), SLA-1 deadlines,
 * TRM-4 business days. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "calendar.h"
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

/* An office wall time "YYYY-MM-DD HH:MM" as an instant. */
static kc_instant office(const char *s)
{
	kc_local l;
	assert_int_equal(date_local_parse(s, &l, NULL), KC_OK);
	return date_from_local(l);
}

static void assert_office(kc_instant t, const char *expected)
{
	char buf[DATE_LOCAL_BUFSZ];
	assert_string_equal(date_local_format(date_to_local(t), buf), expected);
}

static int setup_zone(void **state)
{
	(void)state;
	return date_set_office_zone("America/Toronto", NULL) == KC_OK ? 0 : -1;
}

/* --- options, NULL and edge cases -------------------------------------------- */

static void test_default_options(void **state)
{
	(void)state;
	struct calendar_options o = calendar_default_options();
	assert_int_equal(o.easter, EASTER_GOOD_FRIDAY);
	assert_int_equal(o.business_days, CALENDAR_MON_TO_FRI);
	assert_int_equal(o.open_minute, 9 * 60);
	assert_int_equal(o.close_minute, 17 * 60);
	assert_null(o.extra_holidays);
	assert_int_equal(o.extra_count, 0);
	assert_int_equal(calendar_options_check(&o, NULL), KC_OK);
	assert_int_equal(calendar_options_check(NULL, NULL), KC_OK);
}

static void test_options_check_refusals(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	struct calendar_options o = calendar_default_options();
	o.business_days = 0;
	assert_int_equal(calendar_options_check(&o, &err), KC_ERR_INVALID);
	assert_non_null(err.message);
	/* Unusable parts fall back to the defaults instead of looping. */
	assert_date(calendar_add_business_days(&o, D(2025, 6, 20), 1), 2025, 6, 23);
	o = calendar_default_options();
	o.open_minute = 17 * 60;
	o.close_minute = 9 * 60;
	assert_int_equal(calendar_options_check(&o, &err), KC_ERR_INVALID);
	assert_office(calendar_add_business_minutes(&o, office("2025-06-20 08:00"), 60),
		      "2025-06-20 10:00");
	o.open_minute = 0;
	o.close_minute = 1441;
	assert_int_equal(calendar_options_check(&o, &err), KC_ERR_INVALID);
	o.open_minute = -1;
	o.close_minute = 60;
	assert_int_equal(calendar_options_check(&o, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
}

static void test_null_options_are_defaults(void **state)
{
	(void)state;
	assert_string_equal(calendar_holiday_name(NULL, D(2025, 4, 18)), "good_friday");
	assert_false(calendar_is_business_day(NULL, D(2025, 6, 24)));
	assert_true(calendar_is_business_day(NULL, D(2025, 6, 25)));
}

/* --- holidays (SLA-2) ------------------------------------------------------- */

static void test_SLA2_easter_sunday_computus(void **state)
{
	(void)state;
	assert_date(calendar_easter_sunday(2024), 2024, 3, 31);
	assert_date(calendar_easter_sunday(2025), 2025, 4, 20);
	assert_date(calendar_easter_sunday(2038), 2038, 4, 25); /* latest possible */
	assert_date(calendar_easter_sunday(2285), 2285, 3, 22); /* earliest possible */
	assert_date(calendar_easter_sunday(1943), 1943, 4, 25);
	assert_date(calendar_easter_sunday(2000), 2000, 4, 23);
	assert_date(calendar_easter_sunday(2100), 2100, 3, 28);
	/* Always a Sunday between 22 March and 25 April. */
	for (int y = 1600; y <= 3000; y++) {
		kc_date e = calendar_easter_sunday(y);
		assert_int_equal(date_weekday(e), 0);
		assert_true(date_compare(e, D(y, 3, 22)) >= 0 && date_compare(e, D(y, 4, 25)) <= 0);
	}
}

struct holiday_ctx {
	int rows, failures;
	kc_date dates[400];
};

static void check_holiday_row(int nfields, char **f, int line, void *vctx)
{
	struct holiday_ctx *ctx = vctx;
	kc_date d;
	if (nfields != 2 || date_parse(f[0], &d, NULL) != KC_OK || ctx->rows >= 400) {
		print_error("quebec-holidays.csv:%d: unreadable row\n", line);
		ctx->failures++;
		return;
	}
	ctx->dates[ctx->rows++] = d;
	const char *got = calendar_holiday_name(NULL, d);
	if (!got || strcmp(got, f[1]) != 0) {
		print_error("quebec-holidays.csv:%d: %s is %s, expected %s\n", line, f[0],
			    got ? got : "(none)", f[1]);
		ctx->failures++;
	}
	if (calendar_is_business_day(NULL, d)) {
		print_error("quebec-holidays.csv:%d: %s counted as a business day\n", line, f[0]);
		ctx->failures++;
	}
	if (!calendar_holiday_display(f[1])) {
		print_error("quebec-holidays.csv:%d: no display name for %s\n", line, f[1]);
		ctx->failures++;
	}
}

static bool listed(const struct holiday_ctx *ctx, kc_date d)
{
	for (int i = 0; i < ctx->rows; i++)
		if (date_compare(ctx->dates[i], d) == 0)
			return true;
	return false;
}

static void test_SLA2_quebec_holidays_csv(void **state)
{
	(void)state;
	static struct holiday_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	assert_int_equal(test_read_csv("quebec-holidays.csv", check_holiday_row, &ctx), 168);
	assert_int_equal(ctx.failures, 0);
	/* No other day of 2020-2040 is a holiday. */
	int holidays = 0;
	for (kc_date d = D(2020, 1, 1); d.year <= 2040; d = date_add_days(d, 1)) {
		const char *name = calendar_holiday_name(NULL, d);
		if (name)
			holidays++;
		if (name && !listed(&ctx, d)) {
			char buf[DATE_BUFSZ];
			print_error("%s is %s but not in the CSV\n", date_format(d, buf), name);
			fail();
		}
	}
	assert_int_equal(holidays, 168);
}

static void test_SLA2_patriots_day_is_monday_18_to_24_may(void **state)
{
	(void)state;
	/* 2021: 24 May, not the third Monday (17 May). */
	assert_string_equal(calendar_holiday_name(NULL, D(2021, 5, 24)), "patriots_day");
	assert_null(calendar_holiday_name(NULL, D(2021, 5, 17)));
	assert_true(calendar_is_business_day(NULL, D(2021, 5, 17)));
	/* 2026: 18 May is itself the Monday. */
	assert_string_equal(calendar_holiday_name(NULL, D(2026, 5, 18)), "patriots_day");
	assert_null(calendar_holiday_name(NULL, D(2026, 5, 25)));
	for (int y = 1900; y <= 2200; y++) {
		int mondays = 0;
		for (int day = 18; day <= 24; day++) {
			const char *n = calendar_holiday_name(NULL, D(y, 5, day));
			if (n && strcmp(n, "patriots_day") == 0) {
				assert_int_equal(date_weekday(D(y, 5, day)), 1);
				mondays++;
			}
		}
		assert_int_equal(mondays, 1);
	}
}

static void test_SLA2_sunday_moves_june_24_and_july_1(void **state)
{
	(void)state;
	/* 2029: both fall on a Sunday. */
	assert_null(calendar_holiday_name(NULL, D(2029, 6, 24)));
	assert_string_equal(calendar_holiday_name(NULL, D(2029, 6, 25)), "national_holiday");
	assert_null(calendar_holiday_name(NULL, D(2029, 7, 1)));
	assert_string_equal(calendar_holiday_name(NULL, D(2029, 7, 2)), "canada_day");
	/* A Saturday is not moved. */
	assert_string_equal(calendar_holiday_name(NULL, D(2028, 7, 1)), "canada_day");
	assert_null(calendar_holiday_name(NULL, D(2028, 7, 3)));
	/* 1 January and 25 December are never moved. */
	assert_string_equal(calendar_holiday_name(NULL, D(2023, 1, 1)), "new_year");
	assert_null(calendar_holiday_name(NULL, D(2023, 1, 2)));
	assert_null(calendar_holiday_name(NULL, D(2024, 12, 26)));
}

static void test_SLA2_easter_monday_option(void **state)
{
	(void)state;
	struct calendar_options o = calendar_default_options();
	o.easter = EASTER_MONDAY;
	assert_null(calendar_holiday_name(&o, D(2025, 4, 18)));
	assert_string_equal(calendar_holiday_name(&o, D(2025, 4, 21)), "easter_monday");
	assert_true(calendar_is_business_day(&o, D(2025, 4, 18)));
	assert_false(calendar_is_business_day(&o, D(2025, 4, 21)));
	assert_string_equal(calendar_holiday_name(NULL, D(2025, 4, 18)), "good_friday");
	assert_null(calendar_holiday_name(NULL, D(2025, 4, 21)));
	/* The SLA follows the option: Friday 18 April 2025 10:00, Standard. */
	assert_office(calendar_sla_due(&o, "basic", CALENDAR_PRIORITY_STANDARD,
				       office("2025-04-18 10:00"), NULL),
		      "2025-04-24 10:00");
	assert_office(calendar_sla_due(NULL, "basic", CALENDAR_PRIORITY_STANDARD,
				       office("2025-04-18 10:00"), NULL),
		      "2025-04-23 17:00");
}

static void test_SLA2_extra_holidays(void **state)
{
	(void)state;
	const kc_date extra[] = { D(2025, 12, 26), D(2025, 12, 25), D(2026, 1, 2) };
	struct calendar_options o = calendar_default_options();
	o.extra_holidays = extra;
	o.extra_count = 3;
	assert_string_equal(calendar_holiday_name(&o, D(2025, 12, 26)), "extra");
	assert_string_equal(calendar_holiday_name(&o, D(2025, 12, 25)), "christmas");
	assert_false(calendar_is_business_day(&o, D(2026, 1, 2)));
	assert_true(calendar_is_business_day(NULL, D(2026, 1, 2)));
	assert_date(calendar_add_business_days(&o, D(2025, 12, 24), 1), 2025, 12, 29);
	/* extra_count without an array is ignored. */
	o.extra_holidays = NULL;
	assert_null(calendar_holiday_name(&o, D(2025, 12, 26)));
}

static void test_SLA2_statutory_list_and_names(void **state)
{
	(void)state;
	calendar_holiday list[CALENDAR_STATUTORY_PER_YEAR];
	size_t n = calendar_statutory_holidays(NULL, 2025, list);
	assert_int_equal(n, 8);
	for (size_t i = 1; i < n; i++)
		assert_true(date_compare(list[i - 1].date, list[i].date) < 0);
	assert_string_equal(list[1].key, "good_friday");
	assert_date(list[1].date, 2025, 4, 18);
	static const char *const keys[] = { "new_year", "good_friday", "easter_monday",
					    "patriots_day", "national_holiday", "canada_day",
					    "labour_day", "thanksgiving", "christmas", "extra" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *name = calendar_holiday_display(keys[i]);
		assert_non_null(name);
		assert_true(strlen(name) > 3);
	}
	assert_null(calendar_holiday_display("boxing_day"));
	assert_null(calendar_holiday_display(NULL));
}

/* --- business days (TRM-4) ---------------------------------------------------- */

static void test_TRM4_ten_business_days_skip_weekends_and_holidays(void **state)
{
	(void)state;
	/* Friday 20 June 2025: skips 24 June and 1 July (both Tuesdays). */
	assert_date(calendar_add_business_days(NULL, D(2025, 6, 20), 10), 2025, 7, 8);
	/* Friday 20 December 2024: skips Christmas and New Year's Day. */
	assert_date(calendar_add_business_days(NULL, D(2024, 12, 20), 10), 2025, 1, 7);
	/* From a Saturday: the count starts on Monday. */
	assert_date(calendar_add_business_days(NULL, D(2025, 6, 21), 1), 2025, 6, 23);
	assert_date(calendar_add_business_days(NULL, D(2025, 6, 20), 0), 2025, 6, 20);
	assert_date(calendar_add_business_days(NULL, D(2025, 7, 8), -10), 2025, 6, 20);
	assert_true(calendar_is_business_day(NULL, D(2025, 6, 20)));
	assert_false(calendar_is_business_day(NULL, D(2025, 6, 21)));
	assert_false(calendar_is_business_day(NULL, D(2025, 6, 22)));
}

static void test_SLA2_business_days_mask(void **state)
{
	(void)state;
	struct calendar_options o = calendar_default_options();
	o.business_days = CALENDAR_MON_TO_FRI | CALENDAR_WEEKDAY_BIT(6); /* + Saturday */
	assert_true(calendar_is_business_day(&o, D(2025, 6, 21)));
	assert_false(calendar_is_business_day(&o, D(2025, 6, 22)));
	assert_date(calendar_add_business_days(&o, D(2025, 6, 20), 1), 2025, 6, 21);
	o.business_days = CALENDAR_WEEKDAY_BIT(1); /* Mondays only */
	assert_date(calendar_add_business_days(&o, D(2025, 6, 20), 2), 2025, 6, 30);
}

/* --- business minutes (SLA-2) ------------------------------------------------- */

static void test_SLA2_minutes_zero_and_negative(void **state)
{
	(void)state;
	kc_instant t = office("2025-06-21 12:00");
	assert_int_equal(calendar_add_business_minutes(NULL, t, 0), t);
	assert_int_equal(calendar_add_business_minutes(NULL, t, -5), t);
}

static void test_SLA2_deadline_at_closing_is_that_day(void **state)
{
	(void)state;
	assert_office(calendar_add_business_minutes(NULL, office("2024-06-21 08:00"), 24 * 60),
		      "2024-06-26 17:00");
	assert_office(calendar_add_business_minutes(NULL, office("2025-06-20 16:00"), 60),
		      "2025-06-20 17:00");
	assert_office(calendar_add_business_minutes(NULL, office("2025-06-20 16:00"), 61),
		      "2025-06-23 09:01");
	/* Received at closing: counting starts at the next opening. */
	assert_office(calendar_add_business_minutes(NULL, office("2025-06-20 17:00"), 1),
		      "2025-06-23 09:01");
}

static void test_SLA2_start_outside_hours(void **state)
{
	(void)state;
	assert_office(calendar_add_business_minutes(NULL, office("2025-06-21 12:00"), 30),
		      "2025-06-23 09:30");
	assert_office(calendar_add_business_minutes(NULL, office("2025-06-20 06:00"), 30),
		      "2025-06-20 09:30");
	/* Seconds are kept: 59 s before opening counts from the opening. */
	kc_instant t = office("2025-06-20 08:59") + 59;
	assert_office(calendar_add_business_minutes(NULL, t, 1), "2025-06-20 09:01");
	t = office("2025-06-20 10:00") + 30;
	assert_int_equal(calendar_add_business_minutes(NULL, t, 1), t + 60);
}

static void test_SLA2_custom_hours_to_midnight(void **state)
{
	(void)state;
	struct calendar_options o = calendar_default_options();
	o.open_minute = 8 * 60;
	o.close_minute = 24 * 60;
	assert_office(calendar_add_business_minutes(&o, office("2025-06-20 23:00"), 60),
		      "2025-06-21 00:00");
	assert_office(calendar_add_business_minutes(&o, office("2025-06-20 23:00"), 61),
		      "2025-06-23 08:01");
}

/* Standard ticket on Friday 16:00 before Saint-Jean-Baptiste on a Monday. */
static void test_SLA2_friday_before_saint_jean_on_monday(void **state)
{
	(void)state;
	enum calendar_priority eff = CALENDAR_PRIORITY_EMERGENCY;
	kc_instant due = calendar_sla_due(NULL, "basic", CALENDAR_PRIORITY_STANDARD,
					  office("2024-06-21 16:00"), &eff);
	assert_int_equal(eff, CALENDAR_PRIORITY_STANDARD);
	assert_office(due, "2024-06-27 16:00");
	assert_int_equal(due, instant("2024-06-27T20:00:00Z"));
}

/* Friday 31 Oct 2025 15:00 EDT -> Wednesday 5 Nov 15:00 EST: 24 business
 * hours, while 121 wall-clock hours pass (the fall-back adds one). */
static void test_SLA2_standard_across_november_dst(void **state)
{
	(void)state;
	kc_instant received = office("2025-10-31 15:00");
	assert_int_equal(received, instant("2025-10-31T19:00:00Z"));
	kc_instant due = calendar_sla_due(NULL, "basic", CALENDAR_PRIORITY_STANDARD, received, NULL);
	assert_office(due, "2025-11-05 15:00");
	assert_int_equal(due, instant("2025-11-05T20:00:00Z"));
	assert_int_equal(due - received, (5 * 24 + 1) * 3600);
	/* And the March change: Friday 7 March 2025 16:00 EST. */
	due = calendar_add_business_minutes(NULL, office("2025-03-07 16:00"), 24 * 60);
	assert_office(due, "2025-03-12 16:00");
	assert_int_equal(due, instant("2025-03-12T20:00:00Z"));
}

/* --- SLA-1 deadlines ---------------------------------------------------------- */

static void test_SLA1_priority_parse(void **state)
{
	(void)state;
	enum calendar_priority p = CALENDAR_PRIORITY_STANDARD;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(calendar_priority_parse("emergency", &p, &err), KC_OK);
	assert_int_equal(p, CALENDAR_PRIORITY_EMERGENCY);
	assert_int_equal(calendar_priority_parse("urgent", &p, &err), KC_OK);
	assert_int_equal(p, CALENDAR_PRIORITY_URGENT);
	assert_int_equal(calendar_priority_parse("standard", &p, &err), KC_OK);
	assert_int_equal(p, CALENDAR_PRIORITY_STANDARD);
	assert_int_equal(calendar_priority_parse("Urgent", &p, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "Urgent"));
	assert_int_equal(calendar_priority_parse(NULL, &p, &err), KC_ERR_INVALID);
	assert_int_equal(p, CALENDAR_PRIORITY_STANDARD);
	assert_string_equal(calendar_priority_key(CALENDAR_PRIORITY_URGENT), "urgent");
	assert_string_equal(calendar_priority_key(CALENDAR_PRIORITY_EMERGENCY), "emergency");
	assert_string_equal(calendar_priority_key(CALENDAR_PRIORITY_STANDARD), "standard");
	kc_error_clear(&err);
}

static void test_SLA1_TKT2_only_fully_administered_gets_emergency(void **state)
{
	(void)state;
	kc_instant t = office("2025-06-21 12:00"); /* a Saturday */
	enum calendar_priority eff;
	assert_int_equal(calendar_sla_due(NULL, "fully_administered", CALENDAR_PRIORITY_EMERGENCY,
					  t, &eff),
			 t + 15 * 60);
	assert_int_equal(eff, CALENDAR_PRIORITY_EMERGENCY);
	assert_int_equal(calendar_sla_due(NULL, "fully_administered", CALENDAR_PRIORITY_URGENT, t,
					  &eff),
			 t + 4 * 3600);
	assert_int_equal(eff, CALENDAR_PRIORITY_URGENT);
	static const char *const others[] = { "basic", "Fully_Administered", "", NULL };
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		eff = CALENDAR_PRIORITY_EMERGENCY;
		kc_instant due = calendar_sla_due(NULL, others[i], CALENDAR_PRIORITY_EMERGENCY, t, &eff);
		assert_int_equal(eff, CALENDAR_PRIORITY_STANDARD);
		assert_office(due, "2025-06-26 17:00");
	}
	/* Urgent around the clock crosses the fall-back in real hours. */
	assert_office(calendar_sla_due(NULL, "fully_administered", CALENDAR_PRIORITY_URGENT,
				       office("2025-11-01 23:30"), NULL),
		      "2025-11-02 02:30");
}

struct sla_ctx {
	int rows, failures;
};

static void check_sla_row(int nfields, char **f, int line, void *vctx)
{
	struct sla_ctx *ctx = vctx;
	enum calendar_priority prio, want_eff, eff;
	kc_local received_local;
	kc_instant want_utc;
	char got_local[DATE_LOCAL_BUFSZ], got_utc[DATE_INSTANT_BUFSZ];
	ctx->rows++;
	if (nfields != 6 || calendar_priority_parse(f[1], &prio, NULL) != KC_OK ||
	    date_local_parse(f[2], &received_local, NULL) != KC_OK ||
	    date_instant_parse(f[4], &want_utc, NULL) != KC_OK ||
	    calendar_priority_parse(f[5], &want_eff, NULL) != KC_OK) {
		print_error("sla-deadlines.csv:%d: unreadable row\n", line);
		ctx->failures++;
		return;
	}
	kc_instant received = date_from_local(received_local);
	kc_instant due = calendar_sla_due(NULL, f[0], prio, received, &eff);
	date_local_format(date_to_local(due), got_local);
	if (due != want_utc || strcmp(got_local, f[3]) != 0 || eff != want_eff) {
		print_error("sla-deadlines.csv:%d: %s %s at %s: due %s (%s) %s, expected %s (%s) %s\n",
			    line, f[0], f[1], f[2], got_local, date_instant_format(due, got_utc),
			    calendar_priority_key(eff), f[3], f[4], f[5]);
		ctx->failures++;
	}
}

static void test_SLA1_SLA2_deadlines_csv(void **state)
{
	(void)state;
	struct sla_ctx ctx = { 0, 0 };
	assert_int_equal(test_read_csv("sla-deadlines.csv", check_sla_row, &ctx), 120);
	assert_int_equal(ctx.failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_options),
		cmocka_unit_test(test_options_check_refusals),
		cmocka_unit_test(test_null_options_are_defaults),
		cmocka_unit_test(test_SLA2_easter_sunday_computus),
		cmocka_unit_test(test_SLA2_quebec_holidays_csv),
		cmocka_unit_test(test_SLA2_patriots_day_is_monday_18_to_24_may),
		cmocka_unit_test(test_SLA2_sunday_moves_june_24_and_july_1),
		cmocka_unit_test(test_SLA2_easter_monday_option),
		cmocka_unit_test(test_SLA2_extra_holidays),
		cmocka_unit_test(test_SLA2_statutory_list_and_names),
		cmocka_unit_test(test_TRM4_ten_business_days_skip_weekends_and_holidays),
		cmocka_unit_test(test_SLA2_business_days_mask),
		cmocka_unit_test(test_SLA2_minutes_zero_and_negative),
		cmocka_unit_test(test_SLA2_deadline_at_closing_is_that_day),
		cmocka_unit_test(test_SLA2_start_outside_hours),
		cmocka_unit_test(test_SLA2_custom_hours_to_midnight),
		cmocka_unit_test(test_SLA2_friday_before_saint_jean_on_monday),
		cmocka_unit_test(test_SLA2_standard_across_november_dst),
		cmocka_unit_test(test_SLA1_priority_parse),
		cmocka_unit_test(test_SLA1_TKT2_only_fully_administered_gets_emergency),
		cmocka_unit_test(test_SLA1_SLA2_deadlines_csv),
	};
	return cmocka_run_group_tests(tests, setup_zone, NULL);
}
