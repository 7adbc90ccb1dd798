/* calendar.c: Quebec business calendar and SLA deadlines (see calendar.h). */
#include "config.h"

#include <string.h>

#include "calendar.h"

#define MINUTES_PER_DAY 1440
#define SUNDAY 0
#define MONDAY 1

/* --- options --------------------------------------------------------------- */

struct calendar_options calendar_default_options(void)
{
	struct calendar_options o = {
		.easter = EASTER_GOOD_FRIDAY,
		.business_days = CALENDAR_MON_TO_FRI,
		.open_minute = 9 * 60,
		.close_minute = 17 * 60,
		.extra_holidays = NULL,
		.extra_count = 0,
	};
	return o;
}

static bool days_ok(const struct calendar_options *o)
{
	return (o->business_days & 0x7fu) != 0;
}

static bool hours_ok(const struct calendar_options *o)
{
	return o->open_minute >= 0 && o->open_minute < o->close_minute &&
	       o->close_minute <= MINUTES_PER_DAY;
}

kc_status calendar_options_check(const struct calendar_options *opts, kc_error *err)
{
	if (!opts)
		return KC_OK;
	if (!days_ok(opts))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Business hours need at least one business day in the week."));
	if (!hours_ok(opts))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Business hours must open before they close, within one day."));
	return KC_OK;
}

/* The options actually used: defaults for NULL and for invalid parts. */
static struct calendar_options usable(const struct calendar_options *opts)
{
	struct calendar_options def = calendar_default_options();
	if (!opts)
		return def;
	struct calendar_options o = *opts;
	if (o.easter != EASTER_MONDAY)
		o.easter = EASTER_GOOD_FRIDAY;
	if (!days_ok(&o))
		o.business_days = def.business_days;
	if (!hours_ok(&o)) {
		o.open_minute = def.open_minute;
		o.close_minute = def.close_minute;
	}
	if (!o.extra_holidays)
		o.extra_count = 0;
	return o;
}

/* --- holidays ---------------------------------------------------------------- */

/* Anonymous Gregorian algorithm (Meeus, Jones, Butcher), for years >= 1583. */
kc_date calendar_easter_sunday(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;
	return (kc_date){ year, n / 31, n % 31 + 1 };
}

/* The first given weekday on or after d. */
static kc_date weekday_on_or_after(kc_date d, int weekday)
{
	return date_add_days(d, (weekday - date_weekday(d) + 7) % 7);
}

/* A fixed date moved to the Monday when it falls on a Sunday. */
static kc_date unless_sunday(kc_date d)
{
	return date_weekday(d) == SUNDAY ? date_add_days(d, 1) : d;
}

size_t calendar_statutory_holidays(const struct calendar_options *opts, int year,
				   calendar_holiday *out)
{
	struct calendar_options o = usable(opts);
	kc_date easter = calendar_easter_sunday(year);
	size_t n = 0;
	out[n++] = (calendar_holiday){ { year, 1, 1 }, "new_year" };
	if (o.easter == EASTER_MONDAY)
		out[n++] = (calendar_holiday){ date_add_days(easter, 1), "easter_monday" };
	else
		out[n++] = (calendar_holiday){ date_add_days(easter, -2), "good_friday" };
	/* The Monday between 18 and 24 May (not "the third Monday"). */
	out[n++] = (calendar_holiday){ weekday_on_or_after((kc_date){ year, 5, 18 }, MONDAY),
				       "patriots_day" };
	out[n++] = (calendar_holiday){ unless_sunday((kc_date){ year, 6, 24 }), "national_holiday" };
	out[n++] = (calendar_holiday){ unless_sunday((kc_date){ year, 7, 1 }), "canada_day" };
	out[n++] = (calendar_holiday){ weekday_on_or_after((kc_date){ year, 9, 1 }, MONDAY),
				       "labour_day" };
	out[n++] = (calendar_holiday){ weekday_on_or_after((kc_date){ year, 10, 8 }, MONDAY),
				       "thanksgiving" };
	out[n++] = (calendar_holiday){ { year, 12, 25 }, "christmas" };
	return n;
}

static const char *holiday_key(const struct calendar_options *o, kc_date d)
{
	calendar_holiday list[CALENDAR_STATUTORY_PER_YEAR];
	size_t n = calendar_statutory_holidays(o, d.year, list);
	for (size_t i = 0; i < n; i++)
		if (date_compare(list[i].date, d) == 0)
			return list[i].key;
	for (size_t i = 0; i < o->extra_count; i++)
		if (date_compare(o->extra_holidays[i], d) == 0)
			return "extra";
	return NULL;
}

const char *calendar_holiday_name(const struct calendar_options *opts, kc_date d)
{
	struct calendar_options o = usable(opts);
	return holiday_key(&o, d);
}

static const struct {
	const char *key;
	const char *display;
} holiday_names[] = {
	{ "new_year", N_("New Year's Day") },
	{ "good_friday", N_("Good Friday") },
	{ "easter_monday", N_("Easter Monday") },
	{ "patriots_day", N_("National Patriots' Day") },
	{ "national_holiday", N_("National Holiday (Saint-Jean-Baptiste)") },
	{ "canada_day", N_("Canada Day") },
	{ "labour_day", N_("Labour Day") },
	{ "thanksgiving", N_("Thanksgiving") },
	{ "christmas", N_("Christmas Day") },
	{ "extra", N_("Office holiday") },
};

const char *calendar_holiday_display(const char *key)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < sizeof holiday_names / sizeof holiday_names[0]; i++)
		if (strcmp(holiday_names[i].key, key) == 0)
			return _(holiday_names[i].display);
	return NULL;
}

/* --- business days --------------------------------------------------------- */

static bool business_day(const struct calendar_options *o, kc_date d)
{
	return (o->business_days & CALENDAR_WEEKDAY_BIT(date_weekday(d))) != 0 &&
	       holiday_key(o, d) == NULL;
}

bool calendar_is_business_day(const struct calendar_options *opts, kc_date d)
{
	struct calendar_options o = usable(opts);
	return business_day(&o, d);
}

kc_date calendar_add_business_days(const struct calendar_options *opts, kc_date d, int n)
{
	struct calendar_options o = usable(opts);
	int step = n < 0 ? -1 : 1;
	/* Terminates: some weekday is a business day and holidays are sparse. */
	for (int64_t left = n < 0 ? -(int64_t)n : n; left > 0;) {
		d = date_add_days(d, step);
		if (business_day(&o, d))
			left--;
	}
	return d;
}

/* --- business minutes -------------------------------------------------------- */

/* The instant of a minute of the office day (1440 = next midnight). */
static kc_instant at_minute(kc_date d, int minute)
{
	if (minute >= MINUTES_PER_DAY) {
		d = date_add_days(d, 1);
		minute -= MINUTES_PER_DAY;
	}
	kc_local l = { d, minute / 60, minute % 60, 0 };
	return date_from_local(l);
}

/* Walks office days from start's day; each business day contributes the
 * instants between its opening and closing, so the arithmetic is on real
 * seconds and the hour a DST change adds or removes is never counted. */
kc_instant calendar_add_business_minutes(const struct calendar_options *opts,
					 kc_instant start, int64_t minutes)
{
	struct calendar_options o = usable(opts);
	if (minutes <= 0)
		return start;
	if (minutes > INT64_MAX / 120)
		minutes = INT64_MAX / 120;
	int64_t left = minutes * 60;
	kc_instant cur = start;
	kc_date day = date_to_local(start).date;
	for (;; day = date_add_days(day, 1)) {
		if (!business_day(&o, day))
			continue;
		kc_instant open = at_minute(day, o.open_minute);
		kc_instant close = at_minute(day, o.close_minute);
		if (cur < open)
			cur = open;
		if (cur >= close)
			continue;
		/* <= : a deadline ending at closing stays at closing. */
		if (left <= close - cur)
			return cur + left;
		left -= close - cur;
		cur = close;
	}
}

/* --- SLA-1 -------------------------------------------------------------------- */

static const char *const priority_keys[] = { "emergency", "urgent", "standard" };

kc_status calendar_priority_parse(const char *s, enum calendar_priority *out, kc_error *err)
{
	for (int i = 0; s && i < 3; i++) {
		if (strcmp(s, priority_keys[i]) == 0) {
			if (out)
				*out = (enum calendar_priority)i;
			return KC_OK;
		}
	}
	return kc_error_set(err, KC_ERR_INVALID,
			    _("Unknown priority \"%s\" (expected emergency, urgent or standard)."),
			    s ? s : "");
}

const char *calendar_priority_key(enum calendar_priority p)
{
	if (p == CALENDAR_PRIORITY_EMERGENCY || p == CALENDAR_PRIORITY_URGENT)
		return priority_keys[p];
	return priority_keys[CALENDAR_PRIORITY_STANDARD];
}

kc_instant calendar_sla_due(const struct calendar_options *opts, const char *level,
			    enum calendar_priority priority, kc_instant received,
			    enum calendar_priority *effective)
{
	bool eligible = level && strcmp(level, CALENDAR_LEVEL_FULLY_ADMINISTERED) == 0;
	enum calendar_priority eff = CALENDAR_PRIORITY_STANDARD;
	if (eligible && (priority == CALENDAR_PRIORITY_EMERGENCY ||
			 priority == CALENDAR_PRIORITY_URGENT))
		eff = priority;
	if (effective)
		*effective = eff;
	/* Emergency and Urgent run around the clock (support is 24/7/365). */
	if (eff == CALENDAR_PRIORITY_EMERGENCY)
		return received + CALENDAR_SLA_EMERGENCY_MINUTES * INT64_C(60);
	if (eff == CALENDAR_PRIORITY_URGENT)
		return received + CALENDAR_SLA_URGENT_MINUTES * INT64_C(60);
	return calendar_add_business_minutes(opts, received, CALENDAR_SLA_STANDARD_MINUTES);
}
