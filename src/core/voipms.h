/*
 * voipms.h: the voip.ms REST/JSON API client (libcurl + jansson).
 *
 * Contract
 *  - One blocking request at a time (the program is single-threaded, and
 *    voip.ms rate-limits per minute: requests are serialised by design).
 *    curl_global_init() is left to libcurl's first curl_easy_init(); a
 *    program may call it early itself.
 *  - Transport (spec voipms-api.md, "Transport"): multipart/form-data POST
 *    to cfg->url with api_username, api_password, method and the parameters
 *    as form fields, so the password is never in a URL or a header.  The
 *    url must be https:// (certificate and host verified), or http:// only
 *    when its host is a loopback address (127.0.0.0/8, ::1, localhost), for
 *    the tests' fake server; it may not hold a user name, a password, a query
 *    or a fragment.  Redirects are never followed: any 3xx is an error
 *    (voip.ms's www host redirects and the POST fields would be lost).
 *  - Limits: cfg->connect_timeout_s and cfg->timeout_s (0 = 10 s and 120 s),
 *    a transfer slower than 1 byte/s for min(timeout, 30) s is a timeout,
 *    and the answer is capped at cfg->max_response_bytes (0 = 64 MiB)
 *    while it arrives, with or without a Content-Length.
 *  - Secrets: the password is streamed to libcurl from the caller's string
 *    (no copy in a mime part), our answer buffer is wiped (explicit_bzero)
 *    before it is freed (answers such as getClients carry client passwords),
 *    libcurl never runs verbose, and no message ever contains the password,
 *    the user name, a parameter value or the url.  Not covered: libcurl's own
 *    transient socket buffers and the json_t tree handed to the caller.
 *  - Errors: every failure returns a kc_status (KC_ERR_INVALID for a bad
 *    argument or setting, KC_ERR_NOMEM, else KC_ERR_NET), fills err with one
 *    translated message naming the cause, and sets *failure (may be NULL) to
 *    the kind below; on success *failure = VOIPMS_OK.  API errors arrive as
 *    HTTP 200 with a "status" other than "success"; the empty-list statuses
 *    ("no_cdr", "no_client", ...) are successes.  api_limit_exceeded is
 *    retried with a bounded backoff (VOIPMS_RETRY_DELAYS_MS) before giving
 *    up; no other failure is retried.
 *  - Strings in struct voipms_config stay owned by the caller and must live
 *    for the duration of the call.
 */
#ifndef KC_VOIPMS_H
#define KC_VOIPMS_H

#include <stddef.h>

#include <jansson.h>

#include "cdr.h"
#include "kc.h"

#define VOIPMS_DEFAULT_URL "https://voip.ms/api/v1/rest.php"
#define VOIPMS_DEFAULT_CONNECT_TIMEOUT_S 10L
#define VOIPMS_DEFAULT_TIMEOUT_S 120L
#define VOIPMS_DEFAULT_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
/* Waits before the 2nd, 3rd and 4th attempt after api_limit_exceeded. */
#define VOIPMS_RETRY_DELAYS_MS { 1000u, 2000u, 4000u }
#define VOIPMS_MAX_ATTEMPTS 4

struct voipms_config {
	const char *url;           /* NULL = VOIPMS_DEFAULT_URL */
	const char *username;      /* API user name (portal e-mail) */
	const char *password;      /* API password: secret */
	long connect_timeout_s;    /* 0 = default */
	long timeout_s;            /* whole request; 0 = default */
	size_t max_response_bytes; /* 0 = default */
	int timezone_offset;       /* hours sent as "timezone" (-5 = Eastern) */
};

enum voipms_failure {
	VOIPMS_OK = 0,
	VOIPMS_BAD_CONFIG,       /* url refused, missing credentials, bad argument */
	VOIPMS_BAD_CREDENTIALS,  /* invalid_credentials, missing_credentials */
	VOIPMS_API_NOT_ENABLED,  /* api_not_enabled */
	VOIPMS_IP_NOT_ENABLED,   /* ip_not_enabled */
	VOIPMS_RATE_LIMITED,     /* api_limit_exceeded, still after the retries */
	VOIPMS_UNAVAILABLE,      /* HTTP 5xx, HTML or text body, maintenance */
	VOIPMS_TIMEOUT,          /* no (complete) answer in time */
	VOIPMS_BAD_ANSWER,       /* cut off, not JSON, no status, bad rows */
	VOIPMS_TOO_LARGE,        /* over max_response_bytes */
	VOIPMS_UNKNOWN_CLIENT,   /* invalid_client, missing_client, ... */
	VOIPMS_NETWORK,          /* DNS, refused, reset, empty reply */
	VOIPMS_TLS,              /* certificate or TLS failure */
	VOIPMS_REDIRECT,         /* HTTP 3xx */
	VOIPMS_API_ERROR,        /* any other status, or HTTP 4xx */
	VOIPMS_STOPPED,          /* the row callback stopped the parse */
	VOIPMS_NOMEM
};

/* A stable ASCII name of the kind ("rate_limited"), for logs and tests. */
const char *voipms_failure_name(enum voipms_failure f);

/*
 * Checks a url against the transport rules above.  KC_OK or KC_ERR_INVALID
 * with a translated message (which never repeats the url: it may hold a
 * secret the user pasted by mistake).
 */
kc_status voipms_check_url(const char *url, kc_error *err);

/*
 * Calls `method` (camelCase, letters only) with params = { name, value,
 * name, value, ..., NULL } (params may be NULL).  On KC_OK *out_root is the
 * parsed answer object (the caller json_decref()s it), whose "status" is
 * "success" or an empty-list "no_*" status.  Otherwise *out_root = NULL.
 * Note: jansson turns JSON reals into doubles; read money only from string
 * values, with cdr_money_parse().
 */
kc_status voipms_call(const struct voipms_config *cfg, const char *method,
	const char *const params[], json_t **out_root, enum voipms_failure *failure,
	kc_error *err) KC_WARN_UNUSED;

/*
 * getResellerCDR for one reseller client (decimal id) and one window of
 * calendar dates date_from..date_to ("YYYY-MM-DD", inclusive, at most 92
 * days), with timezone = cfg->timezone_offset and every call status flag
 * (answered, noanswer, busy, failed) set to 1.  fn gets each call as in
 * cdr.h: no row is delivered unless the answer is complete and its status
 * "success", so the only failure after rows were delivered is fn stopping
 * the parse (VOIPMS_STOPPED, status as in cdr.h).  *rows (may be NULL) gets
 * the number of rows delivered.  "no_cdr" is KC_OK with 0 rows.
 */
kc_status voipms_get_reseller_cdr(const struct voipms_config *cfg, const char *client_id,
	const char *date_from, const char *date_to, cdr_row_fn fn, void *ctx, size_t *rows,
	enum voipms_failure *failure, kc_error *err) KC_WARN_UNUSED;

/*
 * Test hook: replaces the wait between rate-limit retries (NULL restores
 * the real sleep).  fn gets the delay in milliseconds.
 */
typedef void (*voipms_sleep_fn)(unsigned milliseconds, void *ctx);
void voipms_set_sleep_hook(voipms_sleep_fn fn, void *ctx);

#endif
