/* voipms.c: see voipms.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "voipms.h"

/* ---- names and small helpers ------------------------------------------- */

const char *voipms_failure_name(enum voipms_failure f)
{
	static const char *const names[] = {
		[VOIPMS_OK] = "ok",
		[VOIPMS_BAD_CONFIG] = "bad_config",
		[VOIPMS_BAD_CREDENTIALS] = "bad_credentials",
		[VOIPMS_API_NOT_ENABLED] = "api_not_enabled",
		[VOIPMS_IP_NOT_ENABLED] = "ip_not_enabled",
		[VOIPMS_RATE_LIMITED] = "rate_limited",
		[VOIPMS_UNAVAILABLE] = "unavailable",
		[VOIPMS_TIMEOUT] = "timeout",
		[VOIPMS_BAD_ANSWER] = "bad_answer",
		[VOIPMS_TOO_LARGE] = "too_large",
		[VOIPMS_UNKNOWN_CLIENT] = "unknown_client",
		[VOIPMS_NETWORK] = "network",
		[VOIPMS_TLS] = "tls",
		[VOIPMS_REDIRECT] = "redirect",
		[VOIPMS_API_ERROR] = "api_error",
		[VOIPMS_STOPPED] = "stopped",
		[VOIPMS_NOMEM] = "nomem",
	};
	if ((unsigned)f < sizeof names / sizeof names[0] && names[f])
		return names[f];
	return "unknown";
}

static voipms_sleep_fn sleep_hook;
static void *sleep_hook_ctx;

void voipms_set_sleep_hook(voipms_sleep_fn fn, void *ctx)
{
	sleep_hook = fn;
	sleep_hook_ctx = ctx;
}

static void wait_ms(unsigned ms)
{
	if (sleep_hook) {
		sleep_hook(ms, sleep_hook_ctx);
		return;
	}
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static kc_status set_fail(enum voipms_failure *out, enum voipms_failure f)
{
	if (out)
		*out = f;
	return f == VOIPMS_OK ? KC_OK : f == VOIPMS_NOMEM ? KC_ERR_NOMEM
		: f == VOIPMS_BAD_CONFIG ? KC_ERR_INVALID : KC_ERR_NET;
}

static kc_status nomem(enum voipms_failure *out, kc_error *err)
{
	kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	return set_fail(out, VOIPMS_NOMEM);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- url rule ------------------------------------------------------------ */

static bool is_loopback_ipv4(const char *h)
{
	int octets = 0;
	long first = -1;
	const char *p = h;
	for (;;) {
		long v = 0;
		int nd = 0;
		while (is_digit(*p) && nd < 4) {
			v = v * 10 + (*p++ - '0');
			nd++;
		}
		if (nd == 0 || nd > 3 || v > 255)
			return false;
		if (octets++ == 0)
			first = v;
		if (*p == '\0')
			break;
		if (*p++ != '.' || octets == 4)
			return false;
	}
	return octets == 4 && first == 127;
}

static bool is_loopback_host(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	       is_loopback_ipv4(host);
}

/* Is part present in the url?  (CURLUE_NO_* means absent.) */
static bool url_has(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(u, part, &v, 0);
	bool has = rc == CURLUE_OK && v && *v;
	curl_free(v);
	return has;
}

kc_status voipms_check_url(const char *url, kc_error *err)
{
	if (!url || !*url)
		return kc_error_set(err, KC_ERR_INVALID, _("The voip.ms url is not set"));
	CURLU *u = curl_url();
	if (!u)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	char *scheme = NULL, *host = NULL;
	kc_status rc = KC_OK;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
		rc = kc_error_set(err, KC_ERR_INVALID, _("The voip.ms url is not a valid web address"));
	} else if (url_has(u, CURLUPART_USER) || url_has(u, CURLUPART_PASSWORD) ||
		   url_has(u, CURLUPART_OPTIONS)) {
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The voip.ms url must not contain a user name or a password; "
			  "set them in the [voipms] settings"));
	} else if (url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT)) {
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The voip.ms url must not contain a query (\"?...\") or a fragment (\"#...\")"));
	} else if (strcasecmp(scheme, "https") == 0) {
		rc = KC_OK;
	} else if (strcasecmp(scheme, "http") == 0 && is_loopback_host(host)) {
		rc = KC_OK;
	} else {
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The voip.ms url must start with https:// (plain http:// is allowed only "
			  "for this computer, for tests)"));
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* ---- request body: every field streamed from the caller's strings ------ */

struct part_src {
	const char *data;
	size_t len, pos;
};

static size_t part_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct part_src *s = arg;
	size_t room = size * nitems, left = s->len - s->pos;
	size_t n = left < room ? left : room;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

static int part_seek(void *arg, curl_off_t offset, int origin)
{
	struct part_src *s = arg;
	if (origin != SEEK_SET || offset < 0 || (size_t)offset > s->len)
		return CURL_SEEKFUNC_FAIL;
	s->pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* curl_mime_data() would copy the value (the password) into a buffer freed
 * without wiping; a read callback over the caller's string avoids that. */
static bool add_part(curl_mime *mime, const char *name, const char *value, struct part_src *src)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	src->data = value;
	src->len = strlen(value);
	src->pos = 0;
	return part && curl_mime_name(part, name) == CURLE_OK &&
	       curl_mime_data_cb(part, (curl_off_t)src->len, part_read, part_seek, NULL, src) == CURLE_OK;
}

/* ---- answer buffer ------------------------------------------------------- */

struct response {
	CURL *curl;
	char *data; /* NUL-terminated when not NULL */
	size_t len, cap, max;
	bool too_large, oom;
};

static void response_wipe(struct response *r)
{
	if (r->data) {
		explicit_bzero(r->data, r->len);
		free(r->data);
	}
	r->data = NULL;
	r->len = r->cap = 0;
	r->too_large = r->oom = false;
}

/* Grows to at least `want` bytes (+1 for the NUL) without realloc, so that no
 * unwiped copy of the answer is left behind.  exact: the size is known. */
static bool response_grow(struct response *r, size_t want, bool exact)
{
	size_t cap = exact ? want + 1 : r->cap ? r->cap : 16384;
	while (cap < want + 1)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > r->max + 1)
		cap = r->max + 1;
	char *d = malloc(cap);
	if (!d)
		return false;
	if (r->data) {
		memcpy(d, r->data, r->len);
		explicit_bzero(r->data, r->len);
		free(r->data);
	}
	r->data = d;
	r->cap = cap;
	return true;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct response *r = userdata;
	size_t n = size * nmemb;
	if (n > r->max - r->len) {
		r->too_large = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (!r->data) {
		/* Size the buffer once from Content-Length when there is one. */
		curl_off_t cl = -1;
		if (curl_easy_getinfo(r->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
		    cl > 0 && (uint64_t)cl <= (uint64_t)r->max && !response_grow(r, (size_t)cl, true)) {
			r->oom = true;
			return 0;
		}
	}
	if (r->len + n + 1 > r->cap && !response_grow(r, r->len + n, false)) {
		r->oom = true;
		return 0;
	}
	memcpy(r->data + r->len, ptr, n);
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

/* ---- one HTTP exchange ---------------------------------------------------- */

static long timeout_or(long v, long dflt)
{
	return v > 0 ? v : dflt;
}

static bool is_tls_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

static kc_status classify_curl(CURLcode cc, const struct response *r, const char *errbuf,
	enum voipms_failure *fk, kc_error *err)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		kc_error_set(err, KC_ERR_NET, _("voip.ms did not answer in time; try again later"));
		return set_fail(fk, VOIPMS_TIMEOUT);
	}
	if (r->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
		kc_error_set(err, KC_ERR_NET,
			_("The answer from voip.ms is larger than the limit of %zu bytes "
			  "(max_response_bytes); ask for a shorter period"),
			r->max);
		return set_fail(fk, VOIPMS_TOO_LARGE);
	}
	if (cc == CURLE_PARTIAL_FILE) {
		kc_error_set(err, KC_ERR_NET, _("The answer from voip.ms was cut off; try again"));
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	if (cc == CURLE_OUT_OF_MEMORY || r->oom)
		return nomem(fk, err);
	if (is_tls_error(cc)) {
		kc_error_set(err, KC_ERR_NET,
			_("The identity of voip.ms could not be verified (TLS certificate problem): %s"),
			detail);
		return set_fail(fk, VOIPMS_TLS);
	}
	if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
		kc_error_set(err, KC_ERR_INVALID, _("The voip.ms url is not usable: %s"), detail);
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	kc_error_set(err, KC_ERR_NET, _("Could not reach voip.ms: %s"), detail);
	return set_fail(fk, VOIPMS_NETWORK);
}

static kc_status classify_http(long code, const struct response *r, enum voipms_failure *fk,
	kc_error *err)
{
	if (code >= 300 && code < 400) {
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms answered with a redirect; check the url setting "
			  "(use voip.ms, not www.voip.ms)"));
		return set_fail(fk, VOIPMS_REDIRECT);
	}
	if (code == 429) {
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms refused the request because too many requests were made; "
			  "try again in a minute"));
		return set_fail(fk, VOIPMS_RATE_LIMITED);
	}
	if (code >= 400 && code < 500) {
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms refused the request (HTTP error %ld); check the url setting"), code);
		return set_fail(fk, VOIPMS_API_ERROR);
	}
	if (code < 200 || code >= 300) {
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms is unavailable (HTTP error %ld); try again later"), code);
		return set_fail(fk, VOIPMS_UNAVAILABLE);
	}
	size_t i = 0;
	while (i < r->len && strchr(" \t\r\n", r->data[i]))
		i++;
	if (i == r->len) {
		kc_error_set(err, KC_ERR_NET, _("voip.ms sent an empty answer"));
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	char c = r->data[i];
	if (c == '{')
		return set_fail(fk, VOIPMS_OK);
	if (c == '[' || c == '"' || c == '-' || is_digit(c)) {
		kc_error_set(err, KC_ERR_NET, _("The answer from voip.ms is not a JSON object"));
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	/* An HTML error page (503 from a cache), Cloudflare's "error code: 522"
	 * text or a SOAP fault: the API itself is not answering. */
	kc_error_set(err, KC_ERR_NET,
		_("voip.ms answered with a web page or text instead of data; "
		  "the service may be down, try again later"));
	return set_fail(fk, VOIPMS_UNAVAILABLE);
}

#define SETOPT(h, opt, val) (ok = ok && curl_easy_setopt((h), (opt), (val)) == CURLE_OK)

static bool set_options(CURL *h, const struct voipms_config *cfg, curl_mime *mime,
	struct curl_slist *hdrs, struct response *r, char *errbuf)
{
	bool ok = true;
	long timeout = timeout_or(cfg->timeout_s, VOIPMS_DEFAULT_TIMEOUT_S);
	SETOPT(h, CURLOPT_URL, cfg->url ? cfg->url : VOIPMS_DEFAULT_URL);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_VERBOSE, 0L);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT,
		timeout_or(cfg->connect_timeout_s, VOIPMS_DEFAULT_CONNECT_TIMEOUT_S));
	SETOPT(h, CURLOPT_TIMEOUT, timeout);
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, timeout < 30 ? timeout : 30L);
	SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max);
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
	SETOPT(h, CURLOPT_MIMEPOST, mime);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(h, CURLOPT_WRITEDATA, r);
	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	return ok;
}

static size_t count_params(const char *const params[])
{
	size_t n = 0;
	while (params && params[2 * n])
		n++;
	return n;
}

static bool build_mime(curl_mime *mime, const struct voipms_config *cfg, const char *method,
	const char *const params[], struct part_src *src)
{
	bool ok = add_part(mime, "api_username", cfg->username, &src[0]) &&
		  add_part(mime, "api_password", cfg->password, &src[1]) &&
		  add_part(mime, "method", method, &src[2]);
	for (size_t i = 0; ok && params && params[2 * i]; i++)
		ok = add_part(mime, params[2 * i], params[2 * i + 1], &src[3 + i]);
	return ok;
}

/*
 * Sends one request.  On KC_OK the answer (NUL-terminated, starting with
 * '{' after white space) is in *r, which the caller wipes.
 */
static kc_status exchange(const struct voipms_config *cfg, const char *method,
	const char *const params[], struct response *r, enum voipms_failure *fk, kc_error *err)
{
	char errbuf[CURL_ERROR_SIZE];
	errbuf[0] = '\0';
	CURL *h = curl_easy_init();
	if (!h)
		return nomem(fk, err);
	r->curl = h;
	curl_mime *mime = curl_mime_init(h);
	struct curl_slist *hdrs = NULL, *tmp;
	struct part_src *src = calloc(3 + count_params(params), sizeof *src);
	kc_status rc;
	bool ok = mime && src && build_mime(mime, cfg, method, params, src);
	/* "Expect: 100-continue" would cost a round trip on every request. */
	hdrs = curl_slist_append(NULL, "Expect:");
	tmp = hdrs ? curl_slist_append(hdrs, "Accept: application/json") : NULL;
	ok = ok && tmp;
	if (!ok) {
		rc = nomem(fk, err);
	} else if (!set_options(h, cfg, mime, hdrs, r, errbuf)) {
		kc_error_set(err, KC_ERR_INTERNAL,
			_("This version of libcurl lacks an option kenoconsole needs (7.85 or later)"));
		rc = KC_ERR_INTERNAL;
		if (fk)
			*fk = VOIPMS_NETWORK;
	} else {
		CURLcode cc = curl_easy_perform(h);
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (cc != CURLE_OK)
			rc = classify_curl(cc, r, errbuf, fk, err);
		else
			rc = classify_http(code, r, fk, err);
	}
	curl_easy_cleanup(h);
	r->curl = NULL;
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	free(src);
	if (rc != KC_OK)
		response_wipe(r);
	return rc;
}

/* ---- statuses --------------------------------------------------------- */

/* voip.ms's empty-list statuses (spec §3.3): success with no items.  Not
 * every "no_" status: no_callstatus, no_provision, ... are real errors. */
static const char *const empty_statuses[] = {
	"no_account", "no_attachments", "no_callback", "no_callhunting", "no_callparking",
	"no_cdr", "no_client", "no_conference", "no_did", "no_disa", "no_emailtofax",
	"no_filter", "no_folder", "no_forwarding", "no_ivr", "no_mailbox", "no_member",
	"no_message", "no_messages", "no_numbers", "no_package", "no_phonebook",
	"no_phonebook_group", "no_queue", "no_rate", "no_recording", "no_ringgroup",
	"no_sipuri", "no_sms", "no_timecondition", "no_transactions", "no_vpri",
};

static const struct {
	const char *status;
	enum voipms_failure kind;
} status_kinds[] = {
	{ "invalid_credentials", VOIPMS_BAD_CREDENTIALS },
	{ "missing_credentials", VOIPMS_BAD_CREDENTIALS },
	{ "api_not_enabled", VOIPMS_API_NOT_ENABLED },
	{ "ip_not_enabled", VOIPMS_IP_NOT_ENABLED },
	{ "api_limit_exceeded", VOIPMS_RATE_LIMITED },
	{ "method_maintenance", VOIPMS_UNAVAILABLE },
	{ "unavailable_info", VOIPMS_UNAVAILABLE },
	{ "tls_error", VOIPMS_UNAVAILABLE },
	{ "invalid_client", VOIPMS_UNKNOWN_CLIENT },
	{ "missing_client", VOIPMS_UNKNOWN_CLIENT },
	{ "invalid_resellerclient", VOIPMS_UNKNOWN_CLIENT },
};

static bool status_is_empty_list(const char *status)
{
	for (size_t i = 0; i < sizeof empty_statuses / sizeof empty_statuses[0]; i++)
		if (strcmp(status, empty_statuses[i]) == 0)
			return true;
	return false;
}

/* Copies a remote status for a message: short and plain, else "?". */
static void sanitize_status(const char *in, char out[64])
{
	size_t n = strlen(in);
	bool ok = n > 0 && n < 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = is_digit(in[i]) || (in[i] >= 'a' && in[i] <= 'z') ||
		     (in[i] >= 'A' && in[i] <= 'Z') || in[i] == '_' || in[i] == '.' || in[i] == '-';
	memcpy(out, ok ? in : "?", ok ? n + 1 : 2);
}

static kc_status classify_status(const char *raw, enum voipms_failure *fk, kc_error *err)
{
	char status[64];
	sanitize_status(raw, status);
	if (strcmp(status, "success") == 0 || status_is_empty_list(status))
		return set_fail(fk, VOIPMS_OK);
	enum voipms_failure kind = VOIPMS_API_ERROR;
	for (size_t i = 0; i < sizeof status_kinds / sizeof status_kinds[0]; i++)
		if (strcmp(status, status_kinds[i].status) == 0)
			kind = status_kinds[i].kind;
	switch (kind) {
	case VOIPMS_BAD_CREDENTIALS:
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms refused the API user name or API password; check the API password "
			  "set under Main Menu > SOAP & REST/JSON API (it is not the portal or SIP password)"));
		break;
	case VOIPMS_API_NOT_ENABLED:
		kc_error_set(err, KC_ERR_NET,
			_("The voip.ms API is not enabled for this account; enable it under "
			  "Main Menu > SOAP & REST/JSON API"));
		break;
	case VOIPMS_IP_NOT_ENABLED:
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms does not allow API requests from this computer's IP address; add it "
			  "under Main Menu > SOAP & REST/JSON API"));
		break;
	case VOIPMS_RATE_LIMITED:
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms refused the request because too many requests were made this minute; "
			  "try again in a minute"));
		break;
	case VOIPMS_UNAVAILABLE:
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms cannot answer this request for now (status \"%s\"); try again later"),
			status);
		break;
	case VOIPMS_UNKNOWN_CLIENT:
		kc_error_set(err, KC_ERR_NET,
			_("voip.ms does not know this reseller client (status \"%s\"); check the "
			  "account's voip.ms client id"),
			status);
		break;
	default:
		kc_error_set(err, KC_ERR_NET, _("voip.ms refused the request with the status \"%s\""),
			status);
		break;
	}
	return set_fail(fk, kind);
}

/* ---- argument checks ------------------------------------------------------ */

static bool name_ok(const char *s, bool method)
{
	size_t n = 0;
	for (; s && s[n]; n++) {
		char c = s[n];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!letter && (method || (c != '_' && !is_digit(c))))
			return false;
	}
	return n > 0 && n <= 64;
}

static kc_status check_call(const struct voipms_config *cfg, const char *method,
	const char *const params[], enum voipms_failure *fk, kc_error *err)
{
	if (!cfg || !name_ok(method, true)) {
		kc_error_set(err, KC_ERR_INVALID, _("Invalid voip.ms request"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	for (size_t i = 0; params && params[2 * i]; i++)
		if (!name_ok(params[2 * i], false) || !params[2 * i + 1]) {
			kc_error_set(err, KC_ERR_INVALID, _("Invalid voip.ms request"));
			return set_fail(fk, VOIPMS_BAD_CONFIG);
		}
	if (!cfg->username || !*cfg->username || !cfg->password || !*cfg->password) {
		kc_error_set(err, KC_ERR_INVALID,
			_("The voip.ms API user name and API password are not set ([voipms] settings)"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	kc_status rc = voipms_check_url(cfg->url ? cfg->url : VOIPMS_DEFAULT_URL, err);
	if (rc == KC_ERR_NOMEM)
		return set_fail(fk, VOIPMS_NOMEM);
	if (rc != KC_OK)
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	return KC_OK;
}

static void response_init(struct response *r, const struct voipms_config *cfg)
{
	memset(r, 0, sizeof *r);
	r->max = cfg->max_response_bytes ? cfg->max_response_bytes : VOIPMS_DEFAULT_MAX_RESPONSE;
	if (r->max > SIZE_MAX / 2)
		r->max = SIZE_MAX / 2;
}

/* Waits before attempt number `attempt` (1-based) is retried; false when the
 * attempts are used up. */
static bool backoff(int attempt)
{
	static const unsigned delays[] = VOIPMS_RETRY_DELAYS_MS;
	if (attempt >= VOIPMS_MAX_ATTEMPTS || (size_t)attempt > sizeof delays / sizeof delays[0])
		return false;
	wait_ms(delays[attempt - 1]);
	return true;
}

/* ---- generic call ------------------------------------------------------------ */

static kc_status interpret_json(const struct response *r, json_t **out_root,
	enum voipms_failure *fk, kc_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(r->data, r->len, 0, &jerr);
	if (!root) {
		kc_error_set(err, KC_ERR_NET, _("The answer from voip.ms is not valid JSON"));
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	json_t *st = json_is_object(root) ? json_object_get(root, "status") : NULL;
	if (!json_is_string(st)) {
		json_decref(root);
		kc_error_set(err, KC_ERR_NET, _("The answer from voip.ms has no status"));
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	kc_status rc = classify_status(json_string_value(st), fk, err);
	if (rc == KC_OK)
		*out_root = root;
	else
		json_decref(root);
	return rc;
}

kc_status voipms_call(const struct voipms_config *cfg, const char *method,
	const char *const params[], json_t **out_root, enum voipms_failure *failure, kc_error *err)
{
	enum voipms_failure fk = VOIPMS_OK;
	if (out_root)
		*out_root = NULL;
	kc_status rc = check_call(cfg, method, params, &fk, err);
	if (rc == KC_OK && !out_root) {
		kc_error_set(err, KC_ERR_INVALID, _("Invalid voip.ms request"));
		rc = set_fail(&fk, VOIPMS_BAD_CONFIG);
	}
	for (int attempt = 1; rc == KC_OK; attempt++) {
		struct response r;
		response_init(&r, cfg);
		rc = exchange(cfg, method, params, &r, &fk, err);
		if (rc == KC_OK)
			rc = interpret_json(&r, out_root, &fk, err);
		response_wipe(&r);
		if (fk != VOIPMS_RATE_LIMITED || !backoff(attempt))
			break;
		kc_error_clear(err);
		rc = KC_OK;
	}
	if (failure)
		*failure = fk;
	return rc;
}

/* ---- getResellerCDR ------------------------------------------------------------ */

/* Days since 1970-01-01 of a strict "YYYY-MM-DD", or false. */
static bool parse_day(const char *s, long *days)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return false;
	long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return false;
	/* days_from_civil (H. Hinnant), exact integer arithmetic */
	long yy = y - (m <= 2);
	long era = yy / 400;
	long yoe = yy - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = era * 146097 + doe - 719468;
	return true;
}

static kc_status check_cdr_args(const char *client_id, const char *from, const char *to,
	int tz, enum voipms_failure *fk, kc_error *err)
{
	size_t n = client_id ? strlen(client_id) : 0;
	bool ok = n > 0 && n <= 20;
	for (size_t i = 0; ok && i < n; i++)
		ok = is_digit(client_id[i]);
	if (!ok) {
		kc_error_set(err, KC_ERR_INVALID, _("A voip.ms reseller client id is a number"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	long d0, d1;
	if (!parse_day(from, &d0) || !parse_day(to, &d1) || d1 < d0) {
		kc_error_set(err, KC_ERR_INVALID,
			_("The call period must be two dates YYYY-MM-DD, the first not after the second"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	if (d1 - d0 + 1 > 92) {
		kc_error_set(err, KC_ERR_INVALID, _("voip.ms gives calls for at most 92 days at a time"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	if (tz < -12 || tz > 14) {
		kc_error_set(err, KC_ERR_INVALID, _("The voip.ms time zone must be -12..14 hours"));
		return set_fail(fk, VOIPMS_BAD_CONFIG);
	}
	return KC_OK;
}

static kc_status interpret_cdr(const struct response *r, cdr_row_fn fn, void *ctx,
	size_t *rows, enum voipms_failure *fk, kc_error *err)
{
	struct cdr_answer info;
	kc_status rc = cdr_parse_answer_ex(r->data, r->len, fn, ctx, &info, err);
	*rows = info.rows;
	if (rc == KC_OK)
		return set_fail(fk, VOIPMS_OK);
	if (rc == KC_ERR_NET && info.status[0])
		return classify_status(info.status, fk, err);
	if (rc == KC_ERR_INVALID) {
		/* A bad answer from the network: KC_ERR_NET, as for the other kinds. */
		if (err)
			err->code = KC_ERR_NET;
		return set_fail(fk, VOIPMS_BAD_ANSWER);
	}
	if (rc == KC_ERR_NOMEM)
		return set_fail(fk, VOIPMS_NOMEM);
	if (fk)
		*fk = VOIPMS_STOPPED;
	return rc;
}

kc_status voipms_get_reseller_cdr(const struct voipms_config *cfg, const char *client_id,
	const char *date_from, const char *date_to, cdr_row_fn fn, void *ctx, size_t *rows,
	enum voipms_failure *failure, kc_error *err)
{
	enum voipms_failure fk = VOIPMS_OK;
	size_t delivered = 0;
	char tz[16];
	kc_status rc = check_call(cfg, "getResellerCDR", NULL, &fk, err);
	if (rc == KC_OK)
		rc = check_cdr_args(client_id, date_from, date_to, cfg->timezone_offset, &fk, err);
	if (rc == KC_OK)
		snprintf(tz, sizeof tz, "%d", cfg->timezone_offset);
	const char *const params[] = {
		"client", client_id, "date_from", date_from, "date_to", date_to,
		"timezone", tz, "answered", "1", "noanswer", "1", "busy", "1", "failed", "1",
		NULL,
	};
	for (int attempt = 1; rc == KC_OK; attempt++) {
		struct response r;
		response_init(&r, cfg);
		rc = exchange(cfg, "getResellerCDR", params, &r, &fk, err);
		if (rc == KC_OK)
			rc = interpret_cdr(&r, fn, ctx, &delivered, &fk, err);
		response_wipe(&r);
		if (fk != VOIPMS_RATE_LIMITED || !backoff(attempt))
			break;
		kc_error_clear(err);
		rc = KC_OK;
	}
	if (rows)
		*rows = delivered;
	if (failure)
		*failure = fk;
	return rc;
}
