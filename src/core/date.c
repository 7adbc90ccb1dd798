/* date.c: civil dates, instants, office zone, billing cycles (see date.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "date.h"

#define SECS_PER_DAY INT64_C(86400)

/* --- civil dates ------------------------------------------------------ */

bool date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int date_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && date_is_leap(year))
		return 29;
	return days[month - 1];
}

bool date_is_valid(kc_date d)
{
	return d.month >= 1 && d.month <= 12 && d.day >= 1 &&
	       d.day <= date_days_in_month(d.year, d.month);
}

int date_compare(kc_date a, kc_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

/* Howard Hinnant's days_from_civil: eras of 400 years (146097 days) make the
 * leap-year rule periodic, and counting from March puts Feb 29 last. */
int64_t date_days_from_civil(kc_date d)
{
	int64_t y = (int64_t)d.year - (d.month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = d.month > 2 ? d.month - 3 : d.month + 9;
	int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

kc_date date_civil_from_days(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	return (kc_date){ (int)year, (int)month, (int)day };
}

int date_weekday(kc_date d)
{
	int64_t z = date_days_from_civil(d);
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (z + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

kc_date date_add_days(kc_date d, int64_t n)
{
	return date_civil_from_days(date_days_from_civil(d) + n);
}

int64_t date_days_between(kc_date from, kc_date to)
{
	return date_days_from_civil(to) - date_days_from_civil(from);
}

/* Reads exactly n ASCII digits (no sign, no blanks). */
static bool read_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DD" at the start of s, shape only (10 characters). */
static bool read_date_shape(const char *s, kc_date *d)
{
	return strnlen(s, 10) == 10 && read_digits(s, 4, &d->year) && s[4] == '-' &&
	       read_digits(s + 5, 2, &d->month) && s[7] == '-' &&
	       read_digits(s + 8, 2, &d->day);
}

kc_status date_parse(const char *s, kc_date *out, kc_error *err)
{
	kc_date d;
	if (!s || !*s)
		return kc_error_set(err, KC_ERR_INVALID, _("A date is required (YYYY-MM-DD)."));
	if (!read_date_shape(s, &d) || s[10] != '\0')
		return kc_error_set_quoted(err, KC_ERR_INVALID,
					   _("Invalid date \"%s\": expected YYYY-MM-DD."), s);
	if (!date_is_valid(d))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
					   _("Invalid date \"%s\": that day does not exist."), s);
	if (out)
		*out = d;
	return KC_OK;
}

char *date_format(kc_date d, char *buf)
{
	snprintf(buf, DATE_BUFSZ, "%04d-%02d-%02d", d.year, d.month, d.day);
	return buf;
}

/* --- instants ----------------------------------------------------------- */

kc_local date_instant_to_utc(kc_instant t)
{
	int64_t days = t / SECS_PER_DAY;
	int64_t rem = t % SECS_PER_DAY;
	if (rem < 0) {
		rem += SECS_PER_DAY;
		days--;
	}
	kc_local l;
	l.date = date_civil_from_days(days);
	l.hour = (int)(rem / 3600);
	l.min = (int)(rem / 60 % 60);
	l.sec = (int)(rem % 60);
	return l;
}

kc_instant date_instant_from_utc(kc_local utc)
{
	return date_days_from_civil(utc.date) * SECS_PER_DAY + utc.hour * INT64_C(3600) +
	       utc.min * INT64_C(60) + utc.sec;
}

/* "HH:MM" or "HH:MM:SS" at s; *end is set past what was read. */
static bool read_time(const char *s, kc_local *l, const char **end)
{
	l->sec = 0;
	if (!read_digits(s, 2, &l->hour) || s[2] != ':' || !read_digits(s + 3, 2, &l->min))
		return false;
	s += 5;
	if (*s == ':') {
		if (!read_digits(s + 1, 2, &l->sec))
			return false;
		s += 3;
	}
	*end = s;
	return l->hour <= 23 && l->min <= 59 && l->sec <= 59;
}

/* Date, separator from seps, time; returns the rest or NULL. */
static const char *read_date_time(const char *s, const char *seps, kc_local *l)
{
	const char *end;
	if (!read_date_shape(s, &l->date) || !date_is_valid(l->date) || s[10] == '\0' ||
	    !strchr(seps, s[10]) || !read_time(s + 11, l, &end))
		return NULL;
	return end;
}

kc_status date_instant_parse(const char *s, kc_instant *out, kc_error *err)
{
	kc_local l;
	const char *rest;
	if (!s || !*s)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("A time is required (YYYY-MM-DDTHH:MM:SSZ)."));
	rest = read_date_time(s, "T", &l);
	if (!rest || strcmp(rest, "Z") != 0)
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("Invalid time \"%s\": expected YYYY-MM-DDTHH:MM:SSZ (UTC)."), s);
	if (out)
		*out = date_instant_from_utc(l);
	return KC_OK;
}

char *date_instant_format(kc_instant t, char *buf)
{
	kc_local l = date_instant_to_utc(t);
	snprintf(buf, DATE_INSTANT_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ", l.date.year,
		 l.date.month, l.date.day, l.hour, l.min, l.sec);
	return buf;
}

/* --- office time zone ---------------------------------------------------- */

static char *office_zone; /* heap; NULL until set */

/* Zone names are tz database paths: no "..", no absolute path, plain chars. */
static bool zone_name_plausible(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || name[0] == '/' || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

/* glibc silently falls back to UTC for an unknown TZ, so check the file. */
static bool zone_installed(const char *name)
{
	const char *dir = getenv("TZDIR");
	char *path = kc_asprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	struct stat st;
	bool ok = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

static kc_status install_zone(const char *name)
{
	char *copy = kc_strdup(name);
	if (!copy)
		return KC_ERR_NOMEM;
	if (setenv("TZ", name, 1) != 0) {
		free(copy);
		return KC_ERR_NOMEM;
	}
	tzset();
	free(office_zone);
	office_zone = copy;
	return KC_OK;
}

kc_status date_set_office_zone(const char *name, kc_error *err)
{
	if (!name || !zone_name_plausible(name) ||
	    (strcmp(name, "UTC") != 0 && !zone_installed(name)))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("Unknown time zone \"%s\" (expected a name such as America/Toronto)."),
			name);
	if (install_zone(name) != KC_OK)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	return KC_OK;
}

/* The default zone, or UTC when the tz database lacks it. */
static void ensure_zone(void)
{
	if (office_zone)
		return;
	if (date_set_office_zone(DATE_DEFAULT_OFFICE_ZONE, NULL) != KC_OK)
		(void)install_zone("UTC");
}

const char *date_office_zone(void)
{
	ensure_zone();
	return office_zone ? office_zone : "UTC";
}

kc_local date_to_local(kc_instant t)
{
	ensure_zone();
	time_t tt = (time_t)t;
	struct tm tm;
	if ((kc_instant)tt != t || !localtime_r(&tt, &tm))
		return date_instant_to_utc(t);
	kc_local l = { { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday },
		       tm.tm_hour, tm.tm_min, tm.tm_sec };
	/* A leap second reads as :60 on some systems; we ignore leap seconds. */
	if (l.sec > 59)
		l.sec = 59;
	return l;
}

/* Office offset from UTC at instant t, in seconds (east positive). */
static int64_t offset_at(kc_instant t)
{
	return date_instant_from_utc(date_to_local(t)) - t;
}

/* Real zones change offset at most once within two days, so the offsets a
 * day before and a day after the wall time are the only candidates. */
kc_instant date_from_local(kc_local l)
{
	kc_instant wall = date_instant_from_utc(l);
	int64_t before = offset_at(wall - SECS_PER_DAY);
	int64_t after = offset_at(wall + SECS_PER_DAY);
	kc_instant a = wall - before, b = wall - after;
	bool a_ok = offset_at(a) == before, b_ok = offset_at(b) == after;
	if (a_ok && b_ok)
		return a < b ? a : b; /* fall back: the first (DST) occurrence */
	if (a_ok)
		return a;
	if (b_ok)
		return b;
	/* Spring-forward gap: read with the old offset, which lands the
	 * length of the gap later on the new clock (02:30 -> 03:30). */
	return a;
}

kc_status date_local_parse(const char *s, kc_local *out, kc_error *err)
{
	kc_local l;
	const char *rest;
	if (!s || !*s)
		return kc_error_set(err, KC_ERR_INVALID, _("A time is required (YYYY-MM-DD HH:MM)."));
	rest = read_date_time(s, " T", &l);
	if (!rest || *rest != '\0')
		return kc_error_set_quoted(err, KC_ERR_INVALID,
					   _("Invalid time \"%s\": expected YYYY-MM-DD HH:MM."), s);
	if (out)
		*out = l;
	return KC_OK;
}

char *date_local_format(kc_local l, char *buf)
{
	if (l.sec)
		snprintf(buf, DATE_LOCAL_BUFSZ, "%04d-%02d-%02d %02d:%02d:%02d", l.date.year,
			 l.date.month, l.date.day, l.hour, l.min, l.sec);
	else
		snprintf(buf, DATE_LOCAL_BUFSZ, "%04d-%02d-%02d %02d:%02d", l.date.year,
			 l.date.month, l.date.day, l.hour, l.min);
	return buf;
}

/* --- clock ----------------------------------------------------------------- */

static bool now_frozen;
static kc_instant now_frozen_at;

void date_set_now_for_tests(kc_instant t)
{
	now_frozen = true;
	now_frozen_at = t;
}

void date_clear_now_for_tests(void)
{
	now_frozen = false;
}

kc_instant date_now(void)
{
	kc_instant t;
	if (now_frozen)
		return now_frozen_at;
	const char *env = getenv(DATE_NOW_ENV);
	if (env && *env && date_instant_parse(env, &t, NULL) == KC_OK)
		return t;
	return (kc_instant)time(NULL);
}

kc_status date_check_now_env(kc_error *err)
{
	const char *env = getenv(DATE_NOW_ENV);
	if (!env || !*env || date_instant_parse(env, NULL, NULL) == KC_OK)
		return KC_OK;
	char *shown = kc_quote_for_message(env, KC_QUOTE_MAX);
	kc_error_set(err, KC_ERR_INVALID,
		     _("%s=\"%s\" is not a UTC time such as 2024-06-21T20:00:00Z."),
		     DATE_NOW_ENV, shown ? shown : "?");
	free(shown);
	return KC_ERR_INVALID;
}

kc_date date_today_local(void)
{
	return date_to_local(date_now()).date;
}

/* --- billing cycles (BIL-1) ------------------------------------------------ */

kc_status date_cycle_parse(const char *s, enum cycle_kind *out, kc_error *err)
{
	enum cycle_kind k;
	if (s && strcmp(s, "monthly") == 0)
		k = CYCLE_MONTHLY;
	else if (s && strcmp(s, "30days") == 0)
		k = CYCLE_30DAYS;
	else
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("Unknown billing cycle \"%s\" (expected monthly or 30days)."), s);
	if (out)
		*out = k;
	return KC_OK;
}

const char *date_cycle_key(enum cycle_kind kind)
{
	return kind == CYCLE_30DAYS ? "30days" : "monthly";
}

/* Always computed from the anchor, so a clamped February never shortens
 * the following months (no drift). */
static kc_date monthly_nth(kc_date anchor, int64_t n)
{
	int64_t months = (int64_t)anchor.year * 12 + (anchor.month - 1) + n;
	int64_t y = months >= 0 ? months / 12 : -((11 - months) / 12);
	kc_date d = { (int)y, (int)(months - y * 12 + 1), anchor.day };
	int last = date_days_in_month(d.year, d.month);
	if (d.day > last)
		d.day = last;
	return d;
}

kc_date date_cycle_nth(enum cycle_kind kind, kc_date anchor, int n)
{
	if (kind == CYCLE_30DAYS)
		return date_add_days(anchor, (int64_t)n * 30);
	return monthly_nth(anchor, n);
}

int date_cycle_index_on_or_before(enum cycle_kind kind, kc_date anchor, kc_date d)
{
	int64_t n;
	if (kind == CYCLE_30DAYS) {
		int64_t diff = date_days_between(anchor, d);
		n = diff < 0 ? -1 : diff / 30;
	} else {
		/* The bill of d's month, or the one before when it is later. */
		n = ((int64_t)d.year - anchor.year) * 12 + (d.month - anchor.month);
		if (date_compare(monthly_nth(anchor, n), d) > 0)
			n--;
		if (n < 0)
			n = -1;
	}
	return n > INT_MAX ? INT_MAX : (int)n;
}
