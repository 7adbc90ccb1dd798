/*
 * cdr.h: parse a voip.ms getCDR / getResellerCDR answer into call rows.
 *
 * Contract
 *  - Pure parsing, no network: the transport (voipms.c) hands the raw answer
 *    body here, and so can a fuzzer or a test.  No heap allocation per row:
 *    strings are decoded into one scratch buffer reused for every row.
 *  - The callback is called once per call, in answer order, and ONLY after the
 *    whole answer has been checked: a truncated, malformed or refused answer
 *    never delivers a single row (the body is scanned twice; scanning is
 *    cheap next to the database insert the importer does per row).
 *  - Row pointers (and every string in struct cdr_row) belong to the parser
 *    and are valid only during that callback; copy what you keep.  Text
 *    fields are never NULL: a missing, null key gives "".  Text is valid UTF-8
 *    with control characters (C0, DEL, C1) replaced ('\t', '\n', '\r' by a
 *    space, others by '?') so that a remote answer can never drive a
 *    terminal.  A text field that arrives as a JSON number or boolean keeps
 *    its literal text ("destination":16135550199 gives "16135550199").
 *  - Tolerance (spec voipms-api.md, "Types"): "status" "success" or "no_cdr"
 *    (no_cdr = zero rows, success); "cdr" a list, a bare object (one row),
 *    null or absent (zero rows); every scalar a string or a number; unknown
 *    keys ignored whatever their value; optional keys may be missing.
 *    Required per row: uniqueid (string, or integer number kept as text; 1..64
 *    printable ASCII characters, no space, checked on the decoded text
 *    BEFORE controls are replaced: a uniqueid holding a control character,
 *    escaped or raw, is invalid, never turned into '?' where it could
 *    collide with another call's id), date ("YYYY-MM-DD HH:MM:SS", an
 *    existing time) and total.  seconds is optional (0 when missing), but
 *    must be a whole non-negative number when present.
 *  - Money is exact.  DESIGN: jansson stores a JSON real as a double and
 *    offers no way back to its literal, and no floating point is allowed in
 *    src/, so this module does not use jansson: it has its own small,
 *    strict RFC 8259 scanner (UTF-8 and surrogates checked, nesting limited
 *    to 64) tailored to the flat answer shape, fuzzed by tests/fuzz/
 *    fuzz_cdr.c.  A money value, string or number alike, is read from its
 *    decimal text ("0.03087500", "0.015", "-1", "1.0e-5") into integer units
 *    of 10^-8 of the currency.  A value with a non-zero digit beyond the 8th
 *    decimal, or beyond the int64 range, is refused, never rounded.
 *  - Dates are wall-clock times in the voip.ms zone as sent; the raw text and
 *    the parsed fields are both given.  Converting to UTC is the importer's
 *    job (date module), because it needs the zone setting.
 *  - Errors (err may be NULL; messages are translated, never contain more of
 *    the answer than a field name and a call number):
 *      KC_ERR_INVALID  not a well-formed answer (bad or cut-off JSON, no
 *                      status, "cdr" not a list of objects, a row missing a
 *                      required key or with an invalid value);
 *      KC_ERR_NET      a well-formed answer whose status is an error (see
 *                      cdr_answer.status; the caller names the cause);
 *      KC_ERR_NOMEM    out of memory;
 *      any other code  the callback returned non-zero and stopped the parse:
 *                      the callback's own status is kept if it already set
 *                      err (pass the same kc_error in ctx), else err gets
 *                      KC_ERR_INTERNAL and a generic message.
 */
#ifndef KC_CDR_H
#define KC_CDR_H

#include <stddef.h>
#include <stdint.h>

#include "kc.h"

/* Money scale of the rows: 1 CAD = CDR_UNITS8_PER_UNIT units. */
#define CDR_UNITS8_PER_UNIT INT64_C(100000000)
#define CDR_UNIQUEID_MAX 64

/* A wall-clock time as voip.ms wrote it (no zone). */
struct cdr_wall_time {
	int year, month, day;     /* 1..9999, 1..12, 1..31 (an existing day) */
	int hour, minute, second; /* 0..23, 0..59, 0..59 */
};

struct cdr_row {
	const char *uniqueid;         /* never empty */
	const char *date;             /* "YYYY-MM-DD HH:MM:SS" as received */
	struct cdr_wall_time when;    /* the same, parsed */
	int64_t seconds;              /* billed duration, >= 0 */
	int64_t total_units8;         /* charge in 10^-8 units (may be < 0) */
	const char *destination;
	const char *callerid;
	const char *description;
	const char *disposition;
	const char *account;          /* sub account or main account number */
	const char *destination_type; /* e.g. "OUT:CAN", or "" */
	size_t index;                 /* 1-based position in the answer */
};

/* Return 0 to go on, non-zero to stop the parse. */
typedef int (*cdr_row_fn)(const struct cdr_row *row, void *ctx);

/* What the answer said besides its rows. */
struct cdr_answer {
	/* The status as sent when it is 1..63 characters of [A-Za-z0-9_.-],
	 * "?" when it is something else, "" when there is none. */
	char status[64];
	size_t rows; /* rows delivered to the callback */
};

/*
 * Parses body[0..len) (no NUL needed).  fn may be NULL to only check the
 * answer.  KC_OK for status success or no_cdr.  See the contract for errors.
 */
kc_status cdr_parse_answer(const char *body, size_t len, cdr_row_fn fn, void *ctx,
	kc_error *err);

/* The same, also filling *info (may be NULL), in particular on KC_ERR_NET. */
kc_status cdr_parse_answer_ex(const char *body, size_t len, cdr_row_fn fn, void *ctx,
	struct cdr_answer *info, kc_error *err);

/*
 * Reads the decimal text[0..len) exactly into 10^-8 units: optional sign,
 * digits with an optional point, optional exponent ("1.5e-3").  KC_OK, or
 * KC_ERR_INVALID (with a message naming the text when it is short and
 * printable) for anything else, for a non-zero 9th decimal or an overflow;
 * *units8 is untouched then.  Also suits other voip.ms money fields (balances).
 */
kc_status cdr_money_parse(const char *text, size_t len, int64_t *units8, kc_error *err);

#endif
