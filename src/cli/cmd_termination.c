/* cmd_termination.c: the termination commands (see cli.h), over
 * termination.h: requests (TRM-1..3), the closing workflow (TRM-4..7). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "billing.h"
#include "cli.h"
#include "date.h"
#include "output.h"
#include "sla.h"
#include "strbuf.h"
#include "termination.h"

#define LIST_PAGE 200
#define LABEL_WIDTH 24

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

static void print_money_line(const char *fmt_label, int64_t cents)
{
	char *m = output_money_text(cents);
	printf("%s %s\n", fmt_label, m ? m : "?");
	free(m);
}

/* Opens the database, resolves "N" and loads the request. */
static int load(struct cli_context *ctx, const struct cli_command *cmd, const char *ref,
	struct termination *t)
{
	memset(t, 0, sizeof *t);
	int st = cli_begin(ctx, cmd);
	if (st != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	int64_t id;
	if (termination_resolve(ctx->db, ref, &id, &err) != KC_OK ||
	    termination_get(ctx->db, id, t, &err) != KC_OK)
		return cli_fail_clear(&err);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* termination request                                                     */

int cmd_termination_request(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *account = NULL, *who = NULL, *channel = NULL, *date = NULL;
	bool expedite = false, separation = false;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "requested-by", &who, NULL },
		{ "channel", &channel, NULL }, { "date", &date, NULL },
		{ "expedite", NULL, &expedite }, { "separation-only", NULL, &separation },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 6, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account)
		return cli_usage(cmd, _("Missing option '--%s'"), "account");
	if (!who)
		return cli_usage(cmd, _("Missing option '--%s'"), "requested-by");
	if (channel && strcmp(channel, "portal") != 0 && strcmp(channel, "written") != 0)
		return cli_usage(cmd, _("Unknown channel '%s': use portal or written"), channel);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct termination_request_args a = { .requested_by = who, .channel = channel,
		.expedite = expedite, .separation_only = separation, .date = date };
	if (account_resolve(ctx->db, account, &a.account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
	int64_t id = 0;
	if (termination_request(ctx->db, &a, &id, &err) != KC_OK)
		return cli_fail_clear(&err); /* TRM-1: the message says the refusal was recorded */
	struct termination t;
	if (termination_get(ctx->db, id, &t, &err) != KC_OK)
		return cli_fail_clear(&err);
	if (separation)
		printf(_("Separation request %lld recorded for account %s (%s).\n"), (long long)id,
			t.account_number, t.holder);
	else
		printf(_("Termination request %lld recorded for account %s (%s).\n"), (long long)id,
			t.account_number, t.holder);
	if (expedite)
		printf(_("Expedite requested: approve or deny it (TRM-2).\n"));
	termination_clear(&t);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* termination list                                                        */

static output_table *list_table(enum output_format fmt)
{
	static struct output_column text_cols[9], data_cols[17];
	const struct output_column text[] = {
		{ "id", _("No."), OUTPUT_INT, 5 },
		{ "account", _("Account"), OUTPUT_STR, 8 },
		{ "holder", _("Holder"), OUTPUT_STR, 22 },
		{ "requested_on", _("Requested"), OUTPUT_STR, 10 },
		{ "state", _("State"), OUTPUT_STR, 20 },
		{ "flags", _("Kind"), OUTPUT_STR, 12 },
		{ "transfer_due", _("Transfer due"), OUTPUT_STR, 12 },
		{ "late", _("Late"), OUTPUT_STR, 5 },
		{ "balance", _("Balance"), OUTPUT_MONEY, 12 },
	};
	const struct output_column data[] = {
		{ "id", "", OUTPUT_INT, 0 }, { "account_id", "", OUTPUT_INT, 0 },
		{ "account", "", OUTPUT_STR, 0 }, { "holder", "", OUTPUT_STR, 0 },
		{ "requested_by", "", OUTPUT_STR, 0 }, { "from_holder", "", OUTPUT_BOOL, 0 },
		{ "requested_on", "", OUTPUT_STR, 0 }, { "state", "", OUTPUT_STR, 0 },
		{ "expedite", "", OUTPUT_BOOL, 0 }, { "separation_only", "", OUTPUT_BOOL, 0 },
		{ "scheduled_on", "", OUTPUT_STR, 0 }, { "transfer_due", "", OUTPUT_STR, 0 },
		{ "transferred_on", "", OUTPUT_STR, 0 }, { "late", "", OUTPUT_BOOL, 0 },
		{ "checks_done", "", OUTPUT_INT, 0 }, { "balance", "", OUTPUT_MONEY, 0 },
		{ "version", "", OUTPUT_INT, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 9);
	return output_table_begin(stdout, fmt, data_cols, 17);
}

static const char *opt_date(const char *s)
{
	return s && *s ? s : NULL;
}

static void list_row(output_table *t, enum output_format fmt, const struct termination_row *r)
{
	if (fmt == OUTPUT_TEXT) {
		const char *kind = r->separation_only ? _("separation")
			: r->expedite ? _("expedite") : _("termination");
		output_cell_int(t, r->id);
		output_cell_str(t, r->account_number);
		output_cell_str(t, r->holder);
		output_cell_str(t, r->requested_on);
		output_cell_str(t, termination_state_label(r->state));
		output_cell_str(t, kind);
		output_cell_str(t, r->transfer_due);
		output_cell_str(t, r->late ? _("LATE") : "");
		output_cell_money(t, r->balance);
		return;
	}
	output_cell_int(t, r->id);
	output_cell_int(t, r->account_id);
	output_cell_str(t, r->account_number);
	output_cell_str(t, r->holder);
	output_cell_str(t, r->requested_by);
	output_cell_bool(t, r->from_holder);
	output_cell_str(t, r->requested_on);
	output_cell_str(t, termination_state_key(r->state));
	output_cell_bool(t, r->expedite);
	output_cell_bool(t, r->separation_only);
	output_cell_str(t, opt_date(r->scheduled_on));
	output_cell_str(t, opt_date(r->transfer_due));
	output_cell_str(t, opt_date(r->transferred_on));
	output_cell_bool(t, r->late);
	output_cell_int(t, r->checks_done);
	output_cell_money(t, r->balance);
	output_cell_int(t, r->version);
}

/* Streams the list page by page (keyset), never the whole table. */
static kc_status list_stream(kc_db *db, const struct termination_query *q, int64_t limit,
	output_table *t, enum output_format fmt, kc_error *err)
{
	struct termination_row rows[LIST_PAGE];
	struct termination_cursor cur = { .have = false };
	int64_t shown = 0;
	kc_status st;
	for (;;) {
		size_t n = 0;
		st = termination_page(db, q, &cur, rows, LIST_PAGE, &n, err);
		for (size_t i = 0; st == KC_OK && i < n && (!limit || shown < limit); i++, shown++)
			list_row(t, fmt, &rows[i]);
		if (st == KC_OK && n > 0)
			termination_cursor_set(&cur, &rows[n - 1]);
		termination_rows_clear(rows, n);
		if (st != KC_OK || n < LIST_PAGE || (limit && shown >= limit))
			break;
	}
	return st;
}

int cmd_termination_list(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *state = NULL, *account = NULL, *format = NULL, *limit_s = NULL;
	const struct cli_opt opts[] = {
		{ "state", &state, NULL }, { "account", &account, NULL },
		{ "format", &format, NULL }, { "limit", &limit_s, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 4, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	int64_t limit = 0;
	if ((st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	enum termination_state s;
	if (state && strcmp(state, "open") != 0 && !termination_state_parse(state, &s))
		return cli_usage(cmd,
			_("Unknown state '%s': use open, refused, requested, denied, approved, scheduled, service_ended, final_invoiced, transfer_requested, checklist_done, transferred or closed"),
			state);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct termination_query q = { .state = state };
	if (account && account_resolve(ctx->db, account, &q.account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
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
/* termination show                                                        */

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

static void show_request(const struct termination *t)
{
	char *who = kc_asprintf("%s (%s)", t->requested_by,
		t->from_holder ? _("the holder") : _("NOT the holder: refused, TRM-1"));
	show_line(_("Requested by:"), who);
	free(who);
	show_line(_("Channel:"), strcmp(t->channel, "written") == 0 ? _("in writing") : _("portal"));
	show_line(_("Requested on:"), t->requested_on);
	show_line(_("Kind:"), t->separation_only
		? _("separation of the member account only (TRM-3)") : _("termination"));
	if (t->expedite)
		show_line(_("Expedite:"), t->decision == TERMINATION_DECISION_APPROVED
			? _("approved (TRM-2)") : t->decision == TERMINATION_DECISION_DENIED
			? _("denied: at the normal pace (TRM-2)") : _("asked, to decide (TRM-2)"));
	else if (t->decision == TERMINATION_DECISION_APPROVED)
		show_line(_("Decision:"), _("approved"));
	show_line(_("Decision note:"), t->decision_note);
}

static void show_dates(const struct termination *t)
{
	show_line(_("Service ends on:"), t->service_ended_on ? NULL : t->scheduled_on);
	show_line(_("Service ended on:"), t->service_ended_on);
	if (t->final_invoice_number) {
		char *inv = kc_asprintf("%lld%s", (long long)t->final_invoice_number,
			t->final_invoice_kind && strcmp(t->final_invoice_kind, "final") == 0 ? ""
				: _(" (not a final invoice)"));
		show_line(_("Final invoice:"), inv);
		free(inv);
	} else if (t->state >= TERMINATION_FINAL_INVOICED && !t->separation_only &&
		   t->state != TERMINATION_DENIED) {
		show_line(_("Final invoice:"), _("none"));
	}
	show_line(_("Transfer requested on:"), t->transfer_requested_on);
	if (t->transfer_due) {
		char *due = kc_asprintf("%s%s", t->transfer_due, t->late ? _("  LATE (TRM-4)") : "");
		show_line(_("Transfer due:"), due);
		free(due);
	}
	show_line(_("Transferred on:"), t->transferred_on);
	show_line(_("Closed on:"), t->closed_on);
}

static void show_text(const struct termination *t)
{
	printf(_("Termination request %lld, account %s (%s)\n"), (long long)t->id,
		t->account_number, t->holder);
	show_line(_("State:"), termination_state_label(t->state));
	show_request(t);
	show_dates(t);
	show_money(t->has_balance_at_closure ? _("Balance owed at closure:") : _("Balance now:"),
		t->balance);
	char when[DATE_LOCAL_BUFSZ];
	char *last = kc_asprintf("%s, %s", cli_local_time(t->updated_at, when), t->updated_by);
	show_line(_("Last change:"), last);
	free(last);
	if (t->state == TERMINATION_REFUSED)
		return;
	printf(_("Checklist before the transfer (TRM-5): %d of %d\n"), t->checks_done,
		TERMINATION_CHECK_COUNT);
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++) {
		const struct termination_check_item *c = &t->checklist[i];
		printf("  [%s] %-20s ", c->done ? "x" : " ",
			termination_check_key((enum termination_check)i));
		if (c->done)
			printf(_("%s, by %s at %s"), termination_check_label((enum termination_check)i),
				c->done_by, cli_local_time(c->done_at, when));
		else
			fputs(termination_check_label((enum termination_check)i), stdout);
		fputc('\n', stdout);
	}
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, output_json_string(v));
}

static json_t *show_json(const struct termination *t)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer((json_int_t)t->id));
	json_object_set_new(o, "account_id", json_integer((json_int_t)t->account_id));
	set_str(o, "account", t->account_number);
	set_str(o, "holder", t->holder);
	set_str(o, "account_status", t->account_status);
	set_str(o, "requested_by", t->requested_by);
	json_object_set_new(o, "from_holder", json_boolean(t->from_holder));
	set_str(o, "channel", t->channel);
	set_str(o, "requested_on", t->requested_on);
	json_object_set_new(o, "expedite", json_boolean(t->expedite));
	json_object_set_new(o, "separation_only", json_boolean(t->separation_only));
	set_str(o, "state", termination_state_key(t->state));
	set_str(o, "decision", t->decision == TERMINATION_DECISION_APPROVED ? "approved"
		: t->decision == TERMINATION_DECISION_DENIED ? "denied" : NULL);
	set_str(o, "decision_note", t->decision_note);
	set_str(o, "scheduled_on", t->scheduled_on);
	set_str(o, "service_ended_on", t->service_ended_on);
	json_object_set_new(o, "final_invoice", t->final_invoice_number
		? json_integer((json_int_t)t->final_invoice_number) : json_null());
	set_str(o, "final_invoice_kind", t->final_invoice_kind);
	set_str(o, "transfer_requested_on", t->transfer_requested_on);
	set_str(o, "transfer_due", t->transfer_due);
	set_str(o, "transferred_on", t->transferred_on);
	json_object_set_new(o, "late", json_boolean(t->late));
	set_str(o, "closed_on", t->closed_on);
	json_object_set_new(o, "balance_at_closure", t->has_balance_at_closure
		? output_json_money(t->balance_at_closure) : json_null());
	json_object_set_new(o, "balance", output_json_money(t->balance));
	json_object_set_new(o, "checks_done", json_integer(t->checks_done));
	set_str(o, "created_by", t->created_by);
	set_str(o, "updated_at", t->updated_at);
	set_str(o, "updated_by", t->updated_by);
	json_object_set_new(o, "version", json_integer((json_int_t)t->version));
	return o;
}

static json_t *checklist_json(const struct termination *t)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < TERMINATION_CHECK_COUNT; i++) {
		const struct termination_check_item *c = &t->checklist[i];
		json_t *o = json_object();
		set_str(o, "step", termination_check_key((enum termination_check)i));
		json_object_set_new(o, "done", json_boolean(c->done));
		set_str(o, "done_by", c->done_by);
		set_str(o, "done_at", c->done_at);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* CSV: the scalar fields as one header and one row. */
static void show_csv(json_t *o)
{
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(o, key, v) {
		fputs(first ? "" : ",", stdout);
		output_csv_field(stdout, key);
		first = false;
	}
	fputc('\n', stdout);
	first = true;
	json_object_foreach(o, key, v) {
		fputs(first ? "" : ",", stdout);
		first = false;
		if (json_is_string(v))
			output_csv_field(stdout, json_string_value(v));
		else if (json_is_integer(v))
			printf("%lld", (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			fputs(json_is_true(v) ? "true" : "false", stdout);
	}
	fputc('\n', stdout);
}

int cmd_termination_show(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
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
	struct termination t;
	if ((st = load(ctx, cmd, pos[0], &t)) != CLI_EXIT_OK)
		return st;
	if (fmt == OUTPUT_TEXT) {
		show_text(&t);
	} else {
		json_t *o = show_json(&t);
		if (!o) {
			st = CLI_EXIT_FAIL;
		} else if (fmt == OUTPUT_CSV) {
			show_csv(o);
		} else {
			json_object_set_new(o, "checklist", checklist_json(&t));
			st = output_json_print(stdout, o) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		}
		json_decref(o);
	}
	termination_clear(&t);
	return st;
}

/* ---------------------------------------------------------------------- */
/* The steps                                                               */

/* One step on the request named by argv: parses the options, loads the
 * request, runs fn with the version just read, then prints. */
typedef kc_status (*step_fn)(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err);
typedef void (*done_fn)(const struct termination *before, const struct termination *after,
	void *arg);

struct step {
	step_fn run;
	done_fn done;
	void *arg;
};

static int run_step(struct cli_context *ctx, const struct cli_command *cmd, const char *ref,
	const struct step *s)
{
	struct termination t, after;
	int st = load(ctx, cmd, ref, &t);
	if (st != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (s->run(ctx, &t, s->arg, &err) != KC_OK) {
		st = cli_fail_clear(&err);
	} else if (termination_get(ctx->db, t.id, &after, &err) != KC_OK) {
		st = cli_fail_clear(&err);
	} else {
		s->done(&t, &after, s->arg);
		termination_clear(&after);
	}
	termination_clear(&t);
	return st;
}

/* Parses "N" plus one optional value option (--note or --date). */
static int parse_one(const struct cli_command *cmd, int argc, char **argv, const char *opt,
	const char **value, char **ref)
{
	const struct cli_opt opts[] = { { opt, value, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, opt ? 1 : 0, pos, 1, 1, &n_pos);
	if (st < 0)
		*ref = pos[0];
	return st;
}

static void say_state(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before, (void)arg;
	printf(_("Termination request %lld: %s.\n"), (long long)after->id,
		termination_state_label(after->state));
}

static kc_status run_approve(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_approve(ctx->db, t->id, t->version, arg, err);
}

static kc_status run_deny(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_deny(ctx->db, t->id, t->version, arg, err);
}

int cmd_termination_approve(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *note = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "note", &note, &ref);
	if (st >= 0)
		return st;
	return run_step(ctx, cmd, ref, &(struct step){ run_approve, say_state, (void *)note });
}

int cmd_termination_deny(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *note = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "note", &note, &ref);
	if (st >= 0)
		return st;
	return run_step(ctx, cmd, ref, &(struct step){ run_deny, say_state, (void *)note });
}

static kc_status run_schedule(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_schedule(ctx->db, t->id, t->version, arg, err);
}

static void say_scheduled(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before, (void)arg;
	printf(_("Termination request %lld: the service ends on %s.\n"), (long long)after->id,
		after->scheduled_on);
}

int cmd_termination_schedule(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *date = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "date", &date, &ref);
	if (st >= 0)
		return st;
	if (!date)
		return cli_usage(cmd, _("Missing option '--%s'"), "date");
	return run_step(ctx, cmd, ref, &(struct step){ run_schedule, say_scheduled, (void *)date });
}

static kc_status run_end(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_end_service(ctx->db, t->id, t->version, arg, err);
}

static void say_ended(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before, (void)arg;
	printf(_("Termination request %lld: the service ended on %s.\n"), (long long)after->id,
		after->service_ended_on);
}

int cmd_termination_end_service(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv)
{
	const char *date = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "date", &date, &ref);
	if (st >= 0)
		return st;
	return run_step(ctx, cmd, ref, &(struct step){ run_end, say_ended, (void *)date });
}

/* TRM-6: billing issues the final invoice with the [billing] settings. */
static kc_status run_final(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	struct billing_options opt;
	billing_options_from_settings(ctx->settings, &opt);
	return termination_final_invoice_with(ctx->db, t->id, t->version, &opt, arg, err);
}

/* TRM-6: says whether the final invoice was issued now or which one was
 * there, and what is missing when the step could not be complete. */
static void say_final(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before;
	const struct termination_final *f = arg;
	if (f->issued) {
		char *m = output_money_text(f->invoice_total);
		printf(_("Termination request %lld: final invoice %lld issued (%s) and linked.\n"),
			(long long)after->id, (long long)f->invoice_number, m ? m : "?");
		free(m);
	} else if (f->invoice_number && f->is_final) {
		printf(_("Termination request %lld: final invoice %lld linked.\n"),
			(long long)after->id, (long long)f->invoice_number);
	} else if (f->invoice_number) {
		printf(_("Termination request %lld: nothing was left to bill, so no final invoice was issued; the latest invoice, %lld, is linked.\n"),
			(long long)after->id, (long long)f->invoice_number);
	} else {
		printf(_("Termination request %lld: the account has no invoice; none is linked.\n"),
			(long long)after->id);
	}
	if (!f->usage_synced && !f->synced_to[0] && !f->is_final)
		cli_error(_("Warning: the usage of this account was never synced; nothing from voip.ms was left to invoice (TRM-6)"));
	else if (!f->usage_synced && !f->synced_to[0] && f->issued)
		cli_error(_("Warning: the usage of this account was never synced; the final invoice holds no usage from voip.ms (TRM-6)"));
	else if (!f->usage_synced && f->synced_to[0])
		cli_error(_("Warning: usage is synced only to %s, not through the end of service (%s); sync it and invoice it on a final invoice (TRM-6)"),
			f->synced_to, after->service_ended_on);
	else if (!f->usage_synced)
		cli_error(_("Warning: the usage of this account was never synced; sync it through the end of service (%s) and invoice it on a final invoice (TRM-6)"),
			after->service_ended_on);
	print_money_line(_("Balance owed:"), after->balance);
}

int cmd_termination_final_invoice(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv)
{
	char *ref;
	int st = parse_one(cmd, argc, argv, NULL, NULL, &ref);
	if (st >= 0)
		return st;
	struct termination_final f;
	memset(&f, 0, sizeof f);
	return run_step(ctx, cmd, ref, &(struct step){ run_final, say_final, &f });
}

static kc_status run_transfer_request(struct cli_context *ctx, const struct termination *t,
	void *arg, kc_error *err)
{
	struct sla_calendar cal;
	kc_status rc = sla_calendar_init(&cal, ctx->settings, err);
	if (rc != KC_OK)
		return rc;
	rc = termination_transfer_request(ctx->db, t->id, t->version, arg, &cal.opts, err);
	sla_calendar_clear(&cal);
	return rc;
}

static void say_transfer_requested(const struct termination *before,
	const struct termination *after, void *arg)
{
	(void)before, (void)arg;
	printf(_("Termination request %lld: transfer of the member account requested on %s; due by %s (TRM-4: %d business days).\n"),
		(long long)after->id, after->transfer_requested_on, after->transfer_due,
		TERMINATION_TRANSFER_BUSINESS_DAYS);
}

int cmd_termination_transfer_request(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv)
{
	const char *date = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "date", &date, &ref);
	if (st >= 0)
		return st;
	return run_step(ctx, cmd, ref,
		&(struct step){ run_transfer_request, say_transfer_requested, (void *)date });
}

static kc_status run_check(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_check(ctx->db, t->id, t->version, *(enum termination_check *)arg, err);
}

static void say_checked(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before;
	enum termination_check c = *(enum termination_check *)arg;
	printf(_("Termination request %lld: \"%s\" ticked (%d of %d).\n"), (long long)after->id,
		termination_check_label(c), after->checks_done, TERMINATION_CHECK_COUNT);
	if (after->state == TERMINATION_CHECKLIST_DONE)
		printf(_("The checklist is done: the member account can be transferred.\n"));
}

int cmd_termination_check(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	char *pos[2];
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, pos, 2, 2, &n_pos);
	if (st >= 0)
		return st;
	enum termination_check c;
	if (!termination_check_parse(pos[1], &c))
		return cli_usage(cmd,
			_("Unknown step '%s': use remove_accounts, remove_groups, remove_roles, remove_federations or transfer_credentials"),
			pos[1]);
	return run_step(ctx, cmd, pos[0], &(struct step){ run_check, say_checked, &c });
}

static kc_status run_transferred(struct cli_context *ctx, const struct termination *t,
	void *arg, kc_error *err)
{
	return termination_transferred(ctx->db, t->id, t->version, arg, NULL, err);
}

static void say_transferred(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before, (void)arg;
	printf(_("Termination request %lld: member account transferred on %s.\n"),
		(long long)after->id, after->transferred_on);
	if (after->late)
		cli_error(_("Warning: LATE: the transfer was due by %s (TRM-4)"), after->transfer_due);
}

int cmd_termination_transferred(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv)
{
	const char *date = NULL;
	char *ref;
	int st = parse_one(cmd, argc, argv, "date", &date, &ref);
	if (st >= 0)
		return st;
	return run_step(ctx, cmd, ref,
		&(struct step){ run_transferred, say_transferred, (void *)date });
}

static kc_status run_close(struct cli_context *ctx, const struct termination *t, void *arg,
	kc_error *err)
{
	return termination_close(ctx->db, t->id, t->version, arg, err);
}

static void say_closed(const struct termination *before, const struct termination *after,
	void *arg)
{
	(void)before;
	const struct termination_closure *c = arg;
	printf(_("Account %s is closed at the holder's request (termination request %lld).\n"),
		after->account_number, (long long)after->id);
	print_money_line(_("Balance owed at closure:"), c->balance_owed);
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

int cmd_termination_close(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	char *ref;
	int st = parse_one(cmd, argc, argv, NULL, NULL, &ref);
	if (st >= 0)
		return st;
	struct termination_closure c;
	memset(&c, 0, sizeof c);
	return run_step(ctx, cmd, ref, &(struct step){ run_close, say_closed, &c });
}
