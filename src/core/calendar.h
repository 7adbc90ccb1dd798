/*
 * calendar.h: Quebec business calendar (SLA-2) and the SLA response deadline
 * (SLA-1, TKT-2).  Also drives "business days" deadlines (TRM-4).
 *
 * Contract
 *  - Holidays are computed by rule for any year, never from a list:
 *    1 January; Good Friday (default) or Easter Monday (Gregorian computus);
 *    National Patriots' Day = the Monday between 18 and 24 May; 24 June
 *    (25 June when the 24th is a Sunday); 1 July (2 July when the 1st is a
 *    Sunday); Labour Day = first Monday of September; Thanksgiving = second
 *    Monday of October; 25 December; plus the extra dates of the options.
 *  - Business time = the business weekdays of the options, from open_minute
 *    to close_minute of the office wall clock (date.h office zone), minus the
 *    holidays.  Business-minute arithmetic walks real instants, so a
 *    daylight-saving change never adds or removes an hour.
 *  - Options: a struct calendar_options passed by pointer.  NULL means
 *    calendar_default_options().  The extra_holidays array is owned by the
 *    caller and must outlive the calls that use it.  The parts that fail
 *    calendar_options_check() (no business weekday, empty or out-of-range
 *    hours) are replaced by the defaults, so no function can loop forever.
 *  - Nothing here allocates, prints or fails: results are plain values.
 *    Holiday keys are static ASCII strings (stable: stored, used in files);
 *    display names are translated.
 */
#ifndef KC_CALENDAR_H
#define KC_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "kc.h"

enum easter_rule { EASTER_GOOD_FRIDAY, EASTER_MONDAY };

/* Weekday bits (bit w = date_weekday() value w, 0 = Sunday). */
#define CALENDAR_WEEKDAY_BIT(w) (1u << (w))
#define CALENDAR_MON_TO_FRI 0x3eu

struct calendar_options {
	enum easter_rule easter;
	unsigned business_days;        /* CALENDAR_WEEKDAY_BIT mask */
	int open_minute;               /* minute of day, default 9*60 */
	int close_minute;              /* minute of day, default 17*60 */
	const kc_date *extra_holidays; /* caller owned; may be NULL */
	size_t extra_count;
};

/* Good Friday, Monday to Friday 09:00-17:00, no extra holidays. */
struct calendar_options calendar_default_options(void);
/* KC_ERR_INVALID with a translated message when no weekday is a business
 * day, or the hours are not 0 <= open < close <= 1440. */
kc_status calendar_options_check(const struct calendar_options *opts, kc_error *err);

/* Easter Sunday of a Gregorian year (anonymous Gregorian algorithm). */
kc_date calendar_easter_sunday(int year);

/* Holiday keys: "new_year", "good_friday", "easter_monday", "patriots_day",
 * "national_holiday", "canada_day", "labour_day", "thanksgiving",
 * "christmas", and "extra" for a configured date that is not statutory. */
const char *calendar_holiday_name(const struct calendar_options *opts, kc_date d);
/* Translated display name of a key, or NULL for an unknown key. */
const char *calendar_holiday_display(const char *key);

#define CALENDAR_STATUTORY_PER_YEAR 8
typedef struct calendar_holiday {
	kc_date date;
	const char *key;
} calendar_holiday;
/* The statutory holidays of a year in date order (extras not included);
 * fills out[CALENDAR_STATUTORY_PER_YEAR] and returns the count. */
size_t calendar_statutory_holidays(const struct calendar_options *opts, int year,
				   calendar_holiday *out);

bool calendar_is_business_day(const struct calendar_options *opts, kc_date d);
/* The date n business days after d (d itself is not counted; n = 0 gives d,
 * negative n counts back).  TRM-4: calendar_add_business_days(o, d, 10). */
kc_date calendar_add_business_days(const struct calendar_options *opts, kc_date d, int n);

/* start + `minutes` of business time.  A start outside business hours
 * begins counting at the next opening; a deadline that ends exactly at
 * closing is that day's closing time.  minutes <= 0 returns start.  Cost is
 * linear in the number of calendar days covered. */
kc_instant calendar_add_business_minutes(const struct calendar_options *opts,
					 kc_instant start, int64_t minutes);
/* --- SLA-1 initial response ---------------------------------------------- */

enum calendar_priority {
	CALENDAR_PRIORITY_EMERGENCY,
	CALENDAR_PRIORITY_URGENT,
	CALENDAR_PRIORITY_STANDARD
};

#define CALENDAR_LEVEL_FULLY_ADMINISTERED "fully_administered"
#define CALENDAR_SLA_EMERGENCY_MINUTES 15        /* around the clock */
#define CALENDAR_SLA_URGENT_MINUTES (4 * 60)     /* around the clock */
#define CALENDAR_SLA_STANDARD_MINUTES (24 * 60)  /* business minutes */

/* "emergency" / "urgent" / "standard". */
kc_status calendar_priority_parse(const char *s, enum calendar_priority *out, kc_error *err);
/* Stable key as above (not translated). */
const char *calendar_priority_key(enum calendar_priority p);

/* Response deadline of a ticket received at `received`.  TKT-2: Emergency
 * and Urgent hold only when level is "fully_administered"; any other level
 * (or NULL) makes the ticket Standard.  *effective (may be NULL) gets the
 * priority the deadline was computed for. */
kc_instant calendar_sla_due(const struct calendar_options *opts, const char *level,
			    enum calendar_priority priority, kc_instant received,
			    enum calendar_priority *effective);

#endif
