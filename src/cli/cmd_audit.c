/* cmd_audit.c: `audit list`, the audit trail (HIS-1) with its old and new
 * values, newest first, filtered and keyset-paged through audit_page_where
 * (cmd_admin.h).  The trail is read-only here as everywhere. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_text.h"
#include "cmd_admin.h"
#include "cmd_billing.h"
#include "date.h"
#include "output.h"
#include "strbuf.h"

#define AUDIT_PAGE 100
#define VALUE_MAX_BYTES 80 /* text output: longer values are cut */

struct audit_args {
	struct audit_filter f;
	enum output_format fmt;
	int64_t limit, before;
};

/* ---------------------------------------------------------------------- */
/* The table.                                                              */

static output_table *audit_table(enum output_format fmt)
{
	static struct output_column text_cols[6], data_cols[9];
	const struct output_column text[] = {
		{ "id", "#", OUTPUT_INT, 8 },
		{ "at", _("When"), OUTPUT_STR, 20 },
		{ "staff", _("Staff"), OUTPUT_STR, 12 },
		{ "record", _("Record"), OUTPUT_STR, 16 },
		{ "action", _("Action"), OUTPUT_STR, 22 },
		{ "changes", _("Old and new values"), OUTPUT_STR, 0 },
	};
	const struct output_column data[] = {
		{ "id", "", OUTPUT_INT, 0 }, { "at", "", OUTPUT_STR, 0 },
		{ "staff", "", OUTPUT_STR, 0 }, { "entity", "", OUTPUT_STR, 0 },
		{ "entity_id", "", OUTPUT_INT, 0 }, { "account_id", "", OUTPUT_INT, 0 },
		{ "action", "", OUTPUT_STR, 0 }, { "old_values", "", OUTPUT_STR, 0 },
		{ "new_values", "", OUTPUT_STR, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 6);
	return output_table_begin(stdout, fmt, data_cols, 9);
}

static void text_row(output_table *t, const struct audit_entry *e)
{
	char when[DATE_LOCAL_BUFSZ];
	kc_instant at;
	output_cell_int(t, e->id);
	if (date_instant_parse(e->at, &at, NULL) == KC_OK)
		output_cell_str(t, date_local_format(date_to_local(at), when));
	else
		output_cell_str(t, e->at);
	output_cell_str(t, e->staff);
	char *record = kc_asprintf("%s %" PRId64, e->entity, e->entity_id);
	output_cell_str(t, record ? record : e->entity);
	free(record);
	output_cell_str(t, e->action);
	char *changes = audit_changes_text(e->old_values, e->new_values, "; ", VALUE_MAX_BYTES);
	output_cell_str(t, changes ? changes : "");
	free(changes);
}

static void audit_row(output_table *t, enum output_format fmt, const struct audit_entry *e)
{
	if (fmt == OUTPUT_TEXT) {
		text_row(t, e);
		return;
	}
	output_cell_int(t, e->id);
	output_cell_str(t, e->at);
	output_cell_str(t, e->staff);
	output_cell_str(t, e->entity);
	output_cell_int(t, e->entity_id);
	output_cell_int(t, e->account_id); /* 0: not tied to an account */
	output_cell_str(t, e->action);
	output_cell_str(t, e->old_values);
	output_cell_str(t, e->new_values);
}

/* Streams pages of AUDIT_PAGE rows (never the whole trail in memory);
 * *last is the id of the last row shown, *more whether older rows are
 * left after --limit stopped the listing. */
static kc_status audit_stream(kc_db *db, const struct audit_args *a, output_table *t,
	int64_t *last, bool *more, kc_error *err)
{
	struct audit_entry e[AUDIT_PAGE];
	int64_t before = a->before, shown = 0;
	*last = 0;
	*more = false;
	for (;;) {
		size_t n = 0;
		kc_status st = audit_page_where(db, &a->f, before, e, AUDIT_PAGE, &n, err);
		if (st != KC_OK)
			return st;
		size_t i = 0;
		for (; i < n && (!a->limit || shown < a->limit); i++, shown++) {
			audit_row(t, a->fmt, &e[i]);
			*last = e[i].id;
		}
		*more = i < n;
		if (n > 0)
			before = e[n - 1].id;
		for (size_t k = 0; k < n; k++)
			audit_entry_clear(&e[k]);
		if (*more || n < AUDIT_PAGE)
			return KC_OK;
		if (a->limit && shown >= a->limit) { /* a full page ended exactly at the limit */
			st = audit_page_where(db, &a->f, before, e, 1, &n, err);
			*more = st == KC_OK && n > 0;
			if (n > 0)
				audit_entry_clear(&e[0]);
			return st;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* audit list                                                              */

/* Checks the options that need no database; -1 when all is well. */
static int check_args(const struct cli_command *cmd, const char *format, const char *id_s,
	const char *limit_s, const char *before_s, struct audit_args *a)
{
	int st;
	if ((st = cli_format_option(cmd, format, &a->fmt)) >= 0 ||
	    (st = cmd_billing_date(cmd, "from", a->f.from_date)) >= 0 ||
	    (st = cmd_billing_date(cmd, "to", a->f.to_date)) >= 0)
		return st;
	if (a->f.from_date && a->f.to_date && strcmp(a->f.from_date, a->f.to_date) > 0)
		return cli_usage(cmd, _("--from %s is after --to %s"), a->f.from_date, a->f.to_date);
	if (id_s && !a->f.entity)
		return cli_usage(cmd, _("--id needs --entity (for example --entity invoice --id 12)"));
	if (id_s && !cli_positive(id_s, &a->f.entity_id))
		return cli_usage(cmd, _("--id wants a positive whole number, not '%s'"), id_s);
	if (limit_s && !cli_positive(limit_s, &a->limit))
		return cli_usage(cmd, _("--limit wants a positive whole number, not '%s'"), limit_s);
	if (before_s && !cli_positive(before_s, &a->before))
		return cli_usage(cmd, _("--before wants a positive whole number, not '%s'"), before_s);
	return -1;
}

int cmd_audit_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct audit_args a = { 0 };
	const char *format = NULL, *id_s = NULL, *account = NULL, *limit_s = NULL;
	const char *before_s = NULL;
	const struct cli_opt opts[] = {
		{ "staff", &a.f.staff, NULL }, { "entity", &a.f.entity, NULL },
		{ "id", &id_s, NULL }, { "account", &account, NULL },
		{ "from", &a.f.from_date, NULL }, { "to", &a.f.to_date, NULL },
		{ "limit", &limit_s, NULL }, { "before", &before_s, NULL },
		{ "format", &format, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0, 0,
		&n_pos);
	if (st >= 0)
		return st;
	if ((st = check_args(cmd, format, id_s, limit_s, before_s, &a)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	if (account && (st = cmd_billing_account(ctx, account, &a.f.account_id)) != CLI_EXIT_OK)
		return st;
	output_table *t = audit_table(a.fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	kc_error err = KC_ERROR_INIT;
	int64_t last = 0;
	bool more = false;
	/* One read transaction: the pages are one consistent picture. */
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = audit_stream(ctx->db, &a, t, &last, &more, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	if (ok && more) {
		fflush(stdout);
		fprintf(stderr, _("More entries: add --before %" PRId64 " to see the older ones.\n"),
			last);
	}
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
