/*
 * fuzz_cdr.c: libFuzzer target for the CDR answer parser (src/core/cdr.c).
 *
 * Build by hand from the top of the tree, after ./configure has made
 * config.h in BUILD (the build directory):
 *
 *   clang -g -O1 -std=c17 -fsanitize=fuzzer,address,undefined \
 *     -I src/core -I BUILD tests/fuzz/fuzz_cdr.c src/core/cdr.c \
 *     src/core/error.c -ljansson -o fuzz_cdr
 *   mkdir -p corpus && ./fuzz_cdr -max_total_time=300 corpus
 *
 * Besides memory safety (ASan/UBSan) it checks the contract of cdr.h:
 * rows only on success, row fields well-formed, and, differentially against
 * jansson, that a document jansson accepts is never called bad JSON here.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	size_t rows;
};

static int check_row(const struct cdr_row *row, void *ctx)
{
	struct tally *t = ctx;
	size_t n = strlen(row->uniqueid);
	if (n == 0 || n > CDR_UNIQUEID_MAX)
		abort();
	if (strlen(row->date) != 19 || row->seconds < 0)
		abort();
	if (row->when.month < 1 || row->when.month > 12 || row->when.day < 1 || row->when.day > 31 ||
	    row->when.hour > 23 || row->when.minute > 59 || row->when.second > 59)
		abort();
	/* Text never carries control characters. */
	const char *texts[] = { row->destination, row->callerid, row->description,
		row->disposition, row->account, row->destination_type };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		for (const unsigned char *p = (const unsigned char *)texts[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
				abort();
	t->rows++;
	return t->rows == 1000 ? -1 : 0; /* exercise the stop path too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct tally t = { 0 };
	struct cdr_answer info;
	kc_error err = KC_ERROR_INIT;
	kc_status rc = cdr_parse_answer_ex(body, size, check_row, &t, &info, &err);
	if (rc != KC_OK && rc != KC_ERR_INTERNAL && t.rows != 0)
		abort(); /* rows delivered for a refused answer */
	if (rc == KC_OK && t.rows != info.rows)
		abort();
	if (rc != KC_OK && !err.message)
		abort();
	bool called_bad_json = rc == KC_ERR_INVALID && err.message &&
			       (strstr(err.message, "not valid JSON") || strstr(err.message, "cut off"));
	kc_error_clear(&err);

	/* jansson 2.14 lets a NUL byte through after a number ("0.0e15\0,"):
	 * its leniency, not ours, so inputs with NUL skip the comparison. */
	if (called_bad_json && !memchr(body, '\0', size)) {
		json_error_t jerr;
		json_t *root = json_loadb(body, size, 0, &jerr);
		if (root && json_is_object(root))
			abort(); /* jansson accepts what we called malformed */
		json_decref(root);
	}

	int64_t v;
	if (cdr_money_parse(body, size, &v, NULL) == KC_OK && size == 0)
		abort();
	return 0;
}
