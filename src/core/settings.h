/*
 * settings.h: kenoconsole's configuration (kenoconsole.ini(5)), read with
 * iniparser 4.1 and validated key by key.
 *
 * Contract
 *  - struct kc_settings holds every setting; nothing is global.  Fill it with
 *    settings_defaults(), then apply files with settings_load_file() or
 *    settings_load_standard(), and release it with settings_free().
 *  - Ownership: every char * and array in the struct is heap memory owned by
 *    the struct (NULL where the comment says "or NULL").  Callers read them
 *    and never free or keep them past settings_free().  settings_free()
 *    zeroes the API password before freeing it.  settings_system_path() and
 *    settings_user_path() return strings the caller frees.
 *  - Loading a file is all or nothing: the file is applied to a private copy
 *    which replaces *s only when the whole file is valid.  On failure *s is
 *    untouched and err says FILE:LINE: section.key: what is wrong (translated;
 *    never the value of the line, so never a secret).  Later files override
 *    earlier ones key by key; [keys] bindings are merged by action.
 *  - Errors: KC_ERR_INVALID bad syntax, unknown section or key, bad value;
 *    KC_ERR_PERM a file holding the API password is readable or writable by
 *    group or others; KC_ERR_IO a file cannot be read (or an explicit file is
 *    missing); KC_ERR_NOMEM.
 *  - Strict reading, stricter than iniparser itself: numbers are base 10
 *    ("010" is ten), an unquoted value may not contain '#' or ';' (iniparser
 *    would cut it there), [voipms] password must be double-quoted, lines may
 *    not end with a backslash (iniparser would join the next line), keys must
 *    be inside a section, a key may appear once per file.  Section and key
 *    names are case-insensitive (iniparser lowers them).
 *  - Side effect: loading installs a silent iniparser error callback for the
 *    whole process, so iniparser never prints a line (which may hold the
 *    password) to stderr.
 */
#ifndef KC_SETTINGS_H
#define KC_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "kc.h"

enum settings_cycle {
	SETTINGS_CYCLE_MONTHLY, /* same day of month as the welcome call (BIL-1) */
	SETTINGS_CYCLE_30DAYS   /* every 30 days from the welcome call */
};

enum settings_easter {
	SETTINGS_EASTER_GOOD_FRIDAY, /* SLA-2 default */
	SETTINGS_EASTER_MONDAY
};

enum settings_language { SETTINGS_LANG_AUTO, SETTINGS_LANG_FR, SETTINGS_LANG_EN };
enum settings_theme { SETTINGS_THEME_DEFAULT, SETTINGS_THEME_MONO };

struct settings_date {
	int year;  /* 1900..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31, a real day of that month */
};

/* One [keys] line: action = key names, raw text for the TUI keymap. */
struct settings_key_binding {
	char *action; /* lower case, as iniparser reports it */
	char *keys;   /* the value, unparsed (may be empty: unbind) */
	char *file;   /* where it was read, for the TUI's error messages */
	int line;
};

struct kc_settings {
	/* [database] */
	char *db_path;            /* absolute; NULL when no home directory is known */
	int db_busy_timeout_ms;   /* 100..600000, default 5000 */

	/* [billing]; money in cents */
	enum settings_cycle billing_cycle;
	int64_t minimum_support_charge;            /* default 5000 */
	int first_payment_usage_percent;           /* 0..1000, default 100 */
	int usage_markup_percent;                  /* 0..1000, default 0 */
	int64_t consulting_hourly_rate;            /* default 12000 */
	int64_t chargeback_fee;                    /* default 3500 */
	int64_t support_charge_basic;              /* default 5000 */
	int64_t support_charge_fully_administered; /* default 15000 */
	char *gst_number; /* "123456789 RT0001" form */
	char *qst_number; /* "1234567890 TQ0001" form */

	/* [sla] */
	char *business_hours;       /* as written, e.g. "mon-fri 09:00-17:00" */
	unsigned business_days;     /* bit n set = weekday n open, n as tm_wday (0 = Sunday) */
	int business_open_minute;   /* minutes after midnight, 0..1439 */
	int business_close_minute;  /* > open, 1..1440 */
	enum settings_easter easter;
	struct settings_date *extra_holidays; /* or NULL when n_extra_holidays is 0 */
	size_t n_extra_holidays;
	int credit_percent;         /* 0..100, default 10 (SLA-4) */
	int64_t credit_monthly_cap; /* cents, default 25000 (SLA-4) */
	int credit_window_days;     /* 1..365, default 30 (SLA-5) */

	/* [ui] */
	enum settings_language language;
	enum settings_theme theme;
	char *keymap; /* absolute path of a keymap file, or NULL */
	char *editor; /* command for long text, or NULL ($VISUAL/$EDITOR) */

	/* [voipms] */
	char *voipms_url;      /* https://..., or http:// on a loopback host */
	char *voipms_username; /* or NULL */
	char *voipms_password; /* secret; or NULL.  Never put it in a message. */
	int voipms_connect_timeout;     /* seconds, 1..300, default 10 */
	int voipms_timeout;             /* seconds, 1..3600, default 60 */
	int64_t voipms_max_response_bytes; /* 1024..1073741824, default 64 MiB */
	int voipms_timezone;            /* hours, -12..14, default -5 */
	char voipms_currency[4];        /* 3 upper-case letters, default "CAD" */
	char *voipms_conversion_rate;   /* as written, or NULL */
	int64_t voipms_conversion_rate_e8; /* rate in 10^-8 units; 0 when unset */

	/* [office] */
	char *office_zone; /* tz database name, default America/Toronto */

	/* [keys] */
	struct settings_key_binding *key_bindings; /* or NULL */
	size_t n_key_bindings;
};

/*
 * Fills *s with the defaults (overwriting it: call on a fresh or freed
 * struct).  KC_ERR_NOMEM leaves *s freed and zeroed.
 */
kc_status settings_defaults(struct kc_settings *s) KC_WARN_UNUSED;

/* Frees everything *s owns (password zeroed first) and zeroes *s.  NULL ok. */
void settings_free(struct kc_settings *s);

/*
 * Applies one file on top of *s.  The file must exist.  All or nothing (see
 * the contract).  err may be NULL.
 */
kc_status settings_load_file(struct kc_settings *s, const char *path, kc_error *err) KC_WARN_UNUSED;

/*
 * Applies the system file, then the user file (each skipped when it does not
 * exist), then explicit_path when not NULL (which must exist).  All or
 * nothing over the three files.
 */
kc_status settings_load_standard(struct kc_settings *s, const char *explicit_path,
				 kc_error *err) KC_WARN_UNUSED;

/* SYSCONFDIR "/kenoconsole/kenoconsole.ini"; caller frees; NULL on NOMEM. */
char *settings_system_path(void);

/*
 * $XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini, or ~/.config/... when
 * XDG_CONFIG_HOME is unset, empty or relative.  Caller frees; NULL when no
 * home directory is known or on NOMEM.
 */
char *settings_user_path(void);

/* The [keys] bindings, in the order first read; *n gets their number. */
const struct settings_key_binding *settings_key_bindings(const struct kc_settings *s, size_t *n);

/* The binding for action (lower case), or NULL. */
const struct settings_key_binding *settings_key_binding_find(const struct kc_settings *s,
							     const char *action);

#endif
