/* cmd_staff.c: the staff commands (cmd_admin.h) over staff.h: who is on
 * the staff list of the database and with which role. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_admin.h"
#include "cmd_billing.h"
#include "date.h"
#include "output.h"
#include "staff.h"

/* The role word given on the command line, or a usage error. */
static int parse_role(const struct cli_command *cmd, const char *s, enum staff_role *role)
{
	if (!s)
		return cli_usage(cmd, _("Give a role with --role: agent, billing or admin"));
	if (!staff_role_parse(s, role))
		return cli_usage(cmd, _("Unknown role '%s': use agent, billing or admin"), s);
	return -1;
}

/* ---------------------------------------------------------------------- */
/* staff list                                                              */

static output_table *list_table(enum output_format fmt)
{
	static struct output_column cols[5];
	const struct output_column c[] = {
		{ "username", _("User"), OUTPUT_STR, 16 },
		{ "display_name", _("Name"), OUTPUT_STR, 24 },
		{ "role", _("Role"), OUTPUT_STR, 15 },
		{ "active", _("Active"), OUTPUT_BOOL, 7 },
		{ "created_at", _("Since"), OUTPUT_STR, 0 },
	};
	memcpy(cols, c, sizeof c);
	return output_table_begin(stdout, fmt, cols, 5);
}

static void list_row(output_table *t, enum output_format fmt, const struct staff_member *m)
{
	output_cell_str(t, m->username);
	output_cell_str(t, m->display_name);
	/* Text is for people (translated label); CSV and JSON keep the key. */
	output_cell_str(t, fmt == OUTPUT_TEXT ? staff_role_label(m->role) : staff_role_name(m->role));
	output_cell_bool(t, m->active);
	char when[DATE_LOCAL_BUFSZ];
	kc_instant at;
	if (fmt == OUTPUT_TEXT && date_instant_parse(m->created_at, &at, NULL) == KC_OK)
		output_cell_str(t, date_local_format(date_to_local(at), when));
	else
		output_cell_str(t, m->created_at);
}

int cmd_staff_list(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = { { "format", &format, NULL } };
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 1, NULL, 0, 0, &n_pos);
	if (st >= 0)
		return st;
	enum output_format fmt;
	if ((st = cli_format_option(cmd, format, &fmt)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	struct staff_member *m = NULL;
	size_t n = 0;
	if (staff_list(ctx->db, &m, &n, &err) != KC_OK)
		return cli_fail_clear(&err);
	output_table *t = list_table(fmt);
	if (!t) {
		staff_members_free(&m, n);
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		list_row(t, fmt, &m[i]);
	staff_members_free(&m, n);
	return output_table_end(&t) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------------- */
/* staff add / role / disable / enable                                     */

int cmd_staff_add(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *role_s = NULL, *name = NULL;
	const struct cli_opt opts[] = { { "role", &role_s, NULL }, { "name", &name, NULL } };
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, opts, 2, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	enum staff_role role;
	if ((st = parse_role(cmd, role_s, &role)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	if (staff_add(ctx->db, pos[0], name, role, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(_("%s is on the staff list with the %s role.\n"), pos[0], staff_role_label(role));
	return CLI_EXIT_OK;
}

int cmd_staff_role(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	char *pos[2];
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, pos, 2, 2, &n_pos);
	if (st >= 0)
		return st;
	enum staff_role role;
	if ((st = parse_role(cmd, pos[1], &role)) >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	bool changed = false;
	if (staff_set_role(ctx->db, pos[0], role, &changed, &err) != KC_OK)
		return cli_fail_clear(&err);
	printf(changed ? _("%s now has the %s role.\n") : _("%s already has the %s role.\n"),
		pos[0], staff_role_label(role));
	return CLI_EXIT_OK;
}

/* disable and enable differ only in the flag and the messages. */
static int set_active(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv, bool active)
{
	char *pos[1];
	int n_pos, st = cli_parse(cmd, argc, argv, NULL, 0, pos, 1, 1, &n_pos);
	if (st >= 0)
		return st;
	if ((st = cli_begin(ctx, cmd)) != CLI_EXIT_OK)
		return st;
	kc_error err = KC_ERROR_INIT;
	bool changed = false;
	if (staff_set_active(ctx->db, pos[0], active, &changed, &err) != KC_OK)
		return cli_fail_clear(&err);
	if (active)
		printf(changed ? _("%s is enabled again.\n") : _("%s was already enabled.\n"),
			pos[0]);
	else
		printf(changed ? _("%s is disabled: they can no longer change anything.\n")
			       : _("%s was already disabled.\n"), pos[0]);
	return CLI_EXIT_OK;
}

int cmd_staff_disable(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	return set_active(ctx, cmd, argc, argv, false);
}

int cmd_staff_enable(struct cli_context *ctx, const struct cli_command *cmd, int argc,
	char **argv)
{
	return set_active(ctx, cmd, argc, argv, true);
}
