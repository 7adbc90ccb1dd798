/*
 * invoice_extra.h: what the console's invoice list needs beyond invoice.h:
 * paging backward through a filtered list and the totals of that list.
 *
 * Contract
 *  - Same filters as invoice_page() (struct invoice_query: status NULL,
 *    "open", "overdue", "paid", "credited"; account; invoice dates; as_of
 *    for the overdue reckoning, NULL = today) and the same order (invoice
 *    date, then number), so the rows these functions count are the rows
 *    invoice_page() returns.  Keyset only: never the whole table.
 *  - invoice_extra_before() does not read rows: it says where a forward
 *    invoice_page() must start so that it returns the (up to) max rows just
 *    before a position, which is how the console scrolls back up.
 *  - Read only; may run inside the caller's read transaction.
 *  - Errors: KC_ERR_INVALID (bad status or date, named), KC_ERR_DB,
 *    KC_ERR_NOMEM.
 */
#ifndef KC_INVOICE_EXTRA_H
#define KC_INVOICE_EXTRA_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "invoice.h"
#include "money.h"

struct invoice_totals {
	int64_t count;     /* invoices in the list */
	kc_cents total;    /* sum of their totals */
	kc_cents balance;  /* sum of what remains unpaid on them */
};

kc_status invoice_extra_totals(kc_db *db, const struct invoice_query *q,
	struct invoice_totals *out, kc_error *err);

/*
 * before: a position (have=false: after the last row, i.e. the end of the
 * list).  On KC_OK *count (<= max) rows of the list lie before it, and
 * invoice_page(q, start, rows, *count, ...) returns exactly them
 * (start->have false: from the first row).
 */
kc_status invoice_extra_before(kc_db *db, const struct invoice_query *q,
	const struct invoice_cursor *before, size_t max, struct invoice_cursor *start,
	size_t *count, kc_error *err);

#endif
