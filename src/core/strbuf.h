/*
 * strbuf.h: a growable, always NUL-terminated heap string.
 *
 * Contract
 *  - A strbuf is a value the caller owns (usually on the stack), started
 *    with STRBUF_INIT.  Its heap memory belongs to it until strbuf_free()
 *    or strbuf_detach().  `buf` is NULL until the first append; use
 *    strbuf_cstr() to read it, which never returns NULL.
 *  - Appends return false when memory (or size_t) runs out, or when a
 *    printf format cannot be converted.  The failure is
 *    sticky: every later append also returns false and changes nothing, so
 *    a caller may append many pieces and test only the last result (or
 *    strbuf_failed()).  The text already in the buffer stays valid (it is
 *    the text before the first failed append).  strbuf_reset() and
 *    strbuf_free() clear the failure.
 *  - Embedded NUL bytes may be appended with strbuf_appendn(); `len` counts
 *    them, strbuf_cstr() then shows only the part before the first one.
 */
#ifndef KC_STRBUF_H
#define KC_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "kc.h"

typedef struct strbuf {
	char *buf;   /* NULL or cap bytes, NUL-terminated at buf[len] */
	size_t len;  /* bytes used, without the final NUL */
	size_t cap;  /* bytes allocated */
	bool failed; /* an append ran out of memory (sticky, see above) */
} strbuf;

#define STRBUF_INIT { NULL, 0, 0, false }

/* Appends the C string s (NULL appends nothing). */
bool strbuf_append(strbuf *sb, const char *s);
/* Appends exactly n bytes of s (s may be NULL only when n == 0). */
bool strbuf_appendn(strbuf *sb, const char *s, size_t n);
/* Appends one byte. */
bool strbuf_appendc(strbuf *sb, char c);
/* Appends printf-formatted text. */
bool strbuf_appendf(strbuf *sb, const char *fmt, ...) KC_PRINTF(2, 3);
bool strbuf_vappendf(strbuf *sb, const char *fmt, va_list ap) KC_PRINTF(2, 0);

/* True once an append has failed (until reset or free). */
bool strbuf_failed(const strbuf *sb);
/* Empties the text, keeps the memory, clears the failure. */
void strbuf_reset(strbuf *sb);
/* Frees the memory; sb is STRBUF_INIT afterwards.  Safe on NULL. */
void strbuf_free(strbuf *sb);
/*
 * Hands the text to the caller, who frees it with free(); sb is STRBUF_INIT
 * afterwards.  Returns NULL (and frees the text) if an append had failed or
 * if memory runs out, so a non-NULL result is always the complete text.
 */
char *strbuf_detach(strbuf *sb) KC_WARN_UNUSED;
/* The text, or "" when empty; valid until the next call that changes sb. */
const char *strbuf_cstr(const strbuf *sb);

#endif
