/* test_cdr_hostile.c: hostile voip.ms answers (cdr.h) beyond test_cdr.c:
 * raw NUL bytes inside the body (the length counts them), printf
 * directives and quotes kept as plain text, invalid UTF-8 in a key, very
 * long text, uniqueid bounds, uniqueids holding control characters (refused,
 * never replaced into colliding ids), and error messages that never echo
 * the answer's bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cdr.h"

struct first_row {
	size_t rows;
	char *callerid, *description, *uniqueid; /* heap copies of row 1 */
};

static int keep_first(const struct cdr_row *row, void *ctx)
{
	struct first_row *f = ctx;
	if (f->rows++ == 0) {
		f->callerid = strdup(row->callerid);
		f->description = strdup(row->description);
		f->uniqueid = strdup(row->uniqueid);
	}
	return 0;
}

static void first_clear(struct first_row *f)
{
	free(f->callerid);
	free(f->description);
	free(f->uniqueid);
	memset(f, 0, sizeof *f);
}

/* body[0..len) refused as KC_ERR_INVALID, no row delivered, and a message
 * without any byte outside printable ASCII and UTF-8 letters we wrote. */
static void refused(const char *name, const char *body, size_t len)
{
	struct first_row f = { 0 };
	kc_error err = KC_ERROR_INIT;
	kc_status rc = cdr_parse_answer(body, len, keep_first, &f, &err);
	if (rc != KC_ERR_INVALID || f.rows != 0)
		fail_msg("%s: rc %d, %zu rows (%s)", name, rc, f.rows, kc_error_text(&err));
	assert_non_null(err.message);
	for (const unsigned char *p = (const unsigned char *)err.message; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			fail_msg("%s: control byte 0x%02x in the message", name, *p);
	if (strstr(err.message, "%n") || strstr(err.message, "EVIL"))
		fail_msg("%s: the message echoes the answer: %s", name, err.message);
	kc_error_clear(&err);
	first_clear(&f);
}

#define ROW_HEAD "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"1\"," \
		 "\"date\":\"2025-03-02 09:15:40\",\"total\":\"0.01\","

static void test_raw_nul_bytes_refused(void **state)
{
	(void)state;
	/* Inside a string value: the parser must not stop at the NUL and
	 * accept the shorter text. */
	static const char in_value[] = ROW_HEAD "\"description\":\"EVIL\0%n\"}]}";
	refused("NUL inside a value", in_value, sizeof in_value - 1);
	/* Between tokens. */
	static const char between[] = ROW_HEAD "\0\"description\":\"x\"}]}";
	refused("NUL between tokens", between, sizeof between - 1);
	/* After the complete answer. */
	static const char after[] = ROW_HEAD "\"description\":\"x\"}]}\0EVIL";
	refused("NUL after the answer", after, sizeof after - 1);
	/* Only a NUL. */
	refused("a lone NUL", "\0", 1);
}

static void test_directives_and_quotes_are_text(void **state)
{
	(void)state;
	static const char body[] = ROW_HEAD
		"\"callerid\":\"\\\"%n%s%s%s\\\" <5145550101>\","
		"\"description\":\"%99999999d \\\\ '\\u0025n' $(id) `id`\"}]}";
	struct first_row f = { 0 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(cdr_parse_answer(body, sizeof body - 1, keep_first, &f, &err), KC_OK);
	assert_int_equal(f.rows, 1);
	assert_string_equal(f.callerid, "\"%n%s%s%s\" <5145550101>");
	assert_string_equal(f.description, "%99999999d \\ '%n' $(id) `id`");
	first_clear(&f);
}

static void test_invalid_utf8_in_a_key_refused(void **state)
{
	(void)state;
	static const char body[] = ROW_HEAD "\"descr\xff" "ption\":\"x\"}]}";
	refused("invalid UTF-8 in a key", body, sizeof body - 1);
	static const char cut[] = ROW_HEAD "\"description\":\"caf\xc3\"}]}";
	refused("UTF-8 sequence cut by the closing quote", cut, sizeof cut - 1);
	static const char five[] = ROW_HEAD "\"description\":\"\xf8\x88\x80\x80\x80\"}]}";
	refused("five-byte sequence", five, sizeof five - 1);
	static const char above[] = ROW_HEAD "\"description\":\"\xf4\x90\x80\x80\"}]}";
	refused("above U+10FFFF", above, sizeof above - 1);
}

static void test_long_text_delivered_whole(void **state)
{
	(void)state;
	/* 200 000 characters of description, mixed with escapes: whole or
	 * refused, never cut silently. */
	const size_t n = 200000;
	size_t cap = sizeof ROW_HEAD + n * 2 + 64;
	char *body = malloc(cap);
	assert_non_null(body);
	size_t len = (size_t)snprintf(body, cap, "%s\"description\":\"", ROW_HEAD);
	for (size_t i = 0; i < n; i++) {
		if (i % 1000 == 999) {
			memcpy(body + len, "\\\"", 2);
			len += 2;
		} else {
			body[len++] = (char)('a' + i % 26);
		}
	}
	len += (size_t)snprintf(body + len, cap - len, "\"}]}");
	struct first_row f = { 0 };
	kc_error err = KC_ERROR_INIT;
	kc_status rc = cdr_parse_answer(body, len, keep_first, &f, &err);
	if (rc == KC_OK) {
		assert_int_equal(f.rows, 1);
		assert_int_equal(strlen(f.description), n);
		assert_int_equal(f.description[999], '"');
		assert_int_equal(f.description[n - 2], (char)('a' + (n - 2) % 26));
		assert_int_equal(f.description[n - 1], '"');
	} else {
		assert_int_equal(rc, KC_ERR_INVALID);
		assert_int_equal(f.rows, 0);
		kc_error_clear(&err);
	}
	first_clear(&f);
	free(body);
}

static void test_uniqueid_bounds(void **state)
{
	(void)state;
	char body[512], id[70];
	memset(id, 'A', 64);
	id[64] = '\0';
	snprintf(body, sizeof body,
		"{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"%s\",\"date\":\"2025-03-02 09:15:40\","
		"\"total\":\"1\"}}", id);
	struct first_row f = { 0 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(cdr_parse_answer(body, strlen(body), keep_first, &f, &err), KC_OK);
	assert_string_equal(f.uniqueid, id);
	first_clear(&f);
	id[64] = 'A';
	id[65] = '\0';
	snprintf(body, sizeof body,
		"{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"%s\",\"date\":\"2025-03-02 09:15:40\","
		"\"total\":\"1\"}}", id);
	refused("uniqueid of 65 characters", body, strlen(body));
	static const char pct[] = "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\","
				  "\"date\":\"%n%n EVIL\",\"total\":\"1\"}}";
	refused("date with directives", pct, sizeof pct - 1);
}

/* A uniqueid with {ID} in it (JSON text, escapes allowed). */
static void uniqueid_answer(char *body, size_t size, const char *id_json)
{
	snprintf(body, size, "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"%s\","
		"\"date\":\"2025-03-02 09:15:40\",\"total\":\"1\"},{\"uniqueid\":\"2\","
		"\"date\":\"2025-03-02 09:16:40\",\"total\":\"1\"}]}", id_json);
}

/* The uniqueid is checked as voip.ms sent it, before control characters
 * are replaced: "A\u001b" and "A\u0007" would both be "A?" and collide as
 * one call.  Any such row refuses the whole answer (cdr.h). */
static void test_uniqueid_with_controls_refused_not_replaced(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"A\\u001b", "A\\u0007", "EVIL\\u001b[2J", "A\\u0000", "A\\u007f", "A\\u009b",
		"A\\t", "A\\n", "A\\r", "A\\b", "A\\f", "\\u001b", "A\x7f", "A\xc2\x9b",
		"A\xc2\x85", "A\\u00e9", "A\xc3\xa9", "A B", "A\\u0020",
	};
	char body[512];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uniqueid_answer(body, sizeof body, bad[i]);
		char name[64];
		snprintf(name, sizeof name, "uniqueid case %zu", i);
		refused(name, body, strlen(body));
	}
	/* Escapes of printable characters are the characters themselves, and a
	 * real '?' stays a valid id. */
	static const struct {
		const char *json, *id;
	} good[] = {
		{ "A?", "A?" }, { "\\u0041\\u003f", "A?" }, { "a\\/b", "a/b" },
		{ "q\\\"x", "q\"x" }, { "b\\\\s", "b\\s" }, { "~!", "~!" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uniqueid_answer(body, sizeof body, good[i].json);
		struct first_row f = { 0 };
		kc_error err = KC_ERROR_INIT;
		if (cdr_parse_answer(body, strlen(body), keep_first, &f, &err) != KC_OK)
			fail_msg("%s refused: %s", good[i].json, kc_error_text(&err));
		assert_int_equal(f.rows, 2);
		assert_string_equal(f.uniqueid, good[i].id);
		first_clear(&f);
	}
}

/* Other text fields keep the contract: controls become '?' or a space and
 * the row is kept. */
static void test_controls_in_text_fields_still_replaced(void **state)
{
	(void)state;
	static const char body[] = ROW_HEAD
		"\"description\":\"a\\u001b[2J\\tb\x7f\xc2\x9b\"}]}";
	struct first_row f = { 0 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(cdr_parse_answer(body, sizeof body - 1, keep_first, &f, &err), KC_OK);
	assert_int_equal(f.rows, 1);
	assert_string_equal(f.description, "a?[2J b??");
	assert_string_equal(f.uniqueid, "1");
	first_clear(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_nul_bytes_refused),
		cmocka_unit_test(test_directives_and_quotes_are_text),
		cmocka_unit_test(test_invalid_utf8_in_a_key_refused),
		cmocka_unit_test(test_long_text_delivered_whole),
		cmocka_unit_test(test_uniqueid_bounds),
		cmocka_unit_test(test_uniqueid_with_controls_refused_not_replaced),
		cmocka_unit_test(test_controls_in_text_fields_still_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
