/* cli.c: the command table, dispatch, option parsing and messages (cli.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_admin.h"
#include "cmd_billing.h"
#include "date.h"
#include "demo.h"
#include "kc.h"
#include "strbuf.h"

static CLI_HANDLER(cmd_help);

/* Every command, in the order help lists them. */
static const struct cli_command commands[] = {
	{ "help", cmd_help, N_("Show help for all commands or for one"), N_("[COMMAND]"),
		STAFF_NONE, CLI_NO_DB },
	{ "init", cmd_init, N_("Create the database, or bring it to the current schema"), "",
		STAFF_NONE, CLI_CREATE | CLI_WRITES },
	{ "check", cmd_check, N_("Report configuration and database health"), "",
		STAFF_NONE, 0 },
	{ "demo", cmd_demo, N_("Fill a new database with demo data"),
		N_("[--accounts N] [--seed N] [--history N]"), STAFF_ADMIN, CLI_CREATE | CLI_WRITES },
	{ "snapshot", cmd_snapshot,
		N_("Save a consistent copy of the database for offline review"),
		N_("FILE [--account ID] [--force]"), STAFF_NONE, 0 },
	{ "account add", cmd_account_add, N_("Register an account and print its number"),
		N_("--holder NAME --email ADDRESS --province XX --level basic|fully_administered "
		   "--voipms-client ID [--company NAME] [--phone PHONE] [--address ADDRESS] "
		   "[--city CITY] [--postal-code CODE] [--language fr|en] [--delivery LIST] "
		   "[--term monthly|annual] [--expected-usage AMOUNT] [--signed-on DATE] "
		   "[--consumer]"),
		STAFF_AGENT, CLI_WRITES },
	{ "account list", cmd_account_list, N_("List accounts"),
		N_("[--status STATUS] [--search TEXT] [--sort number|holder|company|status|balance] "
		   "[--reverse] [--limit N] [--format text|csv|json]"),
		STAFF_NONE, 0 },
	{ "account show", cmd_account_show,
		N_("Show an account: details, payment methods, recent history"),
		N_("ID [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "account edit", cmd_account_edit, N_("Change an account's details (never its holder)"),
		N_("ID [--email ADDRESS] [--phone PHONE] [--company NAME] [--address ADDRESS] "
		   "[--city CITY] [--postal-code CODE] [--province XX] [--language fr|en] "
		   "[--delivery LIST] [--level LEVEL] [--term monthly|annual] "
		   "[--expected-usage AMOUNT] [--voipms-client ID] [--consumer|--business]"),
		STAFF_AGENT, CLI_WRITES },
	{ "account activate", cmd_account_activate,
		N_("Record the welcome call: the account becomes active"),
		N_("ID --welcome-call DATE"), STAFF_AGENT, CLI_WRITES },
	{ "account suspend", cmd_account_suspend, N_("Suspend an account"),
		N_("ID --reason overdue|chargeback|reassessment|breach [--note TEXT]"),
		STAFF_AGENT, CLI_WRITES },
	{ "account reinstate", cmd_account_reinstate, N_("Reinstate a suspended account"),
		N_("ID"), STAFF_AGENT, CLI_WRITES },
	{ "account close", cmd_account_close, N_("Close an account"),
		N_("ID --reason law|terms_violation|insolvency|harm|complaints [--bar-reopening]"),
		STAFF_ADMIN, CLI_WRITES },
	{ "account reopen", cmd_account_reopen,
		N_("Reopen a closed account at its holder's request"),
		N_("ID --requested-by NAME --identity-check TEXT"), STAFF_ADMIN, CLI_WRITES },
	{ "account high-risk", cmd_account_high_risk,
		N_("Mark or clear the high-risk check (documents requested)"),
		N_("ID on|off"), STAFF_AGENT, CLI_WRITES },
	{ "account paymethod add", cmd_account_paymethod_add,
		N_("Add a payment method (never a full card number)"),
		N_("ID --kind visa|mastercard|cheque|wire [--last4 NNNN --expiry YYYY-MM "
		   "--token TOKEN] [--label LABEL]"),
		STAFF_AGENT, CLI_WRITES },
	{ "account paymethod remove", cmd_account_paymethod_remove,
		N_("Withdraw a payment method"), N_("PMID --reason TEXT"), STAFF_AGENT, CLI_WRITES },
	{ "account history", cmd_account_history, N_("An account's history, newest first"),
		N_("ID [--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	CLI_ADMIN_COMMANDS
	{ "invoice run", cmd_invoice_run,
		N_("Issue every invoice due (safe to repeat: nothing is issued twice)"),
		N_("[--as-of DATE] [--dry-run] [--quiet]"), STAFF_BILLING, CLI_WRITES },
	{ "invoice list", cmd_invoice_list, N_("List invoices"),
		N_("[--status open|overdue|paid|credited] [--account ID] [--from DATE] [--to DATE] "
		   "[--as-of DATE] [--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "invoice show", cmd_invoice_show, N_("Show an invoice with its lines, taxes and payments"),
		N_("N [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "invoice statement", cmd_invoice_statement,
		N_("Print an invoice's statement in the customer's language"),
		N_("N [--language fr|en]"), STAFF_NONE, 0 },
	{ "overdue", cmd_overdue,
		N_("Accounts with an invoice unpaid 11 days or more; --suspend suspends them"),
		N_("[--as-of DATE] [--suspend] [--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "payment add", cmd_payment_add,
		N_("Record a payment: oldest invoices first, any excess kept as store credit"),
		N_("--account ID --amount AMOUNT --method visa|mastercard|cheque|wire [--date DATE] "
		   "[--reference TEXT] [--currency CODE --rate RATE] [--invoice N] "
		   "[--wire-fee AMOUNT]"), STAFF_BILLING, CLI_WRITES },
	{ "payment list", cmd_payment_list, N_("List payments"),
		N_("[--account ID] [--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "payment chargeback", cmd_payment_chargeback,
		N_("Record a chargeback: fee, reassessment, suspension"),
		N_("PAYMENT [--amount AMOUNT] [--date DATE]"), STAFF_BILLING, CLI_WRITES },
	{ "payment refund", cmd_payment_refund,
		N_("Record a refund (store credit, PayPal or cheque; never for non-use)"),
		N_("--account ID --amount AMOUNT --to store_credit|paypal|cheque [--payment PAYMENT] "
		   "[--unauthorized --paymethod PMID [--notified DATETIME]] [--grounds TEXT] "
		   "[--note TEXT] [--date DATE]"), STAFF_BILLING, CLI_WRITES },
	{ "credit add", cmd_credit_add, N_("Issue store credit (expires in two years)"),
		N_("--account ID --amount AMOUNT [--source goodwill|sla|refund|overpayment] "
		   "[--date DATE] [--note TEXT]"), STAFF_BILLING, CLI_WRITES },
	{ "credit list", cmd_credit_list, N_("List an account's store credit"),
		N_("--account ID [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "credit expire", cmd_credit_expire, N_("Expire store credit older than two years"),
		N_("[--as-of DATE]"), STAFF_BILLING, CLI_WRITES },
	{ "credit-note add", cmd_credit_note_add, N_("Issue a credit note on an invoice"),
		N_("--invoice N --amount AMOUNT --reason TEXT [--tax AMOUNT] [--date DATE]"),
		STAFF_BILLING, CLI_WRITES },
	{ "dispute add", cmd_dispute_add,
		N_("Record a billing dispute (out of time after 30 days)"),
		N_("--account ID --transaction-date DATE --description TEXT [--received DATE] "
		   "[--invoice N] [--payment PAYMENT] [--not-in-writing]"), STAFF_BILLING, CLI_WRITES },
	{ "termination request", cmd_termination_request,
		N_("Record a termination request (only the holder's is accepted)"),
		N_("--account ID --requested-by NAME [--channel portal|written] [--expedite] "
		   "[--separation-only] [--date DATE]"), STAFF_AGENT, CLI_WRITES },
	{ "termination list", cmd_termination_list,
		N_("List termination requests with their transfer deadlines"),
		N_("[--state open|STATE] [--account ID] [--limit N] [--format text|csv|json]"),
		STAFF_NONE, 0 },
	{ "termination show", cmd_termination_show,
		N_("Show a termination request with its checklist and balance"),
		N_("N [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "termination approve", cmd_termination_approve,
		N_("Approve a termination request (and its expedite)"), N_("N [--note TEXT]"),
		STAFF_ADMIN, CLI_WRITES },
	{ "termination deny", cmd_termination_deny,
		N_("Deny the expedite of a termination request"), N_("N [--note TEXT]"),
		STAFF_ADMIN, CLI_WRITES },
	{ "termination schedule", cmd_termination_schedule,
		N_("Set the date the service ends"), N_("N --date DATE"), STAFF_AGENT, CLI_WRITES },
	{ "termination end-service", cmd_termination_end_service,
		N_("Record the end of service"), N_("N [--date DATE]"), STAFF_AGENT, CLI_WRITES },
	{ "termination final-invoice", cmd_termination_final_invoice,
		N_("Link the final invoice (final usage synced and invoiced)"), N_("N"),
		STAFF_BILLING, CLI_WRITES },
	{ "termination transfer-request", cmd_termination_transfer_request,
		N_("Record the written request to transfer the member account"),
		N_("N [--date DATE]"), STAFF_AGENT, CLI_WRITES },
	{ "termination check", cmd_termination_check,
		N_("Tick a step of the checklist before the transfer"),
		N_("N remove_accounts|remove_groups|remove_roles|remove_federations|"
		   "transfer_credentials"), STAFF_AGENT, CLI_WRITES },
	{ "termination transferred", cmd_termination_transferred,
		N_("Record the transfer of the member account"), N_("N [--date DATE]"),
		STAFF_AGENT, CLI_WRITES },
	{ "termination close", cmd_termination_close,
		N_("Close the account: forfeit credits, cancel SLA credits, void coupons"),
		N_("N"), STAFF_ADMIN, CLI_WRITES },
	{ "ticket add", cmd_ticket_add, N_("Open a support ticket and print its number"),
		N_("--account ID --priority emergency|urgent|standard --subject TEXT "
		   "[--received DATETIME] [--channel phone|email|portal|alarm] "
		   "[--category support|maintenance|billing|consulting|third_party] "
		   "[--window-start DATETIME --window-end DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket list", cmd_ticket_list,
		N_("The ticket queue: breached first, unassigned first, by SLA deadline"),
		N_("[--mine] [--unassigned] [--priority P] [--state STATE|all] [--account ID] "
		   "[--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "ticket show", cmd_ticket_show, N_("Show a ticket with its SLA clock and history"),
		N_("N [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "ticket reply", cmd_ticket_reply,
		N_("Record a reply to the customer (the first one stops the SLA clock)"),
		N_("N --text TEXT|--file FILE [--at DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket note", cmd_ticket_note, N_("Add an internal note to a ticket"),
		N_("N --text TEXT|--file FILE [--at DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket assign", cmd_ticket_assign, N_("Assign a ticket to a staff member"),
		N_("N USER|--none [--at DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket status", cmd_ticket_status, N_("Move a ticket to another state"),
		N_("N open|waiting|resolved|closed [--at DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket priority", cmd_ticket_priority,
		N_("Change a ticket's priority before its first response"),
		N_("N emergency|urgent|standard [--at DATETIME]"), STAFF_AGENT, CLI_WRITES },
	{ "ticket log-time", cmd_ticket_log_time, N_("Log time spent on a ticket"),
		N_("N --minutes M [--date DATE] [--note TEXT] [--billable yes|no]"),
		STAFF_AGENT, CLI_WRITES },
	{ "sla-credit request", cmd_sla_credit_request,
		N_("Request the SLA credit of a breached ticket"),
		N_("--ticket N [--date DATE]"), STAFF_BILLING, CLI_WRITES },
	{ "sla-credit list", cmd_sla_credit_list, N_("List SLA credit requests, newest first"),
		N_("[--account ID] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "sync", cmd_sync, N_("Fetch voip.ms usage (calls) into the database"),
		N_("[--account ID | --all] [--from DATE] [--to DATE]"), STAFF_BILLING, CLI_WRITES },
	{ "sync runs", cmd_sync_runs, N_("An account's usage syncs, newest first"),
		N_("--account ID [--limit N] [--format text|csv|json]"), STAFF_NONE, 0 },
	{ "usage list", cmd_usage_list, N_("List an account's calls"),
		N_("--account ID [--from DATE] [--to DATE] [--limit N] [--format text|csv|json]"),
		STAFF_NONE, 0 },
	{ "usage summary", cmd_usage_summary,
		N_("An account's usage per billing cycle, invoiced and pending"),
		N_("--account ID [--format text|csv|json]"), STAFF_NONE, 0 },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* ---------------------------------------------------------------------- */
/* Messages.                                                               */

/* "kenoconsole: MESSAGE\n" on stderr, the message made safe first: core
 * messages quote user text already, but whatever reaches a terminal from
 * here never carries a control character or invalid UTF-8 (kc.h). */
static void print_message(const char *fmt, va_list ap) KC_PRINTF(1, 0);
static void print_message(const char *fmt, va_list ap)
{
	strbuf sb = STRBUF_INIT;
	strbuf_vappendf(&sb, fmt, ap);
	char *safe = kc_quote_for_message(strbuf_cstr(&sb), SIZE_MAX);
	strbuf_free(&sb);
	fflush(stdout); /* keep the order of output and errors on a terminal */
	fprintf(stderr, "%s: %s\n", PACKAGE, safe ? safe : kc_status_text(KC_ERR_NOMEM));
	free(safe);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_message(fmt, ap);
	va_end(ap);
}

int cli_fail(const kc_error *err)
{
	cli_error("%s", kc_error_text(err));
	return CLI_EXIT_FAIL;
}

int cli_fail_clear(kc_error *err)
{
	int st = cli_fail(err);
	kc_error_clear(err);
	return st;
}

int cli_format_option(const struct cli_command *cmd, const char *s, enum output_format *f)
{
	*f = OUTPUT_TEXT;
	if (s && !output_format_parse(s, f))
		return cli_usage(cmd, _("Unknown format '%s': use text, csv or json"), s);
	return -1;
}

bool cli_positive(const char *s, int64_t *out)
{
	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

int cli_limit_option(const struct cli_command *cmd, const char *s, int64_t *limit)
{
	*limit = 0;
	if (s && !cli_positive(s, limit))
		return cli_usage(cmd, _("--limit wants a positive whole number, not '%s'"), s);
	return -1;
}

const char *cli_local_time(const char *iso, char *buf)
{
	kc_instant t;
	if (!iso || date_instant_parse(iso, &t, NULL) != KC_OK)
		return iso ? iso : "";
	return date_local_format(date_to_local(t), buf);
}

int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_message(fmt, ap);
	va_end(ap);
	if (cmd && cmd->handler != cmd_help)
		fprintf(stderr, _("Try '%s help %s' for more information.\n"), PACKAGE, cmd->name);
	else
		fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
	return CLI_EXIT_USAGE;
}

int cli_finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("Write error: %s"), strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return status;
}

/* ---------------------------------------------------------------------- */
/* Help.                                                                   */

static void print_command_list(FILE *fp, const char *prefix)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct cli_command *c = &commands[i];
		if (plen && (strncmp(c->name, prefix, plen) != 0 ||
			     (c->name[plen] != ' ' && c->name[plen] != '\0')))
			continue;
		fputs("  ", fp);
		fputs(c->name, fp);
		int pad = 26 - (int)strlen(c->name);
		fprintf(fp, "%*s%s\n", pad > 1 ? pad : 1, "", _(c->help));
	}
}

void cli_print_help(FILE *fp)
{
	fprintf(fp, _("Usage: %s [OPTION]... [COMMAND [ARGUMENT]...]\n"), PACKAGE);
	fputs(_("Kenotronix back-office console.  Without a command, opens the full-screen\n"
		"console; with one, runs it and exits.\n"), fp);
	fputs("\n", fp);
	fputs(_("Options:\n"
		"  -c, --config=FILE     also read this configuration file (last)\n"
		"  -d, --database=FILE   use this database file\n"
		"      --demo            use the demo database in your data folder\n"
		"                        (made the first time, with 200 accounts)\n"
		"      --read-only       open the database read-only: refuse every change\n"
		"      --script=FILE     console: read the keys from FILE\n"
		"      --help            display this help and exit\n"
		"      --version         output version information and exit\n"), fp);
	fputs("\n", fp);
	fputs(_("Commands:\n"), fp);
	print_command_list(fp, NULL);
	fputs("\n", fp);
	fputs(_("ID is an account id, an account number (K-000042) or a voip.ms client id.\n"
		"'kenoconsole help COMMAND' describes a command.\n"), fp);
	fputs("\n", fp);
	fputs(_("Exit status:\n"
		"  0  success\n"
		"  1  the command failed (refused, invalid data, database error)\n"
		"  2  usage error (unknown command or option, missing argument)\n"), fp);
	fputs("\n", fp);
	fprintf(fp, _("Report bugs to: %s\n"), PACKAGE_BUGREPORT);
}

void cli_print_version(FILE *fp)
{
	fprintf(fp, "%s %s\n", PACKAGE, PACKAGE_VERSION);
	fputs(_("Copyright (C) 2026 Kenotronix.\n"
		"License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
		"This is free software: you are free to change and redistribute it.\n"
		"There is NO WARRANTY, to the extent permitted by law.\n"), fp);
}

static void print_command_help(FILE *fp, const struct cli_command *c)
{
	fprintf(fp, _("Usage: %s [OPTION]... %s %s\n"), PACKAGE, c->name,
		c->synopsis[0] ? _(c->synopsis) : "");
	const char *help = _(c->help);
	fprintf(fp, "%s.\n", help);
	if (c->role != STAFF_NONE)
		fprintf(fp, _("Needs the staff role: %s.\n"), staff_role_label(c->role));
	if (strstr(c->synopsis, "ID"))
		fputs(_("ID is an account id, an account number (K-000042) or a voip.ms client id.\n"),
			fp);
}

/* Number of leading words of argv that spell name ("account add"). */
static int words_match(const char *name, int argc, char **argv)
{
	int k = 0;
	const char *p = name;
	while (*p) {
		size_t len = strcspn(p, " ");
		if (k >= argc || strlen(argv[k]) != len || strncmp(argv[k], p, len) != 0)
			return -1;
		k++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return k;
}

/* The command spelled by the most leading words; *used gets their count. */
static const struct cli_command *find_command(int argc, char **argv, int *used)
{
	const struct cli_command *best = NULL;
	*used = 0;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		int k = words_match(commands[i].name, argc, argv);
		if (k > *used) {
			*used = k;
			best = &commands[i];
		}
	}
	return best;
}

/* True when words form a group of commands ("account", "account paymethod"). */
static bool is_group(int argc, char **argv)
{
	strbuf sb = STRBUF_INIT;
	for (int i = 0; i < argc; i++)
		strbuf_appendf(&sb, "%s%s", i ? " " : "", argv[i]);
	strbuf_appendc(&sb, ' ');
	bool found = false;
	for (size_t i = 0; i < N_COMMANDS && !found; i++)
		found = strncmp(commands[i].name, strbuf_cstr(&sb), sb.len) == 0;
	strbuf_free(&sb);
	return found;
}

static int unknown_command(int argc, char **argv)
{
	/* Longest group named by the words, to say what is missing. */
	int g = 0;
	while (g < argc && is_group(g + 1, argv))
		g++;
	strbuf sb = STRBUF_INIT;
	for (int i = 0; i < argc && i <= g; i++)
		strbuf_appendf(&sb, "%s%s", i ? " " : "", argv[i]);
	int st;
	if (g > 0 && g == argc)
		st = cli_usage(NULL, _("'%s' needs a subcommand; see '%s help %s'"),
			strbuf_cstr(&sb), PACKAGE, strbuf_cstr(&sb));
	else
		st = cli_usage(NULL, _("Unknown command '%s'"), strbuf_cstr(&sb));
	strbuf_free(&sb);
	return st;
}

static int cmd_help(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	(void)ctx;
	if (argc == 0) {
		cli_print_help(stdout);
		return cli_finish_output(CLI_EXIT_OK);
	}
	int used;
	const struct cli_command *c = find_command(argc, argv, &used);
	if (c && used == argc) {
		print_command_help(stdout, c);
		return cli_finish_output(CLI_EXIT_OK);
	}
	if (is_group(argc, argv)) {
		strbuf sb = STRBUF_INIT;
		for (int i = 0; i < argc; i++)
			strbuf_appendf(&sb, "%s%s", i ? " " : "", argv[i]);
		printf(_("Commands:\n"));
		print_command_list(stdout, strbuf_cstr(&sb));
		strbuf_free(&sb);
		return cli_finish_output(CLI_EXIT_OK);
	}
	(void)cmd;
	return unknown_command(argc, argv);
}

/* ---------------------------------------------------------------------- */
/* Options.                                                                */

static const struct cli_opt *find_opt(const struct cli_opt *opts, size_t n, const char *name,
	size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	const struct cli_opt *opts, size_t n_opts, char **pos, int max_pos, int min_pos,
	int *n_pos)
{
	int n = 0;
	bool options_done = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options_done || a[0] != '-' || a[1] != '-') {
			if (a[0] == '-' && a[1] != '\0' && !options_done && a[1] != '-')
				return cli_usage(cmd, _("Unrecognized option '%s'"), a);
			if (n >= max_pos)
				return cli_usage(cmd, _("Unexpected argument '%s'"), a);
			pos[n++] = argv[i];
			continue;
		}
		if (a[2] == '\0') { /* "--" */
			options_done = true;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		if (len == 4 && strncmp(name, "help", 4) == 0 && !eq) {
			print_command_help(stdout, cmd);
			return cli_finish_output(CLI_EXIT_OK);
		}
		const struct cli_opt *o = find_opt(opts, n_opts, name, len);
		if (!o)
			return cli_usage(cmd, _("Unrecognized option '%s'"), a);
		if (o->flag) {
			if (eq)
				return cli_usage(cmd, _("Option '--%s' doesn't allow an argument"),
					o->name);
			*o->flag = true;
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			return cli_usage(cmd, _("Option '--%s' requires an argument"), o->name);
		}
	}
	if (n < min_pos)
		return cli_usage(cmd, _("Missing argument"));
	*n_pos = n;
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Database and dispatch.                                                  */

static bool make_dirs(char *path)
{
	/* mkdir -p, one component at a time; path is restored as it goes. */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
		*p = '/';
		if (!ok)
			return false;
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* The folder a new database goes in (the default one may not exist yet). */
static bool make_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path || access(path, F_OK) == 0)
		return true;
	char *dir = kc_strndup(path, (size_t)(slash - path));
	bool ok = dir && (access(dir, F_OK) == 0 || make_dirs(dir));
	if (!ok)
		cli_error(_("Cannot create the folder %s: %s"), dir ? dir : path, strerror(errno));
	free(dir);
	return ok;
}

int cli_begin(struct cli_context *ctx, const struct cli_command *cmd)
{
	if (cmd->flags & CLI_NO_DB)
		return CLI_EXIT_OK;
	kc_error err = KC_ERROR_INIT;
	if (!ctx->db) {
		if (!(cmd->flags & CLI_CREATE) && access(ctx->db_path, F_OK) != 0) {
			cli_error(_("No database at %s; create it with '%s init'"), ctx->db_path,
				PACKAGE);
			return CLI_EXIT_FAIL;
		}
		if ((cmd->flags & CLI_CREATE) && !make_parent_dir(ctx->db_path))
			return CLI_EXIT_FAIL;
		struct db_open_options o = {
			.path = ctx->db_path,
			.create = (cmd->flags & CLI_CREATE) != 0,
			.read_only = ctx->read_only,
			.busy_timeout_ms = ctx->settings ? ctx->settings->db_busy_timeout_ms : 0,
		};
		if (db_open(&o, &ctx->db, &err) != KC_OK) {
			int st = cli_fail(&err);
			kc_error_clear(&err);
			return st;
		}
	}
	if ((cmd->flags & CLI_WRITES) && db_is_read_only(ctx->db)) {
		cli_error(_("The database is open read-only; nothing can be changed"));
		return CLI_EXIT_FAIL;
	}
	if (cmd->role != STAFF_NONE && staff_require(ctx->db, cmd->role, &err) != KC_OK) {
		int st = cli_fail(&err);
		kc_error_clear(&err);
		return st;
	}
	return CLI_EXIT_OK;
}

int cli_run(struct cli_context *ctx, int argc, char **argv)
{
	int used;
	const struct cli_command *c = find_command(argc, argv, &used);
	if (!c)
		return unknown_command(argc, argv);
	/* "account foo" must not run as "account" with an argument "foo". */
	if (used < argc && is_group(used + 1, argv))
		return unknown_command(argc, argv);
	int st = c->handler(ctx, c, argc - used, argv + used);
	db_close(&ctx->db);
	return cli_finish_output(st);
}

/* ---------------------------------------------------------------------- */
/* Data folder and the demo database.                                      */

char *cli_data_file(const char *name, bool create_dir)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *dir;
	if (xdg && xdg[0] == '/')
		dir = kc_asprintf("%s/%s", xdg, PACKAGE);
	else if (home && home[0] == '/')
		dir = kc_asprintf("%s/.local/share/%s", home, PACKAGE);
	else {
		cli_error(_("No data folder: set HOME or XDG_DATA_HOME, or name a database with -d"));
		return NULL;
	}
	if (!dir) {
		cli_error("%s", kc_status_text(KC_ERR_NOMEM));
		return NULL;
	}
	if (create_dir && !make_dirs(dir)) {
		cli_error(_("Cannot create the folder %s: %s"), dir, strerror(errno));
		free(dir);
		return NULL;
	}
	char *path = kc_asprintf("%s/%s", dir, name);
	free(dir);
	if (!path)
		cli_error("%s", kc_status_text(KC_ERR_NOMEM));
	return path;
}

static void demo_progress(void *ctx, const char *step, int64_t done, int64_t total)
{
	(void)ctx;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%s: %lld/%lld ", step, (long long)done, (long long)total);
	if (done == total && isatty(STDERR_FILENO))
		fputc('\n', stderr);
}

/* Makes the demo database in a temporary file, renamed when complete. */
static bool make_demo(const char *path, const struct kc_settings *settings)
{
	char *tmp = kc_asprintf("%s.tmp", path);
	if (!tmp)
		return false;
	unlink(tmp);
	fprintf(stderr, _("Creating the demo database %s (%d accounts)...\n"), path,
		DEMO_DEFAULT_ACCOUNTS);
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	struct db_open_options o = {
		.path = tmp, .create = true,
		.busy_timeout_ms = settings ? settings->db_busy_timeout_ms : 0,
	};
	struct demo_options d = { .accounts = DEMO_DEFAULT_ACCOUNTS, .seed = DEMO_DEFAULT_SEED };
	kc_status st = db_open(&o, &db, &err);
	if (st == KC_OK)
		st = demo_generate(db, &d, demo_progress, NULL, &err);
	db_close(&db);
	if (st == KC_OK && rename(tmp, path) != 0)
		st = kc_error_set(&err, KC_ERR_IO, _("Cannot rename %s: %s"), tmp, strerror(errno));
	if (st != KC_OK) {
		cli_fail(&err);
		unlink(tmp);
	}
	kc_error_clear(&err);
	free(tmp);
	return st == KC_OK;
}

char *cli_demo_database(const struct kc_settings *settings)
{
	char *path = cli_data_file("demo.sqlite", true);
	if (path && access(path, F_OK) != 0 && !make_demo(path, settings)) {
		free(path);
		return NULL;
	}
	return path;
}
