/*
 * cmd_admin.h: the staff commands (cmd_staff.c: who may do what) and the
 * audit trail view (cmd_audit.c, HIS-1).  Handlers follow cli.h's
 * contract; the command table in cli.c names their roles: reading the
 * staff list and the trail needs no role, every staff change needs admin
 * (staff.h checks it again inside the write transaction).
 */
#ifndef KC_CMD_ADMIN_H
#define KC_CMD_ADMIN_H

#include "cli.h"

#define CMD_ADMIN(name) \
	int cmd_##name(struct cli_context *ctx, const struct cli_command *cmd, int argc, \
		char **argv)

/* cmd_staff.c */
CMD_ADMIN(staff_list);
CMD_ADMIN(staff_add);
CMD_ADMIN(staff_role);
CMD_ADMIN(staff_disable);
CMD_ADMIN(staff_enable);

/* cmd_audit.c */
CMD_ADMIN(audit_list);

/* The rows of cli.c's command table (struct cli_command), in help order:
 * cli.c writes CLI_ADMIN_COMMANDS inside commands[].  Reading needs no
 * role; every change needs admin. */
#define CLI_ADMIN_COMMANDS \
	{ "staff list", cmd_staff_list, N_("List the staff members and their roles"), \
		N_("[--format text|csv|json]"), STAFF_NONE, 0 }, \
	{ "staff add", cmd_staff_add, N_("Add a staff member (an operating-system user)"), \
		N_("USER --role agent|billing|admin [--name NAME]"), STAFF_ADMIN, CLI_WRITES }, \
	{ "staff role", cmd_staff_role, N_("Give a staff member another role"), \
		N_("USER agent|billing|admin"), STAFF_ADMIN, CLI_WRITES }, \
	{ "staff disable", cmd_staff_disable, \
		N_("Disable a staff member: they can no longer change anything"), N_("USER"), \
		STAFF_ADMIN, CLI_WRITES }, \
	{ "staff enable", cmd_staff_enable, N_("Enable a disabled staff member again"), \
		N_("USER"), STAFF_ADMIN, CLI_WRITES }, \
	{ "audit list", cmd_audit_list, \
		N_("The audit trail, newest first, with old and new values (HIS-1)"), \
		N_("[--staff USER] [--entity ENTITY [--id N]] [--account ID] [--from DATE] " \
		   "[--to DATE] [--limit N] [--before N] [--format text|csv|json]"), STAFF_NONE, 0 },

#endif
