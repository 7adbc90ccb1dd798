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

/* cmd_invoice.c */
CLI_HANDLER(cmd_invoice_run);
CLI_HANDLER(cmd_invoice_list);
CLI_HANDLER(cmd_invoice_show);
CLI_HANDLER(cmd_invoice_statement);
CLI_HANDLER(cmd_overdue);

/* cmd_payment.c */
CLI_HANDLER(cmd_payment_add);
CLI_HANDLER(cmd_payment_list);
CLI_HANDLER(cmd_payment_chargeback);
CLI_HANDLER(cmd_payment_refund);
CLI_HANDLER(cmd_credit_add);
CLI_HANDLER(cmd_credit_list);
CLI_HANDLER(cmd_credit_expire);
CLI_HANDLER(cmd_credit_note_add);
CLI_HANDLER(cmd_dispute_add);

/* Helpers: each returns -1 when all is well, else an exit status (the
 * message printed), like cli_parse(). */
int cmd_billing_date(const struct cli_command *cmd, const char *opt, const char *s);
int cmd_billing_money(const struct cli_command *cmd, const char *opt, const char *s,
	kc_cents *out);
/* Resolves an account reference; CLI_EXIT_OK or CLI_EXIT_FAIL (printed). */
int cmd_billing_account(struct cli_context *ctx, const char *ref, int64_t *id);

#endif
