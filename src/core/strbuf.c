/* strbuf.c: growable heap string (see strbuf.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Makes room for `extra` more bytes plus the final NUL. */
static bool strbuf_grow(strbuf *sb, size_t extra)
{
	if (sb->failed)
		return false;
	if (extra >= SIZE_MAX - sb->len) {
		sb->failed = true;
		return false;
	}
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(sb->buf, cap);
	if (!p) {
		sb->failed = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

bool strbuf_appendn(strbuf *sb, const char *s, size_t n)
{
	if (!strbuf_grow(sb, n))
		return false;
	if (n)
		memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return true;
}

bool strbuf_append(strbuf *sb, const char *s)
{
	return strbuf_appendn(sb, s, s ? strlen(s) : 0);
}

bool strbuf_appendc(strbuf *sb, char c)
{
	return strbuf_appendn(sb, &c, 1);
}

bool strbuf_vappendf(strbuf *sb, const char *fmt, va_list ap)
{
	if (sb->failed)
		return false;
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || !strbuf_grow(sb, (size_t)n)) {
		sb->failed = true;
		return false;
	}
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return true;
}

bool strbuf_appendf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
	return ok;
}

bool strbuf_failed(const strbuf *sb)
{
	return sb->failed;
}

void strbuf_reset(strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	sb->failed = false;
}

void strbuf_free(strbuf *sb)
{
	if (!sb)
		return;
	free(sb->buf);
	*sb = (strbuf)STRBUF_INIT;
}

char *strbuf_detach(strbuf *sb)
{
	char *out = NULL;
	if (!sb->failed)
		out = sb->buf ? sb->buf : kc_strdup("");
	else
		free(sb->buf);
	*sb = (strbuf)STRBUF_INIT;
	return out;
}

const char *strbuf_cstr(const strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
