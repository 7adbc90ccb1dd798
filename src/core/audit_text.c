/* audit_text.c: an audit entry's old and new values for people (see
 * audit_text.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit_text.h"
#include "kc.h"
#include "strbuf.h"

#define ARROW " \xe2\x86\x92 "  /* → */
#define NONE "\xe2\x80\x94"     /* — */
#define ELLIPSIS "\xe2\x80\xa6" /* … */

/* Appends s with control characters shown as spaces, cut after max bytes
 * (0: whole) at a character boundary. */
static void append_clean(strbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p && (max == 0 || n < max)) {
		if (*p < 0x20 || *p == 0x7F) {
			strbuf_appendc(sb, ' ');
		} else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* C1 control */
			strbuf_appendc(sb, ' ');
			p++;
		} else {
			strbuf_appendc(sb, (char)*p);
		}
		p++;
		n++;
	}
	while (*p && (*p & 0xC0) == 0x80) /* finish the character that was cut */
		strbuf_appendc(sb, (char)*p++);
	if (*p)
		strbuf_append(sb, ELLIPSIS);
}

static void append_value(strbuf *sb, json_t *v, size_t max)
{
	if (!v || json_is_null(v)) {
		strbuf_append(sb, NONE);
	} else if (json_is_string(v)) {
		strbuf_appendc(sb, '"');
		append_clean(sb, json_string_value(v), max);
		strbuf_appendc(sb, '"');
	} else if (json_is_integer(v)) {
		strbuf_appendf(sb, "%" PRId64, (int64_t)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		strbuf_append(sb, json_is_true(v) ? _("yes") : _("no"));
	} else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		append_clean(sb, d ? d : "?", max);
		free(d);
	}
}

/* A JSON object, or NULL (not an object, or not JSON: shown raw). */
static json_t *load_object(const char *s)
{
	if (!s)
		return NULL;
	json_t *o = json_loads(s, JSON_DECODE_ANY, NULL);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static void item_start(strbuf *sb, const char *sep, const char *key, size_t max)
{
	if (sb->len)
		strbuf_append(sb, sep);
	append_clean(sb, key, max);
	strbuf_append(sb, ": ");
}

char *audit_changes_text(const char *old_s, const char *new_s, const char *sep, size_t max)
{
	json_t *old = load_object(old_s), *new = load_object(new_s);
	strbuf sb = STRBUF_INIT;
	if (!sep)
		sep = "; ";
	if ((old_s && !old) || (new_s && !new)) { /* not ours: show it as stored */
		append_clean(&sb, old_s ? old_s : "", max);
		strbuf_append(&sb, ARROW);
		append_clean(&sb, new_s ? new_s : "", max);
	} else {
		const char *key;
		json_t *v;
		json_object_foreach(new, key, v) {
			item_start(&sb, sep, key, max);
			json_t *was = old ? json_object_get(old, key) : NULL;
			if (was) {
				append_value(&sb, was, max);
				strbuf_append(&sb, ARROW);
			}
			append_value(&sb, v, max);
		}
		json_object_foreach(old, key, v) {
			if (new && json_object_get(new, key))
				continue;
			item_start(&sb, sep, key, max);
			append_value(&sb, v, max);
			strbuf_append(&sb, ARROW NONE);
		}
	}
	json_decref(old);
	json_decref(new);
	return strbuf_detach(&sb); /* NULL when memory ran out */
}
