/*
 * date.h: civil dates, UTC instants, the office time zone and billing cycles.
 *
 * Contract
 *  - No floating point.  A kc_date is a proleptic Gregorian calendar date; a
 *    kc_instant is a count of seconds since 1970-01-01T00:00:00Z (leap seconds
 *    ignored, as POSIX does).  Day numbers count days since 1970-01-01.
 *  - Pure date arithmetic is exact for years -999999..999999; the text forms
 *    (parse and format) cover years 0000..9999 only.
 *  - Parsing is strict: "YYYY-MM-DD" with exactly those digits and an existing
 *    day.  On refusal, *out is untouched, err gets KC_ERR_INVALID and a
 *    translated message naming the text.  err may be NULL.
 *  - Formatting writes into a caller buffer of the documented size (the text
 *    is never user data) and always NUL-terminates.
 *  - Office time zone: one per process (the program is single-threaded).
 *    date_set_office_zone() sets the process TZ and calls tzset(); every
 *    local-time function first installs the default zone "America/Toronto" if
 *    no zone was set yet (UTC if the tz database lacks it).  Converting an
 *    instant to local time is exact.
 *    Converting a local wall time to an instant resolves the two DST cases:
 *      - a time that does not exist (spring-forward gap, 02:30 on the second
 *        Sunday of March in Toronto) is moved forward by the length of the gap
 *        (02:30 -> 03:30 EDT), as POSIX mktime does;
 *      - a time that exists twice (fall-back, 01:30 on the first Sunday of
 *        November) is the first occurrence, the DST one (01:30 EDT).
 *  - Clock: date_now() returns, in this order, the instant set by
 *    date_set_now_for_tests(), else the environment variable KENOCONSOLE_NOW
 *    when it holds a valid ISO instant ("2024-06-21T20:00:00Z"; used by the
 *    CLI scenario tests), else the system clock.  An invalid KENOCONSOLE_NOW
 *    is ignored; date_check_now_env() lets main() refuse it with a message.
 *  - Billing cycles (BIL-1): monthly = same day of month as the anchor
 *    (welcome call), clamped to the month's last day and never drifting
 *    (31 Jan -> 28/29 Feb -> 31 Mar -> 30 Apr); 30days = anchor + 30*n days.
 */
#ifndef KC_DATE_H
#define KC_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kc.h"

typedef struct kc_date {
	int year;
	int month; /* 1..12 */
	int day;   /* 1..31 */
} kc_date;

/* Seconds since the Unix epoch, UTC. */
typedef int64_t kc_instant;

/* A wall-clock time in the office zone. */
typedef struct kc_local {
	kc_date date;
	int hour, min, sec;
} kc_local;

/* Buffer sizes for the format functions (NUL included, with some slack). */
#define DATE_BUFSZ 16    /* "YYYY-MM-DD" */
#define DATE_INSTANT_BUFSZ 32 /* "YYYY-MM-DDTHH:MM:SSZ" */
#define DATE_LOCAL_BUFSZ 32   /* "YYYY-MM-DD HH:MM" or with ":SS" */

#define DATE_DEFAULT_OFFICE_ZONE "America/Toronto"
#define DATE_NOW_ENV "KENOCONSOLE_NOW"

/* --- civil dates ------------------------------------------------------ */

bool date_is_leap(int year);
/* 28..31, or 0 when month is not 1..12. */
int date_days_in_month(int year, int month);
/* True when month and day exist in that year. */
bool date_is_valid(kc_date d);
/* <0, 0, >0 like strcmp. */
int date_compare(kc_date a, kc_date b);

/* Days since 1970-01-01 (negative before).  d must be valid. */
int64_t date_days_from_civil(kc_date d);
kc_date date_civil_from_days(int64_t days);
/* 0 = Sunday .. 6 = Saturday (like struct tm's tm_wday). */
int date_weekday(kc_date d);
kc_date date_add_days(kc_date d, int64_t n);
/* to - from in days (positive when to is later). */
int64_t date_days_between(kc_date from, kc_date to);

kc_status date_parse(const char *s, kc_date *out, kc_error *err);
/* Writes "YYYY-MM-DD" into buf (DATE_BUFSZ bytes); returns buf. */
char *date_format(kc_date d, char *buf);

/* --- instants (UTC) ---------------------------------------------------- */

/* Accepts "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DDTHH:MMZ" (UTC only). */
kc_status date_instant_parse(const char *s, kc_instant *out, kc_error *err);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into buf (DATE_INSTANT_BUFSZ bytes). */
char *date_instant_format(kc_instant t, char *buf);
/* The UTC civil date and time of an instant (no time zone involved). */
kc_local date_instant_to_utc(kc_instant t);
/* Inverse of date_instant_to_utc (fields must be in range). */
kc_instant date_instant_from_utc(kc_local utc);

/* --- office time zone -------------------------------------------------- */

/* name: an IANA zone ("America/Toronto") found in the system tz database
 * ($TZDIR or /usr/share/zoneinfo), or "UTC".  KC_ERR_INVALID otherwise and
 * the previous zone stays.  The name is copied. */
kc_status date_set_office_zone(const char *name, kc_error *err);
/* The current office zone name (static storage, valid until the next set). */
const char *date_office_zone(void);

kc_local date_to_local(kc_instant t);
/* Gap and overlap rules in the contract above.  Fields must be in range
 * (hour 0..23, min 0..59, sec 0..59, valid date). */
kc_instant date_from_local(kc_local l);
/* Accepts "YYYY-MM-DD HH:MM" and "YYYY-MM-DD HH:MM:SS" (also with 'T'). */
kc_status date_local_parse(const char *s, kc_local *out, kc_error *err);
/* Writes "YYYY-MM-DD HH:MM" into buf (DATE_LOCAL_BUFSZ bytes), with ":SS"
 * appended only when the seconds are not zero. */
char *date_local_format(kc_local l, char *buf);

/* --- clock ------------------------------------------------------------- */

kc_instant date_now(void);
/* Today's date in the office zone, from date_now(). */
kc_date date_today_local(void);
/* Freezes date_now() at t (tests only). */
void date_set_now_for_tests(kc_instant t);
/* Back to KENOCONSOLE_NOW / the system clock. */
void date_clear_now_for_tests(void);
/* KC_OK when KENOCONSOLE_NOW is unset or valid, KC_ERR_INVALID otherwise. */
kc_status date_check_now_env(kc_error *err);

/* --- billing cycles (BIL-1) -------------------------------------------- */

enum cycle_kind { CYCLE_MONTHLY, CYCLE_30DAYS };

/* "monthly" / "30days" (the [ini] billing.cycle values). */
kc_status date_cycle_parse(const char *s, enum cycle_kind *out, kc_error *err);
/* "monthly" / "30days"; static storage, not translated (an ini value). */
const char *date_cycle_key(enum cycle_kind kind);
/* The n-th billing date; n = 0 is the anchor.  Negative n counts back. */
kc_date date_cycle_nth(enum cycle_kind kind, kc_date anchor, int n);
/* The largest n >= 0 whose billing date is <= d, or -1 when d < anchor. */
int date_cycle_index_on_or_before(enum cycle_kind kind, kc_date anchor, kc_date d);

#endif
