/* cmd_snapshot.c: "snapshot FILE [--account ID] [--force]": a consistent
 * copy of the database for offline review (snapshot.h), taken while others
 * keep working.  The copy opens read-only by itself once its file or
 * folder is made read-only (or it sits on a read-only medium). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "cli.h"
#include "snapshot.h"

int cmd_snapshot(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv);

/* The account's number ("K-000042") for the report; NULL when unknown. */
static char *account_number(kc_db *db, int64_t id)
{
	struct account a = { 0 };
	kc_error err = KC_ERROR_INIT;
	char *number = NULL;
	if (account_get(db, id, &a, &err) == KC_OK)
		number = kc_strdup(a.number);
	account_clear(&a);
	kc_error_clear(&err);
	return number;
}

static void report(const struct cli_context *ctx, const char *file, const char *number,
	const struct snapshot_info *info)
{
	if (number)
		printf(_("Saved a copy of %s holding only account %s and its %lld history entries to %s.\n"),
			ctx->db_path, number, (long long)info->audit, file);
	else
		printf(_("Saved a consistent copy of %s (%lld accounts, %lld history entries) to %s.\n"),
			ctx->db_path, (long long)info->accounts, (long long)info->audit, file);
}

int cmd_snapshot(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *account = NULL;
	bool force = false;
	const struct cli_opt opts[] = {
		{ "account", &account, NULL },
		{ "force", NULL, &force },
	};
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	const char *file = pos[0];
	struct stat sb;
	/* Said before any work; the core checks again at publication. */
	if (!force && lstat(file, &sb) == 0) {
		cli_error(_("%s already exists; nothing was written (add --force to replace it)"), file);
		return CLI_EXIT_FAIL;
	}
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct snapshot_options o = { .force = force };
	if (account && account_resolve(ctx->db, account, &o.account_id, &err) != KC_OK)
		return cli_fail_clear(&err);
	char *number = account ? account_number(ctx->db, o.account_id) : NULL;
	struct snapshot_info info;
	if (snapshot_create(ctx->db, file, &o, &info, &err) != KC_OK) {
		free(number);
		return cli_fail_clear(&err);
	}
	report(ctx, file, account ? (number ? number : account) : NULL, &info);
	free(number);
	return CLI_EXIT_OK;
}
