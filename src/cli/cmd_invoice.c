/* cmd_invoice.c: invoice run/list/show/statement and overdue (see cli.h),
 * over billing.h, invoice.h, credit.h and overdue.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "billing.h"
#include "cli.h"
#include "cmd_billing.h"
#include "credit.h"
#include "date.h"
#include "invoice.h"
#include "output.h"
#include "overdue.h"
#include "strbuf.h"
#include "tax.h"

#define LIST_PAGE 200
#define LABEL_WIDTH 22

/* ---------------------------------------------------------------------- */
/* Helpers shared with cmd_payment.c (cmd_billing.h)                       */

int cmd_billing_date(const struct cli_command *cmd, const char *opt, const char *s)
{
	kc_date d;
	if (s && date_parse(s, &d, NULL) != KC_OK)
		return cli_usage(cmd, _("--%s wants a date YYYY-MM-DD, not '%s'"), opt, s);
	return -1;
}

int cmd_billing_money(const struct cli_command *cmd, const char *opt, const char *s,
	kc_cents *out)
{
	kc_error err = KC_ERROR_INIT;
	if (money_parse(s, out, &err) == KC_OK)
		return -1;
	int st = cli_usage(cmd, "--%s: %s", opt, kc_error_text(&err));
	kc_error_clear(&err);
	return st;
}

int cmd_billing_account(struct cli_context *ctx, const char *ref, int64_t *id)
{
	kc_error err = KC_ERROR_INIT;
	return account_resolve(ctx->db, ref, id, &err) == KC_OK ? CLI_EXIT_OK
		: cli_fail_clear(&err);
}

/* ---------------------------------------------------------------------- */
/* invoice run                                                             */

static void run_progress(void *ctx, const struct billing_report *r)
{
	(void)ctx;
	fputs("\r", stderr); /* outside the message: translators never see it */
	fprintf(stderr, _("%" PRId64 " accounts examined, %" PRId64 " invoices"),
		r->accounts_seen, r->invoices);
	fflush(stderr);
}

static void int_pair(const char *label, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	output_pair(stdout, label, LABEL_WIDTH, buf);
}

static void print_report(const struct billing_report *r, bool dry_run, int64_t expired)
{
	char *total = output_money_text(r->total);
	if (dry_run)
		printf("%s\n", _("Dry run: nothing was written."));
	int_pair(dry_run ? _("Invoices to issue:") : _("Invoices issued:"), r->invoices);
	int_pair(_("Accounts invoiced:"), r->accounts);
	int_pair(_("Accounts examined:"), r->accounts_seen);
	output_pair(stdout, _("Total:"), LABEL_WIDTH, total ? total : "");
	if (r->invoices > 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "%" PRId64 "-%" PRId64, r->first_number, r->last_number);
		output_pair(stdout, _("Invoice numbers:"), LABEL_WIDTH, buf);
	}
	if (!dry_run)
		int_pair(_("Store credits expired:"), expired);
	free(total);
}

int cmd_invoice_run(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *as_of = NULL;
	bool dry_run = false, quiet = false;
	const struct cli_opt opts[] = {
		{ "as-of", &as_of, NULL }, { "dry-run", NULL, &dry_run }, { "quiet", NULL, &quiet },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 3, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if ((st = cmd_billing_date(cmd, "as-of", as_of)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct billing_options opt;
	billing_options_from_settings(ctx->settings, &opt);
	kc_error err = KC_ERROR_INIT;
	int64_t expired = 0;
	/* CRD-3 first, so the run and the report agree on what credit is left. */
	if (!dry_run && credit_expire(ctx->db, as_of, &expired, &err) != KC_OK)
		return cli_fail_clear(&err);
	struct billing_report rep;
	bool tty = !quiet && isatty(STDERR_FILENO);
	kc_status ks = billing_run(ctx->db, &opt, as_of, dry_run, tty ? run_progress : NULL, NULL,
		&rep, &err);
	if (tty)
		fputc('\n', stderr);
	if (!quiet || ks != KC_OK)
		print_report(&rep, dry_run, expired);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* invoice list                                                            */

static const char *status_label(const char *s)
{
	if (strcmp(s, "open") == 0)
		return _("open");
	if (strcmp(s, "overdue") == 0)
		return _("overdue");
	if (strcmp(s, "paid") == 0)
		return _("paid");
	if (strcmp(s, "credited") == 0)
		return _("credited");
	return s;
}

static output_table *list_table(enum output_format fmt)
{
	static struct output_column text_cols[8], data_cols[14];
	const struct output_column text[] = {
		{ "number", _("Number"), OUTPUT_INT, 8 },
		{ "date", _("Date"), OUTPUT_STR, 11 },
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "holder", _("Holder"), OUTPUT_STR, 22 },
		{ "total", _("Total"), OUTPUT_MONEY, 13 },
		{ "balance", _("Balance"), OUTPUT_MONEY, 13 },
		{ "status", _("Status"), OUTPUT_STR, 9 },
		{ "days_late", _("Days"), OUTPUT_INT, 0 },
	};
	const struct output_column data[] = {
		{ "number", "", OUTPUT_INT, 0 }, { "account", "", OUTPUT_STR, 0 },
		{ "holder", "", OUTPUT_STR, 0 }, { "date", "", OUTPUT_STR, 0 },
		{ "due", "", OUTPUT_STR, 0 }, { "subtotal", "", OUTPUT_MONEY, 0 },
		{ "taxes", "", OUTPUT_MONEY, 0 }, { "total", "", OUTPUT_MONEY, 0 },
		{ "paid", "", OUTPUT_MONEY, 0 }, { "credited", "", OUTPUT_MONEY, 0 },
		{ "balance", "", OUTPUT_MONEY, 0 }, { "status", "", OUTPUT_STR, 0 },
		{ "days_late", "", OUTPUT_INT, 0 }, { "id", "", OUTPUT_INT, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 8);
	return output_table_begin(stdout, fmt, data_cols, 14);
}

static void list_row(output_table *t, enum output_format fmt, const struct invoice_row *r)
{
	if (fmt == OUTPUT_TEXT) {
		output_cell_int(t, r->number);
		output_cell_str(t, r->date);
		output_cell_str(t, r->account_number);
		output_cell_str(t, r->holder);
		output_cell_money(t, r->total);
		output_cell_money(t, r->balance);
		output_cell_str(t, status_label(r->status));
		output_cell_int(t, r->days_late);
		return;
	}
	output_cell_int(t, r->number);
	output_cell_str(t, r->account_number);
	output_cell_str(t, r->holder);
	output_cell_str(t, r->date);
	output_cell_str(t, r->date); /* BIL-6: due on the invoice date */
	output_cell_money(t, r->subtotal);
	output_cell_money(t, r->tax);
	output_cell_money(t, r->total);
	output_cell_money(t, r->paid);
	output_cell_money(t, r->credited);
	output_cell_money(t, r->balance);
	output_cell_str(t, r->status);
	output_cell_int(t, r->days_late);
	output_cell_int(t, r->id);
}

static kc_status list_stream(kc_db *db, const struct invoice_query *q, int64_t limit,
	output_table *t, enum output_format fmt, kc_error *err)
{
	struct invoice_row rows[LIST_PAGE];
	struct invoice_cursor cur = { 0 };
	int64_t shown = 0;
	for (;;) {
		size_t n = 0;
		kc_status ks = invoice_page(db, q, &cur, rows, LIST_PAGE, &n, err);
		if (ks != KC_OK)
			return ks;
		for (size_t i = 0; i < n && (!limit || shown < limit); i++, shown++)
			list_row(t, fmt, &rows[i]);
		if (n > 0)
			invoice_cursor_set(&cur, &rows[n - 1]);
		invoice_rows_clear(rows, n);
		if (n < LIST_PAGE || (limit && shown >= limit))
			return KC_OK;
	}
}

int cmd_invoice_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *status = NULL, *account = NULL, *from = NULL, *to = NULL, *as_of = NULL;
	const char *limit_s = NULL, *format = NULL;
	const struct cli_opt opts[] = {
		{ "status", &status, NULL }, { "account", &account, NULL }, { "from", &from, NULL },
		{ "to", &to, NULL }, { "as-of", &as_of, NULL }, { "limit", &limit_s, NULL },
		{ "format", &format, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 7, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit = 0;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if (status && strcmp(status, "open") && strcmp(status, "overdue") && strcmp(status, "paid")
		&& strcmp(status, "credited"))
		return cli_usage(cmd, _("Unknown status '%s': use open, overdue, paid or credited"),
			status);
	if ((st = cmd_billing_date(cmd, "from", from)) >= 0 || (st = cmd_billing_date(cmd, "to", to)) >= 0
		|| (st = cmd_billing_date(cmd, "as-of", as_of)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct invoice_query q = { .status = status, .from = from, .to = to, .as_of = as_of };
	if (account && (st = cmd_billing_account(ctx, account, &q.account_id)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	output_table *t = list_table(fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	kc_status ks = db_begin_read(ctx->db, &err); /* one snapshot for every page */
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
	return ok ? cli_finish_output(CLI_EXIT_OK) : cli_finish_output(CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* invoice show                                                            */

static int parse_invoice_ref(struct cli_context *ctx, const char *ref, int64_t *number)
{
	kc_error err = KC_ERROR_INIT;
	return invoice_resolve(ctx->db, ref, number, NULL, &err) == KC_OK ? CLI_EXIT_OK
		: cli_fail_clear(&err);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, output_json_string(v));
}

static char *rate_text(int32_t rate)
{
	return tax_rate_format(rate, MONEY_EN_CA);
}

static json_t *invoice_json(const struct invoice *inv)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "number", json_integer((json_int_t)inv->number));
	set_str(o, "account", inv->account_number);
	set_str(o, "holder", inv->holder);
	set_str(o, "kind", inv->kind);
	set_str(o, "cycle", inv->cycle_key);
	set_str(o, "date", inv->date);
	set_str(o, "due", inv->date);
	set_str(o, "period_start", inv->period_start);
	set_str(o, "period_end", inv->period_end);
	set_str(o, "province", inv->province);
	set_str(o, "language", inv->language);
	json_object_set_new(o, "subtotal", output_json_money(inv->subtotal));
	json_t *taxes = json_array();
	for (size_t i = 0; taxes && i < inv->n_taxes; i++) {
		json_t *t = json_object();
		char *rate = rate_text(inv->taxes[i].rate_thousandths);
		set_str(t, "code", inv->taxes[i].code);
		set_str(t, "rate", rate);
		json_object_set_new(t, "amount", output_json_money(inv->taxes[i].amount));
		free(rate);
		json_array_append_new(taxes, t);
	}
	json_object_set_new(o, "taxes", taxes);
	json_object_set_new(o, "tax", output_json_money(inv->tax));
	json_object_set_new(o, "total", output_json_money(inv->total));
	json_object_set_new(o, "paid", output_json_money(inv->paid));
	json_object_set_new(o, "credited", output_json_money(inv->credited));
	json_object_set_new(o, "balance", output_json_money(inv->balance));
	set_str(o, "status", inv->status);
	set_str(o, "gst_number", inv->gst_number);
	set_str(o, "qst_number", inv->qst_number);
	json_t *lines = json_array();
	for (size_t i = 0; lines && i < inv->n_lines; i++) {
		const struct invoice_line *l = &inv->lines[i];
		json_t *j = json_object();
		json_object_set_new(j, "position", json_integer(l->position));
		set_str(j, "kind", l->kind);
		set_str(j, "description", l->description);
		json_object_set_new(j, "quantity_milli", json_integer((json_int_t)l->quantity_milli));
		json_object_set_new(j, "unit", output_json_money(l->unit));
		json_object_set_new(j, "amount", output_json_money(l->amount));
		json_object_set_new(j, "taxable", json_boolean(l->taxable));
		json_array_append_new(lines, j);
	}
	json_object_set_new(o, "lines", lines);
	json_t *sets = json_array();
	for (size_t i = 0; sets && i < inv->n_settlements; i++) {
		const struct invoice_settlement *s = &inv->settlements[i];
		json_t *j = json_object();
		set_str(j, "kind", s->kind);
		json_object_set_new(j, "ref", json_integer((json_int_t)s->ref));
		set_str(j, "date", s->date);
		set_str(j, "detail", s->detail);
		json_object_set_new(j, "amount", output_json_money(s->amount));
		json_array_append_new(sets, j);
	}
	json_object_set_new(o, "settlements", sets);
	return o;
}

/* "  Label:   $1.00" with the amount right-aligned. */
static void money_pair(const char *label, kc_cents cents)
{
	char *m = output_money_text(cents);
	fputs("  ", stdout);
	output_pad(stdout, label, 58, false);
	output_pad(stdout, m ? m : "", 14, true);
	fputc('\n', stdout);
	free(m);
}

static void show_text(const struct invoice *inv)
{
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, inv->number);
	printf(_("Invoice %s\n"), num);
	fputs("  ", stdout);
	output_pair(stdout, _("Account:"), LABEL_WIDTH, inv->account_number);
	fputs("  ", stdout);
	output_pair(stdout, _("Holder:"), LABEL_WIDTH, inv->holder);
	fputs("  ", stdout);
	output_pair(stdout, _("Date (due):"), LABEL_WIDTH, inv->date);
	fputs("  ", stdout);
	output_pair(stdout, _("Cycle:"), LABEL_WIDTH, inv->cycle_key);
	strbuf p = STRBUF_INIT;
	strbuf_appendf(&p, "%s .. %s", inv->period_start, inv->period_end);
	fputs("  ", stdout);
	output_pair(stdout, _("Period:"), LABEL_WIDTH, strbuf_cstr(&p));
	strbuf_free(&p);
	fputs("  ", stdout);
	output_pair(stdout, _("Status:"), LABEL_WIDTH, status_label(inv->status));
	printf("\n%s\n", _("Lines:"));
	for (size_t i = 0; i < inv->n_lines; i++) {
		char *m = output_money_text(inv->lines[i].amount);
		fputs("  ", stdout);
		output_pad(stdout, inv->lines[i].description, 58, false);
		output_pad(stdout, m ? m : "", 14, true);
		fputc('\n', stdout);
		free(m);
	}
	putchar('\n');
	money_pair(_("Subtotal"), inv->subtotal);
	for (size_t i = 0; i < inv->n_taxes; i++) {
		char *rate = tax_rate_format(inv->taxes[i].rate_thousandths,
			money_style_from_language(NULL));
		strbuf l = STRBUF_INIT;
		strbuf_appendf(&l, "%s %s %%", tax_label(inv->taxes[i].code), rate ? rate : "");
		money_pair(strbuf_cstr(&l), inv->taxes[i].amount);
		strbuf_free(&l);
		free(rate);
	}
	money_pair(_("Total"), inv->total);
	for (size_t i = 0; i < inv->n_settlements; i++) {
		const struct invoice_settlement *s = &inv->settlements[i];
		strbuf l = STRBUF_INIT;
		const char *what = strcmp(s->kind, "payment") == 0 ? _("Payment")
			: strcmp(s->kind, "credit_note") == 0 ? _("Credit note") : _("Store credit");
		strbuf_appendf(&l, "%s %s #%" PRId64, s->date, what, s->ref);
		money_pair(strbuf_cstr(&l), -s->amount);
		strbuf_free(&l);
	}
	money_pair(_("Balance"), inv->balance);
}

int cmd_invoice_show(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
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
	int64_t number;
	if ((st = parse_invoice_ref(ctx, pos[0], &number)) != CLI_EXIT_OK)
		return st;
	struct invoice inv;
	kc_error err = KC_ERROR_INIT;
	if (invoice_get(ctx->db, number, &inv, &err) != KC_OK)
		return cli_fail_clear(&err);
	bool ok = true;
	if (fmt == OUTPUT_TEXT) {
		show_text(&inv);
	} else {
		json_t *o = invoice_json(&inv);
		if (!o) {
			ok = false;
		} else if (fmt == OUTPUT_JSON) {
			ok = output_json_print(stdout, o);
		} else { /* CSV: the scalar fields, one header row and one data row */
			const char *keys[] = { "number", "account", "holder", "date", "due", "subtotal",
				"tax", "total", "paid", "credited", "balance", "status" };
			size_t nk = sizeof keys / sizeof keys[0];
			for (size_t i = 0; i < nk; i++) {
				fputs(keys[i], stdout);
				fputc(i + 1 < nk ? ',' : '\n', stdout);
			}
			for (size_t i = 0; i < nk; i++) {
				json_t *v = json_object_get(o, keys[i]);
				char buf[32];
				if (json_is_integer(v))
					snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
				output_csv_field(stdout, json_is_integer(v) ? buf
					: json_is_string(v) ? json_string_value(v) : "");
				fputc(i + 1 < nk ? ',' : '\n', stdout);
			}
		}
		json_decref(o);
	}
	invoice_clear(&inv);
	return cli_finish_output(ok ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* invoice statement (BIL-9)                                               */

int cmd_invoice_statement(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *language = NULL;
	const struct cli_opt opts[] = { { "language", &language, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if (language && strcmp(language, "fr") != 0 && strcmp(language, "en") != 0)
		return cli_usage(cmd, _("Unknown language '%s': use fr or en"), language);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t number;
	if ((st = parse_invoice_ref(ctx, pos[0], &number)) != CLI_EXIT_OK)
		return st;
	strbuf sb = STRBUF_INIT;
	kc_error err = KC_ERROR_INIT;
	/* The statement is in the customer's language (the invoice's), or the
	 * one asked for; never the staff member's locale. */
	if (invoice_statement_text(ctx->db, number, language, &sb, &err) != KC_OK) {
		strbuf_free(&sb);
		return cli_fail_clear(&err);
	}
	fputs(strbuf_cstr(&sb), stdout);
	strbuf_free(&sb);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* overdue (BIL-6, PAY-5)                                                  */

static output_table *overdue_table(enum output_format fmt)
{
	static struct output_column text_cols[8], data_cols[11];
	const struct output_column text[] = {
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "holder", _("Holder"), OUTPUT_STR, 24 },
		{ "status", _("Status"), OUTPUT_STR, 10 },
		{ "reason", _("Reason"), OUTPUT_STR, 14 },
		{ "oldest", _("Oldest"), OUTPUT_STR, 11 },
		{ "days_late", _("Days"), OUTPUT_INT, 5 },
		{ "overdue", _("Overdue"), OUTPUT_MONEY, 13 },
		{ "balance", _("Balance"), OUTPUT_MONEY, 0 },
	};
	const struct output_column data[] = {
		{ "account", "", OUTPUT_STR, 0 }, { "account_id", "", OUTPUT_INT, 0 },
		{ "holder", "", OUTPUT_STR, 0 }, { "status", "", OUTPUT_STR, 0 },
		{ "oldest", "", OUTPUT_STR, 0 }, { "days_late", "", OUTPUT_INT, 0 },
		{ "invoices", "", OUTPUT_INT, 0 }, { "overdue", "", OUTPUT_MONEY, 0 },
		{ "balance", "", OUTPUT_MONEY, 0 }, { "reason", "", OUTPUT_STR, 0 },
		{ "pay_by", "", OUTPUT_STR, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 8);
	return output_table_begin(stdout, fmt, data_cols, 11);
}

static void overdue_row_out(output_table *t, enum output_format fmt, const struct overdue_row *r)
{
	output_cell_str(t, r->account_number);
	if (fmt != OUTPUT_TEXT)
		output_cell_int(t, r->account_id);
	output_cell_str(t, r->holder);
	output_cell_str(t, fmt == OUTPUT_TEXT ? account_status_label(r->status) : r->status);
	char day[DATE_BUFSZ] = "";
	kc_instant due;
	if (fmt == OUTPUT_TEXT) { /* PAY-5 alone: the deadline's day stands for the date */
		output_cell_str(t, account_suspend_reason_label(r->reason));
		if (!r->invoice_overdue && date_instant_parse(r->pay_by, &due, NULL) == KC_OK)
			date_format(date_to_local(due).date, day);
	}
	output_cell_str(t, day[0] ? day : r->oldest_date);
	output_cell_int(t, r->days_late);
	if (fmt != OUTPUT_TEXT)
		output_cell_int(t, r->invoices);
	output_cell_money(t, r->overdue_cents);
	output_cell_money(t, r->balance_cents);
	if (fmt != OUTPUT_TEXT) {
		output_cell_str(t, r->reason);
		output_cell_str(t, r->pay_by);
	}
}

/* Lists (and with suspend, suspends) page by page; never one long
 * transaction around the suspensions. */
static int overdue_stream(struct cli_context *ctx, const char *as_of, int64_t limit,
	bool suspend, output_table *t, enum output_format fmt, int64_t *suspended)
{
	struct overdue_row rows[LIST_PAGE];
	int64_t after = 0, shown = 0;
	kc_error err = KC_ERROR_INIT;
	for (;;) {
		size_t n = 0;
		if (overdue_page(ctx->db, as_of, after, rows, LIST_PAGE, &n, &err) != KC_OK)
			return cli_fail_clear(&err);
		for (size_t i = 0; i < n && (!limit || shown < limit); i++, shown++) {
			if (suspend && strcmp(rows[i].status, "active") == 0) {
				if (overdue_suspend(ctx->db, rows[i].account_id, as_of, "", &err) != KC_OK) {
					overdue_rows_clear(rows, n);
					return cli_fail_clear(&err);
				}
				free(rows[i].status);
				rows[i].status = kc_strdup("suspended");
				(*suspended)++;
			}
			overdue_row_out(t, fmt, &rows[i]);
		}
		if (n > 0)
			after = rows[n - 1].account_id;
		overdue_rows_clear(rows, n);
		if (n < LIST_PAGE || (limit && shown >= limit))
			return CLI_EXIT_OK;
	}
}

int cmd_overdue(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *as_of = NULL, *format = NULL, *limit_s = NULL;
	bool suspend = false;
	const struct cli_opt opts[] = {
		{ "as-of", &as_of, NULL }, { "format", &format, NULL }, { "limit", &limit_s, NULL },
		{ "suspend", NULL, &suspend },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 4, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit = 0;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0
		|| (st = cmd_billing_date(cmd, "as-of", as_of)) >= 0)
		return st;
	if ((st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	/* --suspend changes the database: it needs write access and the role */
	struct cli_command as_run = *cmd;
	if (suspend) {
		as_run.flags |= CLI_WRITES;
		as_run.role = STAFF_BILLING;
	}
	if ((st = cli_begin(ctx, &as_run)) != CLI_EXIT_OK)
		return st;
	output_table *t = overdue_table(fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	int64_t suspended = 0;
	st = overdue_stream(ctx, as_of, limit, suspend, t, fmt, &suspended);
	bool ok = output_table_end(&t);
	if (st == CLI_EXIT_OK && suspend && fmt == OUTPUT_TEXT)
		printf(_("Accounts suspended: %" PRId64 "\n"), suspended);
	if (st != CLI_EXIT_OK)
		return st;
	return cli_finish_output(ok ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
