/*
 * cli.h: the command line front end.  One function per command (cmd_*.c);
 * one table in cli.c names each command with its handler, one-line help,
 * synopsis, the staff role it needs and how it uses the database.  Help
 * (`kenoconsole help`, --help) is generated from that table.
 *
 * Contract
 *  - Handlers parse their arguments with cli_parse(), then call cli_begin()
 *    which opens the database as the table row says, refuses changes on a
 *    read-only database (one message) and checks the staff role
 *    (staff_require) before anything is written.
 *  - Output goes to stdout; errors are one line "kenoconsole: MESSAGE" on
 *    stderr.  Handlers return an exit status: CLI_EXIT_OK, CLI_EXIT_FAIL
 *    (the command failed) or CLI_EXIT_USAGE (bad command line, followed by a
 *    "Try 'kenoconsole --help'" hint).
 *  - struct cli_context is owned by main: settings and paths stay owned by
 *    main; the kc_db opened by cli_begin() is closed by cli_run().
 */
#ifndef KC_CLI_H
#define KC_CLI_H

#include <stdio.h>

#include "db.h"
#include "output.h"
#include "settings.h"
#include "staff.h"

enum cli_exit { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

struct cli_context {
	const struct kc_settings *settings;
	const char *config_path; /* -c FILE, or NULL */
	const char *db_path;     /* the database file (resolved by main) */
	bool read_only;          /* --read-only */
	kc_db *db;               /* opened by cli_begin(), closed by cli_run() */
};

struct cli_command;
typedef int (*cli_handler)(struct cli_context *ctx, const struct cli_command *cmd,
	int argc, char **argv);

enum cli_flags {
	CLI_NO_DB = 1 << 0,  /* never opens the database (help) */
	CLI_CREATE = 1 << 1, /* creates the database file when missing */
	CLI_WRITES = 1 << 2  /* changes the database: refused when read-only */
};

struct cli_command {
	const char *name;     /* words, e.g. "account add" */
	cli_handler handler;
	const char *help;     /* N_(): one line */
	const char *synopsis; /* N_(): the arguments after the name, or "" */
	enum staff_role role; /* STAFF_NONE: any user may run it */
	unsigned flags;
};

/* Runs the command named by the first words of argv (argv[0] is the first
 * word, not the program name).  Returns the process exit status. */
int cli_run(struct cli_context *ctx, int argc, char **argv);

/* The --help text: usage, global options, commands, exit status. */
void cli_print_help(FILE *fp);
void cli_print_version(FILE *fp);

/* $XDG_DATA_HOME/kenoconsole/NAME (or ~/.local/share/...); the folder is
 * created when create_dir.  Caller frees; NULL (message printed) when no
 * home is known or the folder cannot be made. */
char *cli_data_file(const char *name, bool create_dir);
/* --demo: the demo database path, made the first time (200 accounts).
 * Caller frees; NULL after printing an error. */
char *cli_demo_database(const struct kc_settings *settings);

/* --- for the handlers ----------------------------------------------- */

/* One accepted option: --name VALUE (value) or --name (flag). */
struct cli_opt {
	const char *name;    /* without the dashes */
	const char **value;  /* set for an option with a value, else NULL */
	bool *flag;          /* set for a flag, else NULL */
};

/* Parses argv (the words after the command name).  Options may come in any
 * order, before or after the positional words; "--name=value" works too;
 * "--" ends the options.  Positional words are collected in pos (at most
 * max_pos; pos has room for max_pos).  --help prints the command's help.
 * Returns -1 when parsing succeeded (*n_pos set), else an exit status
 * (CLI_EXIT_OK after --help, CLI_EXIT_USAGE after a message). */
int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	const struct cli_opt *opts, size_t n_opts, char **pos, int max_pos, int min_pos,
	int *n_pos);

/* Opens the database for cmd and checks read-only mode and the role.
 * Returns CLI_EXIT_OK or CLI_EXIT_FAIL (message printed). */
int cli_begin(struct cli_context *ctx, const struct cli_command *cmd);

/* "kenoconsole: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) KC_PRINTF(1, 2);
/* Prints err and returns CLI_EXIT_FAIL. */
int cli_fail(const kc_error *err);
/* Prints err, clears it, returns CLI_EXIT_FAIL. */
int cli_fail_clear(kc_error *err);
/* Option helpers for the commands: each returns -1 when all is well, else
 * an exit status (the usage message printed), like cli_parse().
 * --format: *f = OUTPUT_TEXT when s is NULL. */
int cli_format_option(const struct cli_command *cmd, const char *s, enum output_format *f);
/* --limit: a positive whole number; *limit = 0 when s is NULL. */
int cli_limit_option(const struct cli_command *cmd, const char *s, int64_t *limit);
/* A positive whole number (ids, limits): true and *out set, else false. */
bool cli_positive(const char *s, int64_t *out);
/* An ISO UTC instant shown in the office zone, written into buf
 * (DATE_LOCAL_BUFSZ bytes); iso as-is when it does not parse, "" when NULL. */
const char *cli_local_time(const char *iso, char *buf);
/* Prints the message and the "Try ..." hint; returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...) KC_PRINTF(2, 3);
/* Flushes stdout; CLI_EXIT_FAIL with a message when a write failed. */
int cli_finish_output(int status);

/* --- the commands ----------------------------------------------------- */

/* Declares (or defines) a command handler: every handler has this one
 * signature, the cli_handler type the table in cli.c holds.  Each area
 * lists its handlers here or in its own header (cmd_billing.h). */
#define CLI_HANDLER(name) \
	int name(struct cli_context *ctx, const struct cli_command *cmd, int argc, char **argv)

/* cmd_db.c */
CLI_HANDLER(cmd_init);
CLI_HANDLER(cmd_check);
CLI_HANDLER(cmd_demo);

/* cmd_snapshot.c */
CLI_HANDLER(cmd_snapshot);

/* cmd_account.c */
CLI_HANDLER(cmd_account_add);
CLI_HANDLER(cmd_account_list);
CLI_HANDLER(cmd_account_show);
CLI_HANDLER(cmd_account_edit);
CLI_HANDLER(cmd_account_activate);
CLI_HANDLER(cmd_account_suspend);
CLI_HANDLER(cmd_account_reinstate);
CLI_HANDLER(cmd_account_close);
CLI_HANDLER(cmd_account_reopen);
CLI_HANDLER(cmd_account_high_risk);
CLI_HANDLER(cmd_account_paymethod_add);
CLI_HANDLER(cmd_account_paymethod_remove);
CLI_HANDLER(cmd_account_history);

/* cmd_termination.c */
CLI_HANDLER(cmd_termination_request);
CLI_HANDLER(cmd_termination_list);
CLI_HANDLER(cmd_termination_show);
CLI_HANDLER(cmd_termination_approve);
CLI_HANDLER(cmd_termination_deny);
CLI_HANDLER(cmd_termination_schedule);
CLI_HANDLER(cmd_termination_end_service);
CLI_HANDLER(cmd_termination_final_invoice);
CLI_HANDLER(cmd_termination_transfer_request);
CLI_HANDLER(cmd_termination_check);
CLI_HANDLER(cmd_termination_transferred);
CLI_HANDLER(cmd_termination_close);

/* cmd_ticket.c */
CLI_HANDLER(cmd_ticket_add);
CLI_HANDLER(cmd_ticket_list);
CLI_HANDLER(cmd_ticket_show);
CLI_HANDLER(cmd_ticket_reply);
CLI_HANDLER(cmd_ticket_note);
CLI_HANDLER(cmd_ticket_assign);
CLI_HANDLER(cmd_ticket_status);
CLI_HANDLER(cmd_ticket_priority);
CLI_HANDLER(cmd_ticket_log_time);
CLI_HANDLER(cmd_sla_credit_request);
CLI_HANDLER(cmd_sla_credit_list);

/* cmd_sync.c */
CLI_HANDLER(cmd_sync);
CLI_HANDLER(cmd_sync_runs);
CLI_HANDLER(cmd_usage_list);
CLI_HANDLER(cmd_usage_summary);

/* cmd_invoice.c, cmd_payment.c: cmd_billing.h */

#endif
