/* audit.c: the append-only audit trail (see audit.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "date.h"

kc_status audit_record(kc_db *db, const char *entity, int64_t entity_id, int64_t account_id,
	const char *action, const char *old_json, const char *new_json, kc_error *err)
{
	if (!entity || !action)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: an audit row needs an entity and an action."));
	/* HIS-1: the audit row belongs to the change's own transaction. */
	if (!db_in_write_transaction(db))
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: an audit row was written outside a write transaction."));
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"INSERT INTO audit (at, staff, entity, entity_id, account_id, action, old_values, new_values)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, db_staff(db), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, entity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, entity_id);
	if (account_id > 0)
		sqlite3_bind_int64(st, 5, account_id);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, old_json, -1, SQLITE_STATIC); /* NULL binds NULL */
	sqlite3_bind_text(st, 8, new_json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return s;
}

/* --- JSON builder ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, min = 0x80, cp = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, min = 0x800, cp = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* A JSON string literal; invalid UTF-8 becomes U+FFFD so the text stays
 * valid JSON whatever came in. */
static void json_string(strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_appendc(sb, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p == '"' || *p == '\\') {
			strbuf_appendc(sb, '\\');
			strbuf_appendc(sb, (char)*p++);
		} else if (*p < 0x20 || *p == 0x7F) {
			strbuf_append(sb, "\\u00");
			strbuf_appendc(sb, hex[*p >> 4]);
			strbuf_appendc(sb, hex[*p & 15]);
			p++;
		} else {
			size_t n = utf8_len(p);
			if (n == 0) {
				strbuf_append(sb, "\\ufffd");
				p++;
			} else {
				strbuf_appendn(sb, (const char *)p, n);
				p += n;
			}
		}
	}
	strbuf_appendc(sb, '"');
}

/* A comma unless the object was just opened. */
static void json_key(strbuf *sb, const char *key)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] != '{')
		strbuf_appendc(sb, ',');
	json_string(sb, key ? key : "");
	strbuf_appendc(sb, ':');
}

void audit_json_begin(strbuf *sb)
{
	strbuf_appendc(sb, '{');
}

void audit_json_str(strbuf *sb, const char *key, const char *value)
{
	json_key(sb, key);
	if (value)
		json_string(sb, value);
	else
		strbuf_append(sb, "null");
}

void audit_json_int(strbuf *sb, const char *key, int64_t value)
{
	json_key(sb, key);
	strbuf_appendf(sb, "%lld", (long long)value);
}

void audit_json_end(strbuf *sb)
{
	strbuf_appendc(sb, '}');
}

/* --- reading ----------------------------------------------------------------- */

void audit_entry_clear(struct audit_entry *e)
{
	if (!e)
		return;
	free(e->at);
	free(e->staff);
	free(e->entity);
	free(e->action);
	free(e->old_values);
	free(e->new_values);
	memset(e, 0, sizeof *e);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? kc_strdup(t) : NULL;
}

static bool fill_entry(sqlite3_stmt *st, struct audit_entry *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	e->at = col_dup(st, 1);
	e->staff = col_dup(st, 2);
	e->entity = col_dup(st, 3);
	e->entity_id = sqlite3_column_int64(st, 4);
	e->account_id = sqlite3_column_int64(st, 5);
	e->action = col_dup(st, 6);
	e->old_values = col_dup(st, 7);
	e->new_values = col_dup(st, 8);
	bool ok = e->at && e->staff && e->entity && e->action &&
		  (e->old_values || sqlite3_column_type(st, 7) == SQLITE_NULL) &&
		  (e->new_values || sqlite3_column_type(st, 8) == SQLITE_NULL);
	if (!ok)
		audit_entry_clear(e);
	return ok;
}

/* The UTC instant at which an office day starts, as ISO text. */
static kc_status day_start(const char *date, int64_t add_days, char *buf, kc_error *err)
{
	kc_date d;
	kc_status s = date_parse(date, &d, err);
	if (s != KC_OK)
		return s;
	kc_local l = { date_add_days(d, add_days), 0, 0, 0 };
	date_instant_format(date_from_local(l), buf);
	return KC_OK;
}

/*
 * The page query with only the filters asked for, so SQLite can use the
 * matching index.  Parameters have fixed numbers: ?1 staff, ?2 entity,
 * ?3 entity_id, ?4 from, ?5 to, ?6 before_id, ?7 account_id, ?8 limit
 * (always present, so binding an unused number is never out of range).
 */
static kc_status build_page_query(strbuf *sql, const struct audit_filter *f, int64_t before_id,
	kc_error *err)
{
	const char *staff = f->staff, *entity = f->entity;
	int64_t entity_id = f->entity_id;
	bool from = f->from_date != NULL, to = f->to_date != NULL;
	strbuf_append(sql,
		"SELECT id, at, staff, entity, entity_id, account_id, action, old_values, new_values"
		" FROM audit WHERE 1");
	if (staff)
		strbuf_append(sql, " AND staff = ?1");
	if (entity)
		strbuf_append(sql, " AND entity = ?2");
	if (entity_id > 0)
		strbuf_append(sql, " AND entity_id = ?3");
	if (from)
		strbuf_append(sql, " AND at >= ?4");
	if (to)
		strbuf_append(sql, " AND at < ?5");
	if (f->account_id > 0)
		strbuf_append(sql, " AND account_id = ?7");
	if (before_id > 0)
		strbuf_append(sql, " AND id < ?6");
	strbuf_append(sql, " ORDER BY id DESC LIMIT ?8");
	if (strbuf_failed(sql))
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	return KC_OK;
}

kc_status audit_page(kc_db *db, const char *staff, const char *entity, int64_t entity_id,
	const char *from_date, const char *to_date, int64_t before_id,
	struct audit_entry *out, size_t max, size_t *n, kc_error *err)
{
	const struct audit_filter f = { staff, entity, entity_id, 0, from_date, to_date };
	return audit_page_where(db, &f, before_id, out, max, n, err);
}

kc_status audit_page_where(kc_db *db, const struct audit_filter *filter, int64_t before_id,
	struct audit_entry *out, size_t max, size_t *n, kc_error *err)
{
	static const struct audit_filter none = { 0 };
	const struct audit_filter *f = filter ? filter : &none;
	const char *staff = f->staff, *entity = f->entity;
	const char *from_date = f->from_date, *to_date = f->to_date;
	*n = 0;
	if (max == 0)
		return KC_OK;
	char from[DATE_INSTANT_BUFSZ], to[DATE_INSTANT_BUFSZ];
	kc_status s = KC_OK;
	if (from_date)
		s = day_start(from_date, 0, from, err);
	if (s == KC_OK && to_date) /* inclusive: up to the next day's start */
		s = day_start(to_date, 1, to, err);
	strbuf sql = STRBUF_INIT;
	if (s == KC_OK)
		s = build_page_query(&sql, f, before_id, err);
	sqlite3_stmt *st = NULL;
	if (s == KC_OK)
		s = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->entity_id);
	sqlite3_bind_text(st, 4, from_date ? from : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, to_date ? to : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, before_id);
	sqlite3_bind_int64(st, 7, f->account_id);
	sqlite3_bind_int64(st, 8, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!fill_entry(st, &out[*n])) {
			s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
			break;
		}
		(*n)++;
	}
	if (s == KC_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (s != KC_OK) {
		for (size_t k = 0; k < *n; k++)
			audit_entry_clear(&out[k]);
		*n = 0;
	}
	return s;
}
