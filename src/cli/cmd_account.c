/* cmd_account.c: the account commands (see cli.h), over account.h,
 * paymethod.h and history.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cli.h"
#include "date.h"
#include "history.h"
#include "output.h"
#include "paymethod.h"
#include "strbuf.h"
#include "termination.h"

#define LIST_PAGE 200
#define HISTORY_PAGE 100
#define SHOW_HISTORY 10
#define LABEL_WIDTH 22

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

static int resolve(struct cli_context *ctx, const char *ref, int64_t *id)
{
	kc_error err = KC_ERROR_INIT;
	return account_resolve(ctx->db, ref, id, &err) == KC_OK ? CLI_EXIT_OK : cli_fail_clear(&err);
}

/* Loads the account named by ref (id, number or voip.ms client). */
static int load(struct cli_context *ctx, const char *ref, struct account *a)
{
	int64_t id;
	int st = resolve(ctx, ref, &id);
	if (st != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	memset(a, 0, sizeof *a);
	return account_get(ctx->db, id, a, &err) == KC_OK ? CLI_EXIT_OK : cli_fail_clear(&err);
}

static const char *level_label(const char *level)
{
	if (level && strcmp(level, "basic") == 0)
		return _("basic");
	if (level && strcmp(level, "fully_administered") == 0)
		return _("fully administered");
	return level ? level : "";
}

static void warn_consumer(const struct account *a)
{
	const char *w = account_consumer_warning(a);
	if (w)
		cli_error(_("Warning: %s"), w);
}

/* ---------------------------------------------------------------------- */
/* An account as JSON (show, list) and its scalar fields as CSV.           */

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, output_json_string(v));
}

static json_t *account_json(const struct account *a)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer((json_int_t)a->id));
	set_str(o, "number", a->number);
	set_str(o, "holder", a->holder);
	set_str(o, "company", a->company);
	set_str(o, "email", a->email);
	set_str(o, "phone", a->phone);
	set_str(o, "address", a->address);
	set_str(o, "city", a->city);
	set_str(o, "postal_code", a->postal_code);
	set_str(o, "province", a->province);
	set_str(o, "language", a->language);
	set_str(o, "delivery", a->delivery);
	set_str(o, "kind", a->kind);
	set_str(o, "level", a->level);
	set_str(o, "status", a->status);
	set_str(o, "term", a->term);
	set_str(o, "term_started", a->term_started);
	set_str(o, "next_term", a->next_term);
	set_str(o, "voipms_client", a->voipms_client);
	set_str(o, "signed_on", a->signed_on);
	set_str(o, "welcome_call", a->welcome_call);
	json_object_set_new(o, "welcome_call_overdue",
		json_boolean(account_welcome_overdue(a, NULL)));
	set_str(o, "closed_on", a->closed_on);
	set_str(o, "closure_reason", a->closure_reason);
	json_object_set_new(o, "expected_usage", output_json_money(a->expected_usage_cents));
	json_object_set_new(o, "balance", output_json_money(a->balance_cents));
	json_object_set_new(o, "high_risk", json_boolean(a->high_risk));
	json_object_set_new(o, "flagged_for_closure", json_boolean(a->flagged_for_closure));
	json_object_set_new(o, "reopen_barred", json_boolean(a->reopen_barred));
	set_str(o, "created_at", a->created_at);
	set_str(o, "created_by", a->created_by);
	set_str(o, "updated_at", a->updated_at);
	set_str(o, "updated_by", a->updated_by);
	json_object_set_new(o, "version", json_integer((json_int_t)a->version));
	return o;
}

/* A JSON scalar as a CSV field: strings as they are, null empty. */
static void csv_value(FILE *fp, json_t *v)
{
	char buf[32];
	if (json_is_string(v))
		output_csv_field(fp, json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		fputs(buf, fp);
	} else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", fp);
}

/* Header of the object's scalar keys, then one row of their values. */
static void csv_object(FILE *fp, json_t *o)
{
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(o, key, v) {
		if (json_is_array(v) || json_is_object(v))
			continue;
		fputs(first ? "" : ",", fp);
		output_csv_field(fp, key);
		first = false;
	}
	fputc('\n', fp);
	first = true;
	json_object_foreach(o, key, v) {
		if (json_is_array(v) || json_is_object(v))
			continue;
		fputs(first ? "" : ",", fp);
		csv_value(fp, v);
		first = false;
	}
	fputc('\n', fp);
}

/* ---------------------------------------------------------------------- */
/* account add                                                             */

/* The options shared by add and edit, written into an account_fields. */
#define FIELD_OPTS(f) \
	{ "company", &(f).company, NULL }, { "email", &(f).email, NULL }, \
	{ "phone", &(f).phone, NULL }, { "address", &(f).address, NULL }, \
	{ "city", &(f).city, NULL }, { "postal-code", &(f).postal_code, NULL }, \
	{ "province", &(f).province, NULL }, { "language", &(f).language, NULL }, \
	{ "delivery", &(f).delivery, NULL }, { "level", &(f).level, NULL }, \
	{ "term", &(f).term, NULL }, { "voipms-client", &(f).voipms_client, NULL }, \
	{ "expected-usage", &(f).expected_usage, NULL }, { "holder", &(f).holder, NULL }

int cmd_account_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct account_fields f = { 0 };
	bool consumer = false;
	const struct cli_opt opts[] = {
		FIELD_OPTS(f),
		{ "signed-on", &f.signed_on, NULL },
		{ "consumer", NULL, &consumer },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0, 0,
		&n_pos);
	if (st >= 0)
		return st;
	static const char *const required[] = { "holder", "email", "province", "level",
		"voipms-client" };
	const char *given[] = { f.holder, f.email, f.province, f.level, f.voipms_client };
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!given[i])
			return cli_usage(cmd, _("Missing option '--%s'"), required[i]);
	f.kind = consumer ? "consumer" : "business";
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;

	kc_error err = KC_ERROR_INIT;
	int64_t id;
	struct account a = { 0 };
	if (account_create(ctx->db, &f, &id, NULL, &err) != KC_OK) {
		return cli_fail_clear(&err);
	}
	if (account_get(ctx->db, id, &a, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf("%s\n", a.number);
	if (strcmp(a.term, "annual") == 0)
		warn_consumer(&a);
	account_clear(&a);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* account list                                                            */

static bool parse_sort(const char *s, enum account_sort *out)
{
	static const char *const names[] = { "number", "holder", "company", "status", "balance" };
	for (int i = 0; i < 5; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum account_sort)i;
			return true;
		}
	}
	return false;
}

static void list_row(output_table *t, enum output_format fmt, const struct account *a)
{
	bool text = fmt == OUTPUT_TEXT;
	if (!text)
		output_cell_int(t, a->id);
	output_cell_str(t, a->number);
	output_cell_str(t, a->holder);
	output_cell_str(t, a->company);
	if (!text)
		output_cell_str(t, a->email);
	output_cell_str(t, a->province);
	output_cell_str(t, text ? level_label(a->level) : a->level);
	output_cell_str(t, text ? account_status_label(a->status) : a->status);
	if (!text) {
		output_cell_str(t, a->term);
		output_cell_str(t, a->voipms_client);
		output_cell_str(t, a->welcome_call);
	}
	output_cell_money(t, a->balance_cents);
}

static output_table *list_table(enum output_format fmt)
{
	static struct output_column text_cols[7], data_cols[12];
	const struct output_column text[] = {
		{ "number", _("Number"), OUTPUT_STR, 8 },
		{ "holder", _("Holder"), OUTPUT_STR, 24 },
		{ "company", _("Company"), OUTPUT_STR, 28 },
		{ "province", _("Prov."), OUTPUT_STR, 5 },
		{ "level", _("Level"), OUTPUT_STR, 18 },
		{ "status", _("Status"), OUTPUT_STR, 10 },
		{ "balance", _("Balance"), OUTPUT_MONEY, 12 },
	};
	const struct output_column data[] = {
		{ "id", "", OUTPUT_INT, 0 }, { "number", "", OUTPUT_STR, 0 },
		{ "holder", "", OUTPUT_STR, 0 }, { "company", "", OUTPUT_STR, 0 },
		{ "email", "", OUTPUT_STR, 0 }, { "province", "", OUTPUT_STR, 0 },
		{ "level", "", OUTPUT_STR, 0 }, { "status", "", OUTPUT_STR, 0 },
		{ "term", "", OUTPUT_STR, 0 }, { "voipms_client", "", OUTPUT_STR, 0 },
		{ "welcome_call", "", OUTPUT_STR, 0 }, { "balance", "", OUTPUT_MONEY, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 7);
	return output_table_begin(stdout, fmt, data_cols, 12);
}

/* Streams the list page by page (keyset), never the whole table. */
static int list_stream(kc_db *db, const struct account_query *q, int64_t limit,
	output_table *t, enum output_format fmt, kc_error *err)
{
	struct account_row rows[LIST_PAGE];
	struct account_cursor cur = { 0 };
	int64_t shown = 0;
	kc_status st = KC_OK;
	for (;;) {
		size_t n = 0;
		st = account_page(db, q, &cur, false, rows, LIST_PAGE, &n, err);
		for (size_t i = 0; st == KC_OK && i < n && (!limit || shown < limit); i++, shown++) {
			struct account a = { 0 };
			st = account_get(db, rows[i].id, &a, err);
			if (st == KC_OK)
				list_row(t, fmt, &a);
			account_clear(&a);
		}
		if (st == KC_OK && n > 0)
			account_cursor_set(&cur, &rows[n - 1]);
		account_rows_clear(rows, n);
		if (st != KC_OK || n < LIST_PAGE || (limit && shown >= limit))
			break;
	}
	account_cursor_clear(&cur);
	return st;
}

int cmd_account_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *status = NULL, *search = NULL, *sort = NULL, *limit_s = NULL, *format = NULL;
	bool reverse = false;
	const struct cli_opt opts[] = {
		{ "status", &status, NULL }, { "search", &search, NULL },
		{ "sort", &sort, NULL }, { "limit", &limit_s, NULL },
		{ "format", &format, NULL }, { "reverse", NULL, &reverse },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 6, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit;
	struct account_query q = { .search = search, .status = status, .descending = reverse };
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0 || (st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if (sort && !parse_sort(sort, &q.sort))
		return cli_usage(cmd, _("Unknown sort '%s': use number, holder, company, status or balance"),
			sort);
	if (status && strcmp(status, "pending") != 0 && strcmp(status, "active") != 0 &&
	    strcmp(status, "suspended") != 0 && strcmp(status, "closed") != 0)
		return cli_usage(cmd, _("Unknown status '%s': use pending, active, suspended or closed"),
			status);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;

	kc_error err = KC_ERROR_INIT;
	output_table *t = list_table(fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	/* One read transaction: every page sees the same snapshot. */
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = list_stream(ctx->db, &q, limit, t, fmt, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return ok ? CLI_EXIT_OK : cli_finish_output(CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* account show                                                            */

static json_t *paymethods_json(struct paymethod *pm, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		char *masked = paymethod_masked(&pm[i]);
		json_object_set_new(o, "id", json_integer((json_int_t)pm[i].id));
		set_str(o, "kind", pm[i].kind);
		set_str(o, "last4", pm[i].last4);
		set_str(o, "expiry", pm[i].expiry);
		set_str(o, "label", pm[i].label);
		json_object_set_new(o, "default", json_boolean(pm[i].is_default));
		set_str(o, "removed_at", pm[i].removed_at);
		set_str(o, "masked", masked);
		free(masked);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *history_json(const struct history_entry *e, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer((json_int_t)e[i].id));
		set_str(o, "at", e[i].at);
		set_str(o, "staff", e[i].staff);
		set_str(o, "action", e[i].action);
		set_str(o, "summary", e[i].summary);
		json_array_append_new(arr, o);
	}
	return arr;
}

static void show_line(const char *label, const char *value)
{
	if (!value || !*value)
		return;
	fputs("  ", stdout);
	output_pair(stdout, label, LABEL_WIDTH, value);
}

static void show_money(const char *label, int64_t cents)
{
	char *text = output_money_text(cents);
	show_line(label, text ? text : "?");
	free(text);
}

static void show_address(const struct account *a)
{
	/* "1234, rue Saint-Denis, Montréal QC H2X 1Y4", skipping empty parts */
	strbuf sb = STRBUF_INIT;
	const char *parts[] = { a->city, a->province, a->postal_code };
	strbuf_append(&sb, a->address);
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		if (sb.len)
			strbuf_append(&sb, i == 0 ? ", " : " ");
		strbuf_append(&sb, parts[i]);
	}
	show_line(_("Address:"), strbuf_cstr(&sb));
	strbuf_free(&sb);
}

static void show_state(const struct account *a, bool thirty_days)
{
	show_line(_("Status:"), account_status_label(a->status));
	show_line(_("Signed on:"), a->signed_on);
	if (account_welcome_overdue(a, NULL))
		show_line(_("Welcome call:"), _("OVERDUE (more than 14 days after signature, ACC-3)"));
	else
		show_line(_("Welcome call:"), a->welcome_call);
	char next[11];
	account_next_bill_date(a, NULL, thirty_days, next);
	show_line(_("Next billing date:"), next);
	if (a->high_risk)
		show_line(_("High risk:"), _("yes: documents requested (ACC-11)"));
	if (a->flagged_for_closure)
		show_line(_("Flagged for closure:"), output_yes_no(true));
	show_line(_("Closed on:"), a->closed_on);
	if (a->closure_reason)
		show_line(_("Closure reason:"), account_close_reason_label(a->closure_reason));
	if (a->reopen_barred)
		show_line(_("Reopening:"), _("barred (ACC-10)"));
}

static void show_text(const struct account *a, bool thirty_days, struct paymethod *pm,
	size_t n_pm, const struct history_entry *h, size_t n_h)
{
	printf(_("Account %s (id %lld)\n"), a->number, (long long)a->id);
	show_line(_("Holder:"), a->holder);
	show_line(_("Company:"), a->company);
	show_line(_("Email:"), a->email);
	show_line(_("Phone:"), a->phone);
	show_address(a);
	show_line(_("Language:"), strcmp(a->language, "fr") == 0 ? _("French") : _("English"));
	show_line(_("Statements by:"), a->delivery);
	show_line(_("Customer:"), strcmp(a->kind, "consumer") == 0 ? _("consumer (ACC-12)") : _("business"));
	show_line(_("Service level:"), level_label(a->level));
	char *term = a->next_term ? kc_asprintf(_("%s (%s from the next anniversary)"), a->term,
		a->next_term) : NULL;
	show_line(_("Term:"), term ? term : a->term);
	free(term);
	show_line(_("voip.ms client:"), a->voipms_client);
	show_money(_("Expected usage:"), a->expected_usage_cents);
	show_money(_("Balance:"), a->balance_cents);
	show_state(a, thirty_days);
	char when[DATE_LOCAL_BUFSZ];
	char *who = kc_asprintf("%s, %s", cli_local_time(a->updated_at, when), a->updated_by);
	show_line(_("Last change:"), who);
	free(who);

	printf(_("Payment methods\n"));
	if (n_pm == 0)
		printf("  %s\n", _("none"));
	for (size_t i = 0; i < n_pm; i++) {
		char *masked = paymethod_masked(&pm[i]);
		printf("  %-4lld %s", (long long)pm[i].id, masked ? masked : "?");
		if (pm[i].is_default)
			printf(" [%s]", _("default"));
		if (pm[i].removed_at)
			printf(" [%s %s]", _("removed"), cli_local_time(pm[i].removed_at, when));
		fputc('\n', stdout);
		free(masked);
	}
	printf(_("Latest history\n"));
	for (size_t i = 0; i < n_h; i++) {
		fputs("  ", stdout);
		output_pad(stdout, cli_local_time(h[i].at, when), 16, false);
		fputs("  ", stdout);
		output_pad(stdout, h[i].staff, 10, false);
		printf("  %s\n", h[i].summary);
	}
	warn_consumer(a);
}

static int show_output(const struct cli_context *ctx, enum output_format fmt,
	const struct account *a, struct paymethod *pm, size_t n_pm,
	const struct history_entry *h, size_t n_h)
{
	if (fmt == OUTPUT_TEXT) {
		bool thirty = ctx->settings && ctx->settings->billing_cycle == SETTINGS_CYCLE_30DAYS;
		show_text(a, thirty, pm, n_pm, h, n_h);
		return CLI_EXIT_OK;
	}
	json_t *o = account_json(a);
	if (!o)
		return CLI_EXIT_FAIL;
	bool ok = true;
	if (fmt == OUTPUT_CSV) {
		csv_object(stdout, o);
	} else {
		json_object_set_new(o, "payment_methods", paymethods_json(pm, n_pm));
		json_object_set_new(o, "history", history_json(h, n_h));
		ok = output_json_print(stdout, o);
	}
	json_decref(o);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cmd_account_show(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = { { "format", &format, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct account a;
	if ((st = load(ctx, pos[0], &a)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct paymethod *pm = NULL;
	size_t n_pm = 0, n_h = 0;
	struct history_entry h[SHOW_HISTORY];
	if (paymethod_list(ctx->db, a.id, true, &pm, &n_pm, &err) != KC_OK ||
	    history_page(ctx->db, a.id, 0, h, SHOW_HISTORY, &n_h, &err) != KC_OK)
		st = cli_fail_clear(&err);
	else
		st = show_output(ctx, fmt, &a, pm, n_pm, h, n_h);
	history_entries_clear(h, n_h);
	paymethods_free(&pm, n_pm);
	account_clear(&a);
	return st;
}

/* ---------------------------------------------------------------------- */
/* account edit                                                            */

static bool any_field(const struct account_fields *f)
{
	const char *v[] = { f->holder, f->company, f->email, f->phone, f->address, f->city,
		f->postal_code, f->province, f->language, f->delivery, f->kind, f->level,
		f->term, f->voipms_client, f->expected_usage };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i])
			return true;
	return false;
}

int cmd_account_edit(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct account_fields f = { 0 };
	bool consumer = false, business = false;
	const struct cli_opt opts[] = {
		FIELD_OPTS(f),
		{ "consumer", NULL, &consumer },
		{ "business", NULL, &business },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, 1,
		&n_pos);
	if (st >= 0)
		return st;
	if (consumer && business)
		return cli_usage(cmd, _("Choose either --consumer or --business"));
	if (consumer || business)
		f.kind = consumer ? "consumer" : "business";
	if (!any_field(&f))
		return cli_usage(cmd, _("Nothing to change: give at least one field option"));
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct account a;
	if ((st = load(ctx, pos[0], &a)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	/* The version read above: a change by someone else in between is a
	 * conflict, never silently overwritten. */
	if (account_update(ctx->db, a.id, a.version, &f, NULL, NULL, &err) != KC_OK) {
		st = cli_fail_clear(&err);
	} else {
		printf(_("Account %s updated.\n"), a.number);
		int64_t id = a.id;
		account_clear(&a);
		if (f.term && strcmp(f.term, "annual") == 0 &&
		    account_get(ctx->db, id, &a, &err) == KC_OK)
			warn_consumer(&a);
		kc_error_clear(&err);
	}
	account_clear(&a);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                               */

/* Resolves the account and runs one change on the version just read; on
 * success *number is the account number (caller frees) to confirm with. */
typedef kc_status (*change_fn)(kc_db *db, const struct account *a, const void *arg,
	kc_error *err);

static int change(struct cli_context *ctx, const struct cli_command *cmd, const char *ref,
	change_fn fn, const void *arg, char **number)
{
	*number = NULL;
	int st = cli_begin(ctx, cmd);
	if (st != CLI_EXIT_OK)
		return st;
	struct account a;
	if ((st = load(ctx, ref, &a)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (fn(ctx->db, &a, arg, &err) != KC_OK)
		st = cli_fail_clear(&err);
	else if (!(*number = kc_strdup(a.number)))
		st = CLI_EXIT_FAIL;
	account_clear(&a);
	return st;
}

/* Prints the confirmation for a change that succeeded. */
#define CONFIRM(st, number, msg) \
	do { \
		if ((st) == CLI_EXIT_OK) \
			printf(msg, number); \
		free(number); \
	} while (0)

static kc_status do_activate(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	return account_activate(db, a->id, a->version, arg, err);
}

int cmd_account_activate(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *when = NULL;
	const struct cli_opt opts[] = { { "welcome-call", &when, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (!when)
		return cli_usage(cmd, _("Missing option '--%s'"), "welcome-call");
	char *number;
	st = change(ctx, cmd, pos[0], do_activate, when, &number);
	CONFIRM(st, number, _("Account %s is active.\n"));
	return st;
}

struct reason_note {
	const char *reason, *note;
	bool bar;
};

static kc_status do_suspend(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	const struct reason_note *rn = arg;
	return account_suspend(db, a->id, a->version, rn->reason, rn->note, err);
}

int cmd_account_suspend(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	struct reason_note rn = { NULL, NULL, false };
	const struct cli_opt opts[] = { { "reason", &rn.reason, NULL }, { "note", &rn.note, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (!rn.reason)
		return cli_usage(cmd, _("Missing option '--%s'"), "reason");
	char *number;
	st = change(ctx, cmd, pos[0], do_suspend, &rn, &number);
	CONFIRM(st, number, _("Account %s is suspended.\n"));
	return st;
}

static kc_status do_reinstate(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	(void)arg;
	return account_reinstate(db, a->id, a->version, err);
}

int cmd_account_reinstate(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	char *number;
	st = change(ctx, cmd, pos[0], do_reinstate, NULL, &number);
	CONFIRM(st, number, _("Account %s is active again.\n"));
	return st;
}

struct close_args {
	struct reason_note rn;
	struct termination_closure *done; /* what the closure did */
};

/* ACC-10 with closure's forfeits (CRD-3, SLA-6, PRC-2), one transaction. */
static kc_status do_close(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	const struct close_args *ca = arg;
	return termination_close_by_kenotronix(db, a->id, a->version, ca->rn.reason, ca->rn.bar,
		ca->done, err);
}

/* What the closure forfeited; the same lines as `termination close`. */
static void say_forfeits(const struct termination_closure *c)
{
	if (c->balance_owed > 0) {
		char *m = output_money_text(c->balance_owed);
		printf("%s %s\n", _("Balance owed at closure:"), m ? m : "?");
		free(m);
	}
	if (c->credits_forfeited) {
		char *m = output_money_text(c->credit_forfeited);
		printf(_("Store credit forfeited (CRD-3): %lld credit(s), %s.\n"),
			(long long)c->credits_forfeited, m ? m : "?");
		free(m);
	}
	if (c->sla_cancelled)
		printf(_("Pending SLA credit requests cancelled (SLA-6): %lld.\n"),
			(long long)c->sla_cancelled);
	if (c->coupons_voided)
		printf(_("Coupons void (PRC-2): %lld.\n"), (long long)c->coupons_voided);
}

int cmd_account_close(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	struct termination_closure done;
	memset(&done, 0, sizeof done);
	struct close_args ca = { { NULL, NULL, false }, &done };
	const struct cli_opt opts[] = {
		{ "reason", &ca.rn.reason, NULL }, { "bar-reopening", NULL, &ca.rn.bar },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (!ca.rn.reason)
		return cli_usage(cmd, _("Missing option '--%s'"), "reason");
	char *number;
	st = change(ctx, cmd, pos[0], do_close, &ca, &number);
	if (ca.rn.bar)
		CONFIRM(st, number, _("Account %s is closed and barred from reopening.\n"));
	else
		CONFIRM(st, number, _("Account %s is closed.\n"));
	if (st == CLI_EXIT_OK)
		say_forfeits(&done);
	return st;
}

static kc_status do_reopen(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	const struct reason_note *rn = arg; /* reason = requested by, note = identity check */
	return account_reopen(db, a->id, a->version, rn->reason, rn->note, err);
}

int cmd_account_reopen(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	struct reason_note rn = { NULL, NULL, false };
	const struct cli_opt opts[] = {
		{ "requested-by", &rn.reason, NULL }, { "identity-check", &rn.note, NULL },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (!rn.reason)
		return cli_usage(cmd, _("Missing option '--%s'"), "requested-by");
	if (!rn.note)
		return cli_usage(cmd, _("Missing option '--%s'"), "identity-check");
	char *number;
	st = change(ctx, cmd, pos[0], do_reopen, &rn, &number);
	CONFIRM(st, number, _("Account %s is reopened.\n"));
	return st;
}

static kc_status do_high_risk(kc_db *db, const struct account *a, const void *arg, kc_error *err)
{
	return account_set_high_risk(db, a->id, a->version, *(const bool *)arg, err);
}

int cmd_account_high_risk(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	char *pos[2];
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, pos, 2, 2, &n_pos);
	if (st >= 0)
		return st;
	bool on = strcmp(pos[1], "on") == 0;
	if (!on && strcmp(pos[1], "off") != 0)
		return cli_usage(cmd, _("Say 'on' or 'off', not '%s'"), pos[1]);
	char *number;
	st = change(ctx, cmd, pos[0], do_high_risk, &on, &number);
	if (on)
		CONFIRM(st, number, _("Account %s is marked high risk (documents requested).\n"));
	else
		CONFIRM(st, number, _("Account %s is no longer marked high risk.\n"));
	return st;
}

/* ---------------------------------------------------------------------- */
/* Payment methods (ACC-8)                                                 */

int cmd_account_paymethod_add(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *kind = NULL, *last4 = NULL, *expiry = NULL, *token = NULL, *label = NULL;
	const struct cli_opt opts[] = {
		{ "kind", &kind, NULL }, { "last4", &last4, NULL }, { "expiry", &expiry, NULL },
		{ "token", &token, NULL }, { "label", &label, NULL },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 5, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (!kind)
		return cli_usage(cmd, _("Missing option '--%s'"), "kind");
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t account_id, id;
	if ((st = resolve(ctx, pos[0], &account_id)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (paymethod_add(ctx->db, account_id, kind, last4, expiry, token, label, &id, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf("%lld\n", (long long)id); /* the new method's id, for scripts */
	return CLI_EXIT_OK;
}

int cmd_account_paymethod_remove(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv)
{
	const char *reason = NULL;
	const struct cli_opt opts[] = { { "reason", &reason, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	int64_t id;
	if (!cli_positive(pos[0], &id))
		return cli_usage(cmd, _("A payment method id is a positive whole number, not '%s'"),
			pos[0]);
	if (!reason)
		return cli_usage(cmd, _("Missing option '--%s'"), "reason");
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (paymethod_remove(ctx->db, id, reason, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Payment method %lld is removed.\n"), (long long)id);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* account history (HIS-2)                                                 */

static output_table *history_table(enum output_format fmt)
{
	static struct output_column text_cols[3], data_cols[9];
	const struct output_column text[] = {
		{ "at", _("When"), OUTPUT_STR, 16 },
		{ "staff", _("Staff"), OUTPUT_STR, 12 },
		{ "summary", _("What"), OUTPUT_STR, 0 },
	};
	const struct output_column data[] = {
		{ "id", "", OUTPUT_INT, 0 }, { "at", "", OUTPUT_STR, 0 },
		{ "staff", "", OUTPUT_STR, 0 }, { "entity", "", OUTPUT_STR, 0 },
		{ "entity_id", "", OUTPUT_INT, 0 }, { "action", "", OUTPUT_STR, 0 },
		{ "summary", "", OUTPUT_STR, 0 }, { "old_values", "", OUTPUT_STR, 0 },
		{ "new_values", "", OUTPUT_STR, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 3);
	return output_table_begin(stdout, fmt, data_cols, 9);
}

static void history_row(output_table *t, enum output_format fmt, const struct history_entry *e)
{
	char when[DATE_LOCAL_BUFSZ];
	if (fmt == OUTPUT_TEXT) {
		output_cell_str(t, cli_local_time(e->at, when));
		output_cell_str(t, e->staff);
		output_cell_str(t, e->summary);
		return;
	}
	output_cell_int(t, e->id);
	output_cell_str(t, e->at);
	output_cell_str(t, e->staff);
	output_cell_str(t, e->entity);
	output_cell_int(t, e->entity_id);
	output_cell_str(t, e->action);
	output_cell_str(t, e->summary);
	output_cell_str(t, e->old_values);
	output_cell_str(t, e->new_values);
}

static kc_status history_stream(kc_db *db, int64_t account_id, int64_t limit, output_table *t,
	enum output_format fmt, kc_error *err)
{
	struct history_entry e[HISTORY_PAGE];
	int64_t before = 0, shown = 0;
	for (;;) {
		size_t n = 0;
		kc_status st = history_page(db, account_id, before, e, HISTORY_PAGE, &n, err);
		if (st != KC_OK)
			return st;
		for (size_t i = 0; i < n && (!limit || shown < limit); i++, shown++)
			history_row(t, fmt, &e[i]);
		if (n > 0)
			before = e[n - 1].id;
		history_entries_clear(e, n);
		if (n < HISTORY_PAGE || (limit && shown >= limit))
			return KC_OK;
	}
}

int cmd_account_history(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *format = NULL, *limit_s = NULL;
	const struct cli_opt opts[] = { { "format", &format, NULL }, { "limit", &limit_s, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0 || (st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t id;
	if ((st = resolve(ctx, pos[0], &id)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	output_table *t = history_table(fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = history_stream(ctx->db, id, limit, t, fmt, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
