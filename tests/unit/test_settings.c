/*
 * test_settings.c: kenoconsole.ini reading, with real files: defaults, every
 * iniparser 4.1 pitfall (cut values, octal, stderr echo, section names),
 * unknown names, ranges, the password rules, override order, the sample.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "testutil.h"
#include "settings.h"

#define SECRET "s3cr#t;Pw-7731"

/* ---- helpers ---- */

/* Writes text to a fresh file of the temp dir with the given mode; returns
 * its path (heap). */
static char *write_file(const char *name, mode_t mode, const char *text)
{
	char *path = strdup(test_path(name));
	assert_non_null(path);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void fresh(struct kc_settings *s)
{
	assert_int_equal(settings_defaults(s), KC_OK);
}

/* Loads text as a file; returns the status, message in err. */
static kc_status load_text(struct kc_settings *s, const char *text, mode_t mode, kc_error *err)
{
	char *path = write_file("t.ini", mode, text);
	kc_status st = settings_load_file(s, path, err);
	free(path);
	return st;
}

/* Asserts text is refused with code and a message holding every needle. */
static void refused(const char *text, kc_status code, const char *n1, const char *n2)
{
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	kc_status st = load_text(&s, text, 0600, &err);
	if (st != code || !err.message || !strstr(err.message, n1) || (n2 && !strstr(err.message, n2)))
		fail_msg("for [%s]: status %d, message [%s]; expected %d with [%s] [%s]", text,
			 (int)st, err.message ? err.message : "(null)", (int)code, n1,
			 n2 ? n2 : "");
	kc_error_clear(&err);
	settings_free(&s);
}

static void accepted(struct kc_settings *s, const char *text)
{
	kc_error err = KC_ERROR_INIT;
	fresh(s);
	kc_status st = load_text(s, text, 0600, &err);
	if (st != KC_OK)
		fail_msg("for [%s]: %s", text, kc_error_text(&err));
	kc_error_clear(&err);
}

/* Redirects fd 2 to a file; stderr_end() restores it and returns the text. */
static int stderr_begin(void)
{
	fflush(stderr);
	int saved = dup(2);
	int fd = open(test_path("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	return saved;
}

static char *stderr_end(int saved)
{
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	FILE *f = fopen(test_path("stderr.txt"), "r");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- NULL and edge cases ---- */

static void test_null_arguments(void **state)
{
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	settings_free(NULL);
	assert_int_equal(settings_defaults(NULL), KC_ERR_INVALID);
	fresh(&s);
	assert_int_equal(settings_load_file(NULL, "x", &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(settings_load_file(&s, NULL, NULL), KC_ERR_INVALID);
	assert_int_equal(settings_load_standard(NULL, NULL, NULL), KC_ERR_INVALID);
	size_t n = 99;
	assert_null(settings_key_bindings(NULL, &n));
	assert_int_equal(n, 0);
	assert_null(settings_key_binding_find(&s, NULL));
	settings_free(&s);
	settings_free(&s); /* zeroed: a second free is harmless */
}

static void test_defaults(void **state)
{
	struct kc_settings s;
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	fresh(&s);
	assert_string_equal(s.db_path, "/srv/data/kenoconsole/kenoconsole.sqlite");
	assert_int_equal(s.db_busy_timeout_ms, 5000);
	assert_int_equal(s.billing_cycle, SETTINGS_CYCLE_MONTHLY);
	assert_int_equal(s.minimum_support_charge, 5000);
	assert_int_equal(s.first_payment_usage_percent, 100);
	assert_int_equal(s.usage_markup_percent, 0);
	assert_int_equal(s.consulting_hourly_rate, 12000);
	assert_int_equal(s.chargeback_fee, 3500);
	assert_int_equal(s.support_charge_basic, 5000);
	assert_int_equal(s.support_charge_fully_administered, 15000);
	assert_string_equal(s.gst_number, "123456789 RT0001");
	assert_string_equal(s.qst_number, "1234567890 TQ0001");
	assert_string_equal(s.business_hours, "mon-fri 09:00-17:00");
	assert_int_equal(s.business_days, 0x3e);
	assert_int_equal(s.business_open_minute, 540);
	assert_int_equal(s.business_close_minute, 1020);
	assert_int_equal(s.easter, SETTINGS_EASTER_GOOD_FRIDAY);
	assert_int_equal(s.n_extra_holidays, 0);
	assert_null(s.extra_holidays);
	assert_int_equal(s.credit_percent, 10);
	assert_int_equal(s.credit_monthly_cap, 25000);
	assert_int_equal(s.credit_window_days, 30);
	assert_int_equal(s.language, SETTINGS_LANG_AUTO);
	assert_int_equal(s.theme, SETTINGS_THEME_DEFAULT);
	assert_null(s.keymap);
	assert_null(s.editor);
	assert_string_equal(s.voipms_url, "https://voip.ms/api/v1/rest.php");
	assert_null(s.voipms_username);
	assert_null(s.voipms_password);
	assert_int_equal(s.voipms_connect_timeout, 10);
	assert_int_equal(s.voipms_timeout, 60);
	assert_int_equal(s.voipms_max_response_bytes, 64 * 1024 * 1024);
	assert_int_equal(s.voipms_timezone, -5);
	assert_string_equal(s.voipms_currency, "CAD");
	assert_null(s.voipms_conversion_rate);
	assert_int_equal(s.voipms_conversion_rate_e8, 0);
	assert_string_equal(s.office_zone, "America/Toronto");
	assert_int_equal(s.n_key_bindings, 0);
	settings_free(&s);
	assert_null(s.db_path);
}

static void test_default_paths_follow_xdg_and_home(void **state)
{
	struct kc_settings s;
	setenv("HOME", "/home/kc", 1);
	setenv("XDG_DATA_HOME", "relative/ignored", 1); /* XDG: relative is ignored */
	unsetenv("XDG_CONFIG_HOME");
	fresh(&s);
	assert_string_equal(s.db_path, "/home/kc/.local/share/kenoconsole/kenoconsole.sqlite");
	settings_free(&s);

	char *p = settings_user_path();
	assert_string_equal(p, "/home/kc/.config/kenoconsole/kenoconsole.ini");
	free(p);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	p = settings_user_path();
	assert_string_equal(p, "/cfg/kenoconsole/kenoconsole.ini");
	free(p);
	p = settings_system_path();
	assert_non_null(p);
	assert_non_null(strstr(p, "/kenoconsole/kenoconsole.ini"));
	assert_true(p[0] == '/');
	free(p);
}

static void test_every_key_is_read(void **state)
{
	struct kc_settings s;
	setenv("HOME", "/home/kc", 1);
	accepted(&s, "[database]\n"
		     "path = ~/db/kc.sqlite\n"
		     "busy_timeout_ms = 250\n"
		     "[billing]\n"
		     "cycle = 30days\n"
		     "minimum_support_charge = 60.5\n"
		     "first_payment_usage_percent = 150\n"
		     "usage_markup_percent = 12\n"
		     "consulting_hourly_rate = 99.99\n"
		     "chargeback_fee = 40\n"
		     "support_charge_basic = 55.00\n"
		     "support_charge_fully_administered = 175.25\n"
		     "gst_number = 987654321 RT0002\n"
		     "qst_number = 9876543210 TQ0003\n"
		     "[sla]\n"
		     "business_hours = mon,wed-thu 08:30-24:00\n"
		     "easter = easter_monday\n"
		     "extra_holidays = 2026-12-24, 2028-02-29,2026-12-31\n"
		     "credit_percent = 15\n"
		     "credit_monthly_cap = 300.00\n"
		     "credit_window_days = 45\n"
		     "[ui]\n"
		     "language = fr\n"
		     "theme = mono\n"
		     "keymap = /etc/kc/keys.ini\n"
		     "editor = \"emacs -nw\"\n"
		     "[voipms]\n"
		     "url = http://127.0.0.1:8080/api/v1/rest.php\n"
		     "username = ops@kenotronix.example\n"
		     "password = \"" SECRET "\"\n"
		     "connect_timeout = 5\n"
		     "timeout = 120\n"
		     "max_response_bytes = 2M\n"
		     "timezone = 0\n"
		     "currency = USD\n"
		     "conversion_rate = 1.3625\n"
		     "[office]\n"
		     "zone = America/Montreal\n"
		     "[keys]\n"
		     "quit = q\n"
		     "help = \"F1, ?\"\n");
	assert_string_equal(s.db_path, "/home/kc/db/kc.sqlite");
	assert_int_equal(s.db_busy_timeout_ms, 250);
	assert_int_equal(s.billing_cycle, SETTINGS_CYCLE_30DAYS);
	assert_int_equal(s.minimum_support_charge, 6050);
	assert_int_equal(s.first_payment_usage_percent, 150);
	assert_int_equal(s.usage_markup_percent, 12);
	assert_int_equal(s.consulting_hourly_rate, 9999);
	assert_int_equal(s.chargeback_fee, 4000);
	assert_int_equal(s.support_charge_basic, 5500);
	assert_int_equal(s.support_charge_fully_administered, 17525);
	assert_string_equal(s.gst_number, "987654321 RT0002");
	assert_string_equal(s.qst_number, "9876543210 TQ0003");
	assert_int_equal(s.business_days, (1u << 1) | (1u << 3) | (1u << 4));
	assert_int_equal(s.business_open_minute, 510);
	assert_int_equal(s.business_close_minute, 1440);
	assert_int_equal(s.easter, SETTINGS_EASTER_MONDAY);
	assert_int_equal(s.n_extra_holidays, 3);
	assert_int_equal(s.extra_holidays[1].year, 2028);
	assert_int_equal(s.extra_holidays[1].month, 2);
	assert_int_equal(s.extra_holidays[1].day, 29);
	assert_int_equal(s.extra_holidays[2].day, 31);
	assert_int_equal(s.credit_percent, 15);
	assert_int_equal(s.credit_monthly_cap, 30000);
	assert_int_equal(s.credit_window_days, 45);
	assert_int_equal(s.language, SETTINGS_LANG_FR);
	assert_int_equal(s.theme, SETTINGS_THEME_MONO);
	assert_string_equal(s.keymap, "/etc/kc/keys.ini");
	assert_string_equal(s.editor, "emacs -nw");
	assert_string_equal(s.voipms_url, "http://127.0.0.1:8080/api/v1/rest.php");
	assert_string_equal(s.voipms_username, "ops@kenotronix.example");
	assert_string_equal(s.voipms_password, SECRET);
	assert_int_equal(s.voipms_connect_timeout, 5);
	assert_int_equal(s.voipms_timeout, 120);
	assert_int_equal(s.voipms_max_response_bytes, 2 * 1024 * 1024);
	assert_int_equal(s.voipms_timezone, 0);
	assert_string_equal(s.voipms_currency, "USD");
	assert_string_equal(s.voipms_conversion_rate, "1.3625");
	assert_int_equal(s.voipms_conversion_rate_e8, 136250000);
	assert_string_equal(s.office_zone, "America/Montreal");
	size_t n;
	const struct settings_key_binding *b = settings_key_bindings(&s, &n);
	assert_int_equal(n, 2);
	assert_string_equal(b[0].action, "quit");
	assert_string_equal(b[0].keys, "q");
	assert_int_equal(b[0].line, 40);
	assert_non_null(strstr(b[0].file, "t.ini"));
	assert_string_equal(settings_key_binding_find(&s, "help")->keys, "F1, ?");
	assert_null(settings_key_binding_find(&s, "nope"));
	settings_free(&s);
}

/* ---- iniparser 4.1 pitfalls ---- */

/* (a) iniparser cuts an unquoted value at '#' or ';' without a word. */
static void test_pitfall_a_hash_or_semicolon_in_unquoted_value(void **state)
{
	refused("[voipms]\nusername = ops#2@example\n", KC_ERR_INVALID, "t.ini:2: voipms.username",
		"double quotes");
	refused("[billing]\n\ngst_number = 123456789 RT0001 ; ours\n", KC_ERR_INVALID,
		"t.ini:3: billing.gst_number", "double quotes");
	refused("[ui]\neditor = vi;rm\n", KC_ERR_INVALID, "t.ini:2: ui.editor", "double quotes");
	refused("[ui]\neditor = ;nothing\n", KC_ERR_INVALID, "t.ini:2: ui.editor", NULL);

	/* Quoted, the whole literal is kept, and a comment may follow. */
	struct kc_settings s;
	accepted(&s, "[ui]\neditor = \"vi # really;\"   ; a comment\n");
	assert_string_equal(s.editor, "vi # really;");
	settings_free(&s);
}

/* (b) iniparser_getint reads "010" as octal 8; we read base 10. */
static void test_pitfall_b_010_is_ten(void **state)
{
	char *path = write_file("octal.ini", 0600,
				"[voipms]\ntimeout = 010\n[sla]\ncredit_window_days = 0010\n");
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(settings_load_file(&s, path, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 10);
	assert_int_equal(s.credit_window_days, 10);
	settings_free(&s);

	/* The trap we avoid, shown on the same file. */
	dictionary *d = iniparser_load(path);
	assert_non_null(d);
	assert_int_equal(iniparser_getint(d, "voipms:timeout", -1), 8);
	iniparser_freedict(d);
	free(path);

	refused("[voipms]\ntimeout = 0x10\n", KC_ERR_INVALID, "t.ini:2: voipms.timeout", "base 10");
	refused("[voipms]\ntimeout = 1e2\n", KC_ERR_INVALID, "t.ini:2: voipms.timeout", NULL);
	refused("[voipms]\ntimeout = +5\n", KC_ERR_INVALID, "t.ini:2: voipms.timeout", NULL);
	refused("[voipms]\ntimeout = \" 5\"\n", KC_ERR_INVALID, "t.ini:2: voipms.timeout", NULL);
	refused("[voipms]\ntimeout = 99999999999999999999\n", KC_ERR_INVALID,
		"voipms.timeout", NULL);
}

/* (c) a malformed line is echoed to stderr by iniparser's default callback. */
static void test_pitfall_c_malformed_line_never_printed(void **state)
{
	const char *text = "[voipms]\nusername = ops\n" SECRET "\n";
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	int saved = stderr_begin();
	kc_status st = load_text(&s, text, 0600, &err);
	char *out = stderr_end(saved);
	assert_int_equal(st, KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "t.ini:3: malformed line"));
	assert_null(strstr(err.message, SECRET));
	assert_string_equal(out, "");
	assert_null(s.voipms_username); /* nothing applied */
	free(out);
	kc_error_clear(&err);
	settings_free(&s);

	/* The callback we install keeps iniparser itself quiet afterwards. */
	char *path = write_file("bad.ini", 0600, text);
	saved = stderr_begin();
	dictionary *d = iniparser_load(path);
	out = stderr_end(saved);
	assert_null(d);
	assert_string_equal(out, "");
	free(out);
	free(path);
}

/* (d) iniparser's "section:key" names: section names must never be looked
 * up as keys, and names holding ':' or keys outside a section are lost. */
static void test_pitfall_d_section_names_and_lost_keys(void **state)
{
	refused("[database]\npath = /x\n[database:path]\n", KC_ERR_INVALID, "t.ini:3:",
		"malformed section");
	refused("[voipms:password]\nx = 1\n", KC_ERR_INVALID, "t.ini:1:", NULL);
	refused("[database]\ndatabase:path = /x\n", KC_ERR_INVALID, "t.ini:2: malformed key",
		NULL);
	refused("timeout = 5\n[voipms]\n", KC_ERR_INVALID, "t.ini:1: timeout", "outside a section");
	refused("[]\n", KC_ERR_INVALID, "t.ini:1: malformed section", NULL);
	/* A trailing backslash would join the password line to the comment. */
	refused("[voipms]\n# old: C:\\\npassword = \"x\"\n", KC_ERR_INVALID, "t.ini:2:",
		"backslash");

	/* A section named like a key and an empty section are harmless. */
	struct kc_settings s;
	accepted(&s, "[keys]\nkeys = k\nvoipms = v\n[office]\n[voipms]\n");
	assert_string_equal(settings_key_binding_find(&s, "keys")->keys, "k");
	assert_string_equal(settings_key_binding_find(&s, "voipms")->keys, "v");
	settings_free(&s);
}

/* ---- names ---- */

static void test_unknown_key_and_section_named_with_line(void **state)
{
	refused("[database]\n\nbogus = 1\n", KC_ERR_INVALID, "t.ini:3: database.bogus",
		"unknown key");
	refused("# c\n[nope]\nx = 1\n", KC_ERR_INVALID, "t.ini:2: [nope]", "unknown section");
	refused("[voipms]\npasword = \"" SECRET "\"\n", KC_ERR_INVALID, "t.ini:2: voipms.pasword",
		"unknown key");
	refused("[voipms]\nurl = https://voip.ms/\nurl = https://voip.ms/x\n", KC_ERR_INVALID,
		"t.ini:3: voipms.url", "line 2");
	refused("[ui]\nmy key = 1\n", KC_ERR_INVALID, "t.ini:2: malformed key", NULL);
	refused("[ui]\nlanguage\n", KC_ERR_INVALID, "t.ini:2: malformed line", NULL);
	refused("[ui]\n = fr\n", KC_ERR_INVALID, "t.ini:2: malformed key", NULL);
	refused("[ui]\nlanguage = \"fr\n", KC_ERR_INVALID, "t.ini:2: ui.language", "quote");
	refused("[ui]\nlanguage = \"fr\" en\n", KC_ERR_INVALID, "t.ini:2: ui.language", "quote");
}

static void test_names_are_case_insensitive(void **state)
{
	struct kc_settings s;
	accepted(&s, "[DataBase]\nBusy_Timeout_MS = 200\n\t [ UI ]  \r\n  Theme=mono\r\n");
	assert_int_equal(s.db_busy_timeout_ms, 200);
	assert_int_equal(s.theme, SETTINGS_THEME_MONO);
	settings_free(&s);
}

/* ---- values ---- */

struct bad_case {
	const char *text;
	const char *needle;
};

static void test_bad_values_refused(void **state)
{
	static const struct bad_case cases[] = {
		{ "[database]\nbusy_timeout_ms = 99\n", "from 100 to 600000" },
		{ "[database]\nbusy_timeout_ms = 600001\n", "from 100 to 600000" },
		{ "[database]\npath = relative.sqlite\n", "absolute path" },
		{ "[database]\npath =\n", "absolute path" },
		{ "[billing]\ncycle = weekly\n", "monthly, 30days" },
		{ "[billing]\nminimum_support_charge = 50.001\n", "50.00" },
		{ "[billing]\nminimum_support_charge = -5.00\n", "50.00" },
		{ "[billing]\nchargeback_fee = 1000000.01\n", "50.00" },
		{ "[billing]\nchargeback_fee = abc\n", "50.00" },
		{ "[billing]\nfirst_payment_usage_percent = 1001\n", "0 to 1000" },
		{ "[billing]\nusage_markup_percent = -1\n", "0 to 1000" },
		{ "[billing]\ngst_number = 12345678 RT0001\n", "123456789 RT0001" },
		{ "[billing]\ngst_number = 123456789RT0001\n", "123456789 RT0001" },
		{ "[billing]\nqst_number = 1234567890 TQ001\n", "1234567890 TQ0001" },
		{ "[sla]\nbusiness_hours = mon-fri 17:00-09:00\n", "mon-fri 09:00-17:00" },
		{ "[sla]\nbusiness_hours = monday 09:00-17:00\n", "mon-fri" },
		{ "[sla]\nbusiness_hours = mon-fri 9:00-17:00\n", "mon-fri" },
		{ "[sla]\nbusiness_hours = mon-fri 09:00-24:01\n", "mon-fri" },
		{ "[sla]\neaster = whit_monday\n", "good_friday, easter_monday" },
		{ "[sla]\nextra_holidays = 2027-02-29\n", "2026-12-24" },
		{ "[sla]\nextra_holidays = 2026-12-24,,2026-12-31\n", "2026-12-24" },
		{ "[sla]\nextra_holidays = 2026/12/24\n", "2026-12-24" },
		{ "[sla]\ncredit_percent = 101\n", "0 to 100" },
		{ "[sla]\ncredit_window_days = 0\n", "1 to 365" },
		{ "[ui]\nlanguage = de\n", "auto, fr, en" },
		{ "[ui]\ntheme = dark\n", "default, mono" },
		{ "[ui]\nkeymap = keys.ini\n", "absolute path" },
		{ "[voipms]\nurl = http://voip.ms/api/v1/rest.php\n", "loopback" },
		{ "[voipms]\nurl = https://user:pw@voip.ms/api\n", "https://" },
		{ "[voipms]\nurl = ftp://voip.ms/\n", "https://" },
		{ "[voipms]\nurl = https://\n", "https://" },
		{ "[voipms]\nconnect_timeout = 0\n", "1 to 300" },
		{ "[voipms]\ntimeout = 3601\n", "1 to 3600" },
		{ "[voipms]\nmax_response_bytes = 1023\n", "1K to 1G" },
		{ "[voipms]\nmax_response_bytes = 2G\n", "1K to 1G" },
		{ "[voipms]\nmax_response_bytes = 5T\n", "1K to 1G" },
		{ "[voipms]\ntimezone = -13\n", "-12 to 14" },
		{ "[voipms]\ntimezone = 15\n", "-12 to 14" },
		{ "[voipms]\ntimezone = -5.5\n", "-12 to 14" },
		{ "[voipms]\ncurrency = cad\n", "CAD" },
		{ "[voipms]\ncurrency = CADX\n", "CAD" },
		{ "[voipms]\nconversion_rate = 0\n", "positive rate" },
		{ "[voipms]\nconversion_rate = 1.123456789\n", "positive rate" },
		{ "[voipms]\nconversion_rate = 1,36\n", "positive rate" },
		{ "[office]\nzone = ../../etc/passwd\n", "America/Toronto" },
		{ "[office]\nzone = /etc/localtime\n", "America/Toronto" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* Every message names the file, the line (2) and the key. */
		const char *key = strchr(cases[i].text, '\n') + 1;
		char where[128];
		const char *sec_end = strchr(cases[i].text, ']');
		size_t keylen = strcspn(key, " =");
		snprintf(where, sizeof where, "t.ini:2: %.*s.%.*s",
			 (int)(sec_end - cases[i].text - 1), cases[i].text + 1, (int)keylen, key);
		refused(cases[i].text, KC_ERR_INVALID, where, cases[i].needle);
	}
}

static void test_range_limits_accepted(void **state)
{
	struct kc_settings s;
	accepted(&s, "[voipms]\ntimezone = -12\nmax_response_bytes = 1K\nconnect_timeout = 300\n"
		     "[database]\nbusy_timeout_ms = 600000\n[sla]\ncredit_percent = 0\n"
		     "business_hours = FRI-Mon 00:00-24:00\n[billing]\nchargeback_fee = 0\n");
	assert_int_equal(s.voipms_timezone, -12);
	assert_int_equal(s.voipms_max_response_bytes, 1024);
	assert_int_equal(s.voipms_connect_timeout, 300);
	assert_int_equal(s.db_busy_timeout_ms, 600000);
	assert_int_equal(s.credit_percent, 0);
	assert_int_equal(s.business_days, (1u << 5) | (1u << 6) | (1u << 0) | (1u << 1));
	assert_int_equal(s.business_close_minute, 1440);
	assert_int_equal(s.chargeback_fee, 0);
	settings_free(&s);
	accepted(&s, "[voipms]\ntimezone = 14\nmax_response_bytes = 1G\n"
		     "url = http://[::1]:9000/rest.php\nconversion_rate = 1000\n"
		     "[sla]\nextra_holidays =\n[ui]\nkeymap =\neditor = \"\"\n");
	assert_int_equal(s.voipms_timezone, 14);
	assert_int_equal(s.voipms_max_response_bytes, 1024 * 1024 * 1024);
	assert_int_equal(s.voipms_conversion_rate_e8, INT64_C(100000000000));
	assert_int_equal(s.n_extra_holidays, 0);
	assert_null(s.keymap);
	assert_null(s.editor);
	settings_free(&s);
	accepted(&s, "[voipms]\nurl = http://localhost/x\n[billing]\nconsulting_hourly_rate = 99,50\n"
		     "minimum_support_charge = 1 234,56 $\n");
	assert_string_equal(s.voipms_url, "http://localhost/x");
	assert_int_equal(s.consulting_hourly_rate, 9950);
	assert_int_equal(s.minimum_support_charge, 123456);
	settings_free(&s);
}

/* ---- the password ---- */

static void test_quoted_password_with_mode_0600_accepted(void **state)
{
	struct kc_settings s;
	accepted(&s, "[voipms]\npassword = \"" SECRET "\"\n");
	assert_string_equal(s.voipms_password, SECRET);
	settings_free(&s);
	accepted(&s, "[voipms]\npassword = \"\"\n");
	assert_null(s.voipms_password);
	settings_free(&s);
}

static void test_password_file_with_mode_0644_refused(void **state)
{
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(load_text(&s, "[voipms]\npassword = \"" SECRET "\"\n", 0644, &err),
			 KC_ERR_PERM);
	assert_non_null(strstr(err.message, "0644"));
	assert_non_null(strstr(err.message, "t.ini"));
	assert_non_null(strstr(err.message, "chmod 600"));
	assert_null(strstr(err.message, SECRET));
	assert_null(s.voipms_password);
	kc_error_clear(&err);
	assert_int_equal(load_text(&s, "[voipms]\npassword = \"x\"\n", 0620, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	/* Without a password, a world-readable file is fine. */
	assert_int_equal(load_text(&s, "[voipms]\ntimeout = 30\n", 0644, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 30);
	settings_free(&s);
}

static void test_unquoted_password_refused_without_its_value(void **state)
{
	static const char *const texts[] = {
		"[voipms]\npassword = " SECRET "\n",
		"[voipms]\npassword = plain\n",
		"[voipms]\npassword = '" SECRET "'\n",
		"[voipms]\npassword =\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		refused(texts[i], KC_ERR_INVALID, "t.ini:2: voipms.password", "double quotes");
		struct kc_settings s;
		kc_error err = KC_ERROR_INIT;
		fresh(&s);
		assert_int_not_equal(load_text(&s, texts[i], 0600, &err), KC_OK);
		assert_null(strstr(err.message, SECRET));
		assert_null(strstr(err.message, "plain"));
		kc_error_clear(&err);
		settings_free(&s);
	}
}

/* Every refusal involving the secret, with fd 2 captured: never printed. */
static void test_secret_never_reaches_stderr_or_message(void **state)
{
	static const struct {
		const char *text;
		mode_t mode;
	} cases[] = {
		{ "[voipms]\npassword = \"" SECRET "\"\n", 0644 },
		{ "[voipms]\npassword = " SECRET "\n", 0600 },
		{ "[voipms]\npassword = \"" SECRET "\" trailing\n", 0600 },
		{ "[voipms]\npassword \"" SECRET "\"\n", 0600 },
		{ "[voipms]\n" SECRET "\n", 0600 },
		{ "[voipms]\nusername = " SECRET "\n", 0600 },
		{ "[voipms]\npassword = \"" SECRET "\"\npassword = \"" SECRET "\"\n", 0600 },
		{ "[voipms]\npassword = \"" SECRET "\"\n[bogus]\n", 0600 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kc_settings s;
		kc_error err = KC_ERROR_INIT;
		fresh(&s);
		int saved = stderr_begin();
		kc_status st = load_text(&s, cases[i].text, cases[i].mode, &err);
		char *out = stderr_end(saved);
		assert_int_not_equal(st, KC_OK);
		assert_non_null(err.message);
		if (strstr(err.message, SECRET) || strstr(err.message, "s3cr"))
			fail_msg("case %zu: secret in message", i);
		assert_string_equal(out, "");
		assert_null(s.voipms_password);
		free(out);
		kc_error_clear(&err);
		settings_free(&s);
	}
}

/* ---- files and order ---- */

static void test_whole_file_refused_nothing_applied(void **state)
{
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(load_text(&s, "[voipms]\ntimeout = 30\n[keys]\nquit = x\n"
				       "[sla]\ncredit_percent = 500\n",
				   0600, &err),
			 KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "t.ini:6: sla.credit_percent"));
	assert_int_equal(s.voipms_timeout, 60);
	assert_int_equal(s.n_key_bindings, 0);
	kc_error_clear(&err);
	settings_free(&s);
}

static void test_later_file_overrides_earlier(void **state)
{
	char *a = write_file("a.ini", 0644,
			     "[voipms]\ntimeout = 30\nconnect_timeout = 7\n[keys]\nquit = q\nhelp = h\n");
	char *b = write_file("b.ini", 0600, "[voipms]\ntimeout = 90\npassword = \"pw\"\n"
					    "[keys]\nquit = Q\n");
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(settings_load_file(&s, a, &err), KC_OK);
	assert_int_equal(settings_load_file(&s, b, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 90);
	assert_int_equal(s.voipms_connect_timeout, 7);
	assert_string_equal(s.voipms_password, "pw");
	size_t n;
	const struct settings_key_binding *kb = settings_key_bindings(&s, &n);
	assert_int_equal(n, 2);
	assert_string_equal(kb[0].keys, "Q");
	assert_int_equal(kb[0].line, 5);
	assert_non_null(strstr(kb[0].file, "b.ini"));
	assert_string_equal(kb[1].keys, "h");
	settings_free(&s);
	free(a);
	free(b);
}

static void test_standard_order_user_then_explicit(void **state)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/xdg", test_tmpdir());
	mkdir(dir, 0700);
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/kenoconsole", dir);
	mkdir(sub, 0700);
	setenv("XDG_CONFIG_HOME", dir, 1);
	char *sys = settings_system_path();
	if (access(sys, F_OK) == 0) {
		free(sys);
		skip(); /* a real system file would change the expected values */
	}
	free(sys);
	char *user = write_file("xdg/kenoconsole/kenoconsole.ini", 0600,
				"[voipms]\ntimeout = 30\nconnect_timeout = 7\n");
	char *expl = write_file("explicit.ini", 0600, "[voipms]\ntimeout = 45\n");

	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(settings_load_standard(&s, NULL, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 30);
	assert_int_equal(settings_load_standard(&s, expl, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 45);
	assert_int_equal(s.voipms_connect_timeout, 7);

	/* An explicit file must exist; the user file may be missing. */
	assert_int_equal(settings_load_standard(&s, test_path("missing.ini"), &err), KC_ERR_IO);
	assert_non_null(strstr(err.message, "missing.ini"));
	kc_error_clear(&err);
	assert_int_equal(settings_load_file(&s, test_path("missing.ini"), &err), KC_ERR_IO);
	kc_error_clear(&err);
	unlink(user);
	settings_free(&s);
	fresh(&s);
	assert_int_equal(settings_load_standard(&s, NULL, &err), KC_OK);
	assert_int_equal(s.voipms_timeout, 60);

	/* A bad explicit file leaves what the user file set untouched too. */
	free(user);
	user = write_file("xdg/kenoconsole/kenoconsole.ini", 0600, "[voipms]\ntimeout = 30\n");
	free(expl);
	expl = write_file("explicit.ini", 0600, "[voipms]\ntimeout = 0\n");
	assert_int_equal(settings_load_standard(&s, expl, &err), KC_ERR_INVALID);
	assert_int_equal(s.voipms_timeout, 60);
	kc_error_clear(&err);
	settings_free(&s);
	free(user);
	free(expl);
}

static void test_file_shape_refused(void **state)
{
	char big[1200];
	memset(big, 'x', sizeof big);
	memcpy(big, "[ui]\neditor = ", 14);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	refused(big, KC_ERR_INVALID, "t.ini:2: line too long", NULL);

	char *path = write_file("nul.ini", 0600, "[ui]\neditor = a");
	FILE *f = fopen(path, "a");
	fputc('\0', f);
	fputs("b\n", f);
	fclose(f);
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	assert_int_equal(settings_load_file(&s, path, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "NUL"));
	kc_error_clear(&err);
	assert_int_equal(settings_load_file(&s, test_tmpdir(), &err), KC_ERR_IO);
	kc_error_clear(&err);
	settings_free(&s);
	free(path);
}

/* ---- the sample ---- */

static void test_sample_file_loads(void **state)
{
	struct kc_settings s;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	if (settings_load_file(&s, TOP_SRCDIR "/data/kenoconsole.ini.sample", &err) != KC_OK)
		fail_msg("%s", kc_error_text(&err));
	settings_free(&s);
}

/* The sample's commented settings, uncommented, are exactly the defaults. */
static void test_sample_shows_the_real_defaults(void **state)
{
	FILE *in = fopen(TOP_SRCDIR "/data/kenoconsole.ini.sample", "r");
	assert_non_null(in);
	char *path = write_file("uncommented.ini", 0600, "");
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	char line[1100];
	int n = 0;
	while (fgets(line, sizeof line, in)) {
		n += line[0] == ';';
		fputs(line[0] == ';' ? line + 1 : line, out);
	}
	fclose(in);
	fclose(out);
	assert_int_equal(n, 32); /* every key but [keys] */

	setenv("HOME", "/home/kc", 1);
	unsetenv("XDG_DATA_HOME");
	struct kc_settings s, d;
	kc_error err = KC_ERROR_INIT;
	fresh(&s);
	fresh(&d);
	if (settings_load_file(&s, path, &err) != KC_OK)
		fail_msg("%s", kc_error_text(&err));
	assert_string_equal(s.db_path, d.db_path);
	assert_int_equal(s.db_busy_timeout_ms, d.db_busy_timeout_ms);
	assert_int_equal(s.billing_cycle, d.billing_cycle);
	assert_int_equal(s.minimum_support_charge, d.minimum_support_charge);
	assert_int_equal(s.first_payment_usage_percent, d.first_payment_usage_percent);
	assert_int_equal(s.usage_markup_percent, d.usage_markup_percent);
	assert_int_equal(s.consulting_hourly_rate, d.consulting_hourly_rate);
	assert_int_equal(s.chargeback_fee, d.chargeback_fee);
	assert_int_equal(s.support_charge_basic, d.support_charge_basic);
	assert_int_equal(s.support_charge_fully_administered, d.support_charge_fully_administered);
	assert_string_equal(s.gst_number, d.gst_number);
	assert_string_equal(s.qst_number, d.qst_number);
	assert_string_equal(s.business_hours, d.business_hours);
	assert_int_equal(s.business_days, d.business_days);
	assert_int_equal(s.business_open_minute, d.business_open_minute);
	assert_int_equal(s.business_close_minute, d.business_close_minute);
	assert_int_equal(s.easter, d.easter);
	assert_int_equal(s.n_extra_holidays, 0);
	assert_int_equal(s.credit_percent, d.credit_percent);
	assert_int_equal(s.credit_monthly_cap, d.credit_monthly_cap);
	assert_int_equal(s.credit_window_days, d.credit_window_days);
	assert_int_equal(s.language, d.language);
	assert_int_equal(s.theme, d.theme);
	assert_null(s.keymap);
	assert_null(s.editor);
	assert_string_equal(s.voipms_url, d.voipms_url);
	assert_null(s.voipms_username);
	assert_null(s.voipms_password);
	assert_int_equal(s.voipms_connect_timeout, d.voipms_connect_timeout);
	assert_int_equal(s.voipms_timeout, d.voipms_timeout);
	assert_int_equal(s.voipms_max_response_bytes, d.voipms_max_response_bytes);
	assert_int_equal(s.voipms_timezone, d.voipms_timezone);
	assert_string_equal(s.voipms_currency, d.voipms_currency);
	assert_null(s.voipms_conversion_rate);
	assert_string_equal(s.office_zone, d.office_zone);
	settings_free(&s);
	settings_free(&d);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_paths_follow_xdg_and_home),
		cmocka_unit_test(test_every_key_is_read),
		cmocka_unit_test(test_pitfall_a_hash_or_semicolon_in_unquoted_value),
		cmocka_unit_test(test_pitfall_b_010_is_ten),
		cmocka_unit_test(test_pitfall_c_malformed_line_never_printed),
		cmocka_unit_test(test_pitfall_d_section_names_and_lost_keys),
		cmocka_unit_test(test_unknown_key_and_section_named_with_line),
		cmocka_unit_test(test_names_are_case_insensitive),
		cmocka_unit_test(test_bad_values_refused),
		cmocka_unit_test(test_range_limits_accepted),
		cmocka_unit_test(test_quoted_password_with_mode_0600_accepted),
		cmocka_unit_test(test_password_file_with_mode_0644_refused),
		cmocka_unit_test(test_unquoted_password_refused_without_its_value),
		cmocka_unit_test(test_secret_never_reaches_stderr_or_message),
		cmocka_unit_test(test_whole_file_refused_nothing_applied),
		cmocka_unit_test(test_later_file_overrides_earlier),
		cmocka_unit_test(test_standard_order_user_then_explicit),
		cmocka_unit_test(test_file_shape_refused),
		cmocka_unit_test(test_sample_file_loads),
		cmocka_unit_test(test_sample_shows_the_real_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
