/* test_tax.c: sales taxes from the dated rates table (rule BIL-4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "money.h"
#include "tax.h"

#define HEADER "province,tax,rate_thousandths_pct,effective_from\n"

static int setup_table(void **state)
{
	tax_table *t = NULL;
	kc_error err = KC_ERROR_INIT;
	if (tax_table_load_embedded(&t, &err) != KC_OK) {
		print_error("embedded tax table: %s\n", kc_error_text(&err));
		kc_error_clear(&err);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_table(void **state)
{
	tax_table *t = *state;
	tax_table_free(&t);
	assert_null(t);
	return 0;
}

/* Computes and checks the status; returns the number of lines. */
static size_t compute(const tax_table *t, const char *prov, const char *date, kc_cents subtotal,
		      struct tax_line lines[TAX_MAX_LINES])
{
	kc_error err = KC_ERROR_INIT;
	size_t n = 99;
	kc_status st = tax_compute(t, prov, date, subtotal, lines, TAX_MAX_LINES, &n, &err);
	if (st != KC_OK)
		fail_msg("%s %s %lld: %s", prov, date, (long long)subtotal, kc_error_text(&err));
	kc_error_clear(&err);
	return n;
}

static void assert_line(const struct tax_line *line, const char *code, int32_t rate,
			kc_cents amount)
{
	assert_string_equal(line->code, code);
	assert_int_equal(line->rate_thousandths, rate);
	assert_int_equal(line->amount, amount);
}

/* ---- NULL and edge cases ---- */

static void test_tax_null_arguments(void **state)
{
	tax_table *t = *state, *none = (tax_table *)1;
	kc_error err = KC_ERROR_INIT;
	struct tax_line lines[TAX_MAX_LINES];
	size_t n = 99;
	assert_int_equal(tax_table_load_text(NULL, &none, &err), KC_ERR_INVALID);
	assert_null(none);
	assert_int_equal(tax_table_load_text(HEADER, NULL, &err), KC_ERR_INTERNAL);
	assert_int_equal(tax_compute(NULL, "QC", "2026-01-01", 100, lines, TAX_MAX_LINES, &n, &err),
			 KC_ERR_INTERNAL);
	assert_int_equal(n, 0);
	assert_int_equal(tax_compute(t, NULL, "2026-01-01", 100, lines, TAX_MAX_LINES, &n, &err),
			 KC_ERR_INTERNAL);
	assert_int_equal(tax_compute(t, "QC", NULL, 100, lines, TAX_MAX_LINES, &n, NULL),
			 KC_ERR_INTERNAL);
	assert_int_equal(tax_compute(t, "QC", "2026-01-01", 100, NULL, 2, &n, &err),
			 KC_ERR_INTERNAL);
	assert_int_equal(tax_compute(t, "QC", "2026-01-01", 100, lines, TAX_MAX_LINES, NULL, &err),
			 KC_ERR_INTERNAL);
	assert_false(tax_province_known(NULL, "QC"));
	assert_false(tax_province_known(t, NULL));
	tax_table_free(NULL);
	tax_table *null_table = NULL;
	tax_table_free(&null_table);
	kc_error_clear(&err);
}

static void test_tax_lines_array_too_small(void **state)
{
	struct tax_line lines[1];
	size_t n = 99;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(tax_compute(*state, "QC", "2026-11-26", 10000, lines, 1, &n, &err),
			 KC_ERR_INTERNAL);
	assert_int_equal(n, 0);
	assert_non_null(err.message);
	assert_int_equal(tax_compute(*state, "ON", "2026-11-26", 10000, lines, 1, &n, &err), KC_OK);
	assert_int_equal(n, 1);
	kc_error_clear(&err);
}

static void test_tax_table_refuses_malformed_text(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"province,tax,rate,effective_from\nQC,GST,5000,2008-01-01\n",
		HEADER,
		HEADER "\n\n",
		HEADER "QC,GST,5000\n",
		HEADER "QC,GST,5000,2008-01-01,x\n",
		HEADER "Q,GST,5000,2008-01-01\n",
		HEADER "QUE,GST,5000,2008-01-01\n",
		HEADER "qc,GST,5000,2008-01-01\n",
		HEADER "QC,gst,5000,2008-01-01\n",
		HEADER "QC,,5000,2008-01-01\n",
		HEADER "QC,ABCDEFGH,5000,2008-01-01\n",
		HEADER "QC,GST,,2008-01-01\n",
		HEADER "QC,GST,-5,2008-01-01\n",
		HEADER "QC,GST,5.5,2008-01-01\n",
		HEADER "QC,GST,100001,2008-01-01\n",
		HEADER "QC,GST,1000000,2008-01-01\n",
		HEADER "QC,GST,5000,2008-02-30\n",
		HEADER "QC,GST,5000,2007-02-29\n",
		HEADER "QC,GST,5000,2008/01/01\n",
		HEADER "QC,GST,5000,2008-1-1\n",
		HEADER "QC,GST,5000, 2008-01-01\n",
		HEADER "QC,GST,5000,2008-01-01\nQC,GST,6000,2008-01-01\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tax_table *t = (tax_table *)1;
		kc_error err = KC_ERROR_INIT;
		if (tax_table_load_text(bad[i], &t, &err) != KC_ERR_INVALID)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(t);
		assert_non_null(err.message);
		kc_error_clear(&err);
	}
	kc_error err = KC_ERROR_INIT;
	tax_table *t = NULL;
	assert_int_equal(tax_table_load_text(HEADER "QC,GST,5000,2008-01-01\nQC,QST,99750,x\n", &t,
					     &err),
			 KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "line 3"));
	kc_error_clear(&err);
}

static void test_tax_table_accepts_crlf_bom_and_leap_day(void **state)
{
	tax_table *t = NULL;
	kc_error err = KC_ERROR_INIT;
	const char *text = "\xef\xbb\xbf"
			   "province,tax,rate_thousandths_pct,effective_from\r\n"
			   "XX,ABC,100000,2024-02-29\r\n"
			   "\r\n"
			   "XX,ABC,1,2400-02-29"; /* no final newline */
	assert_int_equal(tax_table_load_text(text, &t, &err), KC_OK);
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(t, "xx", "2024-02-29", 1234, lines), 1);
	assert_line(&lines[0], "ABC", 100000, 1234);
	assert_int_equal(compute(t, "XX", "2400-02-29", 50000, lines), 1);
	assert_line(&lines[0], "ABC", 1, 1); /* 0.5 cent: half up */
	tax_table_free(&t);
}

/* ---- BIL-4 ---- */

static void test_BIL4_quebec_100_gives_114_98(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "QC", "2026-11-26", 10000, lines), 2);
	assert_line(&lines[0], "GST", 5000, 500);
	assert_line(&lines[1], "QST", 9975, 998);
	assert_int_equal(10000 + lines[0].amount + lines[1].amount, 11498);
}

static void test_BIL4_quebec_300_gives_15_00_and_29_93(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "QC", "2026-11-26", 30000, lines), 2);
	assert_line(&lines[0], "GST", 5000, 1500);
	/* QST on the price before GST: 300.00 * 9.975 % = 29.925 -> 29.93. */
	assert_line(&lines[1], "QST", 9975, 2993);
}

static void test_BIL4_quebec_credit_note_mirrors_invoice(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "qc", "2026-11-26", -30000, lines), 2);
	assert_line(&lines[0], "GST", 5000, -1500);
	assert_line(&lines[1], "QST", 9975, -2993);
}

static void test_BIL4_ontario_hst_13(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "ON", "2026-11-26", 10000, lines), 1);
	assert_line(&lines[0], "HST", 13000, 1300);
	assert_int_equal(compute(*state, "ON", "2026-11-26", 123456, lines), 1);
	assert_line(&lines[0], "HST", 13000, 16049); /* 160.4928 */
}

static void test_BIL4_nova_scotia_15_until_2025_03_31(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "NS", "2025-03-31", 10000, lines), 1);
	assert_line(&lines[0], "HST", 15000, 1500);
	assert_int_equal(compute(*state, "NS", "2010-07-01", 10000, lines), 1);
	assert_line(&lines[0], "HST", 15000, 1500);
}

static void test_BIL4_nova_scotia_14_from_2025_04_01(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(*state, "NS", "2025-04-01", 10000, lines), 1);
	assert_line(&lines[0], "HST", 14000, 1400);
	assert_int_equal(compute(*state, "NS", "2099-12-31", 33333, lines), 1);
	assert_line(&lines[0], "HST", 14000, 4667); /* 46.6662 */
}

static void test_BIL4_all_13_provinces_and_territories(void **state)
{
	static const struct {
		const char *prov, *code;
		int32_t rate;
	} expect[] = {
		{ "AB", "GST", 5000 }, { "BC", "GST", 5000 },  { "MB", "GST", 5000 },
		{ "NB", "HST", 15000 }, { "NL", "HST", 15000 }, { "NS", "HST", 14000 },
		{ "NT", "GST", 5000 }, { "NU", "GST", 5000 },  { "ON", "HST", 13000 },
		{ "PE", "HST", 15000 }, { "QC", "GST", 5000 },  { "SK", "GST", 5000 },
		{ "YT", "GST", 5000 },
	};
	struct tax_line lines[TAX_MAX_LINES];
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		assert_true(tax_province_known(*state, expect[i].prov));
		size_t n = compute(*state, expect[i].prov, "2026-11-26", 100000, lines);
		assert_int_equal(n, strcmp(expect[i].prov, "QC") == 0 ? 2 : 1);
		assert_line(&lines[0], expect[i].code, expect[i].rate, expect[i].rate);
	}
}

static void test_BIL4_unknown_province_refused(void **state)
{
	static const char *const bad[] = { "ZZ", "", "Q", "QCC", "Q1", "Québec", " QC" };
	struct tax_line lines[TAX_MAX_LINES];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		size_t n = 99;
		assert_int_equal(tax_compute(*state, bad[i], "2026-11-26", 10000, lines, TAX_MAX_LINES,
					     &n, &err),
				 KC_ERR_INVALID);
		assert_int_equal(n, 0);
		assert_non_null(strstr(err.message, "province"));
		assert_false(tax_province_known(*state, bad[i]));
		kc_error_clear(&err);
	}
}

static void test_BIL4_malformed_or_uncovered_date_refused(void **state)
{
	static const struct {
		const char *prov, *date;
	} bad[] = {
		{ "QC", "" },           { "QC", "2026-13-01" }, { "QC", "2026-02-29" },
		{ "QC", "20261126" },   { "QC", "2026-11-26T00:00" }, { "QC", "2026-11-00" },
		{ "QC", "2012-12-31" }, /* before the QST of the table */
		{ "ON", "2010-06-30" }, /* before Ontario's HST */
		{ "AB", "1999-01-01" },
	};
	struct tax_line lines[TAX_MAX_LINES];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		size_t n = 99;
		if (tax_compute(*state, bad[i].prov, bad[i].date, 10000, lines, TAX_MAX_LINES, &n,
				&err) != KC_ERR_INVALID)
			fail_msg("%s %s accepted", bad[i].prov, bad[i].date);
		assert_int_equal(n, 0);
		assert_non_null(err.message);
		kc_error_clear(&err);
	}
	assert_int_equal(compute(*state, "QC", "2013-01-01", 10000, lines), 2);
	assert_int_equal(compute(*state, "ON", "2010-07-01", 10000, lines), 1);
}

static void test_BIL4_rate_change_never_alters_old_invoice(void **state)
{
	/* Rows in any order; a 0 rate starts or ends a tax. */
	const char *text = HEADER "XX,HST,0,2020-01-01\n"
				  "XX,HST,13000,2010-01-01\n"
				  "XX,GST,0,2010-01-01\n"
				  "XX,GST,5000,2020-01-01\n"
				  "XX,GST,7000,2030-01-01\n";
	tax_table *t = NULL;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(tax_table_load_text(text, &t, &err), KC_OK);
	struct tax_line lines[TAX_MAX_LINES];
	assert_int_equal(compute(t, "XX", "2019-12-31", 10000, lines), 1);
	assert_line(&lines[0], "HST", 13000, 1300);
	assert_int_equal(compute(t, "XX", "2020-01-01", 10000, lines), 1);
	assert_line(&lines[0], "GST", 5000, 500);
	assert_int_equal(compute(t, "XX", "2029-12-31", 10000, lines), 1);
	assert_line(&lines[0], "GST", 5000, 500);
	assert_int_equal(compute(t, "XX", "2030-01-01", 10000, lines), 1);
	assert_line(&lines[0], "GST", 7000, 700);
	size_t n = 99;
	assert_int_equal(tax_compute(t, "XX", "2009-12-31", 10000, lines, TAX_MAX_LINES, &n, &err),
			 KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "2009-12-31"));
	kc_error_clear(&err);
	tax_table_free(&t);
}

static void test_BIL4_subtotal_too_large_refused(void **state)
{
	struct tax_line lines[TAX_MAX_LINES];
	kc_error err = KC_ERROR_INIT;
	size_t n = 99;
	assert_int_equal(tax_compute(*state, "QC", "2026-11-26", INT64_MAX, lines, TAX_MAX_LINES,
				     &n, &err),
			 KC_OK); /* a tax is a fraction of the subtotal: fits */
	assert_int_equal(n, 2);
	const char *text = HEADER "XX,ABC,100000,2020-01-01\nXX,ABD,100000,2020-01-01\n";
	tax_table *t = NULL;
	assert_int_equal(tax_table_load_text(text, &t, &err), KC_OK);
	assert_int_equal(compute(t, "XX", "2026-11-26", INT64_MIN, lines), 2);
	assert_line(&lines[1], "ABD", 100000, INT64_MIN);
	tax_table_free(&t);
	kc_error_clear(&err);
}

static void test_BIL4_rate_shown_exactly(void **state)
{
	static const struct {
		int32_t rate;
		const char *en, *fr;
	} cases[] = {
		{ 9975, "9.975", "9,975" }, { 5000, "5", "5" },     { 13000, "13", "13" },
		{ 14000, "14", "14" },      { 15000, "15", "15" },  { 500, "0.5", "0,5" },
		{ 1, "0.001", "0,001" },    { 12500, "12.5", "12,5" }, { 10050, "10.05", "10,05" },
		{ 0, "0", "0" },            { 100000, "100", "100" }, { -5000, "-5", "-5" },
		{ INT32_MIN, "-2147483.648", "-2147483,648" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *en = tax_rate_format(cases[i].rate, MONEY_EN_CA);
		char *fr = tax_rate_format(cases[i].rate, MONEY_FR_CA);
		assert_string_equal(en, cases[i].en);
		assert_string_equal(fr, cases[i].fr);
		free(en);
		free(fr);
	}
	strbuf sb = STRBUF_INIT;
	assert_true(strbuf_append(&sb, "QST "));
	assert_true(tax_rate_append(&sb, 9975, MONEY_EN_CA));
	assert_true(strbuf_append(&sb, " %"));
	assert_string_equal(strbuf_cstr(&sb), "QST 9.975 %");
	strbuf_free(&sb);
}

static void test_BIL4_tax_labels(void **state)
{
	/* No catalogue is loaded in the tests: the English names come back. */
	assert_string_equal(tax_label("GST"), "GST");
	assert_string_equal(tax_label("QST"), "QST");
	assert_string_equal(tax_label("HST"), "HST");
	assert_string_equal(tax_label("PST"), "PST");
	assert_string_equal(tax_label(NULL), "");
}

/* ---- golden file: every row of tests/data/sales-taxes.csv ---- */

struct golden_key {
	char key[64];
	size_t computed, rows;
};

struct golden {
	const tax_table *table;
	struct golden_key keys[512];
	size_t nkeys, rows;
	char provinces[16][3];
	size_t nprovinces;
};

static struct golden_key *golden_key(struct golden *g, char **f, size_t computed)
{
	char key[64];
	snprintf(key, sizeof key, "%s,%s,%s", f[0], f[1], f[2]);
	for (size_t i = 0; i < g->nkeys; i++)
		if (strcmp(g->keys[i].key, key) == 0)
			return &g->keys[i];
	assert_true(g->nkeys < sizeof g->keys / sizeof g->keys[0]);
	struct golden_key *k = &g->keys[g->nkeys++];
	memcpy(k->key, key, sizeof key);
	k->computed = computed;
	return k;
}

static void golden_row(int nfields, char **f, int line, void *ctx)
{
	struct golden *g = ctx;
	if (nfields != 6)
		fail_msg("sales-taxes.csv line %d: %d fields", line, nfields);
	kc_cents subtotal, amount;
	if (money_parse(f[2], &subtotal, NULL) != KC_OK || money_parse(f[5], &amount, NULL) != KC_OK)
		fail_msg("sales-taxes.csv line %d: bad amount", line);
	struct tax_line lines[TAX_MAX_LINES];
	size_t n = compute(g->table, f[0], f[1], subtotal, lines);
	const struct tax_line *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(lines[i].code, f[3]) == 0)
			found = &lines[i];
	if (!found)
		fail_msg("sales-taxes.csv line %d: no %s line for %s", line, f[3], f[0]);
	char *rate = tax_rate_format(found->rate_thousandths, MONEY_EN_CA);
	if (strcmp(rate, f[4]) != 0 || found->amount != amount)
		fail_msg("sales-taxes.csv line %d: %s %s on %s: got rate %s amount %lld, "
			 "expected %s %lld", line, f[0], f[3], f[2], rate, (long long)found->amount,
			 f[4], (long long)amount);
	free(rate);
	golden_key(g, f, n)->rows++;
	size_t p = 0;
	while (p < g->nprovinces && strcmp(g->provinces[p], f[0]) != 0)
		p++;
	if (p == g->nprovinces && p < 16 && strlen(f[0]) == 2)
		memcpy(g->provinces[g->nprovinces++], f[0], 3);
	g->rows++;
}

static void test_BIL4_golden_sales_taxes_csv(void **state)
{
	struct golden *g = calloc(1, sizeof *g);
	assert_non_null(g);
	g->table = *state;
	int rows = test_read_csv("sales-taxes.csv", golden_row, g);
	assert_true(rows > 0);
	assert_int_equal((size_t)rows, g->rows);
	/* Each (province, date, subtotal) has exactly the lines the file lists. */
	for (size_t i = 0; i < g->nkeys; i++)
		if (g->keys[i].rows != g->keys[i].computed)
			fail_msg("%s: %zu tax lines computed, %zu in the file", g->keys[i].key,
				 g->keys[i].computed, g->keys[i].rows);
	assert_int_equal(g->nprovinces, 13);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tax_null_arguments),
		cmocka_unit_test(test_tax_lines_array_too_small),
		cmocka_unit_test(test_tax_table_refuses_malformed_text),
		cmocka_unit_test(test_tax_table_accepts_crlf_bom_and_leap_day),
		cmocka_unit_test(test_BIL4_quebec_100_gives_114_98),
		cmocka_unit_test(test_BIL4_quebec_300_gives_15_00_and_29_93),
		cmocka_unit_test(test_BIL4_quebec_credit_note_mirrors_invoice),
		cmocka_unit_test(test_BIL4_ontario_hst_13),
		cmocka_unit_test(test_BIL4_nova_scotia_15_until_2025_03_31),
		cmocka_unit_test(test_BIL4_nova_scotia_14_from_2025_04_01),
		cmocka_unit_test(test_BIL4_all_13_provinces_and_territories),
		cmocka_unit_test(test_BIL4_unknown_province_refused),
		cmocka_unit_test(test_BIL4_malformed_or_uncovered_date_refused),
		cmocka_unit_test(test_BIL4_rate_change_never_alters_old_invoice),
		cmocka_unit_test(test_BIL4_subtotal_too_large_refused),
		cmocka_unit_test(test_BIL4_rate_shown_exactly),
		cmocka_unit_test(test_BIL4_tax_labels),
		cmocka_unit_test(test_BIL4_golden_sales_taxes_csv),
	};
	return cmocka_run_group_tests(tests, setup_table, teardown_table);
}
