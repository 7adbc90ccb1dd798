/*
 * output.h: the command line's tiny table writer, shared by every command.
 *
 * Contract
 *  - Three formats: text (aligned columns for people, translated titles,
 *    amounts in the user's style), CSV (a header row of stable keys, RFC 4180
 *    quoting: a field holding a comma, a double quote, CR or LF is quoted and
 *    its quotes doubled; lines end with LF) and JSON (an array of objects
 *    keyed like the CSV header, amounts as exact decimal strings such as
 *    "114.98", written with jansson).
 *  - Tables stream: each row is written when it ends, so a list never holds
 *    more than one row in memory.  Text columns therefore have fixed widths
 *    (display columns, UTF-8 aware); longer text is cut with an ellipsis.
 *  - A table writes to the FILE given; the caller owns the FILE and the
 *    column array (which must outlive the table).  Strings passed to cells
 *    are copied or written at once.
 *  - Write errors are sticky: output_table_end() returns false when any
 *    write failed (the caller reports it and exits 1).
 */
#ifndef KC_OUTPUT_H
#define KC_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

enum output_format { OUTPUT_TEXT, OUTPUT_CSV, OUTPUT_JSON };

/* "text" | "csv" | "json". */
bool output_format_parse(const char *s, enum output_format *out);

enum output_kind {
	OUTPUT_STR,   /* text; NULL is "" in text and CSV, null in JSON */
	OUTPUT_INT,
	OUTPUT_MONEY, /* cents: "114.98" in CSV and JSON, locale style in text */
	OUTPUT_BOOL   /* true/false in CSV and JSON, translated yes/no in text */
};

struct output_column {
	const char *key;   /* CSV header and JSON key: stable, never translated */
	const char *title; /* text header, already translated */
	enum output_kind kind;
	int width;         /* text display columns; 0 for the last, unpadded */
};

typedef struct output_table output_table;

/* NULL when memory runs out.  Text and CSV write their header now. */
output_table *output_table_begin(FILE *fp, enum output_format fmt,
	const struct output_column *cols, size_t n_cols);
/* One cell, in column order.  The row is written after the last column. */
void output_cell_str(output_table *t, const char *s);
void output_cell_int(output_table *t, int64_t v);
void output_cell_money(output_table *t, int64_t cents);
void output_cell_bool(output_table *t, bool v);
/* Closes the table (JSON: the closing bracket), frees it and sets *t to
 * NULL.  False when a write or an allocation failed at any point. */
bool output_table_end(output_table **t);

/* --- helpers for single records (show) ------------------------------- */

/* Display columns of a UTF-8 string (wide characters count 2). */
int output_width(const char *s);
/* Writes s padded (or cut with "…") to width display columns. */
void output_pad(FILE *fp, const char *s, int width, bool right);
/* "Label:   value" with the label padded to label_width columns. */
void output_pair(FILE *fp, const char *label, int label_width, const char *value);
/* A CSV field with RFC 4180 quoting. */
void output_csv_field(FILE *fp, const char *s);
/* A JSON string value, invalid UTF-8 replaced by U+FFFD; NULL -> null. */
json_t *output_json_string(const char *s);
/* An amount as an exact decimal string "114.98". */
json_t *output_json_money(int64_t cents);
/* Dumps v indented (objects keep their insertion order) and a newline. */
bool output_json_print(FILE *fp, json_t *v);
/* The language whose money style text output uses ("fr_CA.UTF-8", "en",
 * NULL = English); the string is copied.  Set once by main. */
void output_set_language(const char *tag);
/* Amount in the user's style ("$1,234.56" or "1 234,56 $"); caller frees. */
char *output_money_text(int64_t cents);
/* Translated "yes" / "no". */
const char *output_yes_no(bool v);

#endif
