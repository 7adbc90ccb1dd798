/* cmd_payment.c: payment, credit, credit-note and dispute commands (see
 * cli.h), over payment.h and credit.h. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_billing.h"
#include "credit.h"
#include "invoice.h"
#include "output.h"
#include "payment.h"

#define LIST_PAGE 200

/* "  Label:   $1.00" */
static void say_money(const char *label, kc_cents cents)
{
	char *m = output_money_text(cents);
	fputs("  ", stdout);
	output_pair(stdout, label, 22, m ? m : "");
	free(m);
}

/* ---------------------------------------------------------------------- */
/* payment add (PAY-1..3)                                                  */

int cmd_payment_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *amount_s = NULL, *method = NULL, *date = NULL;
	const char *reference = NULL, *currency = NULL, *rate = NULL, *invoice = NULL;
	const char *wire_fee_s = NULL;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "amount", &amount_s, NULL },
		{ "method", &method, NULL }, { "date", &date, NULL },
		{ "reference", &reference, NULL }, { "currency", &currency, NULL },
		{ "rate", &rate, NULL }, { "invoice", &invoice, NULL },
		{ "wire-fee", &wire_fee_s, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 9, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account || !amount_s || !method)
		return cli_usage(cmd, _("--account, --amount and --method are required"));
	struct payment_input in = { .method = method, .currency = currency, .rate = rate,
		.received_on = date, .reference = reference };
	if ((st = cmd_billing_money(cmd, "amount", amount_s, &in.amount)) >= 0
		|| (wire_fee_s && (st = cmd_billing_money(cmd, "wire-fee", wire_fee_s, &in.wire_fee)) >= 0)
		|| (st = cmd_billing_date(cmd, "date", date)) >= 0)
		return st;
	if (invoice && !cli_positive(invoice[0] == '#' ? invoice + 1 : invoice,
		    &in.invoice_number))
		return cli_usage(cmd, _("--invoice wants an invoice number, not '%s'"), invoice);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	if ((st = cmd_billing_account(ctx, account, &in.account_id)) != CLI_EXIT_OK)
		return st;
	struct payment_result r;
	kc_error err = KC_ERROR_INIT;
	if (payment_record(ctx->db, &in, &r, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Payment %" PRId64 " recorded.\n"), r.payment_id);
	say_money(_("Credited in CAD:"), r.cad);
	say_money(_("Applied to invoices:"), r.allocated);
	if (r.credit > 0)
		say_money(_("Kept as store credit:"), r.credit);
	if (r.fee_id)
		say_money(_("Wire fee charged:"), in.wire_fee);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* payment list                                                            */

static output_table *payment_table(enum output_format fmt)
{
	static struct output_column text_cols[7], data_cols[12];
	const struct output_column text[] = {
		{ "id", _("Payment"), OUTPUT_INT, 8 },
		{ "date", _("Date"), OUTPUT_STR, 11 },
		{ "account", _("Account"), OUTPUT_STR, 9 },
		{ "method", _("Method"), OUTPUT_STR, 11 },
		{ "amount", _("Amount"), OUTPUT_MONEY, 13 },
		{ "charged_back", _("Charged back"), OUTPUT_MONEY, 13 },
		{ "reference", _("Reference"), OUTPUT_STR, 0 },
	};
	const struct output_column data[] = {
		{ "id", "", OUTPUT_INT, 0 }, { "account", "", OUTPUT_STR, 0 },
		{ "date", "", OUTPUT_STR, 0 }, { "method", "", OUTPUT_STR, 0 },
		{ "amount", "", OUTPUT_MONEY, 0 }, { "currency", "", OUTPUT_STR, 0 },
		{ "original_amount", "", OUTPUT_MONEY, 0 }, { "rate", "", OUTPUT_STR, 0 },
		{ "allocated", "", OUTPUT_MONEY, 0 }, { "charged_back", "", OUTPUT_MONEY, 0 },
		{ "refunded", "", OUTPUT_MONEY, 0 }, { "reference", "", OUTPUT_STR, 0 },
	};
	memcpy(text_cols, text, sizeof text);
	memcpy(data_cols, data, sizeof data);
	if (fmt == OUTPUT_TEXT)
		return output_table_begin(stdout, fmt, text_cols, 7);
	return output_table_begin(stdout, fmt, data_cols, 12);
}

static void payment_row_out(output_table *t, enum output_format fmt, const struct payment_row *r)
{
	output_cell_int(t, r->id);
	if (fmt == OUTPUT_TEXT) {
		output_cell_str(t, r->received_on);
		output_cell_str(t, r->account_number);
		output_cell_str(t, r->method);
		output_cell_money(t, r->amount);
		output_cell_money(t, r->charged_back);
		output_cell_str(t, r->reference);
		return;
	}
	output_cell_str(t, r->account_number);
	output_cell_str(t, r->received_on);
	output_cell_str(t, r->method);
	output_cell_money(t, r->amount);
	output_cell_str(t, r->currency);
	output_cell_money(t, r->original_amount);
	output_cell_str(t, r->rate);
	output_cell_money(t, r->allocated);
	output_cell_money(t, r->charged_back);
	output_cell_money(t, r->refunded);
	output_cell_str(t, r->reference);
}

int cmd_payment_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *format = NULL, *limit_s = NULL;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "format", &format, NULL }, { "limit", &limit_s, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 3, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	int64_t limit = 0, account_id = 0;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_limit_option(cmd, limit_s, &limit)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	if (account && (st = cmd_billing_account(ctx, account, &account_id)) != CLI_EXIT_OK)
		return st;
	output_table *t = payment_table(fmt);
	if (!t)
		return CLI_EXIT_FAIL;
	struct payment_row rows[LIST_PAGE];
	int64_t after = 0, shown = 0;
	kc_error err = KC_ERROR_INIT;
	kc_status ks;
	for (;;) {
		size_t n = 0;
		if ((ks = payment_page(ctx->db, account_id, after, rows, LIST_PAGE, &n, &err)) != KC_OK)
			break;
		for (size_t i = 0; i < n && (!limit || shown < limit); i++, shown++)
			payment_row_out(t, fmt, &rows[i]);
		if (n > 0)
			after = rows[n - 1].id;
		payment_rows_clear(rows, n);
		if (n < LIST_PAGE || (limit && shown >= limit))
			break;
	}
	bool ok = output_table_end(&t);
	if (ks != KC_OK)
		return cli_fail_clear(&err);
	return cli_finish_output(ok ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

/* ---------------------------------------------------------------------- */
/* payment chargeback (PAY-4)                                              */

int cmd_payment_chargeback(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *date = NULL, *amount_s = NULL;
	const struct cli_opt opts[] = { { "date", &date, NULL }, { "amount", &amount_s, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	int64_t payment_id;
	kc_cents amount = 0;
	if (!cli_positive(pos[0], &payment_id))
		return cli_usage(cmd, _("'%s' is not a payment number"), pos[0]);
	if ((st = cmd_billing_date(cmd, "date", date)) >= 0
		|| (amount_s && (st = cmd_billing_money(cmd, "amount", amount_s, &amount)) >= 0))
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_cents fee = ctx->settings ? ctx->settings->chargeback_fee : 3500;
	struct chargeback_result r;
	kc_error err = KC_ERROR_INIT;
	if (payment_chargeback(ctx->db, payment_id, amount, date, fee, &r, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Chargeback %d on this account recorded for payment %" PRId64 ".\n"), r.ordinal,
		payment_id);
	say_money(_("Reassessed:"), r.amount);
	say_money(_("Fee:"), r.fee);
	if (r.suspended)
		printf("%s\n", _("  The account is suspended (PAY-4)."));
	if (r.flagged_for_closure)
		printf("%s\n", _("  Third chargeback: the account is flagged for closure (PAY-4)."));
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* payment refund (PAY-5, PAY-7)                                           */

int cmd_payment_refund(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *account = NULL, *amount_s = NULL, *to = NULL, *payment = NULL, *paymethod = NULL;
	const char *notified = NULL, *grounds = NULL, *note = NULL, *date = NULL;
	bool unauthorized = false;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "amount", &amount_s, NULL }, { "to", &to, NULL },
		{ "payment", &payment, NULL }, { "paymethod", &paymethod, NULL },
		{ "notified", &notified, NULL }, { "grounds", &grounds, NULL },
		{ "note", &note, NULL }, { "date", &date, NULL },
		{ "unauthorized", NULL, &unauthorized },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 10, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account || !amount_s || !to)
		return cli_usage(cmd, _("--account, --amount and --to are required"));
	struct refund_input in = { .reason = unauthorized ? "unauthorized" : "discretionary",
		.method = to, .grounds = grounds, .note = note, .refunded_on = date,
		.notified_at = notified };
	if ((st = cmd_billing_money(cmd, "amount", amount_s, &in.amount)) >= 0
		|| (st = cmd_billing_date(cmd, "date", date)) >= 0)
		return st;
	if (payment && !cli_positive(payment, &in.payment_id))
		return cli_usage(cmd, _("'%s' is not a payment number"), payment);
	if (paymethod && !cli_positive(paymethod, &in.paymethod_id))
		return cli_usage(cmd, _("'%s' is not a payment method number"), paymethod);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	if ((st = cmd_billing_account(ctx, account, &in.account_id)) != CLI_EXIT_OK)
		return st;
	struct refund_result r;
	kc_error err = KC_ERROR_INIT;
	if (payment_refund(ctx->db, &in, &r, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Refund %" PRId64 " recorded.\n"), r.refund_id);
	if (r.credit_id)
		printf(_("  Store credit %" PRId64 " issued.\n"), r.credit_id);
	if (r.pay_by[0])
		printf(_("  Reassessed; the customer must pay by %s (PAY-5).\n"), r.pay_by);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* credit add / list / expire (CRD)                                        */

int cmd_credit_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *amount_s = NULL, *source = NULL, *date = NULL, *note = NULL;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "amount", &amount_s, NULL },
		{ "source", &source, NULL }, { "date", &date, NULL }, { "note", &note, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 5, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account || !amount_s)
		return cli_usage(cmd, _("--account and --amount are required"));
	kc_cents amount;
	if ((st = cmd_billing_money(cmd, "amount", amount_s, &amount)) >= 0
		|| (st = cmd_billing_date(cmd, "date", date)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t account_id, id;
	if ((st = cmd_billing_account(ctx, account, &account_id)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (credit_add(ctx->db, account_id, source ? source : "goodwill", amount, date, note, &id,
		    &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Store credit %" PRId64 " issued.\n"), id);
	return cli_finish_output(CLI_EXIT_OK);
}

int cmd_credit_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *format = NULL;
	const struct cli_opt opts[] = { { "account", &account, NULL }, { "format", &format, NULL } };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account)
		return cli_usage(cmd, _("--account is required"));
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t account_id;
	if ((st = cmd_billing_account(ctx, account, &account_id)) != CLI_EXIT_OK)
		return st;
	struct credit_row *rows = NULL;
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	if (credit_list(ctx->db, account_id, &rows, &n, &err) != KC_OK)
		return cli_fail_clear(&err);
	static struct output_column cols[8];
	const struct output_column c[] = {
		{ "id", _("Credit"), OUTPUT_INT, 7 }, { "source", _("Source"), OUTPUT_STR, 12 },
		{ "issued_on", _("Issued"), OUTPUT_STR, 11 },
		{ "expires_on", _("Expires"), OUTPUT_STR, 11 },
		{ "amount", _("Amount"), OUTPUT_MONEY, 13 },
		{ "remaining", _("Remaining"), OUTPUT_MONEY, 13 },
		{ "status", _("Status"), OUTPUT_STR, 10 }, { "note", _("Note"), OUTPUT_STR, 0 },
	};
	memcpy(cols, c, sizeof c);
	output_table *t = output_table_begin(stdout, fmt, cols, 8);
	for (size_t i = 0; t && i < n; i++) {
		output_cell_int(t, rows[i].id);
		output_cell_str(t, rows[i].source);
		output_cell_str(t, rows[i].issued_on);
		output_cell_str(t, rows[i].expires_on);
		output_cell_money(t, rows[i].amount);
		output_cell_money(t, rows[i].remaining);
		output_cell_str(t, rows[i].status);
		output_cell_str(t, rows[i].note);
	}
	bool ok = t && output_table_end(&t);
	credit_rows_free(&rows, n);
	return cli_finish_output(ok ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

int cmd_credit_expire(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *as_of = NULL;
	const struct cli_opt opts[] = { { "as-of", &as_of, NULL } };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if ((st = cmd_billing_date(cmd, "as-of", as_of)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t count = 0;
	kc_error err = KC_ERROR_INIT;
	if (credit_expire(ctx->db, as_of, &count, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Store credits expired: %" PRId64 "\n"), count);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* credit-note add (BIL-5)                                                 */

int cmd_credit_note_add(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	const char *invoice = NULL, *amount_s = NULL, *reason = NULL, *tax_s = NULL, *date = NULL;
	const struct cli_opt opts[] = {
		{ "invoice", &invoice, NULL }, { "amount", &amount_s, NULL },
		{ "reason", &reason, NULL }, { "tax", &tax_s, NULL }, { "date", &date, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 5, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!invoice || !amount_s || !reason)
		return cli_usage(cmd, _("--invoice, --amount and --reason are required"));
	kc_cents amount, tax = 0;
	if ((st = cmd_billing_money(cmd, "amount", amount_s, &amount)) >= 0
		|| (tax_s && (st = cmd_billing_money(cmd, "tax", tax_s, &tax)) >= 0)
		|| (st = cmd_billing_date(cmd, "date", date)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int64_t number;
	kc_error err = KC_ERROR_INIT;
	if (invoice_resolve(ctx->db, invoice, &number, NULL, &err) != KC_OK)
		return cli_fail_clear(&err);
	struct credit_note_result r;
	if (credit_note_add(ctx->db, number, amount, tax_s ? &tax : NULL, reason, date, &r, &err)
		!= KC_OK)
		return cli_fail_clear(&err);
	printf(_("Credit note %" PRId64 " issued on invoice %" PRId64 ".\n"), r.number, number);
	say_money(_("Subtotal:"), r.subtotal);
	say_money(_("Taxes:"), r.tax);
	say_money(_("Total:"), r.total);
	return cli_finish_output(CLI_EXIT_OK);
}

/* ---------------------------------------------------------------------- */
/* dispute add (PAY-6)                                                     */

int cmd_dispute_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL, *tx = NULL, *received = NULL, *description = NULL;
	const char *invoice = NULL, *payment = NULL;
	bool not_in_writing = false;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL }, { "transaction-date", &tx, NULL },
		{ "received", &received, NULL }, { "description", &description, NULL },
		{ "invoice", &invoice, NULL }, { "payment", &payment, NULL },
		{ "not-in-writing", NULL, &not_in_writing },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 7, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (!account || !tx || !description)
		return cli_usage(cmd, _("--account, --transaction-date and --description are required"));
	struct dispute_input in = { .transaction_date = tx, .received_on = received,
		.description = description, .in_writing = !not_in_writing };
	if ((st = cmd_billing_date(cmd, "transaction-date", tx)) >= 0
		|| (st = cmd_billing_date(cmd, "received", received)) >= 0)
		return st;
	if (invoice && !cli_positive(invoice[0] == '#' ? invoice + 1 : invoice,
		    &in.invoice_number))
		return cli_usage(cmd, _("--invoice wants an invoice number, not '%s'"), invoice);
	if (payment && !cli_positive(payment, &in.payment_id))
		return cli_usage(cmd, _("'%s' is not a payment number"), payment);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	if ((st = cmd_billing_account(ctx, account, &in.account_id)) != CLI_EXIT_OK)
		return st;
	int64_t id;
	bool in_time;
	kc_error err = KC_ERROR_INIT;
	if (payment_dispute_add(ctx->db, &in, &id, &in_time, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("Dispute %" PRId64 " recorded.\n"), id);
	if (!in_time)
		printf("%s\n", _("  It was received more than 30 days after the transaction: out of time (PAY-6)."));
	return cli_finish_output(CLI_EXIT_OK);
}
