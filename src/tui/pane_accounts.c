/* pane_accounts.c: the Accounts pane (ACC rules) and its payment methods
 * view (ACC-8).  Lists page through account_page (keyset); every change is
 * one core call from a form. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "account_extra.h"
#include "date.h"
#include "form.h"
#include "pane.h"
#include "pane_util.h"
#include "paymethod.h"
#include "strbuf.h"
#include "termination.h"

enum acc_col { COL_NUMBER, COL_HOLDER, COL_COMPANY, COL_LEVEL, COL_STATUS, COL_BALANCE, COL_NEXT, N_COLS };

static const struct pane_column account_columns[N_COLS] = {
	[COL_NUMBER] = { N_("Number"), 8, 0, false, ACCOUNT_SORT_NUMBER },
	[COL_HOLDER] = { N_("Holder"), 12, 3, false, ACCOUNT_SORT_HOLDER },
	[COL_COMPANY] = { N_("Company"), 10, 2, false, ACCOUNT_SORT_COMPANY },
	[COL_LEVEL] = { N_("Level"), 6, 0, false, -1 },
	[COL_STATUS] = { N_("Status"), 10, 0, false, ACCOUNT_SORT_STATUS },
	[COL_BALANCE] = { N_("Balance"), 12, 0, true, ACCOUNT_SORT_BALANCE },
	[COL_NEXT] = { N_("Next bill"), 10, 0, false, -1 },
};

static const enum action_id account_hints[] = {
	ACTION_SEARCH, ACTION_CREATE, ACTION_EDIT, ACTION_ACTIVATE, ACTION_SUSPEND, ACTION_HISTORY,
	ACTION_PAYMETHODS, ACTION_USAGE, ACTION_FILTER, ACTION_SORT, ACTION_NONE
};

static const enum action_id account_actions[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_CREATE, ACTION_EDIT, ACTION_ACTIVATE, ACTION_SUSPEND,
	ACTION_REINSTATE, ACTION_CLOSE, ACTION_REOPEN, ACTION_HIGH_RISK, ACTION_PAYMETHODS,
	ACTION_HISTORY, ACTION_USAGE, ACTION_SYNC, ACTION_RECORD_AUDIT, ACTION_NONE
};

struct accounts_state {
	char *status;             /* filter, or NULL for all */
	int64_t cached_id;        /* detail cache (0: none) */
	struct account acc;
	struct paymethod *pms;
	size_t n_pms;
	struct account_contact *contacts;  /* ACC-7 */
	size_t n_contacts;
	struct account_addon *addons;      /* active today */
	size_t n_addons;
	char *termination;                 /* pending termination, or NULL */
	bool termination_late;
	int64_t failed_id;        /* account_get failed for it: told once */
};

static struct accounts_state *state(struct pane *p)
{
	return p->priv;
}

static void drop_cache(struct accounts_state *s)
{
	account_clear(&s->acc);
	memset(&s->acc, 0, sizeof s->acc);
	paymethods_free(&s->pms, s->n_pms);
	s->pms = NULL;
	s->n_pms = 0;
	account_extra_contacts_free(&s->contacts, s->n_contacts);
	s->n_contacts = 0;
	account_extra_addons_free(&s->addons, s->n_addons);
	s->n_addons = 0;
	free(s->termination);
	s->termination = NULL;
	s->termination_late = false;
	s->cached_id = 0;
	s->failed_id = 0;
}

static kc_status accounts_init(struct pane *p, int64_t arg, kc_error *err)
{
	(void)arg;
	p->priv = calloc(1, sizeof(struct accounts_state));
	if (!p->priv)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	return KC_OK;
}

static void accounts_fini(struct pane *p)
{
	struct accounts_state *s = state(p);
	if (!s)
		return;
	drop_cache(s);
	free(s->status);
	free(s);
	p->priv = NULL;
}

static void accounts_invalidate(struct pane *p)
{
	drop_cache(state(p));
}

static void cursor_free(void *key)
{
	struct account_cursor *c = key;
	account_cursor_clear(c);
	free(c);
}

static const char *level_short(const char *level)
{
	if (level && strcmp(level, "basic") == 0)
		return _("Basic");
	if (level && strcmp(level, "fully_administered") == 0)
		return _("Full");
	return level ? level : "";
}

static const char *level_long(const char *level)
{
	if (level && strcmp(level, "basic") == 0)
		return _("Basic");
	if (level && strcmp(level, "fully_administered") == 0)
		return _("Fully administered");
	return level ? level : "";
}

static void fill_query(struct pane *p, struct account_query *q, const char *search)
{
	memset(q, 0, sizeof *q);
	q->search = search;
	q->status = state(p)->status;
	int sort = p->ops->columns[p->sort_col].sort;
	q->sort = sort >= 0 ? (enum account_sort)sort : ACCOUNT_SORT_NUMBER;
	q->descending = p->descending;
}

static char *next_bill(struct pane *p, const struct account_row *r)
{
	/* account_next_bill_date reads status and welcome call only. */
	struct account a;
	memset(&a, 0, sizeof a);
	a.status = r->status;
	a.welcome_call = r->welcome_call;
	a.term = r->term;
	char buf[11];
	const struct kc_settings *s = tui_settings(p->tui);
	account_next_bill_date(&a, tui_today(p->tui), s && s->billing_cycle == SETTINGS_CYCLE_30DAYS, buf);
	return kc_strdup(buf);
}

static bool row_from_account(struct pane *p, const struct account_row *r, struct pane_row *out)
{
	if (!pane_row_alloc(out, N_COLS))
		return false;
	out->id = r->id;
	pane_row_set(out, COL_NUMBER, kc_strdup(r->number ? r->number : ""));
	pane_row_set(out, COL_HOLDER, kc_strdup(r->holder ? r->holder : ""));
	pane_row_set(out, COL_COMPANY, kc_strdup(r->company ? r->company : ""));
	pane_row_set(out, COL_LEVEL, kc_strdup(level_short(r->level)));
	pane_row_set(out, COL_STATUS, kc_strdup(account_status_label(r->status)));
	pane_row_set(out, COL_BALANCE, money_format_locale(r->balance_cents, tui_money_style(p->tui)));
	pane_row_set(out, COL_NEXT, next_bill(p, r));
	if (r->status && strcmp(r->status, "closed") == 0)
		out->role = THEME_DIM;
	else if (r->status && strcmp(r->status, "suspended") == 0)
		out->role = THEME_WARNING;
	struct account_cursor *c = calloc(1, sizeof *c);
	if (c)
		account_cursor_set(c, r);
	out->key = c;
	return true;
}

static kc_status page(struct pane *p, const struct pane_row *from, bool backward,
	const char *search, struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	struct account_query q;
	fill_query(p, &q, search);
	struct account_cursor empty;
	memset(&empty, 0, sizeof empty);
	const struct account_cursor *cur = from && from->key ? from->key : &empty;
	struct account_row *rows = calloc(max ? max : 1, sizeof *rows);
	if (!rows)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	size_t got = 0;
	*n = 0;
	kc_status st = account_page(tui_db(p->tui), &q, cur, backward, rows, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!row_from_account(p, &rows[i], &out[*n])) {
			st = kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
			break;
		}
		(*n)++;
	}
	if (st != KC_OK) {
		for (size_t i = 0; i < *n; i++)
			pane_row_clear(p, &out[i]);
		*n = 0;
	}
	account_rows_clear(rows, got);
	free(rows);
	return st;
}

static kc_status accounts_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	return page(p, from, backward, NULL, out, max, n, err);
}

static kc_status accounts_find(struct pane *p, const struct pane_row *from, bool backward,
	const char *text, struct pane_row *out, bool *found, kc_error *err)
{
	size_t n = 0;
	kc_status st = page(p, from, backward, text, out, 1, &n, err);
	*found = st == KC_OK && n == 1;
	return st;
}

static kc_status accounts_count(struct pane *p, int64_t *n, kc_error *err)
{
	struct account_query q;
	fill_query(p, &q, NULL);
	return account_count(tui_db(p->tui), &q, n, err);
}

/* --- detail ---------------------------------------------------------------- */

static bool load_detail(struct pane *p, int64_t id)
{
	struct accounts_state *s = state(p);
	if (s->cached_id == id)
		return true;
	if (s->failed_id == id)
		return false;
	drop_cache(s);
	kc_error err = KC_ERROR_INIT;
	memset(&s->acc, 0, sizeof s->acc);
	if (account_get(tui_db(p->tui), id, &s->acc, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		s->failed_id = id;
		return false;
	}
	s->cached_id = id;
	if (paymethod_list(tui_db(p->tui), id, false, &s->pms, &s->n_pms, &err) != KC_OK) {
		s->pms = NULL;
		s->n_pms = 0;
	}
	kc_error_clear(&err);
	/* What cannot be read is left out of the detail (not an error). */
	if (account_extra_contacts(tui_db(p->tui), id, &s->contacts, &s->n_contacts, &err) != KC_OK)
		s->n_contacts = 0;
	kc_error_clear(&err);
	if (account_extra_addons(tui_db(p->tui), id, s->acc.language, NULL, &s->addons, &s->n_addons,
		&err) != KC_OK)
		s->n_addons = 0;
	kc_error_clear(&err);
	s->termination = pu_termination_note(p->tui, id, &s->termination_late);
	return true;
}

/* An ISO UTC instant shown in the office zone ("2024-06-21 16:00"). */
static char *local_instant(const char *iso)
{
	kc_instant t;
	if (!iso || date_instant_parse(iso, &t, NULL) != KC_OK)
		return kc_strdup(iso && *iso ? iso : "-");
	kc_local l = date_to_local(t);
	l.sec = 0;
	char buf[DATE_LOCAL_BUFSZ];
	return kc_strdup(date_local_format(l, buf));
}

static char *who_when(const char *iso, const char *who)
{
	char *when = local_instant(iso);
	char *s = kc_asprintf(_("%s by %s"), when ? when : "-", who && *who ? who : "-");
	free(when);
	return s;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *yes_no(bool b)
{
	return b ? _("yes") : _("no");
}

static char *address_text(const struct account *a)
{
	strbuf sb = STRBUF_INIT;
	const char *parts[] = { a->address, a->city, a->province, a->postal_code };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (parts[i] && *parts[i])
			strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", parts[i]);
	return strbuf_detach(&sb);
}

static char *term_text(const struct account *a)
{
	const char *term = a->term && strcmp(a->term, "annual") == 0 ? _("annual") : _("monthly");
	if (a->next_term && *a->next_term) {
		const char *next = strcmp(a->next_term, "annual") == 0 ? _("annual") : _("monthly");
		return kc_asprintf(_("%s, %s from the next anniversary"), term, next);
	}
	if (a->term_started && *a->term_started)
		return kc_asprintf(_("%s since %s"), term, a->term_started);
	return kc_strdup(term);
}

static char *status_text(const struct account *a)
{
	const char *st = account_status_label(a->status);
	if (a->status && strcmp(a->status, "closed") == 0)
		return kc_asprintf(_("%s on %s (%s)%s"), st, or_dash(a->closed_on),
			account_close_reason_label(a->closure_reason),
			a->reopen_barred ? _(", reopening barred") : "");
	return kc_strdup(st);
}

static char *paymethods_text(const struct accounts_state *s)
{
	if (s->n_pms == 0)
		return kc_strdup(_("none"));
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < s->n_pms; i++) {
		char *m = paymethod_masked(&s->pms[i]);
		strbuf_appendf(&sb, "%s%s%s", i ? "; " : "", m ? m : "?",
			s->pms[i].is_default ? _(" (default)") : "");
		free(m);
	}
	return strbuf_detach(&sb);
}

/* ACC-7: "Name (role), Other" or "none". */
static char *contacts_text(const struct accounts_state *s)
{
	if (s->n_contacts == 0)
		return kc_strdup(_("none"));
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < s->n_contacts; i++) {
		const struct account_contact *c = &s->contacts[i];
		strbuf_appendf(&sb, "%s%s", i ? "; " : "", c->name);
		if (*c->role)
			strbuf_appendf(&sb, " (%s)", c->role);
		if (*c->phone || *c->email)
			strbuf_appendf(&sb, " %s", *c->phone ? c->phone : c->email);
	}
	return strbuf_detach(&sb);
}

/* "Fax to email $5.00, ..." or NULL when there are none. */
static char *addons_text(const struct accounts_state *s, enum money_style ms)
{
	if (s->n_addons == 0)
		return NULL;
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < s->n_addons; i++) {
		strbuf_appendf(&sb, "%s%s", i ? ", " : "", s->addons[i].name);
		if (s->addons[i].has_price) {
			strbuf_append(&sb, " ");
			money_append_locale(&sb, s->addons[i].monthly, ms);
		}
	}
	return strbuf_detach(&sb);
}

/* A detail column: its window, left edge and width. */
struct column {
	WINDOW *w;
	int x, width;
};

/* pane_detail_pair with a heap value it frees. */
static int pair_owned(const struct column *c, int y, const char *label, char *value,
	enum theme_role role)
{
	y = pane_detail_pair(c->w, y, c->x, c->width, label, value ? value : "", role);
	free(value);
	return y;
}

static bool is(const char *s, const char *word)
{
	return s && strcmp(s, word) == 0;
}

/* Left: who the customer is and how to reach them (ACC-7, ACC-8). */
static void detail_contact(const struct column *c, const struct accounts_state *s)
{
	const struct account *a = &s->acc;
	int y = 1;
	y = pane_detail_pair(c->w, y, c->x, c->width, _("Company"), or_dash(a->company), THEME_NORMAL);
	y = pane_detail_pair(c->w, y, c->x, c->width, _("Email"), or_dash(a->email), THEME_NORMAL);
	y = pane_detail_pair(c->w, y, c->x, c->width, _("Phone"), or_dash(a->phone), THEME_NORMAL);
	y = pair_owned(c, y, _("Address"), address_text(a), THEME_NORMAL);
	y = pair_owned(c, y, _("Customer"), kc_asprintf(_("%s, %s; statements: %s"),
		is(a->kind, "consumer") ? _("consumer") : _("business"),
		is(a->language, "en") ? _("English") : _("French"), or_dash(a->delivery)),
		is(a->kind, "consumer") ? THEME_WARNING : THEME_NORMAL);
	y = pane_detail_pair(c->w, y, c->x, c->width, _("voip.ms client"), or_dash(a->voipms_client),
		THEME_NORMAL);
	y = pair_owned(c, y, _("Payment"), paymethods_text(s), THEME_NORMAL);
	y = pair_owned(c, y, _("Contacts"), contacts_text(s), THEME_NORMAL);
	pair_owned(c, y, _("Updated"), who_when(a->updated_at, a->updated_by), THEME_DIM);
}

/* Right: the service, its life and its money (ACC-3..6, ACC-11, ACC-12). */
static void detail_service(const struct column *c, struct pane *p, const struct accounts_state *s)
{
	const struct account *a = &s->acc;
	const char *today = tui_today(p->tui);
	enum money_style ms = tui_money_style(p->tui);
	const struct kc_settings *set = tui_settings(p->tui);
	int y = 1;
	y = pair_owned(c, y, _("Status"), status_text(a),
		is(a->status, "suspended") ? THEME_WARNING : THEME_NORMAL);
	if (s->termination)
		y = pu_termination_pair(c->w, y, c->x, c->width, s->termination, s->termination_late);
	char *addons = addons_text(s, ms);
	y = pair_owned(c, y, _("Level"), addons ? kc_asprintf(_("%s; add-ons: %s"), level_long(a->level),
		addons) : kc_strdup(level_long(a->level)), THEME_NORMAL);
	free(addons);
	y = pair_owned(c, y, _("Term"), term_text(a), THEME_NORMAL);
	bool overdue = account_welcome_overdue(a, today);
	y = pair_owned(c, y, _("Welcome call"), a->welcome_call ? kc_strdup(a->welcome_call)
		: kc_asprintf(overdue ? _("not yet, signed %s: overdue (ACC-3)") : _("not yet, signed %s"),
			or_dash(a->signed_on)), overdue ? THEME_BREACHED : THEME_NORMAL);
	char next[11];
	account_next_bill_date(a, today, set && set->billing_cycle == SETTINGS_CYCLE_30DAYS, next);
	y = pane_detail_pair(c->w, y, c->x, c->width, _("Next bill"), or_dash(next), THEME_NORMAL);
	y = pair_owned(c, y, _("Balance"), money_format_locale(a->balance_cents, ms),
		a->balance_cents > 0 ? THEME_WARNING : THEME_NORMAL);
	y = pair_owned(c, y, _("Expected usage"), money_format_locale(a->expected_usage_cents, ms),
		THEME_NORMAL);
	y = pair_owned(c, y, _("High risk"), kc_asprintf("%s%s", yes_no(a->high_risk),
		a->high_risk ? _(": documents requested (ACC-11)") : ""),
		a->high_risk ? THEME_WARNING : THEME_NORMAL);
	const char *consumer = account_consumer_warning(a);
	if (consumer && y < getmaxy(c->w)) {
		theme_set(c->w, THEME_WARNING);
		theme_puts(c->w, y, c->x, consumer, c->width);
		theme_set(c->w, THEME_NORMAL);
	}
}

static void accounts_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	if (!sel || !load_detail(p, sel->id)) {
		pane_detail_title(w, NULL);
		return;
	}
	struct accounts_state *s = state(p);
	char *title = kc_asprintf("%s  %s", s->acc.number, s->acc.holder);
	pane_detail_title(w, title);
	free(title);
	int half = getmaxx(w) / 2;
	struct column left = { w, 1, half - 2 }, right = { w, half + 1, getmaxx(w) - half - 2 };
	detail_contact(&left, s);
	detail_service(&right, p, s);
}

/* --- forms ------------------------------------------------------------------- */

static const char *const province_values[] = {
	"QC", "ON", "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "PE", "SK", "YT", NULL
};
static const char *const language_values[] = { "fr", "en", NULL };
static const char *const kind_values[] = { "business", "consumer", NULL };
static const char *const level_values[] = { "basic", "fully_administered", NULL };
static const char *const term_values[] = { "monthly", "annual", NULL };

/* Translated labels for the choices, built when a form opens. */
struct choice_labels {
	const char *language[3], *kind[3], *level[3], *term[3];
};

static void choice_labels_init(struct choice_labels *c)
{
	c->language[0] = _("French");
	c->language[1] = _("English");
	c->kind[0] = _("Business");
	c->kind[1] = _("Consumer");
	c->level[0] = _("Basic");
	c->level[1] = _("Fully administered");
	c->term[0] = _("Monthly");
	c->term[1] = _("Annual");
	c->language[2] = c->kind[2] = c->level[2] = c->term[2] = NULL;
}

struct account_form {
	struct pane *pane;
	bool creating;
	int64_t id, version;
	struct account original; /* edit: the values the form started from */
	int64_t new_id;
};

static void fields_from_form(struct form *f, struct account_fields *af, bool creating)
{
	memset(af, 0, sizeof *af);
	if (creating)
		af->holder = form_value(f, ACCOUNT_FIELD_HOLDER);
	af->company = form_value(f, ACCOUNT_FIELD_COMPANY);
	af->email = form_value(f, ACCOUNT_FIELD_EMAIL);
	af->phone = form_value(f, ACCOUNT_FIELD_PHONE);
	af->address = form_value(f, ACCOUNT_FIELD_ADDRESS);
	af->city = form_value(f, ACCOUNT_FIELD_CITY);
	af->postal_code = form_value(f, ACCOUNT_FIELD_POSTAL_CODE);
	af->province = form_value(f, ACCOUNT_FIELD_PROVINCE);
	af->language = form_value(f, ACCOUNT_FIELD_LANGUAGE);
	af->delivery = form_value(f, ACCOUNT_FIELD_DELIVERY);
	af->kind = form_value(f, ACCOUNT_FIELD_KIND);
	af->level = form_value(f, ACCOUNT_FIELD_LEVEL);
	af->term = form_value(f, ACCOUNT_FIELD_TERM);
	af->voipms_client = form_value(f, ACCOUNT_FIELD_VOIPMS_CLIENT);
	af->signed_on = form_value(f, ACCOUNT_FIELD_SIGNED_ON);
	af->expected_usage = form_value(f, ACCOUNT_FIELD_EXPECTED_USAGE);
}

/* Checks one field alone when the user leaves it. */
static kc_status account_form_check(struct form *f, void *ctx, int tag, kc_error *err)
{
	struct account_form *af = ctx;
	const char *v = form_value(f, tag);
	if (tag == ACCOUNT_FIELD_HOLDER) {
		if (!af->creating || (v && *v && account_text_valid(v, 200)))
			return KC_OK;
		struct account_fields only;
		memset(&only, 0, sizeof only);
		fields_from_form(f, &only, true);
		enum account_field bad = ACCOUNT_FIELD_NONE;
		kc_status st = account_validate(&only, true, &bad, err);
		return bad == ACCOUNT_FIELD_HOLDER ? st : KC_OK;
	}
	if (!v || !*v)
		return KC_OK; /* an empty field is judged on Save */
	struct account_fields only;
	memset(&only, 0, sizeof only);
	const char **slot = NULL;
	switch (tag) {
	case ACCOUNT_FIELD_COMPANY: slot = &only.company; break;
	case ACCOUNT_FIELD_EMAIL: slot = &only.email; break;
	case ACCOUNT_FIELD_PHONE: slot = &only.phone; break;
	case ACCOUNT_FIELD_ADDRESS: slot = &only.address; break;
	case ACCOUNT_FIELD_CITY: slot = &only.city; break;
	case ACCOUNT_FIELD_POSTAL_CODE: slot = &only.postal_code; break;
	case ACCOUNT_FIELD_DELIVERY: slot = &only.delivery; break;
	case ACCOUNT_FIELD_VOIPMS_CLIENT: slot = &only.voipms_client; break;
	case ACCOUNT_FIELD_SIGNED_ON: slot = &only.signed_on; break;
	case ACCOUNT_FIELD_EXPECTED_USAGE: slot = &only.expected_usage; break;
	default: return KC_OK;
	}
	*slot = v;
	enum account_field bad = ACCOUNT_FIELD_NONE;
	kc_status st = account_validate(&only, false, &bad, err);
	if (st != KC_OK && bad != (enum account_field)tag) {
		kc_error_clear(err);
		return KC_OK;
	}
	return st;
}

static const char *account_value(const struct account *a, int tag, char **tmp)
{
	*tmp = NULL;
	switch (tag) {
	case ACCOUNT_FIELD_HOLDER: return a->holder;
	case ACCOUNT_FIELD_COMPANY: return a->company;
	case ACCOUNT_FIELD_EMAIL: return a->email;
	case ACCOUNT_FIELD_PHONE: return a->phone;
	case ACCOUNT_FIELD_ADDRESS: return a->address;
	case ACCOUNT_FIELD_CITY: return a->city;
	case ACCOUNT_FIELD_POSTAL_CODE: return a->postal_code;
	case ACCOUNT_FIELD_PROVINCE: return a->province;
	case ACCOUNT_FIELD_LANGUAGE: return a->language;
	case ACCOUNT_FIELD_DELIVERY: return a->delivery;
	case ACCOUNT_FIELD_KIND: return a->kind;
	case ACCOUNT_FIELD_LEVEL: return a->level;
	case ACCOUNT_FIELD_TERM: return a->next_term && *a->next_term ? a->next_term : a->term;
	case ACCOUNT_FIELD_VOIPMS_CLIENT: return a->voipms_client;
	case ACCOUNT_FIELD_SIGNED_ON: return a->signed_on;
	case ACCOUNT_FIELD_EXPECTED_USAGE:
		*tmp = money_format_plain(a->expected_usage_cents);
		return *tmp;
	default: return NULL;
	}
}

/* After a conflict: beside each field someone else changed, what it holds
 * now; what this user typed stays in the field. */
static void show_current(struct form *f, struct account_form *af, const struct account *now)
{
	for (int tag = ACCOUNT_FIELD_COMPANY; tag <= ACCOUNT_FIELD_EXPECTED_USAGE; tag++) {
		char *t1, *t2;
		const char *was = account_value(&af->original, tag, &t1);
		const char *is = account_value(now, tag, &t2);
		if (strcmp(was ? was : "", is ? is : "") != 0) {
			char *note = kc_asprintf(_("now: %s"), is && *is ? is : _("(empty)"));
			form_set_note(f, tag, note);
			free(note);
		} else {
			form_set_note(f, tag, NULL);
		}
		free(t1);
		free(t2);
	}
}

static kc_status account_form_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct account_form *af = ctx;
	struct account_fields fields;
	fields_from_form(f, &fields, af->creating);
	enum account_field bad = ACCOUNT_FIELD_NONE;
	kc_db *db = tui_db(af->pane->tui);
	kc_status st;
	if (af->creating) {
		st = account_create(db, &fields, &af->new_id, &bad, err);
	} else {
		struct account now;
		memset(&now, 0, sizeof now);
		st = account_update(db, af->id, af->version, &fields, &now, &bad, err);
		if (st == KC_ERR_CONFLICT) {
			show_current(f, af, &now);
			char *who = kc_strdup(kc_error_text(err));
			kc_error_set(err, KC_ERR_CONFLICT, _("%s  Your text is kept; the values saved meanwhile "
				"are shown as \"now\". Save again to replace them."), who ? who : "");
			free(who);
			/* The next Save deliberately replaces what is there now. */
			if (now.version)
				af->version = now.version;
			account_clear(&af->original);
			af->original = now;
			memset(&now, 0, sizeof now);
		}
		account_clear(&now);
	}
	*bad_tag = bad == ACCOUNT_FIELD_NONE ? -1 : (int)bad;
	return st;
}

static void add_account_fields(struct form *f, const struct account *a, bool creating,
	const struct choice_labels *cl, const char *today)
{
	char *usage = a ? money_format_plain(a->expected_usage_cents) : NULL;
	if (creating)
		form_add_text(f, ACCOUNT_FIELD_HOLDER, _("Holder"), NULL, 200);
	else
		form_add_readonly(f, ACCOUNT_FIELD_HOLDER, _("Holder (ACC-1)"), a->holder);
	form_add_text(f, ACCOUNT_FIELD_COMPANY, _("Company"), a ? a->company : NULL, 200);
	form_add_text(f, ACCOUNT_FIELD_EMAIL, _("Email"), a ? a->email : NULL, 254);
	form_add_text(f, ACCOUNT_FIELD_PHONE, _("Phone"), a ? a->phone : NULL, 40);
	form_add_text(f, ACCOUNT_FIELD_ADDRESS, _("Address"), a ? a->address : NULL, 300);
	form_add_text(f, ACCOUNT_FIELD_CITY, _("City"), a ? a->city : NULL, 100);
	form_add_text(f, ACCOUNT_FIELD_POSTAL_CODE, _("Postal code"), a ? a->postal_code : NULL, 16);
	form_add_choice(f, ACCOUNT_FIELD_PROVINCE, _("Province"), province_values, province_values,
		a ? a->province : "QC");
	form_add_choice(f, ACCOUNT_FIELD_LANGUAGE, _("Language"), language_values, cl->language,
		a ? a->language : "fr");
	form_add_text(f, ACCOUNT_FIELD_DELIVERY, _("Statements by"), a ? a->delivery : "email", 40);
	form_add_choice(f, ACCOUNT_FIELD_KIND, _("Customer kind"), kind_values, cl->kind,
		a ? a->kind : "business");
	form_add_choice(f, ACCOUNT_FIELD_LEVEL, _("Service level"), level_values, cl->level,
		a ? a->level : "basic");
	form_add_choice(f, ACCOUNT_FIELD_TERM, _("Term"), term_values, cl->term,
		a ? (a->next_term && *a->next_term ? a->next_term : a->term) : "monthly");
	form_add_text(f, ACCOUNT_FIELD_VOIPMS_CLIENT, _("voip.ms client"), a ? a->voipms_client : NULL, 32);
	if (creating)
		form_add_text(f, ACCOUNT_FIELD_SIGNED_ON, _("Signed on"), today, 10);
	form_add_text(f, ACCOUNT_FIELD_EXPECTED_USAGE, _("Expected usage"), usage ? usage : "0.00", 20);
	free(usage);
}

/* Selects the account with this number (after creating it). */
static void select_number(struct pane *p, const char *number)
{
	struct pane_row row;
	memset(&row, 0, sizeof row);
	bool found = false;
	kc_error err = KC_ERROR_INIT;
	if (accounts_find(p, NULL, false, number, &row, &found, &err) == KC_OK && found)
		pane_jump_to(p, &row, &err);
	pane_row_clear(p, &row);
	kc_error_clear(&err);
}

static unsigned account_create_form(struct pane *p)
{
	struct choice_labels cl;
	choice_labels_init(&cl);
	struct account_form af;
	memset(&af, 0, sizeof af);
	af.pane = p;
	af.creating = true;
	struct form *f = form_new(_("New account"));
	if (!f)
		return PANE_REDRAW;
	add_account_fields(f, NULL, true, &cl, tui_today(p->tui));
	form_set_callbacks(f, account_form_save, account_form_check, &af);
	form_set_save_label(f, _("Create"));
	enum form_result r = form_run(p->tui, f);
	form_free(&f);
	if (r != FORM_SAVED)
		return PANE_REDRAW;
	struct account a;
	memset(&a, 0, sizeof a);
	kc_error err = KC_ERROR_INIT;
	if (account_get(tui_db(p->tui), af.new_id, &a, &err) == KC_OK) {
		tui_message(p->tui, THEME_MESSAGE, _("Account %s created"), a.number);
		select_number(p, a.number);
		account_clear(&a);
	}
	kc_error_clear(&err);
	return PANE_REDRAW | PANE_RELOAD;
}

/* A fresh copy of the selected account (its current version). */
static bool fresh_account(struct pane *p, struct account *a)
{
	const struct pane_row *sel = pane_selected(p);
	memset(a, 0, sizeof *a);
	if (!sel)
		return false;
	kc_error err = KC_ERROR_INIT;
	if (account_get(tui_db(p->tui), sel->id, a, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		return false;
	}
	return true;
}

static unsigned account_edit_form(struct pane *p)
{
	struct choice_labels cl;
	choice_labels_init(&cl);
	struct account_form af;
	memset(&af, 0, sizeof af);
	af.pane = p;
	if (!fresh_account(p, &af.original))
		return PANE_REDRAW;
	af.id = af.original.id;
	af.version = af.original.version;
	char *title = kc_asprintf(_("Edit account %s"), af.original.number);
	struct form *f = form_new(title ? title : "");
	free(title);
	if (f) {
		add_account_fields(f, &af.original, false, &cl, NULL);
		form_set_callbacks(f, account_form_save, account_form_check, &af);
	}
	char *number = kc_strdup(af.original.number);
	enum form_result r = f ? form_run(p->tui, f) : FORM_CANCELLED;
	form_free(&f);
	account_clear(&af.original);
	if (r == FORM_SAVED)
		tui_message(p->tui, THEME_MESSAGE, _("Account %s saved"), number ? number : "");
	free(number);
	return r == FORM_SAVED ? PANE_REDRAW | PANE_RELOAD : PANE_REDRAW;
}

/* --- lifecycle actions ----------------------------------------------------- */

enum { TAG_DATE = 100, TAG_REASON, TAG_NOTE, TAG_BAR, TAG_REQUESTED_BY, TAG_IDENTITY,
	TAG_KIND, TAG_LAST4, TAG_EXPIRY, TAG_TOKEN, TAG_LABEL };

struct step_form {
	struct pane *pane;
	struct account acc;
	int action;
	struct termination_closure closure; /* ACTION_CLOSE: what it forfeited */
	bool barred;                        /* ACTION_CLOSE: barred from reopening */
};

static kc_status step_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct step_form *sf = ctx;
	kc_db *db = tui_db(sf->pane->tui);
	const struct account *a = &sf->acc;
	*bad_tag = -1;
	switch (sf->action) {
	case ACTION_ACTIVATE:
		*bad_tag = TAG_DATE;
		return account_activate(db, a->id, a->version, form_value(f, TAG_DATE), err);
	case ACTION_SUSPEND:
		return account_suspend(db, a->id, a->version, form_value(f, TAG_REASON),
			form_value(f, TAG_NOTE), err);
	case ACTION_CLOSE:
		/* ACC-10 with closure's forfeits (CRD-3, SLA-6, PRC-2): one transaction. */
		sf->barred = strcmp(form_value(f, TAG_BAR), "yes") == 0;
		return termination_close_by_kenotronix(db, a->id, a->version,
			form_value(f, TAG_REASON), sf->barred, &sf->closure, err);
	case ACTION_REOPEN:
		return account_reopen(db, a->id, a->version, form_value(f, TAG_REQUESTED_BY),
			form_value(f, TAG_IDENTITY), err);
	default:
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("Unknown action"));
	}
}

static const char *const suspend_values[] = { "overdue", "chargeback", "reassessment", "breach", NULL };
/* ACC-10: closure by Kenotronix.  A closure at the holder's request goes
 * through a termination request (TRM-1, TRM-7): not offered here. */
static const char *const close_values[] = {
	"law", "terms_violation", "insolvency", "harm", "complaints", NULL
};
static const char *const bar_values[] = { "no", "yes", NULL };

/* Translated labels of the lifecycle choices, alive while a form runs. */
struct step_labels {
	const char *suspend[5], *close[6], *bar[3];
};

static void step_labels_init(struct step_labels *l)
{
	for (size_t i = 0; i < 5; i++)
		l->suspend[i] = suspend_values[i] ? account_suspend_reason_label(suspend_values[i]) : NULL;
	for (size_t i = 0; i < 6; i++)
		l->close[i] = close_values[i] ? account_close_reason_label(close_values[i]) : NULL;
	l->bar[0] = _("No");
	l->bar[1] = _("Yes: barred from reopening");
	l->bar[2] = NULL;
}

/* A form for a lifecycle step (title: heap, taken); NULL when memory runs
 * out. */
static struct form *step_form_new(char *title, const char *save)
{
	struct form *f = form_new(title ? title : "");
	free(title);
	if (f)
		form_set_save_label(f, save);
	return f;
}

static struct form *step_form_build(struct pane *p, enum action_id action, const struct account *a,
	const struct step_labels *l, char **done)
{
	struct form *f = NULL;
	switch (action) {
	case ACTION_ACTIVATE: {
		*done = kc_asprintf(_("Account %s activated"), a->number);
		if (!(f = step_form_new(kc_asprintf(_("Activate %s"), a->number), _("Activate"))))
			break;
		form_set_info(f, _("The welcome call starts the service and billing (ACC-4)."));
		form_add_text(f, TAG_DATE, _("Welcome call date"), tui_today(p->tui), 10);
		break;
	}
	case ACTION_SUSPEND: {
		*done = kc_asprintf(_("Account %s suspended"), a->number);
		if (!(f = step_form_new(kc_asprintf(_("Suspend %s"), a->number), _("Suspend"))))
			break;
		form_add_choice(f, TAG_REASON, _("Reason (ACC-9)"), suspend_values, l->suspend, NULL);
		form_add_longtext(f, TAG_NOTE, _("Note (Ctrl-E: editor)"), NULL);
		break;
	}
	case ACTION_CLOSE: {
		*done = NULL; /* told with what was forfeited: closure_text() */
		if (!(f = step_form_new(kc_asprintf(_("Close %s"), a->number), _("Close account"))))
			break;
		pu_form_info(f, _("Closing is final for the customer: no refund (ACC-10). Store credit "
			"is forfeited (CRD-3), pending SLA credit requests are cancelled (SLA-6) and "
			"coupons are void (PRC-2)."));
		form_add_choice(f, TAG_REASON, _("Reason (ACC-10)"), close_values, l->close, NULL);
		form_add_choice(f, TAG_BAR, _("Bar reopening"), bar_values, l->bar, "no");
		break;
	}
	case ACTION_REOPEN: {
		*done = kc_asprintf(_("Account %s reopened"), a->number);
		if (!(f = step_form_new(kc_asprintf(_("Reopen %s"), a->number), _("Reopen"))))
			break;
		form_set_info(f, _("Only the holder may ask; record how their identity was checked (TRM-8)."));
		form_add_text(f, TAG_REQUESTED_BY, _("Requested by"), a->holder, 200);
		form_add_text(f, TAG_IDENTITY, _("Identity check"), NULL, 200);
		break;
	}
	default:
		break;
	}
	return f;
}

/* Starts a part of the list of what was forfeited. */
static void next_part(strbuf *sb, bool *first)
{
	if (*first)
		strbuf_appendf(sb, "; %s ", _("forfeited:"));
	else
		strbuf_append(sb, ", ");
	*first = false;
}

/* ACC-10: the closure and what it forfeited (CRD-3, SLA-6, PRC-2), like the
 * CLI's `account close` (only what is not zero), short enough for the
 * message line of an 80-column screen. */
static char *closure_text(struct pane *p, const char *number, bool barred,
	const struct termination_closure *c)
{
	strbuf sb = STRBUF_INIT;
	bool first = true;
	strbuf_appendf(&sb, barred ? _("Account %s closed, barred from reopening")
		: _("Account %s closed"), number);
	if (c->credits_forfeited) {
		char *m = pu_money(p->tui, c->credit_forfeited);
		next_part(&sb, &first);
		strbuf_appendf(&sb, _("credit %s"), m ? m : "?");
		free(m);
	}
	if (c->sla_cancelled) {
		next_part(&sb, &first);
		strbuf_appendf(&sb, _("SLA credits: %lld"), (long long)c->sla_cancelled);
	}
	if (c->coupons_voided) {
		next_part(&sb, &first);
		strbuf_appendf(&sb, _("coupons: %lld"), (long long)c->coupons_voided);
	}
	if (first)
		strbuf_appendf(&sb, "; %s", _("nothing forfeited"));
	if (c->balance_owed > 0) {
		char *m = pu_money(p->tui, c->balance_owed);
		strbuf_append(&sb, "; ");
		strbuf_appendf(&sb, _("owes %s"), m ? m : "?");
		free(m);
	}
	return strbuf_detach(&sb);
}

static unsigned step_form_run(struct pane *p, enum action_id action)
{
	struct step_form sf;
	memset(&sf, 0, sizeof sf);
	sf.pane = p;
	sf.action = action;
	if (!fresh_account(p, &sf.acc))
		return PANE_REDRAW;
	struct step_labels labels;
	step_labels_init(&labels);
	char *done = NULL;
	struct form *f = step_form_build(p, action, &sf.acc, &labels, &done);
	enum form_result r = FORM_CANCELLED;
	if (f) {
		form_set_callbacks(f, step_save, NULL, &sf);
		r = form_run(p->tui, f);
		form_free(&f);
	}
	if (r == FORM_SAVED && action == ACTION_CLOSE) {
		free(done);
		done = closure_text(p, sf.acc.number, sf.barred, &sf.closure);
	}
	if (r == FORM_SAVED)
		tui_message(p->tui, THEME_MESSAGE, "%s", done ? done : "");
	free(done);
	account_clear(&sf.acc);
	return r == FORM_SAVED ? PANE_REDRAW | PANE_RELOAD : PANE_REDRAW;
}

static unsigned confirm_step(struct pane *p, enum action_id action)
{
	struct account a;
	if (!fresh_account(p, &a))
		return PANE_REDRAW;
	char *q = NULL;
	const char *title = "";
	if (action == ACTION_REINSTATE) {
		title = _("Reinstate");
		q = kc_asprintf(_("Reinstate %s (%s)? The balance must be paid in full (BIL-6)."),
			a.number, a.holder);
	} else if (a.high_risk) {
		title = _("High risk");
		q = kc_asprintf(_("Clear the high-risk mark of %s (documents received)?"), a.number);
	} else {
		title = _("High risk");
		q = kc_asprintf(_("Mark %s as high risk (documents requested, ACC-11)?"), a.number);
	}
	unsigned res = PANE_REDRAW;
	if (q && form_confirm(p->tui, title, q)) {
		kc_error err = KC_ERROR_INIT;
		kc_status st = action == ACTION_REINSTATE
			? account_reinstate(tui_db(p->tui), a.id, a.version, &err)
			: account_set_high_risk(tui_db(p->tui), a.id, a.version, !a.high_risk, &err);
		if (st != KC_OK) {
			tui_error(p->tui, &err);
		} else {
			res |= PANE_RELOAD;
			if (action == ACTION_REINSTATE)
				tui_message(p->tui, THEME_MESSAGE, _("Account %s reinstated"), a.number);
			else
				tui_message(p->tui, THEME_MESSAGE, a.high_risk ? _("High-risk mark of %s cleared")
					: _("%s marked as high risk"), a.number);
		}
		kc_error_clear(&err);
	}
	free(q);
	account_clear(&a);
	return res;
}

/* --- other actions ------------------------------------------------------------ */

static unsigned filter_status(struct pane *p)
{
	static const char *const values[] = { NULL, "pending", "active", "suspended", "closed" };
	const char *labels[5];
	labels[0] = _("All statuses");
	size_t initial = 0;
	for (size_t i = 1; i < 5; i++) {
		labels[i] = account_status_label(values[i]);
		if (state(p)->status && strcmp(state(p)->status, values[i]) == 0)
			initial = i;
	}
	int k = form_choose(p->tui, _("Show accounts"), labels, 5, initial);
	if (k < 0)
		return PANE_REDRAW;
	struct accounts_state *s = state(p);
	free(s->status);
	s->status = values[k] ? kc_strdup(values[k]) : NULL;
	free(p->filter_label);
	p->filter_label = values[k] ? kc_strdup(labels[k]) : NULL;
	kc_error err = KC_ERROR_INIT;
	if (pane_load_first(p, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

static void add_line(strbuf *sb, const char *label, const char *value)
{
	pu_append_label(sb, label, 22);
	strbuf_appendf(sb, " %s\n", value && *value ? value : "-");
}

/* The whole account (Enter): contacts (ACC-7), add-ons, the pending
 * termination. */
static void open_account_extra(struct pane *p, const struct account *a, strbuf *sb)
{
	kc_db *db = tui_db(p->tui);
	kc_error err = KC_ERROR_INIT;
	struct account_contact *c = NULL;
	size_t n = 0;
	if (account_extra_contacts(db, a->id, &c, &n, &err) == KC_OK) {
		strbuf_appendf(sb, "\n%s\n", _("Other contacts (ACC-7)"));
		for (size_t i = 0; i < n; i++)
			strbuf_appendf(sb, "  %s%s%s%s  %s  %s\n", c[i].name, *c[i].role ? " (" : "",
				c[i].role, *c[i].role ? ")" : "", or_dash(c[i].email), or_dash(c[i].phone));
		if (n == 0)
			strbuf_appendf(sb, "  %s\n", _("none"));
		account_extra_contacts_free(&c, n);
	}
	kc_error_clear(&err);
	struct account_addon *ad = NULL;
	if (account_extra_addons(db, a->id, a->language, NULL, &ad, &n, &err) == KC_OK) {
		strbuf_appendf(sb, "\n%s\n", _("Add-ons in service"));
		for (size_t i = 0; i < n; i++) {
			strbuf_appendf(sb, "  %s  %s %s  ", ad[i].name, _("since"), ad[i].started_on);
			if (ad[i].has_price)
				money_append_locale(sb, ad[i].monthly, tui_money_style(p->tui));
			strbuf_append(sb, "\n");
		}
		if (n == 0)
			strbuf_appendf(sb, "  %s\n", _("none"));
		account_extra_addons_free(&ad, n);
	}
	kc_error_clear(&err);
	char *term = pu_termination_note(p->tui, a->id, NULL);
	pu_append_termination(sb, term);
	free(term);
}

static unsigned open_account(struct pane *p)
{
	struct account a;
	if (!fresh_account(p, &a))
		return PANE_REDRAW;
	enum money_style ms = tui_money_style(p->tui);
	strbuf sb = STRBUF_INIT;
	char *addr = address_text(&a), *term = term_text(&a), *status = status_text(&a);
	char *bal = money_format_locale(a.balance_cents, ms);
	char *usage = money_format_locale(a.expected_usage_cents, ms);
	add_line(&sb, _("Holder"), a.holder);
	add_line(&sb, _("Company"), a.company);
	add_line(&sb, _("Email"), a.email);
	add_line(&sb, _("Phone"), a.phone);
	add_line(&sb, _("Address"), addr);
	add_line(&sb, _("Language"), a.language && strcmp(a.language, "en") == 0 ? _("English") : _("French"));
	add_line(&sb, _("Statements by"), a.delivery);
	add_line(&sb, _("Customer kind"), a.kind && strcmp(a.kind, "consumer") == 0 ? _("Consumer") : _("Business"));
	add_line(&sb, _("Service level"), level_long(a.level));
	add_line(&sb, _("Term"), term);
	add_line(&sb, _("voip.ms client"), a.voipms_client);
	add_line(&sb, _("Status"), status);
	add_line(&sb, _("Signed on"), a.signed_on);
	add_line(&sb, _("Welcome call"), a.welcome_call);
	add_line(&sb, _("Balance"), bal);
	add_line(&sb, _("Expected usage"), usage);
	add_line(&sb, _("High risk"), yes_no(a.high_risk));
	add_line(&sb, _("Flagged for closure"), yes_no(a.flagged_for_closure));
	char *created = who_when(a.created_at, a.created_by);
	char *updated = who_when(a.updated_at, a.updated_by);
	add_line(&sb, _("Created"), created);
	add_line(&sb, _("Updated"), updated);
	free(created);
	free(updated);
	struct paymethod *pms = NULL;
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	if (paymethod_list(tui_db(p->tui), a.id, false, &pms, &n, &err) == KC_OK) {
		strbuf_appendf(&sb, "\n%s\n", _("Payment methods (ACC-8)"));
		for (size_t i = 0; i < n; i++) {
			char *m = paymethod_masked(&pms[i]);
			strbuf_appendf(&sb, "  %s%s\n", m ? m : "?", pms[i].is_default ? _(" (default)") : "");
			free(m);
		}
		if (n == 0)
			strbuf_appendf(&sb, "  %s\n", _("none"));
		paymethods_free(&pms, n);
	}
	kc_error_clear(&err);
	open_account_extra(p, &a, &sb);
	const char *consumer = account_consumer_warning(&a);
	if (consumer)
		strbuf_appendf(&sb, "\n%s\n", consumer);
	char *title = kc_asprintf("%s  %s", a.number, a.holder);
	form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
	free(title);
	free(addr);
	free(term);
	free(status);
	free(bal);
	free(usage);
	strbuf_free(&sb);
	account_clear(&a);
	return PANE_REDRAW;
}

static unsigned open_view(struct pane *p, const struct pane_ops *ops, bool history)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	const char *number = sel->cells[COL_NUMBER] ? sel->cells[COL_NUMBER] : "";
	char *title = history ? kc_asprintf(_("History of %s"), number)
		: kc_asprintf(_("Payment methods of %s"), number);
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, ops, sel->id, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

/* Issue 5: the account's calls per billing cycle. */
static unsigned open_usage(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	char *title = kc_asprintf(_("Usage of %s"), sel->cells[COL_NUMBER] ? sel->cells[COL_NUMBER] : "");
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_usage_ops, sel->id, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

static unsigned sync_usage(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	char *number = sel && sel->cells[COL_NUMBER] ? kc_strdup(sel->cells[COL_NUMBER]) : NULL;
	unsigned r = pane_usage_sync(p, sel ? sel->id : 0, number);
	free(number);
	return r;
}

/* HIS-1: the audit trail of the selected account's own record. */
static unsigned account_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	return pane_audit_record(p, "account", sel->id, sel->cells[COL_NUMBER]);
}

static unsigned accounts_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return open_account(p);
	case ACTION_FILTER: return filter_status(p);
	case ACTION_CREATE: return account_create_form(p);
	case ACTION_EDIT: return account_edit_form(p);
	case ACTION_ACTIVATE:
	case ACTION_SUSPEND:
	case ACTION_CLOSE:
	case ACTION_REOPEN:
		return step_form_run(p, a);
	case ACTION_REINSTATE:
	case ACTION_HIGH_RISK:
		return confirm_step(p, a);
	case ACTION_HISTORY: return open_view(p, &pane_history_ops, true);
	case ACTION_PAYMETHODS: return open_view(p, &pane_paymethods_ops, false);
	case ACTION_USAGE: return open_usage(p);
	case ACTION_SYNC: return sync_usage(p);
	case ACTION_RECORD_AUDIT: return account_audit(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_accounts_ops = {
	.name = N_("Accounts"),
	.empty = N_("No accounts: press c to create one"),
	.columns = account_columns,
	.n_columns = N_COLS,
	.hints = account_hints,
	.actions = account_actions,
	.init = accounts_init,
	.fini = accounts_fini,
	.fetch = accounts_fetch,
	.find = accounts_find,
	.key_free = cursor_free,
	.count = accounts_count,
	.draw_detail = accounts_detail,
	.action = accounts_action,
	.invalidate = accounts_invalidate,
};

/* --- payment methods of one account (ACC-8) ------------------------------ */

enum pm_col { PM_KIND, PM_CARD, PM_EXPIRY, PM_LABEL, PM_DEFAULT, PM_STATE, PM_N_COLS };

static const struct pane_column pm_columns[PM_N_COLS] = {
	[PM_KIND] = { N_("Method"), 10, 0, false, -1 },
	[PM_CARD] = { N_("Card"), 10, 0, false, -1 },
	[PM_EXPIRY] = { N_("Expiry"), 7, 0, false, -1 },
	[PM_LABEL] = { N_("Label"), 12, 1, false, -1 },
	[PM_DEFAULT] = { N_("Default"), 8, 0, false, -1 },
	[PM_STATE] = { N_("Removed"), 20, 0, false, -1 },
};

static const enum action_id pm_hints[] = { ACTION_CREATE, ACTION_REMOVE, ACTION_SET_DEFAULT, ACTION_NONE };
static const enum action_id pm_actions[] = { ACTION_CREATE, ACTION_REMOVE, ACTION_SET_DEFAULT,
	ACTION_RECORD_AUDIT, ACTION_NONE };

struct pm_state {
	int64_t account_id;
};

static kc_status pm_init(struct pane *p, int64_t arg, kc_error *err)
{
	struct pm_state *s = calloc(1, sizeof *s);
	if (!s)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	s->account_id = arg;
	p->priv = s;
	return KC_OK;
}

static void pm_fini(struct pane *p)
{
	free(p->priv);
	p->priv = NULL;
}

static const char *pm_kind_label(const char *kind)
{
	if (!kind)
		return "";
	if (strcmp(kind, "visa") == 0)
		return "Visa";
	if (strcmp(kind, "mastercard") == 0)
		return "MasterCard";
	if (strcmp(kind, "cheque") == 0)
		return _("Cheque");
	if (strcmp(kind, "wire") == 0)
		return _("Wire transfer");
	return kind;
}

/* An account has a handful of methods: the whole list is one page. */
static kc_status pm_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	(void)backward;
	*n = 0;
	if (from)
		return KC_OK;
	struct pm_state *s = p->priv;
	struct paymethod *list = NULL;
	size_t count = 0;
	kc_status st = paymethod_list(tui_db(p->tui), s->account_id, true, &list, &count, err);
	if (st != KC_OK)
		return st;
	for (size_t i = 0; i < count && *n < max; i++) {
		const struct paymethod *m = &list[i];
		struct pane_row *r = &out[*n];
		if (!pane_row_alloc(r, PM_N_COLS))
			break;
		r->id = m->id;
		pane_row_set(r, PM_KIND, kc_strdup(pm_kind_label(m->kind)));
		pane_row_set(r, PM_CARD, m->last4 ? kc_asprintf("**** %s", m->last4) : kc_strdup(""));
		pane_row_set(r, PM_EXPIRY, kc_strdup(m->expiry ? m->expiry : ""));
		pane_row_set(r, PM_LABEL, kc_strdup(m->label ? m->label : ""));
		pane_row_set(r, PM_DEFAULT, kc_strdup(m->is_default ? _("default") : ""));
		pane_row_set(r, PM_STATE, kc_strdup(m->removed_at ? m->removed_at : ""));
		if (m->removed_at)
			r->role = THEME_DIM;
		(*n)++;
	}
	paymethods_free(&list, count);
	return KC_OK;
}

static void pm_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	(void)p;
	pane_detail_title(w, sel ? sel->cells[PM_KIND] : NULL);
	if (!sel)
		return;
	int width = getmaxx(w) - 2;
	int y = 1;
	y = pane_detail_pair(w, y, 1, width, _("Card"), sel->cells[PM_CARD], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Expiry"), sel->cells[PM_EXPIRY], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Label"), sel->cells[PM_LABEL], THEME_NORMAL);
	if (sel->cells[PM_STATE] && *sel->cells[PM_STATE])
		y = pane_detail_pair(w, y, 1, width, _("Removed"), sel->cells[PM_STATE], THEME_DIM);
	theme_set(w, THEME_DIM);
	theme_puts(w, y + 1, 1, _("Only the brand, the last four digits, the expiry and the processor's "
		"token are kept (ACC-8)."), width);
	theme_set(w, THEME_NORMAL);
}

static const char *const pm_kind_values[] = { "visa", "mastercard", "cheque", "wire", NULL };

struct pm_form {
	struct pane *pane;
};

static kc_status pm_add_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct pm_form *pf = ctx;
	struct pm_state *s = pf->pane->priv;
	int64_t id = 0;
	*bad_tag = -1;
	return paymethod_add(tui_db(pf->pane->tui), s->account_id, form_value(f, TAG_KIND),
		form_value(f, TAG_LAST4), form_value(f, TAG_EXPIRY), form_value(f, TAG_TOKEN),
		form_value(f, TAG_LABEL), &id, err);
}

static unsigned pm_add(struct pane *p)
{
	const char *kind_labels[5] = { "Visa", "MasterCard", _("Cheque"), _("Wire transfer"), NULL };
	struct pm_form pf = { p };
	struct form *f = form_new(_("New payment method"));
	if (!f)
		return PANE_REDRAW;
	form_set_info(f, _("Never type a full card number or a security code (ACC-8)."));
	form_add_choice(f, TAG_KIND, _("Method"), pm_kind_values, kind_labels, "visa");
	form_add_text(f, TAG_LAST4, _("Last four digits"), NULL, 4);
	form_add_text(f, TAG_EXPIRY, _("Expiry (YYYY-MM)"), NULL, 7);
	form_add_text(f, TAG_TOKEN, _("Processor token"), NULL, 128);
	form_add_text(f, TAG_LABEL, _("Label"), NULL, 100);
	form_set_callbacks(f, pm_add_save, NULL, &pf);
	enum form_result r = form_run(p->tui, f);
	form_free(&f);
	if (r != FORM_SAVED)
		return PANE_REDRAW;
	tui_message(p->tui, THEME_MESSAGE, "%s", _("Payment method added"));
	return PANE_REDRAW | PANE_RELOAD;
}

static unsigned pm_remove(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	int64_t id = sel->id;
	char *reason = form_prompt_text(p->tui, _("Remove payment method"), _("Reason"), NULL);
	if (!reason)
		return PANE_REDRAW;
	kc_error err = KC_ERROR_INIT;
	unsigned res = PANE_REDRAW;
	if (paymethod_remove(tui_db(p->tui), id, reason, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		tui_message(p->tui, THEME_MESSAGE, "%s", _("Payment method removed"));
		res |= PANE_RELOAD;
	}
	kc_error_clear(&err);
	free(reason);
	return res;
}

static unsigned pm_default(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	kc_error err = KC_ERROR_INIT;
	unsigned res = PANE_REDRAW;
	if (paymethod_set_default(tui_db(p->tui), sel->id, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		tui_message(p->tui, THEME_MESSAGE, "%s", _("Default payment method changed"));
		res |= PANE_RELOAD;
	}
	kc_error_clear(&err);
	return res;
}

/* HIS-1: the audit trail of the selected payment method. */
static unsigned pm_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	char *what = kc_asprintf(_("payment method %lld"), (long long)sel->id);
	unsigned r = pane_audit_record(p, "payment_method", sel->id, what);
	free(what);
	return r;
}

static unsigned pm_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_CREATE: return pm_add(p);
	case ACTION_REMOVE: return pm_remove(p);
	case ACTION_SET_DEFAULT: return pm_default(p);
	case ACTION_RECORD_AUDIT: return pm_audit(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_paymethods_ops = {
	.name = N_("Payment methods"),
	.empty = N_("No payment method: press c to add one"),
	.columns = pm_columns,
	.n_columns = PM_N_COLS,
	.hints = pm_hints,
	.actions = pm_actions,
	.init = pm_init,
	.fini = pm_fini,
	.fetch = pm_fetch,
	.draw_detail = pm_detail,
	.action = pm_action,
};
