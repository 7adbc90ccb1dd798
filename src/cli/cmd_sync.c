/* cmd_sync.c: the voip.ms usage commands (see cli.h): sync, sync runs,
 * usage list and usage summary, over sync.h and usage.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "date.h"
#include "money.h"
#include "output.h"
#include "sync.h"
#include "usage.h"

#define USAGE_PAGE 500
#define RUNS_PAGE 100
#define CYCLES_PAGE 24

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

/* A date option: "YYYY-MM-DD" or absent. */
static int check_date(const struct cli_command *cmd, const char *opt, const char *s)
{
	kc_error err = KC_ERROR_INIT;
	if (!s || date_parse(s, &(kc_date){ 0, 0, 0 }, &err) == KC_OK)
		return -1;
	kc_error_clear(&err);
	return cli_usage(cmd, _("--%s wants a date YYYY-MM-DD, not '%s'"), opt, s);
}

static int resolve(struct cli_context *ctx, const char *ref, int64_t *id, char **number)
{
	kc_error err = KC_ERROR_INIT;
	struct account a = { 0 };
	if (account_resolve(ctx->db, ref, id, &err) != KC_OK ||
	    account_get(ctx->db, *id, &a, &err) != KC_OK)
		return cli_fail_clear(&err);
	*number = a.number;
	a.number = NULL;
	account_clear(&a);
	return CLI_EXIT_OK;
}

/* 10^-8 CAD as the exact decimal "0.01500000"; NULL when memory runs out. */
static char *units8_text(kc_units8 v)
{
	return money_format_units8(v);
}

static void cell_units8(output_table *t, kc_units8 v)
{
	char *s = units8_text(v);
	output_cell_str(t, s ? s : "?");
	free(s);
}

/* ---------------------------------------------------------------------- */
/* sync                                                                    */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* First ^C, TERM or HUP (the terminal or the ssh session went away): stop
 * after the current window and record the run "stopped"; SA_RESETHAND
 * makes a second one end the program at once, which is safe (whole
 * windows; the next sync marks that run interrupted).  A signal ignored
 * when we started (nohup, a background job's SIGINT) stays ignored. */
static void catch_stop_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static bool ignored[3];
	for (size_t i = 0; i < 3; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		if (on) {
			sigaction(sigs[i], NULL, &old);
			ignored[i] = old.sa_handler == SIG_IGN;
		}
		if (ignored[i])
			continue;
		sa.sa_handler = on ? on_stop_signal : SIG_DFL;
		sa.sa_flags = on ? SA_RESETHAND : 0;
		sigaction(sigs[i], &sa, NULL);
	}
}

struct progress_state {
	bool shown;
};

static void show_progress(void *ctx, const struct sync_progress *p)
{
	struct progress_state *ps = ctx;
	ps->shown = true;
	fprintf(stderr, "\r");
	fprintf(stderr, _("Account %s (%lld of %lld): calls of %s to %s; %lld calls read"),
		p->account_number ? p->account_number : "-", (long long)p->accounts_done + 1,
		(long long)p->accounts_total, p->window_from ? p->window_from : "-",
		p->window_to ? p->window_to : "-", (long long)p->calls);
	fputs("\033[K", stderr);
	fflush(stderr);
}

static void print_summary(const struct sync_report *r)
{
	char *amount = units8_text(r->amount_units8);
	printf(_("Sync done: accounts %lld, windows %lld, new calls %lld, unchanged %lld, "
		 "changed %lld, adjustments %lld, amount %s\n"),
		(long long)r->accounts, (long long)r->windows, (long long)r->calls_new,
		(long long)r->calls_unchanged, (long long)r->calls_changed, (long long)r->adjustments,
		amount ? amount : "?");
	free(amount);
}

int cmd_sync(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *from = NULL, *to = NULL;
	bool all = false;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "all", NULL, &all },
		{ "from", &from, NULL }, { "to", &to, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 4, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (account && all)
		return cli_usage(cmd, _("Give --account ID or --all, not both"));
	if ((st = check_date(cmd, "from", from)) >= 0 || (st = check_date(cmd, "to", to)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t id = 0;
	char *number = NULL;
	if (account && (st = resolve(ctx, account, &id, &number)) != CLI_EXIT_OK)
		return st;
	free(number);

	struct progress_state ps = { false };
	bool tty = isatty(STDERR_FILENO);
	struct sync_report rep;
	kc_error err = KC_ERROR_INIT;
	stop_requested = 0;
	catch_stop_signals(true);
	kc_status ks = account
		? sync_account(ctx->db, ctx->settings, id, from, to, tty ? show_progress : NULL, &ps,
			  &stop_requested, &rep, &err)
		: sync_all(ctx->db, ctx->settings, from, to, tty ? show_progress : NULL, &ps,
			  &stop_requested, &rep, &err);
	catch_stop_signals(false);
	if (ps.shown)
		fputc('\n', stderr);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	print_summary(&rep);
	if (rep.stopped) {
		cli_error(_("Stopped at your request; the windows done are saved, run the sync again "
			    "to complete it"));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* sync runs                                                               */

static void run_cells(output_table *t, enum output_format fmt, const struct sync_run_row *r)
{
	output_cell_int(t, r->id);
	output_cell_str(t, r->started_at);
	output_cell_str(t, r->staff);
	output_cell_str(t, r->window_from);
	output_cell_str(t, r->window_to);
	output_cell_str(t, fmt == OUTPUT_TEXT ? sync_status_label(r->status) : r->status);
	output_cell_int(t, r->windows);
	output_cell_int(t, r->calls_new);
	output_cell_int(t, r->calls_unchanged);
	output_cell_int(t, r->calls_changed);
	cell_units8(t, r->amount_units8);
	output_cell_str(t, r->error);
}

static kc_status runs_stream(kc_db *db, int64_t id, int64_t limit, output_table *t,
	enum output_format fmt, kc_error *err)
{
	struct sync_run_row rows[RUNS_PAGE];
	int64_t before = 0, done = 0;
	size_t n;
	do {
		size_t want = RUNS_PAGE;
		if (limit && limit - done < (int64_t)want)
			want = (size_t)(limit - done);
		kc_status rc = sync_runs_page(db, id, before, rows, want, &n, err);
		if (rc != KC_OK)
			return rc;
		for (size_t i = 0; i < n; i++)
			run_cells(t, fmt, &rows[i]);
		done += (int64_t)n;
		if (n)
			before = rows[n - 1].id;
		sync_runs_clear(rows, n);
		if (n < want)
			break;
	} while (!limit || done < limit);
	return KC_OK;
}

int cmd_sync_runs(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *limit_s = NULL, *format = NULL;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "limit", &limit_s, NULL }, { "format", &format, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 3, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0 || (st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if (!account)
		return cli_usage(cmd, _("Missing option '--%s'"), "account");
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t id;
	char *number = NULL;
	if ((st = resolve(ctx, account, &id, &number)) != CLI_EXIT_OK)
		return st;
	free(number);
	const struct output_column cols[] = {
		{ "id", _("Run"), OUTPUT_INT, 5 },
		{ "started", _("Started (UTC)"), OUTPUT_STR, 21 },
		{ "staff", _("Staff"), OUTPUT_STR, 10 },
		{ "from", _("From"), OUTPUT_STR, 11 },
		{ "to", _("To"), OUTPUT_STR, 11 },
		{ "status", _("Status"), OUTPUT_STR, 9 },
		{ "windows", _("Win."), OUTPUT_INT, 5 },
		{ "calls_new", _("New"), OUTPUT_INT, 7 },
		{ "calls_unchanged", _("Same"), OUTPUT_INT, 7 },
		{ "calls_changed", _("Changed"), OUTPUT_INT, 8 },
		{ "amount", _("Amount"), OUTPUT_STR, 14 },
		{ "error", _("Error"), OUTPUT_STR, 0 },
	};
	output_table *t = output_table_begin(stdout, fmt, cols, sizeof cols / sizeof cols[0]);
	if (!t)
		return CLI_EXIT_FAIL;
	kc_error err = KC_ERROR_INIT;
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = runs_stream(ctx->db, id, limit, t, fmt, &err);
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
/* usage list                                                              */

/* Text shows the office wall clock, data formats the UTC instant. */
static void cell_started(output_table *t, enum output_format fmt, const char *instant)
{
	kc_instant v;
	if (fmt != OUTPUT_TEXT || !instant || date_instant_parse(instant, &v, NULL) != KC_OK) {
		output_cell_str(t, instant);
		return;
	}
	kc_local l = date_to_local(v);
	char buf[DATE_LOCAL_BUFSZ + 8];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", l.date.year, l.date.month,
		l.date.day, l.hour, l.min, l.sec);
	output_cell_str(t, buf);
}

static void usage_cells(output_table *t, enum output_format fmt, const char *number,
	const struct usage_row *r)
{
	char invoice[24];
	output_cell_str(t, number);
	output_cell_str(t, r->uniqueid);
	cell_started(t, fmt, r->started_at);
	output_cell_int(t, r->seconds);
	cell_units8(t, r->cost_units8);
	snprintf(invoice, sizeof invoice, "%lld", (long long)r->invoice_number);
	output_cell_str(t, r->invoice_number ? invoice : NULL);
	output_cell_str(t, r->destination);
	output_cell_str(t, r->disposition);
	output_cell_str(t, r->description);
}

static kc_status usage_stream(kc_db *db, int64_t id, const char *number, const char *from,
	const char *to, int64_t limit, output_table *t, enum output_format fmt, kc_error *err)
{
	struct usage_row *rows = calloc(USAGE_PAGE, sizeof *rows);
	if (!rows)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	struct usage_cursor c = { 0 };
	int64_t done = 0;
	size_t n;
	kc_status rc;
	do {
		size_t want = USAGE_PAGE;
		if (limit && limit - done < (int64_t)want)
			want = (size_t)(limit - done);
		if ((rc = usage_page(db, id, from, to, &c, false, rows, want, &n, err)) != KC_OK)
			break;
		for (size_t i = 0; i < n; i++)
			usage_cells(t, fmt, number, &rows[i]);
		done += (int64_t)n;
		if (n)
			usage_cursor_set(&c, &rows[n - 1]);
		usage_rows_clear(rows, n);
		if (n < want)
			break;
	} while (!limit || done < limit);
	free(rows);
	return rc;
}

int cmd_usage_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *from = NULL, *to = NULL, *limit_s = NULL, *format = NULL;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "from", &from, NULL }, { "to", &to, NULL },
		{ "limit", &limit_s, NULL }, { "format", &format, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 5, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0 ||
	    (st = cli_limit_option(cmd, limit_s, &limit)) >= 0 ||
	    (st = check_date(cmd, "from", from)) >= 0 || (st = check_date(cmd, "to", to)) >= 0)
		return st;
	if (!account)
		return cli_usage(cmd, _("Missing option '--%s'"), "account");
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t id;
	char *number = NULL;
	if ((st = resolve(ctx, account, &id, &number)) != CLI_EXIT_OK)
		return st;
	const struct output_column cols[] = {
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "uniqueid", _("Call"), OUTPUT_STR, 12 },
		{ "started", _("Started"), OUTPUT_STR, 20 },
		{ "seconds", _("Seconds"), OUTPUT_INT, 8 },
		{ "cost", _("Cost"), OUTPUT_STR, 12 },
		{ "invoice", _("Invoice"), OUTPUT_STR, 8 },
		{ "destination", _("Destination"), OUTPUT_STR, 14 },
		{ "disposition", _("Result"), OUTPUT_STR, 10 },
		{ "description", _("Description"), OUTPUT_STR, 0 },
	};
	output_table *t = output_table_begin(stdout, fmt, cols, sizeof cols / sizeof cols[0]);
	if (!t) {
		free(number);
		return CLI_EXIT_FAIL;
	}
	kc_error err = KC_ERROR_INIT;
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = usage_stream(ctx->db, id, number, from, to, limit, t, fmt, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	free(number);
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return ok ? CLI_EXIT_OK : cli_finish_output(CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* usage summary                                                           */

static void cycle_cells(output_table *t, const struct usage_cycle *c)
{
	output_cell_int(t, c->index);
	output_cell_str(t, c->from[0] ? c->from : NULL);
	output_cell_str(t, c->to[0] ? c->to : NULL);
	output_cell_int(t, c->calls);
	output_cell_int(t, c->seconds);
	cell_units8(t, c->cost_units8);
	cell_units8(t, c->invoiced_units8);
	cell_units8(t, c->pending_units8);
}

static kc_status cycles_stream(kc_db *db, int64_t id, enum cycle_kind kind, output_table *t,
	kc_error *err)
{
	struct usage_cycle cy[CYCLES_PAGE];
	int before = USAGE_CYCLES_NEWEST;
	size_t n;
	do {
		kc_status rc = usage_cycles(db, id, kind, NULL, before, cy, CYCLES_PAGE, &n, err);
		if (rc != KC_OK)
			return rc;
		for (size_t i = 0; i < n; i++)
			cycle_cells(t, &cy[i]);
		if (n)
			before = cy[n - 1].index;
	} while (n == CYCLES_PAGE && before >= 0);
	return KC_OK;
}

static void print_pending(const struct usage_pending *p)
{
	char *usage = units8_text(p->usage_units8), *adj = units8_text(p->adjustments_units8);
	printf(_("Not invoiced yet: %lld calls, %s; re-rating adjustments: %lld, %s\n"),
		(long long)p->calls, usage ? usage : "?", (long long)p->adjustments, adj ? adj : "?");
	free(usage);
	free(adj);
}

int cmd_usage_summary(struct cli_context *ctx, const struct cli_command *cmd, int argc,
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
	if (!account)
		return cli_usage(cmd, _("Missing option '--%s'"), "account");
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t id;
	char *number = NULL;
	if ((st = resolve(ctx, account, &id, &number)) != CLI_EXIT_OK)
		return st;
	free(number);
	enum cycle_kind kind = ctx->settings && ctx->settings->billing_cycle == SETTINGS_CYCLE_30DAYS
				       ? CYCLE_30DAYS : CYCLE_MONTHLY;
	const struct output_column cols[] = {
		{ "cycle", _("Cycle"), OUTPUT_INT, 6 },
		{ "from", _("From"), OUTPUT_STR, 11 },
		{ "to", _("To"), OUTPUT_STR, 11 },
		{ "calls", _("Calls"), OUTPUT_INT, 7 },
		{ "seconds", _("Seconds"), OUTPUT_INT, 9 },
		{ "cost", _("Cost"), OUTPUT_STR, 14 },
		{ "invoiced", _("Invoiced"), OUTPUT_STR, 14 },
		{ "pending", _("Pending"), OUTPUT_STR, 0 },
	};
	output_table *t = output_table_begin(stdout, fmt, cols, sizeof cols / sizeof cols[0]);
	if (!t)
		return CLI_EXIT_FAIL;
	kc_error err = KC_ERROR_INIT;
	struct usage_pending p;
	kc_status ks = db_begin_read(ctx->db, &err);
	if (ks == KC_OK) {
		ks = cycles_stream(ctx->db, id, kind, t, &err);
		if (ks == KC_OK)
			ks = usage_pending_total(ctx->db, id, &p, &err);
		if (ks == KC_OK)
			ks = db_commit(ctx->db, &err);
		else
			db_rollback(ctx->db);
	}
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	if (fmt == OUTPUT_TEXT)
		print_pending(&p);
	return ok ? CLI_EXIT_OK : cli_finish_output(CLI_EXIT_FAIL);
}
