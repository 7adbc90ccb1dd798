/*
 * cmd_billing.h: the billing commands (cmd_invoice.c, cmd_payment.c) and
 * the small helpers they share.  Handlers follow cli.h's contract.
 */
#ifndef KC_CMD_BILLING_H
#define KC_CMD_BILLING_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "money.h"
#include "output.h"

#define CMD_BILLING(name) \
	int cmd_##name(struct cli_context *ctx, const struct cli_command *cmd, int argc, \
		char **argv)

/* cmd_invoice.c */
CMD_BILLING(invoice_run);
CMD_BILLING(invoice_list);
CMD_BILLING(invoice_show);
CMD_BILLING(invoice_statement);
CMD_BILLING(overdue);

/* cmd_payment.c */
CMD_BILLING(payment_add);
CMD_BILLING(payment_list);
CMD_BILLING(payment_chargeback);
CMD_BILLING(payment_refund);
CMD_BILLING(credit_add);
CMD_BILLING(credit_list);
CMD_BILLING(credit_expire);
CMD_BILLING(credit_note_add);
CMD_BILLING(dispute_add);

/* Helpers: each returns -1 when all is well, else an exit status (the
 * message printed), like cli_parse(). */
int cmd_billing_format(const struct cli_command *cmd, const char *s, enum output_format *f);
int cmd_billing_date(const struct cli_command *cmd, const char *opt, const char *s);
int cmd_billing_money(const struct cli_command *cmd, const char *opt, const char *s,
	kc_cents *out);
/* A positive whole number. */
bool cmd_billing_positive(const char *s, int64_t *out);
/* Prints err, clears it, returns CLI_EXIT_FAIL. */
int cmd_billing_fail(kc_error *err);
/* Resolves an account reference; CLI_EXIT_OK or CLI_EXIT_FAIL (printed). */
int cmd_billing_account(struct cli_context *ctx, const char *ref, int64_t *id);

#endif
