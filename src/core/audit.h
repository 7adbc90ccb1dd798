/*
 * audit.h: the append-only audit trail (HIS-1).
 *
 * audit_record() inserts one row in the SAME transaction as the change it
 * describes (the caller has called db_begin_write).  old_json/new_json are
 * JSON objects of the changed columns (either may be NULL), built by the
 * caller, e.g. with audit_json_*; the strings are copied by SQLite.
 * account_id ties the row to an account's history (HIS-2); 0 when none
 * (stored as NULL).  at = db_now_iso(), staff = db_staff().  Outside a
 * write transaction: KC_ERR_INTERNAL, nothing written.  The table refuses
 * UPDATE and DELETE (triggers), so a row once committed stays.
 */
#ifndef KC_AUDIT_H
#define KC_AUDIT_H

#include "db.h"
#include "strbuf.h"

kc_status audit_record(kc_db *db, const char *entity, int64_t entity_id, int64_t account_id,
	const char *action, const char *old_json, const char *new_json, kc_error *err);

/* Small JSON object builder: audit_json_begin(sb) -> '{', then pairs, then
 * audit_json_end(sb) -> '}'.  Strings are escaped (quote, backslash,
 * control chars as \u00XX; invalid UTF-8 bytes become \ufffd).  Memory
 * failure is sticky in sb (strbuf_failed). */
void audit_json_begin(strbuf *sb);
void audit_json_str(strbuf *sb, const char *key, const char *value);   /* NULL -> null */
void audit_json_int(strbuf *sb, const char *key, int64_t value);
void audit_json_end(strbuf *sb);

struct audit_entry {
	int64_t id;
	char *at, *staff, *entity, *action, *old_values, *new_values;
	int64_t entity_id, account_id;
};
void audit_entry_clear(struct audit_entry *e);

/* Keyset page of the audit trail, newest first: rows with id < before_id
 * (0 = from the newest).  Filters may be NULL (entity_id 0): staff and
 * entity match exactly; from_date/to_date are office days 'YYYY-MM-DD',
 * both inclusive (KC_ERR_INVALID when not a date).  Fills up to max
 * entries (caller owns them; clear each with audit_entry_clear); on error
 * *n is 0 and nothing is left to free. */
kc_status audit_page(kc_db *db, const char *staff, const char *entity, int64_t entity_id,
	const char *from_date, const char *to_date, int64_t before_id,
	struct audit_entry *out, size_t max, size_t *n, kc_error *err);

/* The same with every filter, including the account a row is tied to
 * (account_id 0: any).  Members may be NULL / 0; f itself may be NULL. */
struct audit_filter {
	const char *staff, *entity;
	int64_t entity_id, account_id;
	const char *from_date, *to_date;
};
kc_status audit_page_where(kc_db *db, const struct audit_filter *f, int64_t before_id,
	struct audit_entry *out, size_t max, size_t *n, kc_error *err);

#endif
