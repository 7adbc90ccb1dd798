/*
 * fuzz_settings.c: libFuzzer target for the configuration loader
 * (settings_load_file in settings.h, over iniparser 4.1).  Built and run by
 * tests/fuzz/run-fuzz.sh.
 *
 * The input is written to one private temporary file (mode 0600, so the
 * voip.ms password rule does not refuse every input) and loaded on top of
 * the defaults.  Besides memory safety (ASan/UBSan) it checks the contract:
 *  - a failure leaves the settings exactly as they were (all or nothing)
 *    and comes with a message; the message never holds the password value;
 *  - a success gives values inside the documented ranges;
 *  - loading the same file twice gives the same settings as once.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[4096];
static int tmp_fd = -1;

static void remove_tmp(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

static bool write_input(const uint8_t *data, size_t size)
{
	if (tmp_fd < 0) {
		const char *dir = getenv("TMPDIR");
		snprintf(tmp_path, sizeof tmp_path, "%s/fuzz-settings-XXXXXX",
			dir && dir[0] ? dir : "/tmp");
		tmp_fd = mkstemp(tmp_path);
		if (tmp_fd < 0)
			abort();
		atexit(remove_tmp);
	}
	if (fchmod(tmp_fd, 0600) != 0 || ftruncate(tmp_fd, 0) != 0)
		abort();
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(tmp_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_settings(const struct kc_settings *a, const struct kc_settings *b)
{
	bool same = str_eq(a->db_path, b->db_path) && a->db_busy_timeout_ms == b->db_busy_timeout_ms &&
		a->billing_cycle == b->billing_cycle &&
		a->minimum_support_charge == b->minimum_support_charge &&
		a->first_payment_usage_percent == b->first_payment_usage_percent &&
		a->usage_markup_percent == b->usage_markup_percent &&
		a->consulting_hourly_rate == b->consulting_hourly_rate &&
		a->chargeback_fee == b->chargeback_fee &&
		a->support_charge_basic == b->support_charge_basic &&
		a->support_charge_fully_administered == b->support_charge_fully_administered &&
		str_eq(a->gst_number, b->gst_number) && str_eq(a->qst_number, b->qst_number) &&
		str_eq(a->business_hours, b->business_hours) && a->business_days == b->business_days &&
		a->business_open_minute == b->business_open_minute &&
		a->business_close_minute == b->business_close_minute && a->easter == b->easter &&
		a->n_extra_holidays == b->n_extra_holidays && a->credit_percent == b->credit_percent &&
		a->credit_monthly_cap == b->credit_monthly_cap &&
		a->credit_window_days == b->credit_window_days && a->language == b->language &&
		a->theme == b->theme && str_eq(a->keymap, b->keymap) && str_eq(a->editor, b->editor) &&
		str_eq(a->voipms_url, b->voipms_url) &&
		str_eq(a->voipms_username, b->voipms_username) &&
		str_eq(a->voipms_password, b->voipms_password) &&
		a->voipms_connect_timeout == b->voipms_connect_timeout &&
		a->voipms_timeout == b->voipms_timeout &&
		a->voipms_max_response_bytes == b->voipms_max_response_bytes &&
		a->voipms_timezone == b->voipms_timezone &&
		memcmp(a->voipms_currency, b->voipms_currency, sizeof a->voipms_currency) == 0 &&
		str_eq(a->voipms_conversion_rate, b->voipms_conversion_rate) &&
		a->voipms_conversion_rate_e8 == b->voipms_conversion_rate_e8 &&
		str_eq(a->office_zone, b->office_zone) && a->n_key_bindings == b->n_key_bindings;
	for (size_t i = 0; same && i < a->n_extra_holidays; i++)
		same = a->extra_holidays[i].year == b->extra_holidays[i].year &&
		       a->extra_holidays[i].month == b->extra_holidays[i].month &&
		       a->extra_holidays[i].day == b->extra_holidays[i].day;
	for (size_t i = 0; same && i < a->n_key_bindings; i++)
		same = str_eq(a->key_bindings[i].action, b->key_bindings[i].action) &&
		       str_eq(a->key_bindings[i].keys, b->key_bindings[i].keys);
	return same;
}

static bool in(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static bool real_date(const struct settings_date *d)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!in(d->year, 1900, 9999) || !in(d->month, 1, 12) || !in(d->day, 1, days[d->month - 1]))
		return false;
	bool leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
	return !(d->month == 2 && d->day == 29 && !leap);
}

static void check_ranges(const struct kc_settings *s)
{
	bool ok = in(s->db_busy_timeout_ms, 100, 600000) &&
		in(s->first_payment_usage_percent, 0, 1000) && in(s->usage_markup_percent, 0, 1000) &&
		in(s->business_open_minute, 0, 1439) &&
		s->business_close_minute > s->business_open_minute &&
		in(s->business_close_minute, 1, 1440) && (s->business_days & ~0x7Fu) == 0 &&
		in(s->credit_percent, 0, 100) && in(s->credit_window_days, 1, 365) &&
		in(s->voipms_connect_timeout, 1, 300) && in(s->voipms_timeout, 1, 3600) &&
		in(s->voipms_max_response_bytes, 1024, 1073741824) &&
		in(s->voipms_timezone, -12, 14) && (!s->db_path || s->db_path[0] == '/') &&
		(!s->keymap || s->keymap[0] == '/') && s->voipms_url &&
		(strncmp(s->voipms_url, "https://", 8) == 0 ||
		 strncmp(s->voipms_url, "http://", 7) == 0) &&
		(s->n_extra_holidays == 0) == (s->extra_holidays == NULL) &&
		(s->n_key_bindings == 0) == (s->key_bindings == NULL);
	for (int i = 0; ok && i < 3; i++)
		ok = s->voipms_currency[i] >= 'A' && s->voipms_currency[i] <= 'Z';
	ok = ok && s->voipms_currency[3] == '\0';
	for (size_t i = 0; ok && i < s->n_extra_holidays; i++)
		ok = real_date(&s->extra_holidays[i]);
	if (!ok)
		abort();
}

static size_t occurrences(const char *hay, size_t len, const char *needle, size_t n)
{
	size_t count = 0;
	for (const char *p = hay; n && (p = memmem(p, len - (size_t)(p - hay), needle, n)); p++)
		count++;
	return count;
}

/*
 * A message must never show the value of a "password" line.  Only values
 * of 8+ bytes that appear once in the whole input count, so a value that is
 * also a section or key name elsewhere is no false alarm.
 */
static void check_no_secret(const char *text, size_t len, const char *message)
{
	for (const char *line = text; line && line < text + len;) {
		const char *end = memchr(line, '\n', len - (size_t)(line - text));
		size_t n = end ? (size_t)(end - line) : len - (size_t)(line - text);
		const char *eq = memchr(line, '=', n);
		if (eq && memmem(line, (size_t)(eq - line), "password", 8)) {
			const char *v = eq + 1, *ve = line + n;
			while (v < ve && (*v == ' ' || *v == '\t' || *v == '"'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '"' || ve[-1] == '\r'))
				ve--;
			size_t vn = (size_t)(ve - v);
			char *value = vn >= 8 && !memchr(v, '\0', vn) ? malloc(vn + 1) : NULL;
			if (value) {
				memcpy(value, v, vn);
				value[vn] = '\0';
			}
			if (value && occurrences(text, len, value, vn) == 1 &&
			    !strstr(tmp_path, value) && strstr(message, value))
				abort(); /* the password is in the message */
			free(value);
		}
		line = end ? end + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	write_input(data, size);
	struct kc_settings s, pristine, twice;
	if (settings_defaults(&s) != KC_OK || settings_defaults(&pristine) != KC_OK)
		abort();
	kc_error err = KC_ERROR_INIT;
	kc_status rc = settings_load_file(&s, tmp_path, &err);
	if (rc != KC_OK) {
		if (!err.message || !same_settings(&s, &pristine))
			abort(); /* no message, or a half-applied file */
		if (rc != KC_ERR_INVALID && rc != KC_ERR_PERM && rc != KC_ERR_IO &&
		    rc != KC_ERR_NOMEM)
			abort();
		check_no_secret((const char *)data, size, err.message);
	} else {
		if (err.message)
			abort();
		check_ranges(&s);
		if (settings_defaults(&twice) != KC_OK)
			abort();
		if (settings_load_file(&twice, tmp_path, NULL) != KC_OK ||
		    settings_load_file(&twice, tmp_path, NULL) != KC_OK || !same_settings(&s, &twice))
			abort(); /* the same file twice is not the same as once */
		settings_free(&twice);
	}
	kc_error_clear(&err);
	settings_free(&s);
	settings_free(&pristine);
	return 0;
}
