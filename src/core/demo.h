/*
 * demo.h: fills a new database with realistic, reproducible demo data.
 *
 * Contract
 *  - demo_generate() works only through the core functions staff use
 *    (account_create, account_activate, account_suspend, paymethod_add, ...),
 *    so the data obeys every rule those functions enforce and leaves the same
 *    audit trail.  It refuses (KC_ERR_RULE) a database that already holds
 *    accounts: demo data never mixes with real data.
 *  - Same seed and same "today" (date_today_local(), pinned by
 *    KENOCONSOLE_NOW) give the same data.  The generator has its own PRNG
 *    (splitmix64); every step draws from a stream derived from (seed, step,
 *    account index), so adding a step never changes what earlier steps make.
 *  - Data: bilingual names and addresses (French and English), every
 *    province and territory (most in QC and ON; the first 13 accounts cover
 *    all 13), both service levels, every status (pending, active,
 *    suspended, closed, closed and barred from reopening), high-risk and
 *    consumer accounts, payment methods with fake last four digits only.
 *  - Writes are batched: one outer write transaction per opt->batch accounts
 *    (core calls inside it join it, see db.h), so 100000 accounts take
 *    seconds.  On failure the current batch is rolled back; earlier batches
 *    stay (the caller makes demo databases in a temporary file).
 *  - Never prints.  progress (may be NULL) is called after each batch with
 *    the step's translated name, the accounts done in that step and the
 *    total.
 *  - The work is a list of steps in demo.c (accounts, payment methods,
 *    lifecycle); later features (billing, usage, tickets, terminations) add
 *    their own step to that list, marked as "history".
 *  - History steps (a year of calls, invoices, payments, tickets,
 *    terminations) run for opt->history accounts spread evenly over the
 *    list (every k-th account, so every status and province keeps some),
 *    0 meaning all of them up to DEMO_DEFAULT_HISTORY.  That keeps a
 *    100000-account demo (for benchmarks) to about a minute while small
 *    demos get the full history on every account.
 */
#ifndef KC_DEMO_H
#define KC_DEMO_H

#include <stdint.h>

#include "db.h"

#define DEMO_DEFAULT_ACCOUNTS 200
#define DEMO_MAX_ACCOUNTS 1000000
#define DEMO_DEFAULT_SEED 1
#define DEMO_DEFAULT_BATCH 1000
#define DEMO_DEFAULT_HISTORY 2000

struct demo_options {
	int64_t accounts; /* 1..DEMO_MAX_ACCOUNTS; 0 = DEMO_DEFAULT_ACCOUNTS */
	uint64_t seed;
	int batch;        /* accounts per transaction; 0 = DEMO_DEFAULT_BATCH */
	int64_t history;  /* accounts given a history; 0 = min(accounts, DEMO_DEFAULT_HISTORY) */
};

/* step: translated name of the step; done/total: accounts processed. */
typedef void (*demo_progress_fn)(void *ctx, const char *step, int64_t done, int64_t total);

/* Fills db (opened writable, staff allowed to act as admin). */
kc_status demo_generate(kc_db *db, const struct demo_options *opt,
	demo_progress_fn progress, void *progress_ctx, kc_error *err);

#endif
