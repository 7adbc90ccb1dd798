/* test_cdr.c: the voip.ms CDR answer parser (cdr.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cdr.h"

/* ---- collecting rows --------------------------------------------------- */

struct seen {
	size_t rows;
	int64_t sum_units8;
	char uniqueid[80], date[32], destination[64], callerid[128], description[128];
	char disposition[32], account[64], destination_type[32];
	struct cdr_wall_time when;
	int64_t seconds, total;
	size_t index;
	size_t stop_after; /* 0 = never */
	kc_error *set_err; /* when stopping, set this error */
};

static void keep(char *dst, size_t cap, const char *src)
{
	assert_non_null(src);
	snprintf(dst, cap, "%s", src);
}

static int collect(const struct cdr_row *row, void *ctx)
{
	struct seen *s = ctx;
	if (s->rows == 0) {
		keep(s->uniqueid, sizeof s->uniqueid, row->uniqueid);
		keep(s->date, sizeof s->date, row->date);
		keep(s->destination, sizeof s->destination, row->destination);
		keep(s->callerid, sizeof s->callerid, row->callerid);
		keep(s->description, sizeof s->description, row->description);
		keep(s->disposition, sizeof s->disposition, row->disposition);
		keep(s->account, sizeof s->account, row->account);
		keep(s->destination_type, sizeof s->destination_type, row->destination_type);
		s->when = row->when;
		s->seconds = row->seconds;
		s->total = row->total_units8;
	}
	s->index = row->index;
	s->rows++;
	s->sum_units8 += row->total_units8;
	if (s->stop_after && s->rows >= s->stop_after) {
		if (s->set_err)
			kc_error_set(s->set_err, KC_ERR_DB, "database full");
		return -1;
	}
	return 0;
}

static kc_status parse(const char *json, struct seen *s, kc_error *err)
{
	memset(s, 0, sizeof *s);
	return cdr_parse_answer(json, strlen(json), collect, s, err);
}

/* The getCDR example of the spec (voipms-api.md 2.1), strings. */
static const char SPEC_EXAMPLE[] =
	"{\n  \"status\": \"success\",\n  \"cdr\": [\n    {\n"
	"      \"date\": \"2025-03-04 14:02:11\",\n"
	"      \"callerid\": \"\\\"ACME FRONT DESK\\\" <4165550101>\",\n"
	"      \"destination\": \"16135550199\",\n"
	"      \"description\": \"Canada - 613 Ottawa\",\n"
	"      \"account\": \"271828_frontdesk\",\n"
	"      \"disposition\": \"ANSWERED\",\n"
	"      \"duration\": \"00:03:07\",\n      \"seconds\": \"187\",\n"
	"      \"rate\": \"0.00950000\",\n      \"total\": \"0.03087500\",\n"
	"      \"uniqueid\": \"358812746\",\n      \"destination_type\": \"OUT:CAN\",\n"
	"      \"call_logs\": \"\",\n      \"ip\": \"198.51.100.23\",\n"
	"      \"useragent\": \"Yealink SIP-T46U 108.86\"\n    },\n    {\n"
	"      \"date\": \"2025-03-04 15:40:55\",\n      \"callerid\": \"6475550144\",\n"
	"      \"destination\": \"4165550101\",\n"
	"      \"description\": \"Inbound - Local Caller\",\n      \"account\": \"271828\",\n"
	"      \"disposition\": \"NO ANSWER\",\n      \"duration\": \"00:00:00\",\n"
	"      \"seconds\": \"0\",\n      \"rate\": \"0.00000000\",\n"
	"      \"total\": \"0.00000000\",\n      \"uniqueid\": \"358813002\",\n"
	"      \"destination_type\": \"IN:CAN\",\n      \"call_logs\": \"\"\n    }\n  ]\n}\n";

/* ---- table of whole answers ------------------------------------------- */

struct answer_case {
	const char *name;
	const char *json;
	kc_status rc;
	size_t rows;
	const char *uniqueid;  /* first row, when rows > 0 */
	int64_t total;         /* first row */
	int64_t seconds;       /* first row */
	const char *destination;
	const char *callerid;
	const char *message;   /* substring of the error, when rc != KC_OK */
};

#define ROW_A "{\"uniqueid\":\"7\",\"date\":\"2025-03-02 09:15:40\",\"total\":\"0.021\"}"

static const struct answer_case answers[] = {
	{ "numbers",
	  "{\"status\":\"success\",\"cdr\":[{\"date\":\"2025-03-04 14:02:11\","
	  "\"destination\":16135550199,\"seconds\":187,\"rate\":0.00950000,"
	  "\"total\":0.03087500,\"uniqueid\":358812746}]}",
	  KC_OK, 1, "358812746", 3087500, 187, "16135550199", "", NULL },
	{ "reseller sample, 3 decimals",
	  "{\"status\":\"success\",\"cdr\":[{\"date\":\"2025-03-02 09:15:40\","
	  "\"callerid\":\"\\\"B SMITH\\\" <9055550177>\",\"destination\":\"18005550100\","
	  "\"description\":\"Toll Free - Canada\",\"account\":\"271828_smithco\","
	  "\"disposition\":\"ANSWERED\",\"duration\":\"00:00:42\",\"seconds\":\"42\","
	  "\"total\":\"0.021\",\"uniqueid\":\"358790011\",\"destination_type\":\"OUT:CAN\","
	  "\"call_logs\":\"\"}]}",
	  KC_OK, 1, "358790011", 2100000, 42, "18005550100", "\"B SMITH\" <9055550177>", NULL },
	{ "bare object is one row", "{\"status\":\"success\",\"cdr\":" ROW_A "}",
	  KC_OK, 1, "7", 2100000, 0, "", "", NULL },
	{ "no_cdr", "{\"status\":\"no_cdr\"}", KC_OK, 0, NULL, 0, 0, NULL, NULL, NULL },
	{ "no_cdr with message and rows ignored",
	  "{\"status\":\"no_cdr\",\"message\":\"none\",\"cdr\":[" ROW_A "]}",
	  KC_OK, 0, NULL, 0, 0, NULL, NULL, NULL },
	{ "success without cdr", "{\"status\":\"success\"}", KC_OK, 0, NULL, 0, 0, NULL, NULL, NULL },
	{ "cdr null", "{\"cdr\":null,\"status\":\"success\"}", KC_OK, 0, NULL, 0, 0, NULL, NULL, NULL },
	{ "cdr empty list", "{\"status\":\"success\",\"cdr\":[]}", KC_OK, 0, NULL, 0, 0, NULL, NULL, NULL },
	{ "status after cdr", "{\"cdr\":[" ROW_A "," ROW_A "],\"status\":\"success\"}",
	  KC_OK, 2, "7", 2100000, 0, "", "", NULL },
	{ "missing optional keys", "{\"status\":\"success\",\"cdr\":[" ROW_A "]}",
	  KC_OK, 1, "7", 2100000, 0, "", "", NULL },
	{ "null optional keys",
	  "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"7\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"1\",\"seconds\":null,\"destination\":null,\"callerid\":null}]}",
	  KC_OK, 1, "7", 100000000, 0, "", "", NULL },
	{ "unknown keys of any shape",
	  "{\"status\":\"success\",\"extra\":{\"a\":[1,2.5e3,{\"b\":null}],\"c\":true},"
	  "\"cdr\":[{\"call_logs\":{\"x\":[[],{}]},\"ip\":false,\"uniqueid\":\"7\","
	  "\"useragent\":-0.5E-3,\"date\":\"2025-03-02 09:15:40\",\"total\":\"0.021\","
	  "\"new_field\":[\"\\u00e9\"]}]}",
	  KC_OK, 1, "7", 2100000, 0, "", "", NULL },
	{ "white space everywhere",
	  " \r\n\t{ \"status\" : \"success\" , \"cdr\" : [ { \"uniqueid\" : 42 , "
	  "\"date\" : \"2025-03-02 09:15:40\" , \"total\" : 1.5 , \"seconds\" : \"60\" } ] } \n",
	  KC_OK, 1, "42", 150000000, 60, "", "", NULL },
	{ "escaped key names",
	  "{\"st\\u0061tus\":\"succes\\u0073\",\"\\u0063dr\":[{\"\\u0074otal\":\"2\",\"uniqueid\":\"7\","
	  "\"date\":\"2025-03-02 09:15:40\"}]}",
	  KC_OK, 1, "7", 200000000, 0, "", "", NULL },
	{ "escaped field key",
	  "{\"status\":\"success\",\"cdr\":[{\"\\u0074otal\":\"2\",\"uniqueid\":\"7\","
	  "\"date\":\"2025-03-02 09:15:40\"}]}",
	  KC_OK, 1, "7", 200000000, 0, "", "", NULL },
	{ "text fields from numbers and booleans",
	  "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"7\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"0\",\"destination\":5145550000,\"callerid\":true}]}",
	  KC_OK, 1, "7", 0, 0, "5145550000", "true", NULL },
	{ "control characters replaced",
	  "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"7\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"0\",\"callerid\":\"A\\u001b[2JB\\nC\\u009bD\x7f" "E\xc2\x9b" "F\"}]}",
	  KC_OK, 1, "7", 0, 0, "", "A?[2JB C?D?E?F", NULL },
	{ "non-ASCII text kept",
	  "{\"status\":\"success\",\"cdr\":[{\"uniqueid\":\"7\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"0\",\"callerid\":\"Fr\xc3\xa9" "d\\u00e9ric \\ud83d\\ude00 \\/\"}]}",
	  KC_OK, 1, "7", 0, 0, "", "Fr\xc3\xa9" "d\xc3\xa9ric \xf0\x9f\x98\x80 /", NULL },

	/* errors */
	{ "error status", "{\"status\":\"invalid_credentials\"}", KC_ERR_NET, 0, NULL, 0, 0,
	  NULL, NULL, "invalid_credentials" },
	{ "error status wins over bad rows",
	  "{\"cdr\":[{\"total\":\"x\"}],\"status\":\"ip_not_enabled\"}", KC_ERR_NET, 0, NULL, 0,
	  0, NULL, NULL, "ip_not_enabled" },
	{ "odd status is not echoed", "{\"status\":\"<b>bad</b>\"}", KC_ERR_NET, 0, NULL, 0, 0,
	  NULL, NULL, "\"?\"" },
	{ "no status", "{\"cdr\":[]}", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "no status" },
	{ "status not a string", "{\"status\":1}", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL,
	  "no status" },
	{ "empty body", "", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "cut off" },
	{ "top level list", "[{\"status\":\"success\"}]", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL,
	  "not valid JSON" },
	{ "trailing garbage", "{\"status\":\"success\"} x", KC_ERR_INVALID, 0, NULL, 0, 0, NULL,
	  NULL, "not valid JSON" },
	{ "two objects", "{\"status\":\"success\"}{}", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL,
	  "not valid JSON" },
	{ "cdr a string", "{\"status\":\"success\",\"cdr\":\"none\"}", KC_ERR_INVALID, 0, NULL, 0,
	  0, NULL, NULL, "not a list" },
	{ "cdr list of numbers", "{\"status\":\"success\",\"cdr\":[1]}", KC_ERR_INVALID, 0, NULL,
	  0, 0, NULL, NULL, "not a list" },
	{ "two cdr keys", "{\"status\":\"success\",\"cdr\":[],\"cdr\":[]}", KC_ERR_INVALID, 0,
	  NULL, 0, 0, NULL, NULL, "twice" },
	{ "two statuses", "{\"status\":\"success\",\"status\":\"success\"}", KC_ERR_INVALID, 0,
	  NULL, 0, 0, NULL, NULL, "twice" },
	{ "missing uniqueid",
	  "{\"status\":\"success\",\"cdr\":[" ROW_A ",{\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"1\"}]}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "Call number 2 in the answer from voip.ms has no \"uniqueid\"" },
	{ "missing date", "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "no \"date\"" },
	{ "missing total",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "no \"total\"" },
	{ "empty uniqueid",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"\",\"date\":\"2025-03-02 09:15:40\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"uniqueid\"" },
	{ "uniqueid with a space",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1 2\",\"date\":\"2025-03-02 09:15:40\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"uniqueid\"" },
	{ "uniqueid a real number",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":3.5,\"date\":\"2025-03-02 09:15:40\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"uniqueid\"" },
	{ "uniqueid an object",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":{},\"date\":\"2025-03-02 09:15:40\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"uniqueid\"" },
	{ "impossible date",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-02-29 10:00:00\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"date\"" },
	{ "placeholder date",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"0000-00-00 00:00:00\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"date\"" },
	{ "date without time",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02\",\"total\":\"1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"date\"" },
	{ "fractional seconds",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"1\",\"seconds\":\"12.5\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"seconds\"" },
	{ "negative seconds",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\","
	  "\"total\":\"1\",\"seconds\":-3}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"seconds\"" },
	{ "bad money text",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\",\"total\":\"0.0.1\"}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"total\"" },
	{ "money with 9 decimals",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\",\"total\":0.000000001}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"total\"" },
	{ "money boolean",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\",\"total\":true}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"total\"" },
	{ "money list",
	  "{\"status\":\"success\",\"cdr\":{\"uniqueid\":\"1\",\"date\":\"2025-03-02 09:15:40\",\"total\":[1]}}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "invalid \"total\"" },
	{ "lone surrogate", "{\"status\":\"success\",\"x\":\"\\ud800\"}", KC_ERR_INVALID, 0, NULL,
	  0, 0, NULL, NULL, "not valid JSON" },
	{ "escaped NUL", "{\"status\":\"success\",\"x\":\"a\\u0000\"}", KC_ERR_INVALID, 0, NULL,
	  0, 0, NULL, NULL, "not valid JSON" },
	{ "bad escape", "{\"status\":\"success\",\"x\":\"\\q\"}", KC_ERR_INVALID, 0, NULL, 0, 0,
	  NULL, NULL, "not valid JSON" },
	{ "raw control character", "{\"status\":\"success\",\"x\":\"a\tb\"}", KC_ERR_INVALID, 0,
	  NULL, 0, 0, NULL, NULL, "not valid JSON" },
	{ "invalid UTF-8", "{\"status\":\"success\",\"x\":\"\xc3\x28\"}", KC_ERR_INVALID, 0, NULL,
	  0, 0, NULL, NULL, "not valid JSON" },
	{ "overlong UTF-8", "{\"status\":\"success\",\"x\":\"\xc0\xaf\"}", KC_ERR_INVALID, 0, NULL,
	  0, 0, NULL, NULL, "not valid JSON" },
	{ "UTF-16 surrogate in UTF-8", "{\"status\":\"success\",\"x\":\"\xed\xa0\x80\"}",
	  KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL, "not valid JSON" },
	{ "leading zero number", "{\"status\":\"success\",\"x\":012}", KC_ERR_INVALID, 0, NULL, 0,
	  0, NULL, NULL, "not valid JSON" },
	{ "trailing comma", "{\"status\":\"success\",}", KC_ERR_INVALID, 0, NULL, 0, 0, NULL,
	  NULL, "not valid JSON" },
	{ "single quotes", "{'status':'success'}", KC_ERR_INVALID, 0, NULL, 0, 0, NULL, NULL,
	  "not valid JSON" },
	{ "cut after a literal", "{\"status\":\"success\",\"x\":tru", KC_ERR_INVALID, 0, NULL, 0,
	  0, NULL, NULL, "cut off" },
	{ "HTML page", "<html><body>503 Backend fetch failed</body></html>", KC_ERR_INVALID, 0,
	  NULL, 0, 0, NULL, NULL, "not valid JSON" },
};

static void test_answers_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		const struct answer_case *c = &answers[i];
		struct seen s;
		kc_error err = KC_ERROR_INIT;
		kc_status rc = parse(c->json, &s, &err);
		if (rc != c->rc || s.rows != c->rows)
			fail_msg("case \"%s\": rc %d rows %zu (%s)", c->name, rc, s.rows, kc_error_text(&err));
		if (c->rows > 0) {
			assert_string_equal(s.uniqueid, c->uniqueid);
			assert_int_equal(s.total, c->total);
			assert_int_equal(s.seconds, c->seconds);
			assert_string_equal(s.destination, c->destination);
			assert_string_equal(s.callerid, c->callerid);
		}
		if (c->rc == KC_OK) {
			assert_int_equal(err.code, KC_OK);
			assert_null(err.message);
		} else {
			assert_int_equal(err.code, c->rc);
			if (!err.message || !strstr(err.message, c->message))
				fail_msg("case \"%s\": message \"%s\" lacks \"%s\"", c->name,
					kc_error_text(&err), c->message);
		}
		kc_error_clear(&err);
	}
}

/* ---- focused tests ------------------------------------------------------ */

static void test_spec_example_strings(void **state)
{
	(void)state;
	struct seen s;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(parse(SPEC_EXAMPLE, &s, &err), KC_OK);
	assert_int_equal(s.rows, 2);
	assert_int_equal(s.index, 2);
	assert_string_equal(s.uniqueid, "358812746");
	assert_string_equal(s.date, "2025-03-04 14:02:11");
	assert_int_equal(s.when.year, 2025);
	assert_int_equal(s.when.month, 3);
	assert_int_equal(s.when.day, 4);
	assert_int_equal(s.when.hour, 14);
	assert_int_equal(s.when.minute, 2);
	assert_int_equal(s.when.second, 11);
	assert_int_equal(s.seconds, 187);
	assert_int_equal(s.total, 3087500);
	assert_string_equal(s.destination, "16135550199");
	assert_string_equal(s.callerid, "\"ACME FRONT DESK\" <4165550101>");
	assert_string_equal(s.description, "Canada - 613 Ottawa");
	assert_string_equal(s.disposition, "ANSWERED");
	assert_string_equal(s.account, "271828_frontdesk");
	assert_string_equal(s.destination_type, "OUT:CAN");
	assert_int_equal(s.sum_units8, 3087500);
}

static void test_answer_info(void **state)
{
	(void)state;
	struct cdr_answer info;
	struct seen s;
	memset(&s, 0, sizeof s);
	assert_int_equal(cdr_parse_answer_ex(SPEC_EXAMPLE, strlen(SPEC_EXAMPLE), collect, &s, &info, NULL),
		KC_OK);
	assert_string_equal(info.status, "success");
	assert_int_equal(info.rows, 2);

	const char *limit = "{\"status\":\"api_limit_exceeded\",\"message\":\"x\"}";
	assert_int_equal(cdr_parse_answer_ex(limit, strlen(limit), collect, &s, &info, NULL), KC_ERR_NET);
	assert_string_equal(info.status, "api_limit_exceeded");
	assert_int_equal(info.rows, 0);

	/* A NULL callback only checks. */
	assert_int_equal(cdr_parse_answer_ex(SPEC_EXAMPLE, strlen(SPEC_EXAMPLE), NULL, NULL, &info, NULL),
		KC_OK);
	assert_int_equal(info.rows, 0);
}

/* Every proper prefix of a good answer is refused and delivers nothing. */
static void test_truncated_answers_deliver_nothing(void **state)
{
	(void)state;
	size_t n = strlen(SPEC_EXAMPLE);
	/* The answer ends with "}\n": the prefix without the final newline is
	 * still complete. */
	for (size_t len = 0; len < n - 1; len++) {
		struct seen s;
		memset(&s, 0, sizeof s);
		kc_error err = KC_ERROR_INIT;
		kc_status rc = cdr_parse_answer(SPEC_EXAMPLE, len, collect, &s, &err);
		if (rc != KC_ERR_INVALID || s.rows != 0)
			fail_msg("prefix of %zu bytes: rc %d, %zu rows", len, rc, s.rows);
		assert_non_null(strstr(kc_error_text(&err), "cut off"));
		kc_error_clear(&err);
	}
}

/* A bad row late in the answer: no row at all reaches the importer. */
static void test_bad_last_row_delivers_nothing(void **state)
{
	(void)state;
	const char *json = "{\"status\":\"success\",\"cdr\":[" ROW_A "," ROW_A ","
			   "{\"uniqueid\":\"9\",\"date\":\"2025-03-02 09:15:40\",\"total\":\"1,5\"}]}";
	struct seen s;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(parse(json, &s, &err), KC_ERR_INVALID);
	assert_int_equal(s.rows, 0);
	assert_non_null(strstr(err.message, "Call number 3"));
	assert_non_null(strstr(err.message, "\"total\""));
	kc_error_clear(&err);
}

static void test_callback_stop(void **state)
{
	(void)state;
	const char *json = "{\"status\":\"success\",\"cdr\":[" ROW_A "," ROW_A "," ROW_A "]}";
	struct seen s;
	kc_error err = KC_ERROR_INIT;
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	assert_int_equal(cdr_parse_answer(json, strlen(json), collect, &s, &err), KC_ERR_INTERNAL);
	assert_int_equal(s.rows, 2);
	assert_non_null(err.message);
	kc_error_clear(&err);

	/* The callback's own error is kept. */
	memset(&s, 0, sizeof s);
	s.stop_after = 1;
	s.set_err = &err;
	assert_int_equal(cdr_parse_answer(json, strlen(json), collect, &s, &err), KC_ERR_DB);
	assert_string_equal(err.message, "database full");
	assert_int_equal(s.rows, 1);
	kc_error_clear(&err);
}

static void test_deep_nesting_refused(void **state)
{
	(void)state;
	size_t depth = 100000;
	char *json = malloc(depth * 2 + 64);
	assert_non_null(json);
	size_t n = (size_t)snprintf(json, 64, "{\"status\":\"success\",\"x\":");
	memset(json + n, '[', depth);
	memset(json + n + depth, ']', depth);
	memcpy(json + n + 2 * depth, "}", 2);
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(cdr_parse_answer(json, strlen(json), NULL, NULL, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "nested"));
	kc_error_clear(&err);
	/* 60 levels are fine. */
	n = (size_t)snprintf(json, 64, "{\"status\":\"success\",\"x\":");
	memset(json + n, '[', 60);
	memset(json + n + 60, ']', 60);
	memcpy(json + n + 120, "}", 2);
	assert_int_equal(cdr_parse_answer(json, strlen(json), NULL, NULL, &err), KC_OK);
	free(json);
}

/* ---- money -------------------------------------------------------------- */

struct money_case {
	const char *text;
	kc_status rc;
	int64_t units8;
};

static const struct money_case money[] = {
	{ "0", KC_OK, 0 },
	{ "-0", KC_OK, 0 },
	{ "0.00000000", KC_OK, 0 },
	{ "0.00000001", KC_OK, 1 },
	{ "0.015", KC_OK, 1500000 },
	{ "0.03087500", KC_OK, 3087500 },
	{ "12345678.12345678", KC_OK, INT64_C(1234567812345678) },
	{ "-0.99", KC_OK, -99000000 },
	{ "+2.00", KC_OK, 200000000 },
	{ "112.192790", KC_OK, INT64_C(11219279000) },
	{ "0.000000010", KC_OK, 1 },       /* a 9th decimal that is zero */
	{ "0.1000000000000000000", KC_OK, 10000000 },
	{ "1.0e-5", KC_OK, 1000 },         /* PHP's json_encode of 0.00001 */
	{ "1E2", KC_OK, INT64_C(10000000000) },
	{ "25e-9", KC_ERR_INVALID, 0 },
	{ "2.5E-8", KC_ERR_INVALID, 0 },
	{ "250e-10", KC_ERR_INVALID, 0 }, /* 2.5 units */
	{ "100e-10", KC_OK, 1 },
	{ "0e999999", KC_ERR_INVALID, 0 },
	{ "0e99999", KC_OK, 0 },
	{ "007.50", KC_OK, 750000000 },
	{ ".5", KC_OK, 50000000 },
	{ "5.", KC_OK, 500000000 },
	{ "92233720368.54775807", KC_OK, INT64_MAX },
	{ "-92233720368.54775807", KC_OK, -INT64_MAX },
	{ "92233720368.54775808", KC_ERR_INVALID, 0 },
	{ "100000000000", KC_ERR_INVALID, 0 },
	{ "0.000000001", KC_ERR_INVALID, 0 },
	{ "0.123456789", KC_ERR_INVALID, 0 },
	{ "", KC_ERR_INVALID, 0 },
	{ "-", KC_ERR_INVALID, 0 },
	{ ".", KC_ERR_INVALID, 0 },
	{ "1e", KC_ERR_INVALID, 0 },
	{ "1e+", KC_ERR_INVALID, 0 },
	{ "1,5", KC_ERR_INVALID, 0 },
	{ "0.0.1", KC_ERR_INVALID, 0 },
	{ " 1", KC_ERR_INVALID, 0 },
	{ "1 ", KC_ERR_INVALID, 0 },
	{ "$1", KC_ERR_INVALID, 0 },
	{ "0x10", KC_ERR_INVALID, 0 },
	{ "NaN", KC_ERR_INVALID, 0 },
	{ "--1", KC_ERR_INVALID, 0 },
};

static void test_BIL3_money_parsed_exactly(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
		const struct money_case *c = &money[i];
		int64_t v = 777;
		kc_error err = KC_ERROR_INIT;
		kc_status rc = cdr_money_parse(c->text, strlen(c->text), &v, &err);
		if (rc != c->rc || (rc == KC_OK && v != c->units8))
			fail_msg("\"%s\": rc %d value %lld", c->text, rc, (long long)v);
		if (rc != KC_OK) {
			assert_int_equal(v, 777); /* untouched */
			assert_non_null(err.message);
		}
		kc_error_clear(&err);
	}
	kc_error err = KC_ERROR_INIT;
	int64_t v;
	assert_int_equal(cdr_money_parse(NULL, 0, &v, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	/* The message names short printable text only. */
	assert_int_equal(cdr_money_parse("1,5", 3, &v, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "\"1,5\""));
	kc_error_clear(&err);
	assert_int_equal(cdr_money_parse("1\x1b", 2, &v, &err), KC_ERR_INVALID);
	assert_null(strchr(err.message, '\x1b'));
	kc_error_clear(&err);
}

/* 0.1 ten times is exactly 1.00000000: what summing doubles gets wrong. */
static void test_BIL3_usage_sums_exact(void **state)
{
	(void)state;
	static const char *values[] = { "0.1", "0.00000001", "0.015", "0.03087500" };
	static const int64_t units[] = { 10000000, 1, 1500000, 3087500 };
	for (size_t v = 0; v < 4; v++) {
		size_t rows = 1000;
		size_t cap = rows * 100 + 64;
		char *json = malloc(cap);
		assert_non_null(json);
		size_t n = (size_t)snprintf(json, cap, "{\"status\":\"success\",\"cdr\":[");
		for (size_t i = 0; i < rows; i++)
			n += (size_t)snprintf(json + n, cap - n,
				"%s{\"uniqueid\":%zu,\"date\":\"2025-03-02 09:15:40\",\"total\":%s%s%s}",
				i ? "," : "", i + 1, v % 2 ? "\"" : "", values[v], v % 2 ? "\"" : "");
		n += (size_t)snprintf(json + n, cap - n, "]}");
		struct seen s;
		memset(&s, 0, sizeof s);
		assert_int_equal(cdr_parse_answer(json, n, collect, &s, NULL), KC_OK);
		assert_int_equal(s.rows, rows);
		assert_int_equal(s.sum_units8, units[v] * (int64_t)rows);
		free(json);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example_strings),
		cmocka_unit_test(test_answers_table),
		cmocka_unit_test(test_answer_info),
		cmocka_unit_test(test_truncated_answers_deliver_nothing),
		cmocka_unit_test(test_bad_last_row_delivers_nothing),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_deep_nesting_refused),
		cmocka_unit_test(test_BIL3_money_parsed_exactly),
		cmocka_unit_test(test_BIL3_usage_sums_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
