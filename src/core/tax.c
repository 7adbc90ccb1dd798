/* tax.c: Canadian sales taxes from a dated rates table (see tax.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "tax.h"

#define TAX_HEADER "province,tax,rate_thousandths_pct,effective_from"
#define TAX_RATE_MAX 100000 /* 100 % */

struct tax_rate {
	char province[3]; /* "QC" */
	char code[8];     /* "QST" */
	int32_t rate;     /* thousandths of a percent */
	char from[11];    /* "YYYY-MM-DD": ISO dates compare as strings */
};

struct tax_table {
	struct tax_rate *rows;
	size_t n, cap;
};

/* ---- small validators (fields are [p, p + len), not NUL-terminated) ---- */

static bool all_digits(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return len > 0;
}

static int two_digits(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static bool valid_date(const char *p, size_t len)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (len != 10 || p[4] != '-' || p[7] != '-' || !all_digits(p, 4) ||
	    !all_digits(p + 5, 2) || !all_digits(p + 8, 2))
		return false;
	int year = two_digits(p) * 100 + two_digits(p + 2);
	int month = two_digits(p + 5), day = two_digits(p + 8);
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
		return false;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return !(month == 2 && day == 29 && !leap);
}

static bool all_upper(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return false;
	return len > 0;
}

/* "qc" or "QC" into out[3]; false if not two ASCII letters. */
static bool province_code(const char *s, char out[3])
{
	for (int i = 0; i < 2; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return false;
		out[i] = c;
	}
	out[2] = '\0';
	return s[2] == '\0';
}

/* ---- loading ---- */

/* Splits [p, end) at commas into exactly 4 fields. */
static bool split4(const char *p, const char *end, const char *f[4], size_t len[4])
{
	for (int i = 0; i < 4; i++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		if ((comma != NULL) != (i < 3))
			return false;
		const char *stop = comma ? comma : end;
		f[i] = p;
		len[i] = (size_t)(stop - p);
		p = stop + 1;
	}
	return true;
}

static bool parse_row(const char *line, const char *end, struct tax_rate *row)
{
	const char *f[4];
	size_t len[4];
	if (!split4(line, end, f, len) || len[0] != 2 || !all_upper(f[0], 2) ||
	    len[1] >= sizeof row->code || !all_upper(f[1], len[1]) || len[2] > 6 ||
	    !all_digits(f[2], len[2]) || !valid_date(f[3], len[3]))
		return false;
	int32_t rate = 0;
	for (size_t i = 0; i < len[2]; i++)
		rate = rate * 10 + (f[2][i] - '0');
	if (rate > TAX_RATE_MAX)
		return false;
	memset(row, 0, sizeof *row);
	memcpy(row->province, f[0], 2);
	memcpy(row->code, f[1], len[1]);
	memcpy(row->from, f[3], 10);
	row->rate = rate;
	return true;
}

static const struct tax_rate *find_exact(const tax_table *t, const struct tax_rate *row)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].province, row->province) == 0 &&
		    strcmp(t->rows[i].code, row->code) == 0 && strcmp(t->rows[i].from, row->from) == 0)
			return &t->rows[i];
	return NULL;
}

static bool table_push(tax_table *t, const struct tax_rate *row)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct tax_rate *rows = realloc(t->rows, cap * sizeof *rows);
		if (!rows)
			return false;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *row;
	return true;
}

/* Adds the data line [line, end) numbered lineno. */
static kc_status table_add_line(tax_table *t, const char *line, const char *end, unsigned lineno,
				kc_error *err)
{
	struct tax_rate row;
	if (!parse_row(line, end, &row))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Tax rates, line %u: invalid row \"%.*s\" (expected %s)."),
				    lineno, (int)(end - line), line, TAX_HEADER);
	if (find_exact(t, &row))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Tax rates, line %u: %s %s already has a rate from %s."),
				    lineno, row.province, row.code, row.from);
	if (!table_push(t, &row))
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	return KC_OK;
}

static kc_status table_parse(tax_table *t, const char *text, kc_error *err)
{
	if (strncmp(text, "\xef\xbb\xbf", 3) == 0) /* a spreadsheet's BOM */
		text += 3;
	unsigned lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *next = nl ? nl + 1 : end;
		if (end > p && end[-1] == '\r')
			end--;
		lineno++;
		if (lineno == 1) {
			if ((size_t)(end - p) != strlen(TAX_HEADER) ||
			    strncmp(p, TAX_HEADER, strlen(TAX_HEADER)) != 0)
				return kc_error_set(err, KC_ERR_INVALID,
						    _("Tax rates: the first line must be \"%s\"."),
						    TAX_HEADER);
		} else if (end > p) {
			kc_status st = table_add_line(t, p, end, lineno, err);
			if (st != KC_OK)
				return st;
		}
		p = next;
	}
	if (t->n == 0)
		return kc_error_set(err, KC_ERR_INVALID, _("Tax rates: the table has no rates."));
	return KC_OK;
}

kc_status tax_table_load_text(const char *text, tax_table **out, kc_error *err)
{
	if (!out)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: %s without a result."),
				    "tax_table_load_text");
	*out = NULL;
	if (!text)
		return kc_error_set(err, KC_ERR_INVALID, _("Tax rates: the table has no rates."));
	tax_table *t = calloc(1, sizeof *t);
	if (!t)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	kc_status st = table_parse(t, text, err);
	if (st != KC_OK) {
		tax_table_free(&t);
		return st;
	}
	*out = t;
	return KC_OK;
}

kc_status tax_table_load_embedded(tax_table **out, kc_error *err)
{
	const struct kc_embedded_file *f = kc_embedded_find("tax-rates.csv");
	if (!f) {
		if (out)
			*out = NULL;
		return kc_error_set(err, KC_ERR_INTERNAL,
				    _("The tax rates table is missing from the program."));
	}
	return tax_table_load_text(f->data, out, err);
}

void tax_table_free(tax_table **table)
{
	if (!table || !*table)
		return;
	free((*table)->rows);
	free(*table);
	*table = NULL;
}

/* ---- computing ---- */

bool tax_province_known(const tax_table *table, const char *province)
{
	char prov[3];
	if (!table || !province || !province_code(province, prov))
		return false;
	for (size_t i = 0; i < table->n; i++)
		if (strcmp(table->rows[i].province, prov) == 0)
			return true;
	return false;
}

/* True if row i is the first one naming its province and tax. */
static bool first_of_its_tax(const tax_table *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(t->rows[j].province, t->rows[i].province) == 0 &&
		    strcmp(t->rows[j].code, t->rows[i].code) == 0)
			return false;
	return true;
}

/* The latest row of this province and tax effective on date, or NULL. */
static const struct tax_rate *rate_on(const tax_table *t, const struct tax_rate *tax,
				      const char *date)
{
	const struct tax_rate *best = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct tax_rate *r = &t->rows[i];
		if (strcmp(r->province, tax->province) == 0 && strcmp(r->code, tax->code) == 0 &&
		    strcmp(r->from, date) <= 0 && (!best || strcmp(r->from, best->from) > 0))
			best = r;
	}
	return best;
}

/* Appends the line of one tax to lines[*count]. */
static kc_status add_tax_line(const struct tax_rate *rate, kc_cents subtotal,
			      struct tax_line lines[], size_t max, size_t *count, kc_error *err)
{
	if (rate->rate == 0)
		return KC_OK; /* not charged from that date */
	if (*count >= max)
		return kc_error_set(err, KC_ERR_INTERNAL,
				    _("Internal error: more than %zu tax lines."), max);
	struct tax_line *line = &lines[*count];
	memset(line, 0, sizeof *line);
	memcpy(line->code, rate->code, sizeof line->code);
	line->rate_thousandths = rate->rate;
	if (!money_percent(subtotal, rate->rate, &line->amount))
		return kc_error_set(err, KC_ERR_INVALID, _("The subtotal is too large to tax."));
	(*count)++;
	return KC_OK;
}

kc_status tax_compute(const tax_table *table, const char *province, const char *invoice_date,
		      kc_cents subtotal, struct tax_line lines[], size_t max, size_t *n,
		      kc_error *err)
{
	if (n)
		*n = 0;
	if (!table || !province || !invoice_date || !n || (!lines && max > 0))
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: %s without a result."),
				    "tax_compute");
	char prov[3];
	if (!province_code(province, prov) || !tax_province_known(table, prov))
		return kc_error_set(err, KC_ERR_INVALID, _("Unknown tax province \"%s\"."), province);
	if (!valid_date(invoice_date, strlen(invoice_date)))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Invalid invoice date \"%s\": expected YYYY-MM-DD."), invoice_date);
	size_t count = 0;
	for (size_t i = 0; i < table->n; i++) {
		const struct tax_rate *tax = &table->rows[i];
		if (strcmp(tax->province, prov) != 0 || !first_of_its_tax(table, i))
			continue;
		const struct tax_rate *rate = rate_on(table, tax, invoice_date);
		if (!rate)
			return kc_error_set(err, KC_ERR_INVALID,
					    _("No %s rate is known for %s on %s."), tax->code, prov,
					    invoice_date);
		kc_status st = add_tax_line(rate, subtotal, lines, max, &count, err);
		if (st != KC_OK)
			return st;
	}
	*n = count;
	return KC_OK;
}

/* ---- display ---- */

bool tax_rate_append(strbuf *sb, int32_t rate_thousandths, enum money_style style)
{
	int64_t rate = rate_thousandths;
	if (rate < 0) {
		strbuf_appendc(sb, '-');
		rate = -rate;
	}
	strbuf_appendf(sb, "%lld", (long long)(rate / 1000));
	int frac = (int)(rate % 1000), digits = 3;
	for (; frac > 0 && frac % 10 == 0; digits--)
		frac /= 10;
	if (frac > 0)
		strbuf_appendf(sb, "%c%0*d", style == MONEY_FR_CA ? ',' : '.', digits, frac);
	return !strbuf_failed(sb);
}

char *tax_rate_format(int32_t rate_thousandths, enum money_style style)
{
	strbuf sb = STRBUF_INIT;
	tax_rate_append(&sb, rate_thousandths, style);
	return strbuf_detach(&sb);
}

const char *tax_label(const char *code)
{
	if (!code)
		return "";
	/* TRANSLATORS: Goods and Services Tax; French: TPS. */
	if (strcmp(code, "GST") == 0)
		return P_("tax", "GST");
	/* TRANSLATORS: Quebec Sales Tax; French: TVQ. */
	if (strcmp(code, "QST") == 0)
		return P_("tax", "QST");
	/* TRANSLATORS: Harmonized Sales Tax; French: TVH. */
	if (strcmp(code, "HST") == 0)
		return P_("tax", "HST");
	return code;
}
