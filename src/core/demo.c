/* demo.c: reproducible demo data through the core functions (see demo.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "billing.h"
#include "date.h"
#include "demo.h"
#include "money.h"
#include "paymethod.h"
#include "strbuf.h"
#include "sync.h"
#include "termination.h"
#include "ticket.h"

/* ---------------------------------------------------------------------- */
/* PRNG: splitmix64, one independent stream per (seed, step, account).     */

typedef struct demo_rng {
	uint64_t s;
} demo_rng;

static uint64_t rng_next(demo_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static demo_rng rng_for(uint64_t seed, unsigned step, int64_t index)
{
	demo_rng r = { seed ^ (UINT64_C(0xD1B54A32D192ED03) * (step + 1)) };
	r.s ^= UINT64_C(0x8CB92BA72F3D8DD7) * (uint64_t)(index + 1);
	(void)rng_next(&r); /* mix the combined seed once */
	return r;
}

/* Uniform in [0, n); the modulo bias is irrelevant for demo data. */
static uint32_t rng_below(demo_rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static int64_t rng_range(demo_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* True with probability per_mille / 1000. */
static bool rng_chance(demo_rng *r, unsigned per_mille)
{
	return rng_below(r, 1000) < per_mille;
}

#define PICK(r, arr) ((arr)[rng_below((r), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])
#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* ---------------------------------------------------------------------- */
/* Word lists.  Customer data, not user interface: never translated.       */

static const char *const first_fr[] = {
	"Marie", "Jean", "Sophie", "Mathieu", "Geneviève", "Étienne", "Chloé",
	"Benoît", "Hélène", "François", "Josée", "Stéphane", "Frédéric",
	"Mélanie", "Isabelle", "Élise", "Amélie", "Gaétan", "Réjean", "Nathalie",
	"Sylvain", "Julie", "Luc", "Catherine", "Maxime", "Véronique", "Pierre",
	"Annie", "Guillaume", "Émilie", "Jérôme", "Karine", "Olivier", "Mireille",
	"Simon", "Andrée", "Louis", "Claudette", "Félix", "Gabrielle",
};
static const char *const first_en[] = {
	"James", "Emily", "Michael", "Sarah", "David", "Jennifer", "Robert",
	"Jessica", "William", "Ashley", "Daniel", "Megan", "Christopher",
	"Laura", "Matthew", "Rachel", "Andrew", "Heather", "Ryan", "Amanda",
	"Kevin", "Lisa", "Brian", "Karen", "Sean", "Nicole", "Patrick", "Erin",
	"Liam", "Olivia",
};
static const char *const last_fr[] = {
	"Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin",
	"Lavoie", "Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger",
	"Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
	"Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier",
	"Fournier", "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault",
	"St-Pierre", "Nadeau", "Martel", "Gilbert", "Hébert", "Desjardins",
	"Lemieux", "Mercier", "Béland", "Charbonneau", "Thériault",
};
static const char *const last_en[] = {
	"Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Taylor",
	"Thompson", "Murphy", "Johnston", "O'Brien", "Fraser", "Robertson",
	"Stewart", "Scott", "Reid", "Mitchell", "Walsh", "Kelly", "Young",
	"Clarke", "Morrison", "Graham", "Ferguson", "McKenzie", "Baker",
};

/* Company names are before + a last name + after. */
struct affix {
	const char *before, *after;
};
static const struct affix company_fr[] = {
	{ "Plomberie ", "" }, { "Électricité ", " inc." },
	{ "Clinique dentaire ", "" }, { "Notaires ", " et associés" },
	{ "Transport ", " ltée" }, { "Boulangerie ", "" },
	{ "Cabinet ", " avocats" }, { "Garage ", " et fils" },
	{ "Pharmacie ", "" }, { "Construction ", " inc." },
	{ "Comptables ", " S.E.N.C." }, { "Toitures ", "" },
	{ "Immeubles ", " inc." }, { "Traiteur ", "" },
	{ "Quincaillerie ", "" }, { "Les Entreprises ", "" },
};
static const struct affix company_en[] = {
	{ "", " Plumbing Ltd." }, { "", " Dental Clinic" },
	{ "", " & Associates" }, { "", " Law Office" },
	{ "", " Consulting Inc." }, { "", " Auto Repair" },
	{ "", " Construction Ltd." }, { "", " Accounting" },
	{ "", " Bakery" }, { "", " Realty Inc." }, { "", " Roofing" },
	{ "", " Catering" }, { "", " Logistics" }, { "", " Insurance Brokers" },
};

static const char *const streets_fr[] = {
	"rue Saint-Denis", "boulevard René-Lévesque", "rue Sherbrooke Ouest",
	"avenue du Parc", "chemin de la Côte-des-Neiges", "rue Notre-Dame Est",
	"boulevard Saint-Laurent", "rue Saint-Jean", "avenue Cartier",
	"boulevard des Laurentides", "rue King Ouest", "rue Principale",
	"chemin Sainte-Foy", "rue de l'Église", "boulevard Maloney",
};
static const char *const streets_en[] = {
	"King Street West", "Bank Street", "Barrington Street", "Yonge Street",
	"Main Street", "Queen Street", "Portage Avenue", "Jasper Avenue",
	"Granville Street", "Water Street", "Albert Street", "Elgin Street",
	"Victoria Avenue", "Wellington Street",
};

struct city {
	const char *name;
	const char *postal;  /* forward sortation area */
	const char *area;    /* telephone area code */
};
struct province {
	const char *code;
	unsigned weight;     /* per mille */
	unsigned french;     /* per mille of French-speaking holders */
	const struct city *cities;
	size_t n_cities;
};

static const struct city qc_cities[] = {
	{ "Montréal", "H2X", "514" }, { "Montréal", "H3B", "438" },
	{ "Laval", "H7N", "450" }, { "Québec", "G1R", "418" },
	{ "Gatineau", "J8X", "819" }, { "Sherbrooke", "J1H", "819" },
	{ "Trois-Rivières", "G9A", "819" }, { "Longueuil", "J4K", "450" },
	{ "Saguenay", "G7H", "418" }, { "Lévis", "G6V", "418" },
};
static const struct city on_cities[] = {
	{ "Toronto", "M5V", "416" }, { "Toronto", "M4W", "647" },
	{ "Ottawa", "K1P", "613" }, { "Mississauga", "L5B", "905" },
	{ "Hamilton", "L8P", "905" }, { "London", "N6A", "519" },
	{ "Kingston", "K7L", "613" }, { "Sudbury", "P3E", "705" },
};
static const struct city nb_cities[] = {
	{ "Moncton", "E1C", "506" }, { "Fredericton", "E3B", "506" },
	{ "Edmundston", "E3V", "506" },
};
static const struct city ns_cities[] = { { "Halifax", "B3J", "902" }, { "Sydney", "B1P", "902" } };
static const struct city nl_cities[] = { { "St. John's", "A1C", "709" } };
static const struct city pe_cities[] = { { "Charlottetown", "C1A", "902" } };
static const struct city mb_cities[] = { { "Winnipeg", "R3C", "204" } };
static const struct city sk_cities[] = { { "Regina", "S4P", "306" }, { "Saskatoon", "S7K", "306" } };
static const struct city ab_cities[] = { { "Calgary", "T2P", "403" }, { "Edmonton", "T5J", "780" } };
static const struct city bc_cities[] = { { "Vancouver", "V6B", "604" }, { "Victoria", "V8W", "250" } };
static const struct city yt_cities[] = { { "Whitehorse", "Y1A", "867" } };
static const struct city nt_cities[] = { { "Yellowknife", "X1A", "867" } };
static const struct city nu_cities[] = { { "Iqaluit", "X0A", "867" } };

#define P(code, w, fr, c) { code, w, fr, c, COUNT(c) }
/* Weights add up to 1000: a Quebec reseller, most customers in QC and ON. */
static const struct province provinces[] = {
	P("QC", 600, 850, qc_cities), P("ON", 250, 120, on_cities),
	P("NB", 30, 350, nb_cities), P("NS", 20, 40, ns_cities),
	P("AB", 25, 30, ab_cities), P("BC", 25, 30, bc_cities),
	P("MB", 15, 50, mb_cities), P("SK", 10, 20, sk_cities),
	P("NL", 10, 10, nl_cities), P("PE", 6, 40, pe_cities),
	P("YT", 3, 30, yt_cities), P("NT", 3, 30, nt_cities),
	P("NU", 3, 20, nu_cities),
};
#undef P

/* ---------------------------------------------------------------------- */
/* The plan: what each account becomes, decided in the first step.         */

enum demo_state { DEMO_PENDING, DEMO_ACTIVE, DEMO_SUSPENDED, DEMO_CLOSED };

enum {
	DEMO_HIGH_RISK = 1 << 0,   /* pending, documents requested (ACC-11) */
	DEMO_CLEARED = 1 << 1,     /* was high risk, cleared, then activated */
	DEMO_BARRED = 1 << 2,      /* closed and barred from reopening (ACC-10) */
	DEMO_REOPENED = 1 << 3,    /* closed once, reopened (TRM-8) */
	DEMO_FRENCH = 1 << 4,      /* holder speaks French */
};

struct demo_account {
	int64_t id;
	int64_t signed_day;  /* days since 1970-01-01 */
	int64_t welcome_day; /* valid when state != DEMO_PENDING */
	const char *holder;  /* for reopening; points into the plan's names */
	uint8_t state, flags;
};

struct demo_run {
	kc_db *db;
	uint64_t seed;
	int64_t n;
	int batch;
	int64_t today;                 /* days since 1970-01-01 */
	struct demo_account *acct;     /* n entries */
	char **holders;                /* n heap strings */
	demo_progress_fn progress;
	void *progress_ctx;
	int64_t terminations;          /* requests made by the terminations step */
	int64_t history_stride;        /* every k-th account gets a history */
};

static void day_text(int64_t day, char buf[static DATE_BUFSZ])
{
	date_format(date_civil_from_days(day), buf);
}

/* ---------------------------------------------------------------------- */
/* Step 1: accounts.                                                       */

/* Lower-case ASCII letters and digits of a UTF-8 name, accents folded. */
static void append_slug(strbuf *sb, const char *s)
{
	/* Latin-1 supplement U+00C0..U+00FF, as two-byte UTF-8 C3 80..C3 BF. */
	static const char fold[] =
		"aaaaaaaceeeeiiiidnooooo/ouuuuyts"
		"aaaaaaaceeeeiiiidnooooo/ouuuuyty";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			strbuf_appendc(sb, (char)*p);
		else if (*p >= 'A' && *p <= 'Z')
			strbuf_appendc(sb, (char)(*p - 'A' + 'a'));
		else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			char c = fold[p[1] - 0x80];
			if (c >= 'a' && c <= 'z')
				strbuf_appendc(sb, c);
			p++;
		}
	}
}

static const struct province *pick_province(demo_rng *r, int64_t index)
{
	if (index < (int64_t)COUNT(provinces))
		return &provinces[index]; /* every province appears */
	uint32_t x = rng_below(r, 1000);
	for (size_t i = 0; i < COUNT(provinces); i++) {
		if (x < provinces[i].weight)
			return &provinces[i];
		x -= provinces[i].weight;
	}
	return &provinces[0];
}

/* The target state; the first accounts cover every state and flag. */
static void plan_state(demo_rng *r, int64_t index, struct demo_account *a)
{
	static const struct {
		uint8_t state, flags;
	} first[] = {
		{ DEMO_ACTIVE, 0 }, { DEMO_PENDING, 0 }, { DEMO_SUSPENDED, 0 },
		{ DEMO_CLOSED, 0 }, { DEMO_CLOSED, DEMO_BARRED },
		{ DEMO_PENDING, DEMO_HIGH_RISK }, { DEMO_ACTIVE, DEMO_REOPENED },
		{ DEMO_ACTIVE, DEMO_CLEARED },
	};
	if (index < (int64_t)COUNT(first)) {
		a->state = first[index].state;
		a->flags |= first[index].flags;
		return;
	}
	uint32_t x = rng_below(r, 1000);
	if (x < 80) {
		a->state = DEMO_PENDING;
		if (rng_chance(r, 250))
			a->flags |= DEMO_HIGH_RISK;
	} else if (x < 820) {
		a->state = DEMO_ACTIVE;
		if (rng_chance(r, 20))
			a->flags |= DEMO_CLEARED;
		else if (rng_chance(r, 15))
			a->flags |= DEMO_REOPENED;
	} else if (x < 900) {
		a->state = DEMO_SUSPENDED;
	} else {
		a->state = DEMO_CLOSED;
		if (rng_chance(r, 350))
			a->flags |= DEMO_BARRED;
	}
}

static void plan_dates(demo_rng *r, int64_t today, struct demo_account *a)
{
	if (a->state == DEMO_PENDING) {
		/* Recent signatures; those past 14 days show as overdue (ACC-3). */
		a->signed_day = today - rng_range(r, 0, 30);
		return;
	}
	a->signed_day = today - rng_range(r, 0, 3 * 365);
	a->welcome_day = a->signed_day + rng_range(r, 1, 14);
	if (a->welcome_day > today)
		a->welcome_day = today;
}

/* Everything a holder gets, as heap strings owned by the struct. */
struct demo_person {
	strbuf holder, company, email, phone, address, postal;
};

static void person_free(struct demo_person *p)
{
	strbuf_free(&p->holder);
	strbuf_free(&p->company);
	strbuf_free(&p->email);
	strbuf_free(&p->phone);
	strbuf_free(&p->address);
	strbuf_free(&p->postal);
}

static void make_person(demo_rng *r, const struct city *city,
	bool french, bool consumer, struct demo_person *p)
{
	/* Quebec is bilingual: names cross languages now and then. */
	const char *first = rng_chance(r, 150) != french ? PICK(r, first_fr) : PICK(r, first_en);
	const char *last = rng_chance(r, 150) != french ? PICK(r, last_fr) : PICK(r, last_en);
	strbuf_appendf(&p->holder, "%s %s", first, last);

	if (!consumer) {
		const struct affix *af = french ? &PICK(r, company_fr) : &PICK(r, company_en);
		const char *name = rng_chance(r, 300) ? city->name : last;
		strbuf_appendf(&p->company, "%s%s%s", af->before, name, af->after);
	}
	/* Addresses under the reserved .example domain: mail never leaves. */
	append_slug(&p->email, first);
	strbuf_appendc(&p->email, '.');
	append_slug(&p->email, last);
	if (consumer) {
		strbuf_appendf(&p->email, "%02u@courriel.example", (unsigned)rng_below(r, 100));
	} else {
		strbuf_appendc(&p->email, '@');
		append_slug(&p->email, strbuf_cstr(&p->company));
		strbuf_append(&p->email, ".example");
	}

	/* 555-01xx numbers are reserved for fiction. */
	strbuf_appendf(&p->phone, "%s-555-01%02u", city->area, (unsigned)rng_below(r, 100));
	const char *street = french ? PICK(r, streets_fr) : PICK(r, streets_en);
	/* Canada Post: "1234, rue Saint-Denis" in French, "1234 Bank Street". */
	strbuf_appendf(&p->address, french ? "%u, %s" : "%u %s", (unsigned)rng_range(r, 1, 9999),
		street);
	static const char letters[] = "ABCEGHJKLMNPRSTVWXYZ";
	strbuf_appendf(&p->postal, "%s %u%c%u", city->postal, (unsigned)rng_below(r, 10),
		letters[rng_below(r, sizeof letters - 1)], (unsigned)rng_below(r, 10));
}

static kc_status create_one(struct demo_run *run, int64_t i, kc_error *err)
{
	demo_rng r = rng_for(run->seed, 0, i);
	struct demo_account *a = &run->acct[i];
	const struct province *pv = pick_province(&r, i);
	const struct city *city = &pv->cities[rng_below(&r, (uint32_t)pv->n_cities)];
	bool french = rng_chance(&r, pv->french);
	bool consumer = rng_chance(&r, 150);
	if (french)
		a->flags |= DEMO_FRENCH;
	plan_state(&r, i, a);
	plan_dates(&r, run->today, a);

	struct demo_person p = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
		STRBUF_INIT, STRBUF_INIT };
	make_person(&r, city, french, consumer, &p);

	bool full = (i == 1) || (i > 1 && rng_chance(&r, 350));
	kc_cents usage = full ? rng_range(&r, 100, 1500) * 100 : rng_range(&r, 10, 200) * 100;
	usage += rng_chance(&r, 500) ? rng_range(&r, 0, 99) : 0;
	char *usage_text = money_format_plain(usage);
	char client[24], signed_on[DATE_BUFSZ];
	snprintf(client, sizeof client, "%" PRId64, INT64_C(300001) + i);
	day_text(a->signed_day, signed_on);
	static const char *const deliveries[] = { "email", "email", "email", "portal,email",
		"portal", "mail", "email,mail" };

	struct account_fields f = {
		.holder = strbuf_cstr(&p.holder),
		.company = strbuf_cstr(&p.company),
		.email = strbuf_cstr(&p.email),
		.phone = strbuf_cstr(&p.phone),
		.address = strbuf_cstr(&p.address),
		.city = city->name,
		.postal_code = strbuf_cstr(&p.postal),
		.province = pv->code,
		.language = french ? "fr" : "en",
		.delivery = PICK(&r, deliveries),
		.kind = consumer ? "consumer" : "business",
		.level = full ? "fully_administered" : "basic",
		.term = rng_chance(&r, 250) ? "annual" : "monthly",
		.voipms_client = client,
		.signed_on = signed_on,
		.expected_usage = usage_text,
	};
	kc_status st = KC_ERR_NOMEM;
	if (usage_text && !strbuf_failed(&p.holder) && !strbuf_failed(&p.company) &&
	    !strbuf_failed(&p.email) && !strbuf_failed(&p.phone) &&
	    !strbuf_failed(&p.address) && !strbuf_failed(&p.postal)) {
		st = account_create(run->db, &f, &a->id, NULL, err);
		if (st == KC_OK) {
			run->holders[i] = strbuf_detach(&p.holder);
			a->holder = run->holders[i];
			if (!a->holder)
				st = KC_ERR_NOMEM;
		}
	}
	if (st == KC_ERR_NOMEM && (!err || !err->message))
		kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	free(usage_text);
	person_free(&p);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Step 2: payment methods (ACC-8): fake last four digits, never a card.   */

static kc_status add_card(struct demo_run *run, demo_rng *r, int64_t account_id, bool french,
	int64_t *out_id, kc_error *err)
{
	const char *kind = rng_chance(r, 600) ? "visa" : "mastercard";
	char last4[8], expiry[16], token[24];
	snprintf(last4, sizeof last4, "%04u", (unsigned)rng_below(r, 10000));
	kc_date exp = date_civil_from_days(run->today);
	int months = exp.month - 1 + (int)rng_range(r, 2, 60);
	snprintf(expiry, sizeof expiry, "%04d-%02d", exp.year + months / 12, months % 12 + 1);
	/* Letters only: nothing that could look like a card or security code. */
	memcpy(token, "tok_", 4);
	for (int k = 0; k < 16; k++)
		token[4 + k] = (char)('a' + rng_below(r, 26));
	token[20] = '\0';
	const char *label = french ? (rng_chance(r, 500) ? "Carte principale" : "Carte de l'entreprise")
				   : (rng_chance(r, 500) ? "Main card" : "Company card");
	return paymethod_add(run->db, account_id, kind, last4, expiry, token, label, out_id, err);
}

static kc_status add_other(struct demo_run *run, demo_rng *r, int64_t account_id, bool french,
	kc_error *err)
{
	bool cheque = rng_chance(r, 650);
	const char *label;
	if (cheque)
		label = french ? "Chèques postdatés" : "Post-dated cheques";
	else
		label = french ? "Virement Desjardins" : "Wire from RBC";
	int64_t id;
	return paymethod_add(run->db, account_id, cheque ? "cheque" : "wire", NULL, NULL, NULL,
		label, &id, err);
}

static kc_status paymethods_one(struct demo_run *run, int64_t i, kc_error *err)
{
	demo_rng r = rng_for(run->seed, 1, i);
	const struct demo_account *a = &run->acct[i];
	bool french = a->flags & DEMO_FRENCH;
	int64_t card = 0;
	kc_status st;
	if (rng_chance(&r, 700))
		st = add_card(run, &r, a->id, french, &card, err);
	else
		st = add_other(run, &r, a->id, french, err);
	if (st != KC_OK || !rng_chance(&r, 250))
		return st;
	/* A second method; now and then the first card is withdrawn (PAY-5). */
	int64_t second;
	st = rng_chance(&r, 500) ? add_card(run, &r, a->id, french, &second, err)
				 : add_other(run, &r, a->id, french, err);
	if (st == KC_OK && card && rng_chance(&r, 100))
		st = paymethod_remove(run->db, card,
			french ? "Transaction non autorisée signalée par le client"
			       : "Unauthorized transaction reported by the customer", err);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Step 3: lifecycle (ACC-3, ACC-9, ACC-10, ACC-11, TRM-8).                */

static const char *const suspend_reasons[] = { "overdue", "chargeback", "reassessment", "breach" };
static const char *const close_reasons[] = { "law", "terms_violation", "insolvency", "harm",
	"complaints" };

static kc_status activate(struct demo_run *run, const struct demo_account *a, kc_error *err)
{
	char day[DATE_BUFSZ];
	day_text(a->welcome_day, day);
	kc_status st = KC_OK;
	if (a->flags & DEMO_CLEARED) {
		st = account_set_high_risk(run->db, a->id, 0, true, err);
		if (st == KC_OK)
			st = account_set_high_risk(run->db, a->id, 0, false, err);
	}
	return st == KC_OK ? account_activate(run->db, a->id, 0, day, err) : st;
}

static kc_status suspend(struct demo_run *run, demo_rng *r, const struct demo_account *a,
	kc_error *err)
{
	bool french = a->flags & DEMO_FRENCH;
	const char *reason = PICK(r, suspend_reasons);
	const char *note = french ? "Suspendu selon l'entente de services" :
				    "Suspended under the services agreement";
	return account_suspend(run->db, a->id, 0, reason, note, err);
}

static kc_status lifecycle_one(struct demo_run *run, int64_t i, kc_error *err)
{
	demo_rng r = rng_for(run->seed, 2, i);
	const struct demo_account *a = &run->acct[i];
	if (a->state == DEMO_PENDING)
		return (a->flags & DEMO_HIGH_RISK) ? account_set_high_risk(run->db, a->id, 0, true, err)
						   : KC_OK;
	kc_status st = activate(run, a, err);
	if (st != KC_OK)
		return st;
	switch (a->state) {
	case DEMO_SUSPENDED:
		return suspend(run, &r, a, err);
	case DEMO_CLOSED:
		if (rng_chance(&r, 300) && (st = suspend(run, &r, a, err)) != KC_OK)
			return st;
		return account_close(run->db, a->id, 0, PICK(&r, close_reasons),
			(a->flags & DEMO_BARRED) != 0, err);
	default:
		break;
	}
	if (!(a->flags & DEMO_REOPENED))
		return KC_OK;
	st = account_close(run->db, a->id, 0, "complaints", false, err);
	if (st == KC_OK)
		st = account_reopen(run->db, a->id, 0, a->holder,
			(a->flags & DEMO_FRENCH) ? "Permis de conduire vérifié en personne"
						 : "Driver's licence checked in person", err);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Terminations (TRM-1..8): the first active accounts get one request at   */
/* each stage of termination_demo(), then about 4% of the others.          */

static kc_status terminations_one(struct demo_run *run, int64_t i, kc_error *err)
{
	const struct demo_account *a = &run->acct[i];
	if (a->state != DEMO_ACTIVE || a->signed_day + 60 > run->today)
		return KC_OK;
	demo_rng r = rng_for(run->seed, 3, i);
	int64_t stage = run->terminations < TERMINATION_DEMO_STAGES ? run->terminations++
		: rng_chance(&r, 40) ? (int64_t)rng_below(&r, TERMINATION_DEMO_STAGES) : -1;
	return stage < 0 ? KC_OK : termination_demo(run->db, a->id, a->holder,
		(enum termination_demo_stage)stage, date_civil_from_days(run->today), err);
}

/* Tickets (TKT, SLA): a few per account, see ticket_demo_account(). */
static kc_status tickets_one(struct demo_run *run, int64_t i, kc_error *err)
{
	demo_rng r = rng_for(run->seed, 4, i);
	return ticket_demo_account(run->db, rng_next(&r), run->acct[i].id, i, err);
}

/* Billing (BIL, PAY): invoices from the welcome call to today, payments,
 * a few chargebacks and disputes, see billing_demo_account(). */
static kc_status billing_one(struct demo_run *run, int64_t i, kc_error *err)
{
	const struct demo_account *a = &run->acct[i];
	if (a->state != DEMO_ACTIVE && a->state != DEMO_SUSPENDED)
		return KC_OK;
	demo_rng r = rng_for(run->seed, 5, i);
	return billing_demo_account(run->db, rng_next(&r), a->id, date_civil_from_days(run->today),
		err);
}

/* ---------------------------------------------------------------------- */
/* voip.ms usage: made-up CDR answers through the real parser and import.  */

static kc_status usage_one(struct demo_run *run, int64_t i, kc_error *err)
{
	const struct demo_account *a = &run->acct[i];
	if (a->state == DEMO_PENDING)
		return KC_OK;
	demo_rng r = rng_for(run->seed, 10, i); /* stream 10: usage */
	int64_t first = a->welcome_day > run->today - 60 ? a->welcome_day : run->today - 60;
	return sync_demo_usage(run->db, a->id, rng_next(&r), date_civil_from_days(first),
		date_civil_from_days(run->today), err);
}

/* ---------------------------------------------------------------------- */
/* The steps, run in order over every account.                             */

typedef kc_status (*demo_step_fn)(struct demo_run *run, int64_t index, kc_error *err);

static const struct demo_step {
	const char *name; /* N_(): translated when reported */
	demo_step_fn fn;
	bool history;     /* only for the accounts chosen to have a history */
} steps[] = {
	{ N_("Accounts"), create_one, false },
	{ N_("Payment methods"), paymethods_one, false },
	{ N_("Account lifecycle"), lifecycle_one, false },
	{ N_("voip.ms usage"), usage_one, true },
	{ N_("Tickets"), tickets_one, true },
	{ N_("Billing history"), billing_one, true },
	{ N_("Terminations"), terminations_one, true },
};

static kc_status run_step(struct demo_run *run, const struct demo_step *step, kc_error *err)
{
	for (int64_t start = 0; start < run->n; start += run->batch) {
		int64_t end = start + run->batch < run->n ? start + run->batch : run->n;
		kc_status st = db_begin_write(run->db, err);
		if (st != KC_OK)
			return st;
		for (int64_t i = start; i < end && st == KC_OK; i++)
			if (!step->history || i % run->history_stride == 0)
				st = step->fn(run, i, err);
		if (st == KC_OK)
			st = db_commit(run->db, err);
		if (st != KC_OK) {
			db_rollback(run->db);
			return st;
		}
		if (run->progress)
			run->progress(run->progress_ctx, _(step->name), end, run->n);
	}
	return KC_OK;
}

static kc_status refuse_non_empty(kc_db *db, kc_error *err)
{
	struct account_query q = { 0 };
	int64_t n = 0;
	kc_status st = account_count(db, &q, &n, err);
	if (st == KC_OK && n > 0)
		st = kc_error_set(err, KC_ERR_RULE,
			_("The database already holds %lld accounts; demo data goes only into a new database"),
			(long long)n);
	return st;
}

kc_status demo_generate(kc_db *db, const struct demo_options *opt,
	demo_progress_fn progress, void *progress_ctx, kc_error *err)
{
	if (!db || !opt)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	int64_t n = opt->accounts ? opt->accounts : DEMO_DEFAULT_ACCOUNTS;
	if (n < 1 || n > DEMO_MAX_ACCOUNTS)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The number of demo accounts must be between 1 and %d"), DEMO_MAX_ACCOUNTS);
	int64_t history = opt->history > 0 ? opt->history
		: (n < DEMO_DEFAULT_HISTORY ? n : DEMO_DEFAULT_HISTORY);
	if (history > n)
		history = n;
	kc_status st = refuse_non_empty(db, err);
	if (st != KC_OK)
		return st;

	struct demo_run run = {
		.db = db, .seed = opt->seed, .n = n,
		.batch = opt->batch > 0 ? opt->batch : DEMO_DEFAULT_BATCH,
		.today = date_days_from_civil(date_today_local()),
		.acct = calloc((size_t)n, sizeof(struct demo_account)),
		.holders = calloc((size_t)n, sizeof(char *)),
		.progress = progress, .progress_ctx = progress_ctx,
		.history_stride = n / history,
	};
	if (!run.acct || !run.holders)
		st = kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	for (size_t s = 0; st == KC_OK && s < COUNT(steps); s++)
		st = run_step(&run, &steps[s], err);
	if (run.holders)
		for (int64_t i = 0; i < n; i++)
			free(run.holders[i]);
	free(run.holders);
	free(run.acct);
	return st;
}
