/* cmd_db.c: database commands: init, check, demo (see cli.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "date.h"
#include "demo.h"
#include "output.h"
#include "staff.h"

/* ---------------------------------------------------------------------- */
/* init                                                                    */

/* The schema version of an existing file, without migrating it; 0 when it
 * cannot be read that way (an older schema cannot open read-only: db.h). */
static int version_before(const struct cli_context *ctx, int *before)
{
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	struct db_open_options o = { .path = ctx->db_path, .read_only = true };
	kc_status st = db_open(&o, &db, &err);
	*before = st == KC_OK ? db_schema_version(db) : 0;
	db_close(&db);
	/* KC_ERR_PERM here means "older schema": init is what fixes that. */
	int rc = CLI_EXIT_OK;
	if (st != KC_OK && st != KC_ERR_PERM)
		rc = cli_fail(&err);
	kc_error_clear(&err);
	return rc;
}

int cmd_init(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	if (ctx->read_only) {
		cli_error(_("The database is open read-only; nothing can be changed"));
		return CLI_EXIT_FAIL;
	}
	bool existed = access(ctx->db_path, F_OK) == 0;
	int before = 0;
	if (existed && (st = version_before(ctx, &before)) != CLI_EXIT_OK)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	int after = db_schema_version(ctx->db);
	if (!existed) {
		printf(_("Created the database %s (schema version %d).\n"), ctx->db_path, after);
		printf(_("%s is its first administrator.\n"), db_staff(ctx->db));
	} else if (before == 0 && after > 0) {
		printf(_("Brought the database %s up to schema version %d.\n"), ctx->db_path, after);
	} else if (before < after) {
		printf(_("Migrated the database %s from schema version %d to %d.\n"), ctx->db_path,
			before, after);
	} else {
		printf(_("The database %s is up to date (schema version %d).\n"), ctx->db_path,
			after);
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* check                                                                   */

#define CHECK_LABEL_WIDTH 22

struct health {
	bool ok;
};

static void check_line(const char *label, const char *value)
{
	fputs("  ", stdout);
	output_pair(stdout, label, CHECK_LABEL_WIDTH, value);
}

static void check_problem(struct health *h, const char *label, const kc_error *err)
{
	h->ok = false;
	char *text = kc_asprintf(_("PROBLEM: %s"), kc_error_text(err));
	check_line(label, text ? text : kc_error_text(err));
	free(text);
}

static void config_file_line(const char *label, const char *path)
{
	if (!path)
		return;
	char *text = kc_asprintf("%s (%s)", path,
		access(path, R_OK) == 0 ? _("read") : _("not present"));
	check_line(label, text ? text : path);
	free(text);
}

static void check_config(const struct cli_context *ctx)
{
	printf(_("Configuration\n"));
	char *sys = settings_system_path(), *user = settings_user_path();
	config_file_line(_("System file:"), sys);
	config_file_line(_("User file:"), user);
	config_file_line(_("File given with -c:"), ctx->config_path);
	free(sys);
	free(user);
	check_line(_("Office time zone:"), date_office_zone());
}

static void check_counts(kc_db *db, struct health *h)
{
	static const char *const statuses[] = { "pending", "active", "suspended", "closed" };
	kc_error err = KC_ERROR_INIT;
	int64_t total = 0, n[4] = { 0 };
	struct account_query q = { 0 };
	kc_status st = account_count(db, &q, &total, &err);
	for (int i = 0; i < 4 && st == KC_OK; i++) {
		q.status = statuses[i];
		st = account_count(db, &q, &n[i], &err);
	}
	if (st != KC_OK) {
		check_problem(h, _("Accounts:"), &err);
		kc_error_clear(&err);
		return;
	}
	char *text = kc_asprintf(_("%lld (pending %lld, active %lld, suspended %lld, closed %lld)"),
		(long long)total, (long long)n[0], (long long)n[1], (long long)n[2], (long long)n[3]);
	check_line(_("Accounts:"), text ? text : "?");
	free(text);
}

/*
 * The derived totals (schema 001: accounts.balance_cents = what the
 * account's invoices still ask for; invoices.paid_cents = the payments
 * allocated to them) must match the rows they summarise.
 * TODO(billing): move these queries into the billing module when it lands.
 */
static void check_balances(kc_db *db, struct health *h)
{
	kc_error err = KC_ERROR_INIT;
	int64_t bad_accounts = 0, bad_invoices = 0;
	kc_status st = db_query_int(db,
		"SELECT count(*) FROM accounts a WHERE a.balance_cents <> "
		"(SELECT coalesce(sum(i.total_cents - i.paid_cents - i.credited_cents), 0) "
		"FROM invoices i WHERE i.account_id = a.id)", &bad_accounts, &err);
	if (st == KC_OK)
		st = db_query_int(db,
			"SELECT count(*) FROM invoices i WHERE i.paid_cents <> "
			"(SELECT coalesce(sum(p.amount_cents), 0) FROM payment_allocations p "
			"WHERE p.invoice_id = i.id)", &bad_invoices, &err);
	if (st != KC_OK) {
		check_problem(h, _("Balances:"), &err);
		kc_error_clear(&err);
		return;
	}
	if (bad_accounts == 0 && bad_invoices == 0) {
		check_line(_("Balances:"), _("consistent"));
		return;
	}
	h->ok = false;
	char *text = kc_asprintf(_("PROBLEM: %lld account balances and %lld invoice payment totals do not match their rows"),
		(long long)bad_accounts, (long long)bad_invoices);
	check_line(_("Balances:"), text ? text : "?");
	free(text);
}

static void check_database(kc_db *db, struct health *h)
{
	kc_error err = KC_ERROR_INIT;
	printf(_("Database\n"));
	check_line(_("Path:"), db_path(db));
	check_line(_("Read-only:"), output_yes_no(db_is_read_only(db)));
	check_line(_("Journal mode:"), db_journal_mode(db));
	int v = db_schema_version(db), latest = db_latest_version();
	char *text = kc_asprintf(_("%d (this program: %d)"), v, latest);
	check_line(_("Schema version:"), text ? text : "?");
	free(text);
	if (v != latest) {
		kc_error_set(&err, KC_ERR_DB, _("The schema is not current; run '%s init'"), PACKAGE);
		check_problem(h, _("Schema:"), &err);
		kc_error_clear(&err);
	}
	if (db_check_integrity(db, false, &err) == KC_OK)
		check_line(_("Quick check:"), _("ok"));
	else
		check_problem(h, _("Quick check:"), &err);
	kc_error_clear(&err);

	enum staff_role role = STAFF_NONE;
	if (staff_role_of(db, db_staff(db), &role, &err) == KC_OK) {
		text = kc_asprintf("%s (%s)", db_staff(db), staff_role_label(role));
		check_line(_("You are:"), text ? text : db_staff(db));
		free(text);
	}
	kc_error_clear(&err);
	check_counts(db, h);
	check_balances(db, h);
}

int cmd_check(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	check_config(ctx);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct health h = { true };
	check_database(ctx->db, &h);
	if (h.ok) {
		printf(_("Healthy.\n"));
		return CLI_EXIT_OK;
	}
	printf(_("Not healthy: see the problems above.\n"));
	return CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------------- */
/* demo                                                                    */

/* A whole decimal number in [min, max]. */
static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static void progress(void *ctx, const char *step, int64_t done, int64_t total)
{
	(void)ctx;
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r%s: %" PRId64 "/%" PRId64 " ", step, done, total);
	if (done == total)
		fputc('\n', stderr);
}

int cmd_demo(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *accounts = NULL, *seed = NULL, *history = NULL;
	const struct cli_opt opts[] = {
		{ "accounts", &accounts, NULL },
		{ "seed", &seed, NULL },
		{ "history", &history, NULL },
	};
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 3, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	uint64_t n = DEMO_DEFAULT_ACCOUNTS, s = DEMO_DEFAULT_SEED;
	if (accounts && (!parse_count(accounts, DEMO_MAX_ACCOUNTS, &n) || n == 0))
		return cli_usage(cmd, _("--accounts wants a number from 1 to %d, not '%s'"),
			DEMO_MAX_ACCOUNTS, accounts);
	if (seed && !parse_count(seed, UINT64_MAX, &s))
		return cli_usage(cmd, _("--seed wants a whole number, not '%s'"), seed);
	uint64_t h = 0;
	if (history && (!parse_count(history, DEMO_MAX_ACCOUNTS, &h) || h == 0))
		return cli_usage(cmd, _("--history wants a number from 1 to %d, not '%s'"),
			DEMO_MAX_ACCOUNTS, history);
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	struct demo_options o = { .accounts = (int64_t)n, .seed = s, .history = (int64_t)h };
	kc_error err = KC_ERROR_INIT;
	if (demo_generate(ctx->db, &o, progress, NULL, &err) != KC_OK) {
		st = cli_fail(&err);
		kc_error_clear(&err);
		return st;
	}
	printf(_("Made %llu demo accounts in %s (seed %llu).\n"), (unsigned long long)n,
		ctx->db_path, (unsigned long long)s);
	return CLI_EXIT_OK;
}
