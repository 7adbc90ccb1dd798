/* error.c: kc_error, user text made safe for messages, and small allocation
 * helpers (see kc.h). */
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

/* ------------------------------------------------------------------ */
/* User text inside messages                                           */

/* Decodes one UTF-8 sequence at s; its length, or 0 when invalid
 * (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t len;
	uint32_t c = s[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c < 0xE0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c < 0xF0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c < 0xF5) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Characters a terminal acts on (C0, DEL, C1) or that reorder or break
 * the line around them (bidi controls, line and paragraph separators). */
static bool unsafe_code_point(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C ||
	       (c >= 0x200E && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *kc_quote_for_message(const char *s, size_t max_chars)
{
	static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t in = strlen((const char *)p);
	/* Never longer than the input plus the ellipsis: '?' replaces at
	 * least one byte. */
	char *out = malloc(in + sizeof ellipsis);
	if (!out)
		return NULL;
	size_t o = 0, chars = 0;
	while (*p) {
		if (chars == max_chars) {
			memcpy(out + o, ellipsis, sizeof ellipsis - 1);
			o += sizeof ellipsis - 1;
			break;
		}
		uint32_t cp = 0;
		size_t len = utf8_decode(p, &cp);
		if (len == 0 || unsafe_code_point(cp)) {
			out[o++] = '?';
			p += len ? len : 1;
		} else {
			memcpy(out + o, p, len);
			o += len;
			p += len;
		}
		chars++;
	}
	out[o] = '\0';
	return out;
}

/* Appends n bytes at s to out (at *o, room already checked). */
static void put(char *out, size_t *o, const char *s, size_t n)
{
	memcpy(out + *o, s, n);
	*o += n;
}

kc_status kc_error_set_quoted(kc_error *err, kc_status code, const char *fmt, const char *text)
{
	if (!err)
		return code;
	char *q = kc_quote_for_message(text, KC_QUOTE_MAX);
	char *msg = q && fmt ? malloc(strlen(fmt) + strlen(q) + 1) : NULL;
	if (!msg) {
		free(q);
		return kc_error_set(err, code, "%s", kc_status_text(code));
	}
	/* Not printf: fmt is not checked by the compiler here, so only "%s"
	 * (once) and "%%" mean anything; other text is copied as it is. */
	size_t o = 0;
	bool used = false;
	for (const char *f = fmt; *f; f++) {
		if (f[0] == '%' && f[1] == 's' && !used) {
			put(msg, &o, q, strlen(q));
			used = true;
			f++;
		} else if (f[0] == '%' && f[1] == '%') {
			put(msg, &o, "%", 1);
			f++;
		} else {
			put(msg, &o, f, 1);
		}
	}
	msg[o] = '\0';
	free(q);
	free(err->message);
	err->message = msg;
	err->code = code;
	return code;
}
