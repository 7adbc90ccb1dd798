/* error.c: kc_error and small allocation helpers (see kc.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc.h"

static char *vformat(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	char *out = malloc((size_t)n + 1);
	if (out)
		vsnprintf(out, (size_t)n + 1, fmt, ap);
	return out;
}

kc_status kc_error_set(kc_error *err, kc_status code, const char *fmt, ...)
{
	if (!err)
		return code;
	free(err->message);
	va_list ap;
	va_start(ap, fmt);
	err->message = vformat(fmt, ap);
	va_end(ap);
	err->code = code;
	return code;
}

void kc_error_clear(kc_error *err)
{
	if (!err)
		return;
	free(err->message);
	err->message = NULL;
	err->code = KC_OK;
}

const char *kc_status_text(kc_status code)
{
	switch (code) {
	case KC_OK: return _("Success");
	case KC_ERR_INVALID: return _("Invalid input");
	case KC_ERR_NOT_FOUND: return _("Not found");
	case KC_ERR_CONFLICT: return _("Changed by someone else");
	case KC_ERR_RULE: return _("Refused by the agreement rules");
	case KC_ERR_PERM: return _("Permission denied");
	case KC_ERR_BUSY: return _("The database is busy; try again");
	case KC_ERR_DB: return _("Database error");
	case KC_ERR_IO: return _("File error");
	case KC_ERR_NET: return _("Network error");
	case KC_ERR_NOMEM: return _("Out of memory");
	case KC_ERR_INTERNAL: break;
	}
	return _("Internal error");
}

const char *kc_error_text(const kc_error *err)
{
	if (err && err->message)
		return err->message;
	return kc_status_text(err ? err->code : KC_ERR_INTERNAL);
}

const char *kc_pgettext(const char *msgctxt_id, const char *msgid)
{
	const char *t = gettext(msgctxt_id);
	return t == msgctxt_id ? msgid : t;
}

char *kc_strdup(const char *s)
{
	return s ? kc_strndup(s, strlen(s)) : NULL;
}

char *kc_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return out;
}

char *kc_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = vformat(fmt, ap);
	va_end(ap);
	return out;
}
