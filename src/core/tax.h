/*
 * tax.h: Canadian sales taxes on an invoice (rule BIL-4).
 *
 * Contract
 *  - Rates come from a table with effective dates (data/tax-rates.csv,
 *    embedded in the binary), so a rate change never alters an old
 *    invoice.  Columns: province,tax,rate_thousandths_pct,effective_from;
 *    e.g. "QC,QST,9975,2013-01-01" is 9.975 % from that day on.  A row
 *    applies until the next row for the same province and tax.  A rate of 0
 *    means the tax is not charged from that day (no line).  Every tax named
 *    for a province must have a row in force on the invoice date, otherwise
 *    tax_compute() refuses the date: to add a tax to a province later, give
 *    it a 0 row from the province's first date.
 *  - tax_compute() returns one line per tax in force, in the order the
 *    table first names them (QC: GST then QST).  Each tax is computed once,
 *    on the taxable subtotal (QST is on the price before GST), rounded to
 *    the cent half up (half away from zero, so a negative subtotal on a
 *    credit note mirrors its invoice exactly).  Callers store the amounts;
 *    they are never recomputed (BIL-4).
 *  - A tax_table is owned by the caller that loaded it and is read-only
 *    afterwards (safe to share); tax_table_free() frees it and clears the
 *    pointer.  tax_line is plain data.
 *  - Errors: KC_ERR_INVALID for a malformed table, an unknown province, a
 *    malformed date or a date before the table's rates (translated message
 *    naming the problem); KC_ERR_NOMEM; KC_ERR_INTERNAL for NULL arguments
 *    or a too small lines[] (TAX_MAX_LINES is always enough).
 */
#ifndef KC_TAX_H
#define KC_TAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kc.h"
#include "money.h"
#include "strbuf.h"

#define TAX_MAX_LINES 4

struct tax_line {
	char code[8];             /* "GST", "QST", "HST" */
	int32_t rate_thousandths; /* thousandths of a percent: 9975 = 9.975 % */
	kc_cents amount;
};

typedef struct tax_table tax_table;

/* The table shipped in the binary ("tax-rates.csv"). */
kc_status tax_table_load_embedded(tax_table **out, kc_error *err);
/* A table from CSV text (header line first; LF or CRLF). */
kc_status tax_table_load_text(const char *text, tax_table **out, kc_error *err);
void tax_table_free(tax_table **table);

/* True if the table names the province (two letters, any case). */
bool tax_province_known(const tax_table *table, const char *province);

/*
 * Fills lines[0..*n) with the taxes of `province` ("QC", any case) on an
 * invoice dated invoice_date ("YYYY-MM-DD") with this subtotal in cents.
 * *n is 0 on failure.
 */
kc_status tax_compute(const tax_table *table, const char *province, const char *invoice_date,
		      kc_cents subtotal, struct tax_line lines[], size_t max, size_t *n,
		      kc_error *err);

/*
 * A rate for display, exact and without trailing zeros: 9975 -> "9.975",
 * 5000 -> "5", 13000 -> "13" (MONEY_EN_CA) or "9,975" (MONEY_FR_CA).
 * The format function returns a heap string the caller frees (NULL when
 * memory runs out); the append function appends to sb.
 */
char *tax_rate_format(int32_t rate_thousandths, enum money_style style) KC_WARN_UNUSED;
bool tax_rate_append(strbuf *sb, int32_t rate_thousandths, enum money_style style);

/* The translated short name of a tax code ("QST" is "TVQ" in French). */
const char *tax_label(const char *code);

#endif
