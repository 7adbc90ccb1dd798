/* snapshot.c: consistent copies of the database for offline review
 * (see snapshot.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "strbuf.h"

#define SLOW_ENV "KENOCONSOLE_SNAPSHOT_SLOW_MS"
#define SLOW_PAGES 8
#define BUSY_SLEEP_MS 50
#define BUSY_MAX_TRIES 200 /* 10 s of a source locked by a writer */

struct job {
	kc_db *src;
	const char *dest;
	struct snapshot_options opt;
	long slow_ms;    /* KENOCONSOLE_SNAPSHOT_SLOW_MS, 0 when unset */
	char *tmp;       /* the temporary copy, beside dest */
	sqlite3 *dst;    /* open on tmp while the copy is built */
	struct snapshot_info info;
};

/* --- small helpers ------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long slow_ms_from_env(void)
{
	const char *v = getenv(SLOW_ENV);
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	long ms = strtol(v, &end, 10);
	return errno == 0 && *end == '\0' && ms >= 1 && ms <= 10000 ? ms : 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return kc_strdup(".");
	if (slash == path)
		return kc_strdup("/");
	return kc_strndup(path, (size_t)(slash - path));
}

/* A name SQLite never takes for a "file:" URI (Debian turns URIs on). */
static char *sqlite_name(const char *path)
{
	return path[0] == '/' ? kc_strdup(path) : kc_asprintf("./%s", path);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool sibling_exists(const char *path, const char *suffix)
{
	char *p = kc_asprintf("%s%s", path, suffix);
	bool found = p && exists(p);
	free(p);
	return found;
}

static void remove_with_sidecars(const char *path)
{
	static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char *p = kc_asprintf("%s%s", path, suffixes[i]);
		if (p)
			unlink(p);
		free(p);
	}
}

/* "name" with its double quotes doubled: a table name from the schema. */
static void append_ident(strbuf *sb, const char *name)
{
	strbuf_appendc(sb, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			strbuf_appendc(sb, '"');
		strbuf_appendc(sb, *p);
	}
	strbuf_appendc(sb, '"');
}

static kc_status dst_fail(struct job *j, kc_error *err)
{
	return db_fail(NULL, sqlite3_extended_errcode(j->dst), err);
}

static kc_status dst_exec(struct job *j, const char *sql, kc_error *err)
{
	return sqlite3_exec(j->dst, sql, NULL, NULL, NULL) == SQLITE_OK ? KC_OK : dst_fail(j, err);
}

/* Column 0 of the first row of sql (?1 bound to the account when asked). */
static kc_status dst_int(struct job *j, const char *sql, bool bind_account, int64_t *out,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->dst, sql, -1, &st, NULL) != SQLITE_OK)
		return dst_fail(j, err);
	if (bind_account)
		sqlite3_bind_int64(st, 1, j->opt.account_id);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	kc_status s = rc == SQLITE_ROW || rc == SQLITE_DONE ? KC_OK : dst_fail(j, err);
	sqlite3_finalize(st);
	return s;
}

/* --- checks before any work ------------------------------------------------- */

static kc_status check_dest(struct job *j, kc_error *err)
{
	struct stat st, src_st;
	if (lstat(j->dest, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return kc_error_set(err, KC_ERR_INVALID,
				_("%s is not a regular file; nothing was written."), j->dest);
		if (stat(db_path(j->src), &src_st) == 0 && src_st.st_dev == st.st_dev &&
		    src_st.st_ino == st.st_ino)
			return kc_error_set(err, KC_ERR_INVALID,
				_("%s is the database being copied; choose another file."), j->dest);
		if (!j->opt.force)
			return kc_error_set(err, KC_ERR_INVALID,
				_("%s already exists; nothing was written."), j->dest);
	} else if (errno != ENOENT) {
		return kc_error_set(err, KC_ERR_IO, _("Cannot read %s: %s."), j->dest, strerror(errno));
	}
	if (sibling_exists(j->dest, "-wal") || sibling_exists(j->dest, "-journal"))
		return kc_error_set(err, KC_ERR_INVALID,
			_("%s has a -wal or -journal file beside it (it is in use, or was not closed "
			  "cleanly); choose another file."), j->dest);
	return KC_OK;
}

static kc_status make_tmp(struct job *j, kc_error *err)
{
	j->tmp = kc_asprintf("%s.tmp-XXXXXX", j->dest);
	if (!j->tmp)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	int fd = mkstemp(j->tmp);
	if (fd < 0) {
		int e = errno;
		free(j->tmp);
		j->tmp = NULL;
		if (e == ENOENT || e == ENOTDIR)
			return kc_error_set(err, KC_ERR_NOT_FOUND,
				_("Cannot write %s: its folder does not exist."), j->dest);
		if (e == EACCES || e == EPERM || e == EROFS)
			return kc_error_set(err, KC_ERR_PERM,
				_("Cannot write %s: its folder is read-only."), j->dest);
		return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s."), j->dest, strerror(e));
	}
	close(fd);
	char *name = sqlite_name(j->tmp);
	if (!name)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	int rc = sqlite3_open_v2(name, &j->dst, SQLITE_OPEN_READWRITE, NULL);
	free(name);
	if (rc != SQLITE_OK)
		return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s."), j->dest,
			j->dst ? sqlite3_errmsg(j->dst) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(j->dst, 1);
	return KC_OK;
}

/* --- the copy ------------------------------------------------------------------ */

/* One backup step, waiting out a writer's lock for a bounded time. */
static int backup_step(sqlite3_backup *b, int pages)
{
	int rc = sqlite3_backup_step(b, pages);
	for (int i = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && i < BUSY_MAX_TRIES; i++) {
		sleep_ms(BUSY_SLEEP_MS);
		rc = sqlite3_backup_step(b, pages);
	}
	return rc;
}

static int run_backup(struct job *j, sqlite3_backup *b)
{
	int pages = j->opt.pages_per_step > 0 ? j->opt.pages_per_step
					      : SNAPSHOT_DEFAULT_PAGES_PER_STEP;
	if (j->slow_ms)
		pages = SLOW_PAGES;
	int rc, last_remaining = -1;
	for (;;) {
		rc = backup_step(b, pages);
		j->info.steps++;
		if (rc != SQLITE_OK)
			break;
		int remaining = sqlite3_backup_remaining(b);
		/* A step that goes on copies pages: fewer left.  A restart copies
		 * from page 1 again, so no fewer pages are left than before. */
		if (last_remaining >= 0 && remaining >= last_remaining &&
		    ++j->info.restarts >= SNAPSHOT_MAX_RESTARTS)
			pages = -1;
		last_remaining = remaining;
		if (j->opt.between_steps)
			j->opt.between_steps(j->opt.ctx);
		if (j->slow_ms)
			sleep_ms(j->slow_ms);
	}
	return rc;
}

static kc_status copy_pages(struct job *j, kc_error *err)
{
	/* In WAL mode our read transaction is one snapshot that writers do not
	 * wait for; in DELETE mode it would block them, so none is held. */
	bool hold = strcmp(db_journal_mode(j->src), "wal") == 0;
	kc_status s = KC_OK;
	int64_t ignored;
	if (hold) {
		s = db_begin_read(j->src, err);
		if (s == KC_OK) /* BEGIN is lazy: this read starts the snapshot */
			s = db_query_int(j->src, "SELECT count(*) FROM sqlite_schema", &ignored, err);
		if (s != KC_OK) {
			db_rollback(j->src);
			return s;
		}
	}
	sqlite3_backup *b = sqlite3_backup_init(j->dst, "main", db_handle(j->src), "main");
	if (!b) {
		s = dst_fail(j, err);
	} else {
		int rc = run_backup(j, b);
		int frc = sqlite3_backup_finish(b);
		/* The code may come from either file: no connection's text. */
		if (rc != SQLITE_DONE)
			s = db_fail(NULL, rc, err);
		else if (frc != SQLITE_OK)
			s = db_fail(NULL, frc, err);
	}
	if (hold) {
		if (s == KC_OK)
			s = db_commit(j->src, err);
		else
			db_rollback(j->src);
	}
	return s;
}

/*
 * The copy takes the source's WAL flag; it must stand alone.  The switch
 * rewrites the header when the statement ends, after its one row: it is
 * run to the end, or a failed write there would go unseen.
 */
static kc_status set_delete_journal(struct job *j, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->dst, "PRAGMA journal_mode = DELETE", -1, &st, NULL) != SQLITE_OK)
		return dst_fail(j, err);
	bool ok = false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ok = sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "delete") == 0;
	kc_status s = rc == SQLITE_DONE ? KC_OK : dst_fail(j, err);
	sqlite3_finalize(st);
	if (s == KC_OK && !ok)
		s = kc_error_set(err, KC_ERR_DB,
			_("The copy %s could not be switched to a stand-alone journal; nothing was written."),
			j->dest);
	return s;
}

/* --- per-account filtering ------------------------------------------------ */

struct table_rule {
	const char *table;
	int pass;          /* 0 keep every row; 1 first; 2 after pass 1 */
	const char *where; /* rows to delete; ?1 is the account id */
};

/* Tables with an account_id column and no rule here get pass 1
 * "account_id IS NOT ?1".  Any other table unknown here is refused. */
static const struct table_rule rules[] = {
	{ "accounts", 1, "id IS NOT ?1" },
	{ "staff", 0, NULL },
	{ "service_prices", 0, NULL },
	{ "addons", 0, NULL },
	{ "addon_prices", 0, NULL },
	{ "sequences", 0, NULL },
	{ "invoice_lines", 2, "invoice_id NOT IN (SELECT id FROM invoices)" },
	{ "invoice_taxes", 2, "invoice_id NOT IN (SELECT id FROM invoices)" },
	{ "payment_allocations", 2,
		"payment_id NOT IN (SELECT id FROM payments) OR invoice_id NOT IN (SELECT id FROM invoices)" },
	{ "credit_applications", 2,
		"credit_id NOT IN (SELECT id FROM store_credits) OR invoice_id NOT IN (SELECT id FROM invoices)" },
	{ "ticket_events", 2, "ticket_id NOT IN (SELECT id FROM tickets)" },
	{ "termination_checklist", 2, "request_id NOT IN (SELECT id FROM termination_requests)" },
	/* A run over all accounts stays when this account's calls came with it. */
	{ "sync_runs", 2,
		"account_id IS NOT ?1 AND id NOT IN "
		"(SELECT sync_run_id FROM usage_records WHERE sync_run_id IS NOT NULL)" },
};

static const struct table_rule generic_rule = { NULL, 1, "account_id IS NOT ?1" };

static const struct table_rule *rule_for(struct job *j, const char *table, kc_error *err)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].table, table) == 0)
			return &rules[i];
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->dst,
		    "SELECT count(*) FROM pragma_table_info(?1) WHERE name = 'account_id'", -1, &st,
		    NULL) != SQLITE_OK) {
		dst_fail(j, err);
		return NULL;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	bool has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	if (has)
		return &generic_rule;
	kc_error_set(err, KC_ERR_INTERNAL,
		_("Internal error: the table %s cannot be filtered by account; nothing was written."),
		table);
	return NULL;
}

static kc_status delete_rows(struct job *j, const char *table, const char *where, kc_error *err)
{
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "DELETE FROM ");
	append_ident(&sql, table);
	strbuf_append(&sql, " WHERE ");
	strbuf_append(&sql, where);
	if (strbuf_failed(&sql)) {
		strbuf_free(&sql);
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	}
	sqlite3_stmt *st = NULL;
	kc_status s = KC_OK;
	if (sqlite3_prepare_v2(j->dst, strbuf_cstr(&sql), -1, &st, NULL) != SQLITE_OK) {
		s = dst_fail(j, err);
	} else {
		if (sqlite3_bind_parameter_count(st) > 0)
			sqlite3_bind_int64(st, 1, j->opt.account_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			s = dst_fail(j, err);
	}
	sqlite3_finalize(st);
	strbuf_free(&sql);
	return s;
}

/* Deletes other accounts' rows, table by table, pass by pass. */
static kc_status filter_tables(struct job *j, kc_error *err)
{
	for (int pass = 1; pass <= 2; pass++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(j->dst,
			    "SELECT name FROM sqlite_schema WHERE type = 'table'"
			    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", -1, &st,
			    NULL) != SQLITE_OK)
			return dst_fail(j, err);
		kc_status s = KC_OK;
		int rc;
		while (s == KC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			char *table = kc_strdup((const char *)sqlite3_column_text(st, 0));
			if (!table) {
				s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
				break;
			}
			const struct table_rule *r = rule_for(j, table, err);
			if (!r)
				s = err ? err->code : KC_ERR_INTERNAL;
			else if (r->pass == pass)
				s = delete_rows(j, table, r->where, err);
			free(table);
		}
		if (s == KC_OK && rc != SQLITE_DONE)
			s = dst_fail(j, err);
		sqlite3_finalize(st);
		if (s != KC_OK)
			return s;
	}
	return KC_OK;
}

struct trigger_list {
	char **sql;
	size_t n;
};

static void triggers_free(struct trigger_list *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->sql[i]);
	free(t->sql);
	t->sql = NULL;
	t->n = 0;
}

/* Saves every trigger's SQL and drops it (inside the open transaction). */
static kc_status drop_triggers(struct job *j, struct trigger_list *t, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->dst, "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'",
		    -1, &st, NULL) != SQLITE_OK)
		return dst_fail(j, err);
	strbuf drops = STRBUF_INIT;
	kc_status s = KC_OK;
	int rc;
	while (s == KC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **grown = realloc(t->sql, (t->n + 1) * sizeof *grown);
		if (grown)
			t->sql = grown;
		char *sql = grown ? kc_strdup((const char *)sqlite3_column_text(st, 1)) : NULL;
		if (!sql) {
			s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
			break;
		}
		t->sql[t->n++] = sql;
		strbuf_append(&drops, "DROP TRIGGER ");
		append_ident(&drops, (const char *)sqlite3_column_text(st, 0));
		strbuf_append(&drops, ";\n");
	}
	if (s == KC_OK && rc != SQLITE_DONE)
		s = dst_fail(j, err);
	sqlite3_finalize(st);
	if (s == KC_OK && strbuf_failed(&drops))
		s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	if (s == KC_OK && drops.len)
		s = dst_exec(j, strbuf_cstr(&drops), err);
	strbuf_free(&drops);
	return s;
}

static kc_status restore_triggers(struct job *j, const struct trigger_list *t, kc_error *err)
{
	for (size_t i = 0; i < t->n; i++) {
		kc_status s = dst_exec(j, t->sql[i], err);
		if (s != KC_OK)
			return s;
	}
	return KC_OK;
}

static kc_status filter_in_tx(struct job *j, kc_error *err)
{
	int64_t found = 0;
	kc_status s = dst_int(j, "SELECT count(*) FROM accounts WHERE id = ?1", true, &found, err);
	if (s == KC_OK && found == 0)
		return kc_error_set(err, KC_ERR_NOT_FOUND, _("No account with id %lld."),
			(long long)j->opt.account_id);
	struct trigger_list t = { NULL, 0 };
	if (s == KC_OK)
		s = drop_triggers(j, &t, err);
	if (s == KC_OK)
		s = filter_tables(j, err);
	if (s == KC_OK)
		s = restore_triggers(j, &t, err);
	triggers_free(&t);
	return s;
}

/* No row may refer to a row that was deleted (or never existed). */
static kc_status check_references(struct job *j, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->dst, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return dst_fail(j, err);
	int rc = sqlite3_step(st);
	kc_status s = KC_OK;
	if (rc == SQLITE_ROW)
		s = kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: the copy of one account would still refer to other accounts' "
			  "rows (table %s); nothing was written."),
			(const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		s = dst_fail(j, err);
	sqlite3_finalize(st);
	return s;
}

static kc_status filter_account(struct job *j, kc_error *err)
{
	/* foreign_keys is off on this connection (SQLite's default): rows go
	 * in any order, and foreign_key_check judges the result. */
	kc_status s = dst_exec(j, "BEGIN IMMEDIATE", err);
	if (s != KC_OK)
		return s;
	s = filter_in_tx(j, err);
	if (s == KC_OK)
		s = check_references(j, err);
	if (s == KC_OK)
		s = dst_exec(j, "COMMIT", err);
	if (s != KC_OK) {
		if (!sqlite3_get_autocommit(j->dst))
			sqlite3_exec(j->dst, "ROLLBACK", NULL, NULL, NULL);
		return s;
	}
	return dst_exec(j, "VACUUM", err); /* freed pages still hold the deleted rows */
}

/* --- verify and publish ---------------------------------------------------- */

static kc_status close_dst(struct job *j, kc_error *err)
{
	int rc = sqlite3_close(j->dst);
	if (rc != SQLITE_OK)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: the copy %s stayed open."),
			j->dest);
	j->dst = NULL;
	return KC_OK;
}

/* fsync() of path (a folder when dir); the message names the copy. */
static kc_status fsync_path(const char *path, bool dir, const char *dest, kc_error *err)
{
	int fd = open(path, O_RDONLY | (dir ? O_DIRECTORY : 0));
	int rc = fd < 0 ? -1 : fsync(fd);
	int e = errno;
	if (fd >= 0)
		close(fd);
	/* Some file systems cannot sync a folder; the file itself was synced. */
	if (rc == 0 || (dir && (e == EINVAL || e == ENOTSUP)))
		return KC_OK;
	if (e == ENOSPC)
		return kc_error_set(err, KC_ERR_IO, _("Disk full: nothing was saved."));
	return kc_error_set(err, KC_ERR_IO, _("Cannot save the copy %s to disk: %s; nothing was written."),
		dest, strerror(e));
}

/* Opens the copy as kenoconsole will: header, schema, quick_check. */
static kc_status verify(struct job *j, kc_error *err)
{
	struct db_open_options o = { .path = j->tmp, .read_only = true };
	kc_db *copy = NULL;
	kc_status s = db_open(&o, &copy, err);
	/* db_open skips quick_check on large files: a copy is always checked. */
	if (s == KC_OK)
		s = db_check_integrity(copy, false, err);
	if (s == KC_OK && strcmp(db_journal_mode(copy), "delete") != 0)
		s = kc_error_set(err, KC_ERR_DB, _("The copy %s is still in %s journal mode."),
			j->dest, db_journal_mode(copy));
	if (s == KC_OK && db_schema_version(copy) != db_schema_version(j->src))
		s = kc_error_set(err, KC_ERR_DB, _("The copy %s has another schema version."),
			j->dest);
	if (s == KC_OK)
		s = db_query_int(copy, "SELECT count(*) FROM accounts", &j->info.accounts, err);
	if (s == KC_OK)
		s = db_query_int(copy, "SELECT count(*) FROM audit", &j->info.audit, err);
	db_close(&copy);
	if (s != KC_OK && err && err->message) {
		char *why = err->message;
		err->message = NULL;
		kc_error_set(err, s, _("The copy failed its check, nothing was written: %s"), why);
		free(why);
	}
	return s;
}

static kc_status publish(struct job *j, kc_error *err)
{
	if (!j->opt.force) {
		if (link(j->tmp, j->dest) == 0) {
			unlink(j->tmp);
			return KC_OK;
		}
		if (errno == EEXIST)
			return kc_error_set(err, KC_ERR_INVALID,
				_("%s already exists; nothing was written."), j->dest);
		if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS && errno != EMLINK)
			return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s."), j->dest,
				strerror(errno));
		/* No hard links here (FAT, some network shares): check, then rename. */
		if (exists(j->dest))
			return kc_error_set(err, KC_ERR_INVALID,
				_("%s already exists; nothing was written."), j->dest);
	}
	if (rename(j->tmp, j->dest) != 0)
		return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s."), j->dest, strerror(errno));
	return KC_OK;
}

/*
 * After publication: a copy whose name may not survive a power cut is
 * taken back, so that a failure always means "no new file".
 */
static kc_status sync_folder(struct job *j, kc_error *err)
{
	char *dir = dir_of(j->dest);
	kc_status s = dir ? fsync_path(dir, true, j->dest, err)
			  : kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	free(dir);
	if (s != KC_OK)
		unlink(j->dest);
	return s;
}

static kc_status build(struct job *j, kc_error *err)
{
	kc_status s = make_tmp(j, err);
	if (s == KC_OK)
		s = copy_pages(j, err);
	if (s == KC_OK)
		s = set_delete_journal(j, err);
	if (s == KC_OK && j->opt.account_id > 0)
		s = filter_account(j, err);
	if (s == KC_OK)
		s = close_dst(j, err);
	if (s == KC_OK)
		s = fsync_path(j->tmp, false, j->dest, err);
	if (s == KC_OK)
		s = verify(j, err);
	return s;
}

kc_status snapshot_create(kc_db *src, const char *dest, const struct snapshot_options *opt,
	struct snapshot_info *info, kc_error *err)
{
	if (info)
		memset(info, 0, sizeof *info);
	if (!src || !db_handle(src))
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no database."));
	if (db_in_transaction(src))
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: a snapshot was started inside a transaction."));
	if (!dest || !dest[0])
		return kc_error_set(err, KC_ERR_INVALID, _("No file was given for the copy."));
	struct job j = { .src = src, .dest = dest, .slow_ms = slow_ms_from_env() };
	if (opt)
		j.opt = *opt;
	if (j.opt.account_id < 0)
		return kc_error_set(err, KC_ERR_INVALID, _("No account with id %lld."),
			(long long)j.opt.account_id);
	kc_status s = check_dest(&j, err);
	if (s == KC_OK)
		s = build(&j, err);
	if (s == KC_OK)
		s = publish(&j, err);
	if (s == KC_OK)
		s = sync_folder(&j, err);
	if (j.dst)
		sqlite3_close(j.dst);
	if (j.tmp) {
		if (s != KC_OK || exists(j.tmp))
			remove_with_sidecars(j.tmp);
		free(j.tmp);
	}
	struct stat st;
	if (s == KC_OK && stat(dest, &st) == 0)
		j.info.bytes = (int64_t)st.st_size;
	if (info)
		*info = j.info;
	return s;
}
