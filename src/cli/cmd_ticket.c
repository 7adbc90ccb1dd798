/* cmd_ticket.c: the ticket and SLA credit commands (see cli.h), over
 * ticket.h and sla.h.  DATETIME arguments are office local time
 * "YYYY-MM-DD HH:MM" or ISO UTC ending in Z. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cli.h"
#include "date.h"
#include "output.h"
#include "sla.h"
#include "strbuf.h"
#include "ticket.h"

#define LIST_PAGE 200
#define LABEL_WIDTH 18

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

static int parse_number(const struct cli_command *cmd, const char *s, int64_t *n)
{
	kc_error err = KC_ERROR_INIT;
	if (ticket_number_parse(s, n, &err) == KC_OK)
		return -1;
	int st = cli_usage(cmd, "%s", kc_error_text(&err));
	kc_error_clear(&err);
	return st;
}

/* An optional DATETIME option; *t stays 0 when s is NULL. */
static int parse_when(const struct cli_command *cmd, const char *opt, const char *s,
	kc_instant *t)
{
	*t = 0;
	if (!s)
		return -1;
	kc_error err = KC_ERROR_INIT;
	if (ticket_instant_parse(s, t, &err) == KC_OK)
		return -1;
	kc_error_clear(&err);
	return cli_usage(cmd, _("--%s wants a date and time \"YYYY-MM-DD HH:MM\" (office time) "
				"or \"YYYY-MM-DDTHH:MMZ\" (UTC), not '%s'"), opt, s);
}

static const char *local_text(kc_instant t, char *buf)
{
	return date_local_format(date_to_local(t), buf);
}

/* To the minute, for the list's columns. */
static const char *local_minute(kc_instant t, char *buf)
{
	kc_local l = date_to_local(t);
	l.sec = 0;
	return date_local_format(l, buf);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, output_json_string(v));
}

static void set_instant(json_t *o, const char *key, bool present, kc_instant t)
{
	char buf[DATE_INSTANT_BUFSZ];
	set_str(o, key, present ? date_instant_format(t, buf) : NULL);
}

/* Seconds left before the deadline, for the running and overdue clocks. */
static bool time_left(const struct ticket *t, kc_instant now, char *buf)
{
	enum sla_clock c = ticket_clock(t, now);
	if (c != SLA_CLOCK_RUNNING && c != SLA_CLOCK_OVERDUE)
		return false;
	sla_format_left(t->response_due - now, buf);
	return true;
}

/* SLA-3: "3h05", "BREACHED -0h40", "met", "no SLA". */
static char *sla_text(const struct ticket *t, kc_instant now)
{
	char left[SLA_LEFT_BUFSZ];
	enum sla_clock c = ticket_clock(t, now);
	if (c == SLA_CLOCK_RUNNING && time_left(t, now, left))
		return kc_strdup(left);
	if (c == SLA_CLOCK_OVERDUE && time_left(t, now, left))
		return kc_asprintf("%s %s", sla_clock_label(c), left);
	return kc_strdup(sla_clock_label(c));
}

/* Reads a whole file ("-" = standard input) for --file. */
static char *read_text(const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp) {
		cli_error(_("cannot read %s: %s"), path, strerror(errno));
		return NULL;
	}
	strbuf sb = STRBUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && sb.len <= TICKET_TEXT_MAX)
		strbuf_appendn(&sb, chunk, n);
	bool bad = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (bad) {
		cli_error(_("cannot read %s: %s"), path, strerror(errno));
		strbuf_free(&sb);
		return NULL;
	}
	if (memchr(strbuf_cstr(&sb), '\0', sb.len) || sb.len > TICKET_TEXT_MAX) {
		cli_error(_("%s is not a text of at most %d bytes"), path, TICKET_TEXT_MAX);
		strbuf_free(&sb);
		return NULL;
	}
	char *text = strbuf_detach(&sb);
	if (!text)
		cli_error("%s", kc_status_text(KC_ERR_NOMEM));
	return text;
}

/* ---------------------------------------------------------------------- */
/* ticket add                                                              */

int cmd_ticket_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *received = NULL, *wstart = NULL, *wend = NULL;
	struct ticket_new in = { 0 };
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "priority", &in.priority, NULL },
		{ "subject", &in.subject, NULL }, { "received", &received, NULL },
		{ "channel", &in.channel, NULL }, { "category", &in.category, NULL },
		{ "window-start", &wstart, NULL }, { "window-end", &wend, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0, 0,
		&n_pos);
	if (st >= 0)
		return st;
	if (!account)
		return cli_usage(cmd, _("Missing option '--%s'"), "account");
	if (!in.priority)
		return cli_usage(cmd, _("Missing option '--%s'"), "priority");
	if (!in.subject)
		return cli_usage(cmd, _("Missing option '--%s'"), "subject");
	if ((st = parse_when(cmd, "received", received, &in.received)) >= 0 ||
	    (st = parse_when(cmd, "window-start", wstart, &in.window_start)) >= 0 ||
	    (st = parse_when(cmd, "window-end", wend, &in.window_end)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;

	kc_error err = KC_ERROR_INIT;
	if (account_resolve(ctx->db, account, &in.account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
	int64_t number = 0;
	bool downgraded = false;
	if (ticket_add(ctx->db, ctx->settings, &in, &number, &downgraded, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf("%" PRId64 "\n", number);
	if (downgraded) {
		struct ticket t = { 0 };
		if (ticket_get(ctx->db, number, &t, &err) == KC_OK)
			cli_error(_("Note: %s requested, accepted as %s (%s)"),
				ticket_priority_label(t.requested_priority),
				ticket_priority_label(t.priority),
				strcmp(t.category, "maintenance") == 0 ? "TKT-7" : "TKT-2");
		kc_error_clear(&err);
		ticket_clear(&t);
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* ticket list                                                             */

enum { N_TEXT_COLS = 8, N_DATA_COLS = 17 };

static output_table *list_table(enum output_format fmt)
{
	static struct output_column text_cols[N_TEXT_COLS], data_cols[N_DATA_COLS];
	const struct output_column text[N_TEXT_COLS] = {
		{ "number", _("Ticket"), OUTPUT_INT, 7 },
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "priority", _("Priority"), OUTPUT_STR, 10 },
		{ "state", _("State"), OUTPUT_STR, 10 },
		{ "assigned_to", _("Assigned"), OUTPUT_STR, 10 },
		{ "response_due", _("Response due"), OUTPUT_STR, 16 },
		{ "sla", _("Time left"), OUTPUT_STR, 20 },
		{ "subject", _("Subject"), OUTPUT_STR, 0 },
	};
	const struct output_column data[N_DATA_COLS] = {
		{ "number", "", OUTPUT_INT, 0 }, { "account", "", OUTPUT_STR, 0 },
		{ "subject", "", OUTPUT_STR, 0 }, { "requested_priority", "", OUTPUT_STR, 0 },
		{ "priority", "", OUTPUT_STR, 0 }, { "state", "", OUTPUT_STR, 0 },
		{ "channel", "", OUTPUT_STR, 0 }, { "category", "", OUTPUT_STR, 0 },
		{ "assigned_to", "", OUTPUT_STR, 0 }, { "opened", "", OUTPUT_STR, 0 },
		{ "response_due", "", OUTPUT_STR, 0 }, { "responded", "", OUTPUT_STR, 0 },
		{ "sla", "", OUTPUT_STR, 0 }, { "breached", "", OUTPUT_BOOL, 0 },
		{ "breached_at", "", OUTPUT_STR, 0 }, { "time_left", "", OUTPUT_STR, 0 },
		{ "version", "", OUTPUT_INT, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, N_TEXT_COLS);
	return output_table_begin(stdout, fmt, data_cols, N_DATA_COLS);
}

static void list_row(output_table *tb, enum output_format fmt, const struct ticket *t,
	kc_instant now)
{
	char due[DATE_LOCAL_BUFSZ], left[SLA_LEFT_BUFSZ];
	enum sla_clock c = ticket_clock(t, now);
	if (fmt == OUTPUT_TEXT) {
		output_cell_int(tb, t->number);
		output_cell_str(tb, t->account_number);
		output_cell_str(tb, ticket_priority_label(t->priority));
		output_cell_str(tb, ticket_state_label(t->state));
		output_cell_str(tb, t->assigned_to ? t->assigned_to : "-");
		output_cell_str(tb, local_minute(t->response_due, due));
		char *sla = sla_text(t, now);
		output_cell_str(tb, sla ? sla : "?");
		free(sla);
		output_cell_str(tb, t->subject);
		return;
	}
	char opened[DATE_INSTANT_BUFSZ], d[DATE_INSTANT_BUFSZ], r[DATE_INSTANT_BUFSZ];
	output_cell_int(tb, t->number);
	output_cell_str(tb, t->account_number);
	output_cell_str(tb, t->subject);
	output_cell_str(tb, t->requested_priority);
	output_cell_str(tb, t->priority);
	output_cell_str(tb, t->state);
	output_cell_str(tb, t->channel);
	output_cell_str(tb, t->category);
	output_cell_str(tb, t->assigned_to);
	output_cell_str(tb, date_instant_format(t->received_at, opened));
	output_cell_str(tb, date_instant_format(t->response_due, d));
	output_cell_str(tb, t->responded ? date_instant_format(t->responded_at, r) : NULL);
	output_cell_str(tb, sla_clock_key(c));
	output_cell_bool(tb, sla_clock_breached(c));
	/* Computed, not polled: a breach happened at the deadline itself. */
	output_cell_str(tb, sla_clock_breached(c) ? d : NULL);
	output_cell_str(tb, time_left(t, now, left) ? left : NULL);
	output_cell_int(tb, t->version);
}

/* Streams the queue page by page (keyset) with one fixed "now". */
static kc_status list_stream(kc_db *db, struct ticket_query *q, int64_t limit, output_table *tb,
	enum output_format fmt, kc_error *err)
{
	struct ticket rows[LIST_PAGE];
	struct ticket_cursor cur = { 0 };
	int64_t shown = 0;
	kc_status st;
	for (;;) {
		size_t n = 0;
		memset(rows, 0, sizeof rows);
		st = ticket_page(db, q, &cur, false, rows, LIST_PAGE, &n, err);
		for (size_t i = 0; st == KC_OK && i < n && (!limit || shown < limit); i++, shown++)
			list_row(tb, fmt, &rows[i], q->as_of);
		if (st == KC_OK && n > 0)
			ticket_cursor_set(&cur, q, &rows[n - 1]);
		for (size_t i = 0; i < n; i++)
			ticket_clear(&rows[i]);
		if (st != KC_OK || n < LIST_PAGE || (limit && shown >= limit))
			break;
	}
	return st;
}

int cmd_ticket_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *priority = NULL, *state = NULL, *account = NULL, *format = NULL,
		*limit_s = NULL;
	bool mine = false, unassigned = false;
	const struct cli_opt opts[] = {
		{ "mine", NULL, &mine }, { "unassigned", NULL, &unassigned },
		{ "priority", &priority, NULL }, { "state", &state, NULL },
		{ "account", &account, NULL }, { "format", &format, NULL },
		{ "limit", &limit_s, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0, 0,
		&n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	int64_t limit = 0;
	if ((st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if (mine && unassigned)
		return cli_usage(cmd, _("Choose either --mine or --unassigned"));
	if (priority && !ticket_priority_valid(priority))
		return cli_usage(cmd, _("Unknown priority '%s': use emergency, urgent or standard"),
			priority);
	if (state && strcmp(state, "all") != 0 && !ticket_state_valid(state))
		return cli_usage(cmd, _("Unknown state '%s': use new, open, waiting, resolved, "
					"closed or all"), state);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;

	kc_error err = KC_ERROR_INIT;
	struct ticket_query q = { .priority = priority, .state = state, .unassigned = unassigned,
		.assigned_to = mine ? db_staff(ctx->db) : NULL, .as_of = date_now() };
	if (account && account_resolve(ctx->db, account, &q.account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
	output_table *tb = list_table(fmt);
	if (!tb)
		return CLI_EXIT_FAIL;
	/* One read transaction: every page sees the same snapshot. */
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = list_stream(ctx->db, &q, limit, tb, fmt, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	bool ok = output_table_end(&tb);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return ok ? CLI_EXIT_OK : cli_finish_output(CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* ticket show                                                             */

struct show_data {
	struct ticket t;
	struct ticket_event *ev;
	size_t n_ev;
	struct ticket_time *tt;
	size_t n_tt;
	struct sla_credit_row credit; /* id 0: none */
};

static void show_data_clear(struct show_data *d)
{
	ticket_clear(&d->t);
	ticket_events_free(&d->ev, d->n_ev);
	ticket_times_free(&d->tt, d->n_tt);
	sla_credit_rows_clear(&d->credit, 1);
}

/* The ticket's SLA credit request, if any (an account has a handful). */
static kc_status find_credit(kc_db *db, struct show_data *d, kc_error *err)
{
	struct sla_credit_row rows[32];
	int64_t before = 0;
	size_t n;
	kc_status st;
	do {
		st = sla_credit_page(db, d->t.account_id, before, rows, 32, &n, err);
		for (size_t i = 0; st == KC_OK && i < n; i++) {
			if (rows[i].ticket_number == d->t.number && d->credit.id == 0) {
				d->credit = rows[i];
				memset(&rows[i], 0, sizeof rows[i]);
			}
		}
		if (st == KC_OK && n > 0)
			before = rows[n - 1].id;
		sla_credit_rows_clear(rows, n);
	} while (st == KC_OK && n == 32 && d->credit.id == 0);
	return st;
}

static kc_status show_load(kc_db *db, int64_t number, struct show_data *d, kc_error *err)
{
	kc_status st = db_begin_read(db, err);
	if (st != KC_OK)
		return st;
	st = ticket_get(db, number, &d->t, err);
	if (st == KC_OK)
		st = ticket_events(db, d->t.id, &d->ev, &d->n_ev, err);
	if (st == KC_OK)
		st = ticket_times(db, d->t.id, &d->tt, &d->n_tt, err);
	if (st == KC_OK)
		st = find_credit(db, d, err);
	if (st == KC_OK)
		st = db_commit(db, err);
	else
		db_rollback(db);
	return st;
}

static json_t *ticket_json(const struct show_data *d, kc_instant now)
{
	const struct ticket *t = &d->t;
	char left[SLA_LEFT_BUFSZ];
	enum sla_clock c = ticket_clock(t, now);
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "number", json_integer((json_int_t)t->number));
	set_str(o, "account", t->account_number);
	json_object_set_new(o, "account_id", json_integer((json_int_t)t->account_id));
	set_str(o, "subject", t->subject);
	set_str(o, "requested_priority", t->requested_priority);
	set_str(o, "priority", t->priority);
	set_str(o, "state", t->state);
	set_str(o, "channel", t->channel);
	set_str(o, "category", t->category);
	set_str(o, "assigned_to", t->assigned_to);
	set_instant(o, "opened", true, t->received_at);
	set_instant(o, "response_due", true, t->response_due);
	set_instant(o, "responded", t->responded, t->responded_at);
	set_str(o, "sla", sla_clock_key(c));
	json_object_set_new(o, "breached", json_boolean(sla_clock_breached(c)));
	set_instant(o, "breached_at", sla_clock_breached(c), t->response_due);
	set_str(o, "time_left", time_left(t, now, left) ? left : NULL);
	set_instant(o, "window_start", t->has_window, t->window_start);
	set_instant(o, "window_end", t->has_window, t->window_end);
	set_str(o, "created_at", t->created_at);
	set_str(o, "created_by", t->created_by);
	set_str(o, "updated_at", t->updated_at);
	set_str(o, "updated_by", t->updated_by);
	json_object_set_new(o, "version", json_integer((json_int_t)t->version));
	return o;
}

static json_t *events_json(const struct show_data *d)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < d->n_ev; i++) {
		const struct ticket_event *e = &d->ev[i];
		json_t *o = json_object();
		set_instant(o, "at", true, e->at);
		set_str(o, "staff", e->staff);
		set_str(o, "kind", e->kind);
		set_str(o, "body", e->body);
		set_str(o, "old", e->old_value);
		set_str(o, "new", e->new_value);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *times_json(const struct show_data *d)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < d->n_tt; i++) {
		const struct ticket_time *e = &d->tt[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer((json_int_t)e->id));
		set_str(o, "staff", e->staff);
		set_str(o, "worked_on", e->worked_on);
		json_object_set_new(o, "minutes", json_integer(e->minutes));
		json_object_set_new(o, "billable", json_boolean(e->billable));
		json_object_set_new(o, "invoiced", json_boolean(e->invoice_id != 0));
		set_str(o, "description", e->description);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *credit_json(const struct sla_credit_row *r)
{
	if (r->id == 0)
		return json_null();
	json_t *o = json_object();
	set_str(o, "status", r->status);
	json_object_set_new(o, "amount", output_json_money(r->amount_cents));
	set_str(o, "requested_on", r->requested_on);
	set_str(o, "incident_month", r->incident_month);
	set_str(o, "reason", r->reason);
	return o;
}

static void show_line(const char *label, const char *value)
{
	if (!value || !*value)
		return;
	fputs("  ", stdout);
	output_pair(stdout, label, LABEL_WIDTH, value);
}

static void show_sla(const struct ticket *t, kc_instant now)
{
	char a[DATE_LOCAL_BUFSZ], left[SLA_LEFT_BUFSZ];
	show_line(_("Received:"), local_text(t->received_at, a));
	show_line(_("Response due:"), local_text(t->response_due, a));
	show_line(_("First response:"), t->responded ? local_text(t->responded_at, a)
						     : _("not yet"));
	enum sla_clock c = ticket_clock(t, now);
	char *text = NULL;
	if (c == SLA_CLOCK_RUNNING && time_left(t, now, left))
		text = kc_asprintf(_("%s left"), left);
	else if (c == SLA_CLOCK_OVERDUE)
		text = kc_asprintf(_("BREACHED at %s, still waiting for a response"),
			local_text(t->response_due, a));
	else
		text = kc_strdup(sla_clock_label(c));
	show_line(_("SLA:"), text ? text : "?");
	free(text);
	if (t->has_window) {
		char b[DATE_LOCAL_BUFSZ];
		text = kc_asprintf("%s - %s", local_text(t->window_start, a),
			local_text(t->window_end, b));
		show_line(_("Maintenance:"), text);
		free(text);
	}
}

static void show_time_and_credit(const struct show_data *d)
{
	int64_t total = 0, billable = 0, invoiced = 0;
	for (size_t i = 0; i < d->n_tt; i++) {
		total += d->tt[i].minutes;
		billable += d->tt[i].billable ? d->tt[i].minutes : 0;
		invoiced += d->tt[i].invoice_id ? d->tt[i].minutes : 0;
	}
	if (total) {
		char *text = kc_asprintf(_("%" PRId64 " min (%" PRId64 " billable, %" PRId64
					   " invoiced)"), total, billable, invoiced);
		show_line(_("Time logged:"), text);
		free(text);
	}
	if (d->credit.id) {
		char *money = output_money_text(d->credit.amount_cents);
		char *text = kc_asprintf("%s %s, %s%s%s", d->credit.status, money ? money : "?",
			d->credit.requested_on, d->credit.reason[0] ? ": " : "", d->credit.reason);
		show_line(_("SLA credit:"), text);
		free(text);
		free(money);
	}
}

/* ": OLD -> NEW" in words for people, as the kind of event needs. */
static void event_values(const struct ticket_event *e)
{
	const char *o = e->old_value, *n = e->new_value;
	if (strcmp(e->kind, "state") == 0) {
		o = o ? ticket_state_label(o) : NULL;
		n = n ? ticket_state_label(n) : NULL;
	} else if (strcmp(e->kind, "priority") == 0 || strcmp(e->kind, "downgrade") == 0) {
		o = o ? ticket_priority_label(o) : NULL;
		n = n ? ticket_priority_label(n) : NULL;
	} else if (strcmp(e->kind, "time") == 0) {
		printf(_(": %s min"), n ? n : "?");
		return;
	} else if (strcmp(e->kind, "assign") != 0) {
		return; /* created, reply, note: the body says it all */
	}
	printf(": %s -> %s", o ? o : "-", n ? n : "-");
}

static void show_history(const struct show_data *d)
{
	char a[DATE_LOCAL_BUFSZ];
	printf(_("History\n"));
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct ticket_event *e = &d->ev[i];
		fputs("  ", stdout);
		output_pad(stdout, local_text(e->at, a), 16, false);
		fputs("  ", stdout);
		output_pad(stdout, e->staff, 10, false);
		fputs("  ", stdout);
		fputs(ticket_event_label(e->kind), stdout);
		event_values(e);
		fputc('\n', stdout);
		/* Bodies (replies, notes) indented line by line. */
		const char *p = e->body;
		while (p && *p) {
			size_t len = strcspn(p, "\n");
			printf("      %.*s\n", (int)len, p);
			p += len + (p[len] == '\n');
		}
	}
}

static void show_text(const struct show_data *d, kc_instant now)
{
	const struct ticket *t = &d->t;
	printf(_("Ticket %" PRId64 "\n"), t->number);
	show_line(_("Account:"), t->account_number);
	show_line(_("Subject:"), t->subject);
	char *prio = strcmp(t->priority, t->requested_priority) != 0
		? kc_asprintf(_("%s (%s requested)"), ticket_priority_label(t->priority),
			ticket_priority_label(t->requested_priority))
		: NULL;
	show_line(_("Priority:"), prio ? prio : ticket_priority_label(t->priority));
	free(prio);
	show_line(_("State:"), ticket_state_label(t->state));
	show_line(_("Channel:"), ticket_channel_label(t->channel));
	show_line(_("Category:"), ticket_category_label(t->category));
	show_line(_("Assigned to:"), t->assigned_to ? t->assigned_to : _("nobody"));
	show_sla(t, now);
	show_time_and_credit(d);
	show_history(d);
}

/* A JSON scalar as a CSV field: strings as they are, null empty. */
static void csv_value(FILE *fp, json_t *v)
{
	if (json_is_string(v))
		output_csv_field(fp, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(fp, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", fp);
}

static void csv_object(FILE *fp, json_t *o)
{
	const char *key;
	json_t *v;
	for (int row = 0; row < 2; row++) {
		bool first = true;
		json_object_foreach(o, key, v) {
			fputs(first ? "" : ",", fp);
			if (row == 0)
				output_csv_field(fp, key);
			else
				csv_value(fp, v);
			first = false;
		}
		fputc('\n', fp);
	}
}

int cmd_ticket_show(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = { { "format", &format, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t number;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0 || (st = parse_number(cmd, pos[0], &number)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct show_data d = { 0 };
	if (show_load(ctx->db, number, &d, &err) != KC_OK) {
		show_data_clear(&d);
		return cli_fail_clear(&err);
	}
	kc_instant now = date_now();
	st = CLI_EXIT_OK;
	if (fmt == OUTPUT_TEXT) {
		show_text(&d, now);
	} else {
		json_t *o = ticket_json(&d, now);
		if (!o) {
			st = CLI_EXIT_FAIL;
		} else if (fmt == OUTPUT_CSV) {
			csv_object(stdout, o);
		} else {
			json_object_set_new(o, "sla_credit", credit_json(&d.credit));
			json_object_set_new(o, "time_entries", times_json(&d));
			json_object_set_new(o, "events", events_json(&d));
			st = output_json_print(stdout, o) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		}
		json_decref(o);
	}
	show_data_clear(&d);
	return st;
}

/* ---------------------------------------------------------------------- */
/* ticket reply / note                                                     */

static int text_command(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv, bool reply)
{
	const char *text = NULL, *file = NULL, *at_s = NULL;
	const struct cli_opt opts[] = {
		{ "text", &text, NULL }, { "file", &file, NULL }, { "at", &at_s, NULL },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 3, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	int64_t number;
	kc_instant at;
	if ((st = parse_number(cmd, pos[0], &number)) >= 0 || (st = parse_when(cmd, "at", at_s, &at)) >= 0)
		return st;
	if (!text == !file)
		return cli_usage(cmd, _("Give the text with either --text TEXT or --file FILE"));
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	char *owned = file ? read_text(file) : NULL;
	if (file && !owned)
		return CLI_EXIT_FAIL;
	kc_error err = KC_ERROR_INIT;
	bool stopped = false;
	kc_status ks = reply ? ticket_reply(ctx->db, number, owned ? owned : text, at, &stopped, &err)
			     : ticket_note(ctx->db, number, owned ? owned : text, at, &err);
	free(owned);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	if (!stopped) {
		printf(reply ? _("Reply added to ticket %" PRId64 ".\n")
			     : _("Internal note added to ticket %" PRId64 ".\n"), number);
		return CLI_EXIT_OK;
	}
	struct ticket t = { 0 };
	if (ticket_get(ctx->db, number, &t, &err) != KC_OK)
		return cli_fail_clear(&err);
	char when[DATE_LOCAL_BUFSZ];
	printf(_("Reply added to ticket %" PRId64 "; first response at %s: SLA %s.\n"), number,
		local_text(t.responded_at, when), sla_clock_label(ticket_clock(&t, date_now())));
	ticket_clear(&t);
	return CLI_EXIT_OK;
}

int cmd_ticket_reply(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return text_command(ctx, cmd, argc, argv, true);
}

int cmd_ticket_note(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return text_command(ctx, cmd, argc, argv, false);
}

/* ---------------------------------------------------------------------- */
/* ticket assign / status / priority                                       */

/* Parses "N WORD [--at DATETIME]" (WORD optional when word_optional). */
static int number_and_word(const struct cli_command *cmd, int argc, char **argv,
	const struct cli_opt *extra, size_t n_extra, int64_t *number, const char **word,
	kc_instant *at, bool word_optional)
{
	const char *at_s = NULL;
	struct cli_opt opts[4] = { { "at", &at_s, NULL } };
	for (size_t i = 0; i < n_extra && i < 3; i++)
		opts[1 + i] = extra[i];
	char *pos[2] = { NULL, NULL };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1 + n_extra, pos, 2,
		word_optional ? 1 : 2, &n_pos);
	if (st >= 0)
		return st;
	*word = pos[1];
	if ((st = parse_number(cmd, pos[0], number)) >= 0)
		return st;
	return parse_when(cmd, "at", at_s, at);
}

int cmd_ticket_assign(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	bool none = false;
	const struct cli_opt extra[] = { { "none", NULL, &none } };
	int64_t number;
	const char *user;
	kc_instant at;
	int st = number_and_word(cmd, argc, argv, extra, 1, &number, &user, &at, true);
	if (st >= 0)
		return st;
	if (!user == !none)
		return cli_usage(cmd, _("Name the staff member, or give --none to unassign"));
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (ticket_assign(ctx->db, number, 0, user, at, &err) != KC_OK)
		return cli_fail_clear(&err);
	if (user)
		printf(_("Ticket %" PRId64 " assigned to %s.\n"), number, user);
	else
		printf(_("Ticket %" PRId64 " is no longer assigned.\n"), number);
	return CLI_EXIT_OK;
}

int cmd_ticket_status(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	int64_t number;
	const char *state;
	kc_instant at;
	int st = number_and_word(cmd, argc, argv, NULL, 0, &number, &state, &at, false);
	if (st >= 0)
		return st;
	if (!ticket_state_valid(state))
		return cli_usage(cmd, _("Unknown state '%s': use open, waiting, resolved or closed"),
			state);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (ticket_set_state(ctx->db, number, 0, state, at, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Ticket %" PRId64 " is now %s.\n"), number, ticket_state_label(state));
	return CLI_EXIT_OK;
}

int cmd_ticket_priority(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	int64_t number;
	const char *priority;
	kc_instant at;
	int st = number_and_word(cmd, argc, argv, NULL, 0, &number, &priority, &at, false);
	if (st >= 0)
		return st;
	if (!ticket_priority_valid(priority))
		return cli_usage(cmd, _("Unknown priority '%s': use emergency, urgent or standard"),
			priority);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (ticket_set_priority(ctx->db, ctx->settings, number, 0, priority, at, &err) != KC_OK)
		return cli_fail_clear(&err);
	struct ticket t = { 0 };
	if (ticket_get(ctx->db, number, &t, &err) != KC_OK)
		return cli_fail_clear(&err);
	char due[DATE_LOCAL_BUFSZ];
	printf(_("Ticket %" PRId64 " is now %s; first response due %s.\n"), number,
		ticket_priority_label(t.priority), local_text(t.response_due, due));
	ticket_clear(&t);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* ticket log-time                                                         */

int cmd_ticket_log_time(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *minutes_s = NULL, *date = NULL, *note = NULL, *billable_s = NULL;
	const struct cli_opt opts[] = {
		{ "minutes", &minutes_s, NULL }, { "date", &date, NULL },
		{ "note", &note, NULL }, { "billable", &billable_s, NULL },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 4, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	int64_t number, minutes = 0;
	if ((st = parse_number(cmd, pos[0], &number)) >= 0)
		return st;
	if (!minutes_s)
		return cli_usage(cmd, _("Missing option '--%s'"), "minutes");
	if (!cli_positive(minutes_s, &minutes) || minutes > TICKET_MINUTES_MAX)
		return cli_usage(cmd, _("--minutes wants a whole number from 1 to %d, not '%s'"),
			TICKET_MINUTES_MAX, minutes_s);
	enum ticket_billable billable = TICKET_BILLABLE_DEFAULT;
	if (billable_s && strcmp(billable_s, "yes") == 0)
		billable = TICKET_BILLABLE_YES;
	else if (billable_s && strcmp(billable_s, "no") == 0)
		billable = TICKET_BILLABLE_NO;
	else if (billable_s)
		return cli_usage(cmd, _("--billable wants yes or no, not '%s'"), billable_s);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	if (ticket_log_time(ctx->db, number, (int)minutes, date, note, billable, &id, &err) != KC_OK)
		return cli_fail_clear(&err);
	struct ticket t = { 0 };
	struct ticket_time *tt = NULL;
	size_t n = 0;
	bool is_billable = false;
	if (ticket_get(ctx->db, number, &t, &err) == KC_OK &&
	    ticket_times(ctx->db, t.id, &tt, &n, &err) == KC_OK)
		for (size_t i = 0; i < n; i++)
			if (tt[i].id == id)
				is_billable = tt[i].billable;
	kc_error_clear(&err);
	ticket_times_free(&tt, n);
	ticket_clear(&t);
	printf(is_billable ? _("Logged %" PRId64 " minutes on ticket %" PRId64
			       " (billable on the next invoice).\n")
			   : _("Logged %" PRId64 " minutes on ticket %" PRId64 " (not billable).\n"),
		minutes, number);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* sla-credit request / list                                               */

int cmd_sla_credit_request(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *ticket = NULL, *date = NULL;
	const struct cli_opt opts[] = { { "ticket", &ticket, NULL }, { "date", &date, NULL } };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!ticket)
		return cli_usage(cmd, _("Missing option '--%s'"), "ticket");
	int64_t number;
	if ((st = parse_number(cmd, ticket, &number)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	if (sla_credit_request(ctx->db, ctx->settings, number, date, &r, &err) != KC_OK)
		return cli_fail_clear(&err);
	char *amount = output_money_text(r.amount_cents), *full = output_money_text(r.full_cents);
	if (strcmp(r.status, "refused") == 0) {
		/* Recorded, but the customer gets nothing: the command fails. */
		cli_error(_("SLA credit refused for ticket %" PRId64 " (recorded): %s"), number,
			r.reason ? r.reason : "");
		st = CLI_EXIT_FAIL;
	} else if (r.partial) {
		printf(_("SLA credit granted for ticket %" PRId64 ": %s of %s as store credit "
			 "(incident %s).\n%s\n"), number, amount ? amount : "?", full ? full : "?",
			r.incident_date, r.reason ? r.reason : "");
	} else {
		printf(_("SLA credit granted for ticket %" PRId64 ": %s as store credit "
			 "(incident %s).\n"), number, amount ? amount : "?", r.incident_date);
	}
	free(amount);
	free(full);
	sla_credit_result_clear(&r);
	return st;
}

static output_table *credit_table(enum output_format fmt)
{
	static struct output_column cols[8];
	const struct output_column c[8] = {
		{ "id", _("Id"), OUTPUT_INT, 5 },
		{ "ticket", _("Ticket"), OUTPUT_INT, 7 },
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "requested_on", _("Requested"), OUTPUT_STR, 10 },
		{ "incident_month", _("Incident"), OUTPUT_STR, 8 },
		{ "status", _("Status"), OUTPUT_STR, 9 },
		{ "amount", _("Amount"), OUTPUT_MONEY, 10 },
		{ "reason", _("Reason"), OUTPUT_STR, 0 },
	};
	memcpy(cols, c, sizeof c);
	return output_table_begin(stdout, fmt, cols, 8);
}

int cmd_sla_credit_list(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *account = NULL, *format = NULL;
	const struct cli_opt opts[] = { { "account", &account, NULL }, { "format", &format, NULL } };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	int64_t account_id = 0;
	if (account && account_resolve(ctx->db, account, &account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
	output_table *tb = credit_table(fmt);
	if (!tb)
		return CLI_EXIT_FAIL;
	struct sla_credit_row rows[LIST_PAGE];
	int64_t before = 0;
	size_t n = 0;
	kc_status ks = db_begin_read(ctx->db, &err);
	while (ks == KC_OK) {
		ks = sla_credit_page(ctx->db, account_id, before, rows, LIST_PAGE, &n, &err);
		for (size_t i = 0; ks == KC_OK && i < n; i++) {
			output_cell_int(tb, rows[i].id);
			output_cell_int(tb, rows[i].ticket_number);
			output_cell_str(tb, rows[i].account_number);
			output_cell_str(tb, rows[i].requested_on);
			output_cell_str(tb, rows[i].incident_month);
			output_cell_str(tb, rows[i].status);
			output_cell_money(tb, rows[i].amount_cents);
			output_cell_str(tb, rows[i].reason);
			before = rows[i].id;
		}
		sla_credit_rows_clear(rows, n);
		if (ks != KC_OK || n < LIST_PAGE)
			break;
	}
	if (ks == KC_OK)
		ks = db_commit(ctx->db, &err);
	else if (db_in_transaction(ctx->db))
		db_rollback(ctx->db);
	bool ok = output_table_end(&tb);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return ok ? CLI_EXIT_OK : cli_finish_output(CLI_EXIT_FAIL);
}
