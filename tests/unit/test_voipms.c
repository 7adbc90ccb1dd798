/*
 * test_voipms.c: the voip.ms client (voipms.h) against the loopback fake
 * tests/fake-voipms/fake_voipms.py, started here as a child process on a
 * free port.  Skipped (77) only when python3 is not installed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <curl/curl.h>

#include "testutil.h"

#include "voipms.h"

#define FAKE_SCRIPT TOP_SRCDIR "/tests/fake-voipms/fake_voipms.py"
#define API_USER "reseller@example.com"
/* Canary secrets: they must never show up in a log line or a message. */
#define CANARY "canary-Pw-7f3e9c51"
#define WRONG_CANARY "wrong-canary-Pw-a81d"

static pid_t fake_pid = -1;
static int fake_port;
static char api_url[128];
static char log_path[4400];

/* ---- the fake server ------------------------------------------------------ */

static bool have_python3(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char file[4200];
		snprintf(file, sizeof file, "%s/python3", *dir ? dir : ".");
		found = access(file, X_OK) == 0;
	}
	free(copy);
	return found;
}

static void write_fixture(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"clients\": {\"100002\": [\n"
	      "{\"date\":\"2025-03-04 14:02:11\",\"callerid\":\"\\\"ACME FRONT DESK\\\" <4165550101>\","
	      "\"destination\":\"16135550199\",\"description\":\"Canada - 613 Ottawa\","
	      "\"account\":\"271828_frontdesk\",\"disposition\":\"ANSWERED\",\"duration\":\"00:03:07\","
	      "\"seconds\":\"187\",\"rate\":\"0.00950000\",\"total\":\"0.03087500\","
	      "\"uniqueid\":\"358812746\",\"destination_type\":\"OUT:CAN\",\"call_logs\":\"\"},\n"
	      "{\"date\":\"2025-03-05 09:15:40\",\"destination\":\"18005550100\",\"seconds\":\"42\","
	      "\"total\":\"0.015\",\"uniqueid\":\"358790011\",\"disposition\":\"ANSWERED\"},\n"
	      "{\"date\":\"2025-03-31 23:59:59\",\"destination\":\"5145550000\",\"seconds\":\"1\","
	      "\"total\":\"0.00000001\",\"uniqueid\":\"358799999\",\"disposition\":\"ANSWERED\"},\n"
	      "{\"date\":\"2025-04-01 00:00:00\",\"destination\":\"5145550001\",\"seconds\":\"60\","
	      "\"total\":\"0.01000000\",\"uniqueid\":\"358800000\",\"disposition\":\"ANSWERED\"}\n"
	      "]}}\n",
		f);
	assert_int_equal(fclose(f), 0);
}

/* Reads the port line the fake prints first (10 s at most). */
static int read_port(int fd)
{
	char line[32];
	size_t n = 0;
	while (n + 1 < sizeof line) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) <= 0)
			return -1;
		ssize_t r = read(fd, line + n, 1);
		if (r <= 0)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return atoi(line);
}

static int start_fake(void **state)
{
	(void)state;
	char fixture[4400];
	snprintf(fixture, sizeof fixture, "%s", test_path("fixture.json"));
	write_fixture(fixture);
	snprintf(log_path, sizeof log_path, "%s", test_path("fake.log"));
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fake_pid = fork();
	if (fake_pid < 0)
		return -1;
	if (fake_pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		/* The password goes through the environment, not argv. */
		setenv("FAKE_VOIPMS_PASSWORD", CANARY, 1);
		execlp("python3", "python3", FAKE_SCRIPT, "--port", "0", "--user", API_USER,
			"--log", log_path, "--fixture", fixture, "--calls-per-day", "3",
			"--clients", "100001,100002,100003", "--empty-clients", "100003", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fake_port = read_port(fds[0]);
	close(fds[0]);
	if (fake_port <= 0) {
		fprintf(stderr, "the fake voip.ms server did not start\n");
		return -1;
	}
	snprintf(api_url, sizeof api_url, "http://127.0.0.1:%d/api/v1/rest.php", fake_port);
	return 0;
}

static int stop_fake(void **state)
{
	(void)state;
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
		fake_pid = -1;
	}
	return 0;
}

static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), n = size * nmemb;
	if (have + n < 4096) {
		memcpy(buf + have, ptr, n);
		buf[have + n] = '\0';
	}
	return n;
}

/* POST /control?query; returns the fake's request counter afterwards. */
static long fake_control(const char *query)
{
	char url[512], body[4096] = "";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/control?%s", fake_port, query);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	json_t *root = json_loads(body, 0, NULL);
	assert_non_null(root);
	long requests = (long)json_integer_value(json_object_get(root, "requests"));
	json_decref(root);
	return requests;
}

/* ---- helpers ---------------------------------------------------------------- */

static struct voipms_config config(void)
{
	struct voipms_config c = {
		.url = api_url,
		.username = API_USER,
		.password = CANARY,
		.connect_timeout_s = 5,
		.timeout_s = 10,
		.max_response_bytes = 1024 * 1024,
		.timezone_offset = -5,
	};
	return c;
}

static void assert_no_secret(const kc_error *err)
{
	if (err->message) {
		assert_null(strstr(err->message, CANARY));
		assert_null(strstr(err->message, WRONG_CANARY));
		assert_null(strstr(err->message, API_USER));
	}
}

struct rows {
	size_t n;
	int64_t sum;
	char first_uniqueid[80], first_date[32], last_date[32], first_dest[32];
	int64_t first_seconds;
	size_t stop_after;
};

static int on_row(const struct cdr_row *row, void *ctx)
{
	struct rows *r = ctx;
	if (r->n == 0) {
		snprintf(r->first_uniqueid, sizeof r->first_uniqueid, "%s", row->uniqueid);
		snprintf(r->first_date, sizeof r->first_date, "%s", row->date);
		snprintf(r->first_dest, sizeof r->first_dest, "%s", row->destination);
		r->first_seconds = row->seconds;
	}
	snprintf(r->last_date, sizeof r->last_date, "%s", row->date);
	r->n++;
	r->sum += row->total_units8;
	return r->stop_after && r->n >= r->stop_after ? -1 : 0;
}

static unsigned slept[16];
static size_t n_slept;

static void fake_sleep(unsigned ms, void *ctx)
{
	(void)ctx;
	if (n_slept < sizeof slept / sizeof slept[0])
		slept[n_slept++] = ms;
}

static kc_status get_cdr(const struct voipms_config *cfg, const char *client, const char *from,
	const char *to, struct rows *r, enum voipms_failure *fk, kc_error *err)
{
	size_t delivered = 99;
	memset(r, 0, sizeof *r);
	kc_status rc = voipms_get_reseller_cdr(cfg, client, from, to, on_row, r, &delivered, fk, err);
	assert_int_equal(delivered, r->n);
	assert_no_secret(err);
	return rc;
}

/* ---- url rule ----------------------------------------------------------------- */

static void test_url_rules(void **state)
{
	(void)state;
	static const char *const good[] = {
		"https://voip.ms/api/v1/rest.php",
		"HTTPS://voip.ms/api/v1/rest.php",
		"https://10.1.2.3:8443/x",
		"http://127.0.0.1:8080/api/v1/rest.php",
		"http://127.255.0.1/api",
		"http://localhost/api",
		"http://LOCALHOST:9/api",
		"http://[::1]:8080/api",
	};
	static const char *const bad[] = {
		"http://voip.ms/api/v1/rest.php",
		"http://10.0.0.1/api",
		"http://128.0.0.1/api",
		"http://127.0.0.1.evil.example/api",
		"http://localhost.evil.example/api",
		"http://[::2]/api",
		"ftp://127.0.0.1/api",
		"file:///etc/passwd",
		"https://user:" CANARY "@voip.ms/api/v1/rest.php",
		"https://voip.ms/api/v1/rest.php?api_password=" CANARY,
		"https://voip.ms/api/v1/rest.php#frag",
		"not a url",
		"",
		NULL,
	};
	kc_error err = KC_ERROR_INIT;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (voipms_check_url(good[i], &err) != KC_OK)
			fail_msg("%s refused: %s", good[i], kc_error_text(&err));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (voipms_check_url(bad[i], &err) != KC_ERR_INVALID)
			fail_msg("%s accepted", bad[i] ? bad[i] : "NULL");
		assert_non_null(err.message);
		assert_null(strstr(err.message, CANARY));
		kc_error_clear(&err);
	}
}

/* The https-only rule holds before any network traffic. */
static void test_https_only_before_connecting(void **state)
{
	(void)state;
	long before = fake_control("clear=1");
	struct voipms_config cfg = config();
	char url[128];
	snprintf(url, sizeof url, "http://localhost.invalid:%d/api/v1/rest.php", fake_port);
	cfg.url = url;
	struct rows r;
	enum voipms_failure fk = VOIPMS_OK;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-02", &r, &fk, &err),
		KC_ERR_INVALID);
	assert_int_equal(fk, VOIPMS_BAD_CONFIG);
	assert_non_null(strstr(err.message, "https://"));
	kc_error_clear(&err);
	json_t *root = (json_t *)&err; /* must be reset to NULL */
	cfg.url = "http://voip.ms/api/v1/rest.php";
	assert_int_equal(voipms_call(&cfg, "getClients", NULL, &root, &fk, &err), KC_ERR_INVALID);
	assert_null(root);
	assert_int_equal(fk, VOIPMS_BAD_CONFIG);
	kc_error_clear(&err);
	assert_int_equal(fake_control("clear=1"), before);
}

static void test_bad_arguments_never_reach_the_network(void **state)
{
	(void)state;
	static const struct {
		const char *client, *from, *to;
	} cases[] = {
		{ "", "2025-03-01", "2025-03-02" },
		{ "12a", "2025-03-01", "2025-03-02" },
		{ NULL, "2025-03-01", "2025-03-02" },
		{ "100001", "2025-03-02", "2025-03-01" },  /* reversed */
		{ "100001", "2025-01-01", "2025-04-03" },  /* 93 days */
		{ "100001", "2025-02-29", "2025-03-01" },  /* no such day */
		{ "100001", "2025-3-01", "2025-03-02" },
		{ "100001", NULL, "2025-03-02" },
	};
	long before = fake_control("clear=1");
	struct voipms_config cfg = config();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rows r;
		enum voipms_failure fk = VOIPMS_OK;
		kc_error err = KC_ERROR_INIT;
		assert_int_equal(get_cdr(&cfg, cases[i].client, cases[i].from, cases[i].to, &r, &fk, &err),
			KC_ERR_INVALID);
		assert_int_equal(fk, VOIPMS_BAD_CONFIG);
		kc_error_clear(&err);
	}
	/* 92 days inclusive is allowed. */
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100003", "2025-01-01", "2025-04-02", &r, &fk, &err), KC_OK);
	assert_int_equal(fake_control("clear=1"), before + 1);

	cfg.password = "";
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-02", &r, &fk, &err),
		KC_ERR_INVALID);
	assert_int_equal(fk, VOIPMS_BAD_CONFIG);
	kc_error_clear(&err);
	cfg = config();
	cfg.timezone_offset = 15;
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-02", &r, &fk, &err),
		KC_ERR_INVALID);
	kc_error_clear(&err);
	json_t *root;
	cfg = config();
	assert_int_equal(voipms_call(&cfg, "get Clients", NULL, &root, &fk, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	const char *const bad_params[] = { "client", NULL, NULL };
	assert_int_equal(voipms_call(&cfg, "getClients", bad_params, &root, &fk, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(fake_control("clear=1"), before + 1);
}

/* ---- good answers ------------------------------------------------------------ */

/* ACC-2: usage is read per reseller client id. */
static void test_ACC2_generated_calls_per_client(void **state)
{
	(void)state;
	fake_control("clear=1&numbers=0&object=0");
	struct voipms_config cfg = config();
	struct rows a, b;
	enum voipms_failure fk = VOIPMS_BAD_ANSWER;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-03", &a, &fk, &err), KC_OK);
	assert_int_equal(fk, VOIPMS_OK);
	assert_null(err.message);
	assert_int_equal(a.n, 9); /* 3 calls a day */
	assert_true(strncmp(a.first_date, "2025-03-01 ", 11) == 0);
	assert_true(strncmp(a.last_date, "2025-03-03 ", 11) == 0);
	/* Deterministic: the same window gives the same calls. */
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-03", &b, &fk, &err), KC_OK);
	assert_int_equal(b.n, a.n);
	assert_int_equal(b.sum, a.sum);
	assert_string_equal(b.first_uniqueid, a.first_uniqueid);
}

static void test_fixture_rows_exact(void **state)
{
	(void)state;
	fake_control("clear=1&numbers=0&object=0");
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.sum, 3087500 + 1500000 + 1);
	assert_string_equal(r.first_uniqueid, "358812746");
	assert_string_equal(r.first_date, "2025-03-04 14:02:11");
	assert_string_equal(r.first_dest, "16135550199");
	assert_int_equal(r.first_seconds, 187);
	assert_string_equal(r.last_date, "2025-03-31 23:59:59");

	/* timezone is sent: 0 shifts the Eastern wall clock by 5 hours. */
	cfg.timezone_offset = 0;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
	assert_string_equal(r.first_date, "2025-03-04 19:02:11");
	assert_string_equal(r.last_date, "2025-04-01 04:59:59");
}

static void test_numbers_and_bare_object(void **state)
{
	(void)state;
	fake_control("clear=1&numbers=1&object=1");
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.sum, 3087500 + 1500000 + 1);
	assert_string_equal(r.first_uniqueid, "358812746");
	assert_string_equal(r.first_dest, "16135550199");
	/* One row: a bare object. */
	assert_int_equal(get_cdr(&cfg, "100002", "2025-04-01", "2025-04-01", &r, &fk, &err), KC_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.sum, 1000000);
	assert_string_equal(r.first_uniqueid, "358800000");
	fake_control("numbers=0&object=0");
}

static void test_no_cdr_is_success(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk = VOIPMS_NETWORK;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100003", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
	assert_int_equal(fk, VOIPMS_OK);
	assert_int_equal(r.n, 0);
	/* Also when the window holds no fixture row. */
	assert_int_equal(get_cdr(&cfg, "100002", "2024-03-01", "2024-03-31", &r, &fk, &err), KC_OK);
	assert_int_equal(r.n, 0);
}

static void test_generic_call(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	json_t *root = NULL;
	enum voipms_failure fk = VOIPMS_NETWORK;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(voipms_call(&cfg, "getClients", NULL, &root, &fk, &err), KC_OK);
	assert_int_equal(fk, VOIPMS_OK);
	json_t *clients = json_object_get(root, "clients");
	assert_int_equal(json_array_size(clients), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(clients, 0), "client")),
		"100001");
	json_decref(root);

	const char *const params[] = { "client", "100002", NULL };
	assert_int_equal(voipms_call(&cfg, "getResellerBalance", params, &root, &fk, &err), KC_OK);
	const char *bal = json_string_value(
		json_object_get(json_object_get(root, "balance"), "current_balance"));
	assert_non_null(bal);
	int64_t units;
	assert_int_equal(cdr_money_parse(bal, strlen(bal), &units, &err), KC_OK);
	json_decref(root);

	/* An empty-list status is a success too. */
	const char *const nobody[] = { "client", "424242", NULL };
	assert_int_equal(voipms_call(&cfg, "getClients", nobody, &root, &fk, &err), KC_OK);
	assert_string_equal(json_string_value(json_object_get(root, "status")), "no_client");
	json_decref(root);

	/* An unknown method is an API error naming the status. */
	root = (json_t *)&err;
	assert_int_equal(voipms_call(&cfg, "getNothing", NULL, &root, &fk, &err), KC_ERR_NET);
	assert_null(root);
	assert_int_equal(fk, VOIPMS_API_ERROR);
	assert_non_null(strstr(err.message, "invalid_method"));
	assert_no_secret(&err);
	kc_error_clear(&err);
}

/* ---- failures ---------------------------------------------------------------- */

static void test_unknown_client(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "999999", "2025-03-01", "2025-03-02", &r, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_UNKNOWN_CLIENT);
	assert_non_null(strstr(err.message, "invalid_client"));
	kc_error_clear(&err);
}

static void test_wrong_password(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	cfg.password = WRONG_CANARY;
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100001", "2025-03-01", "2025-03-02", &r, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_BAD_CREDENTIALS);
	assert_non_null(strstr(err.message, "API password"));
	assert_int_equal(r.n, 0);
	kc_error_clear(&err);
}

struct fault_case {
	const char *query;         /* for /control */
	enum voipms_failure kind;
	const char *cdr_message;   /* substring, getResellerCDR path */
	const char *call_message;  /* substring, voipms_call path */
};

static const struct fault_case faults[] = {
	{ "fault=http500", VOIPMS_UNAVAILABLE, "HTTP error 500", "HTTP error 500" },
	{ "fault=html503", VOIPMS_UNAVAILABLE, "HTTP error 503", "HTTP error 503" },
	{ "fault=text522", VOIPMS_UNAVAILABLE, "HTTP error 522", "HTTP error 522" },
	{ "fault=slow&arg=3", VOIPMS_TIMEOUT, "in time", "in time" },
	{ "fault=truncated", VOIPMS_BAD_ANSWER, "cut off", "cut off" },
	{ "fault=reset", VOIPMS_NETWORK, "Could not reach voip.ms", "Could not reach voip.ms" },
	{ "fault=huge&arg=4194304", VOIPMS_TOO_LARGE, "larger than", "larger than" },
	{ "fault=redirect", VOIPMS_REDIRECT, "not www.voip.ms", "not www.voip.ms" },
	{ "fault=soap", VOIPMS_UNAVAILABLE, "web page", "web page" },
	{ "fault=empty", VOIPMS_BAD_ANSWER, "empty answer", "empty answer" },
	{ "fault=badjson", VOIPMS_BAD_ANSWER, "cut off", "not valid JSON" },
	{ "fault=ip_not_enabled", VOIPMS_IP_NOT_ENABLED, "IP address", "IP address" },
	{ "fault=invalid_credentials", VOIPMS_BAD_CREDENTIALS, "API password", "API password" },
	{ "fault=api_not_enabled", VOIPMS_API_NOT_ENABLED, "not enabled", "not enabled" },
	{ "fault=method_maintenance", VOIPMS_UNAVAILABLE, "method_maintenance", "method_maintenance" },
	{ "fault=unavailable_info", VOIPMS_UNAVAILABLE, "unavailable_info", "unavailable_info" },
	{ "fault=status&arg=no_callstatus", VOIPMS_API_ERROR, "no_callstatus", "no_callstatus" },
	{ "fault=status&arg=invalid_daterange", VOIPMS_API_ERROR, "invalid_daterange",
	  "invalid_daterange" },
};

static void check_fault_message(const struct fault_case *c, const kc_error *err, const char *want)
{
	if (!err->message || !strstr(err->message, want))
		fail_msg("%s: message \"%s\" lacks \"%s\"", c->query, kc_error_text(err), want);
	assert_no_secret(err);
}

static void test_faults_give_the_right_failure(void **state)
{
	(void)state;
	struct voipms_config cfg = config();
	cfg.timeout_s = 1; /* for "slow" */
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		const struct fault_case *c = &faults[i];
		char q[160];
		struct rows r;
		enum voipms_failure fk = VOIPMS_OK;
		kc_error err = KC_ERROR_INIT;

		snprintf(q, sizeof q, "%s&count=1", c->query);
		fake_control(q);
		kc_status rc = get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err);
		if (rc != KC_ERR_NET || fk != c->kind)
			fail_msg("%s: cdr rc %d kind %s (%s)", c->query, rc, voipms_failure_name(fk),
				kc_error_text(&err));
		assert_int_equal(err.code, KC_ERR_NET);
		assert_int_equal(r.n, 0); /* nothing imported */
		check_fault_message(c, &err, c->cdr_message);
		kc_error_clear(&err);

		fake_control(q);
		json_t *root = NULL;
		rc = voipms_call(&cfg, "getClients", NULL, &root, &fk, &err);
		if (rc != KC_ERR_NET || fk != c->kind)
			fail_msg("%s: call rc %d kind %s (%s)", c->query, rc, voipms_failure_name(fk),
				kc_error_text(&err));
		assert_null(root);
		check_fault_message(c, &err, c->call_message);
		kc_error_clear(&err);

		/* The fault was used up: the next request works. */
		assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
		assert_int_equal(r.n, 3);
	}
	fake_control("clear=1");
}

/* A cap with a Content-Length is refused as well. */
static void test_size_cap_with_length(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	cfg.max_response_bytes = 200;
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_TOO_LARGE);
	assert_non_null(strstr(err.message, "200 bytes"));
	kc_error_clear(&err);
	json_t *root;
	assert_int_equal(voipms_call(&cfg, "getClients", NULL, &root, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_TOO_LARGE);
	kc_error_clear(&err);
}

static void test_rate_limit_retried_then_ok(void **state)
{
	(void)state;
	long before = fake_control("fault=api_limit_exceeded&count=2");
	voipms_set_sleep_hook(fake_sleep, NULL);
	n_slept = 0;
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_OK);
	assert_int_equal(fk, VOIPMS_OK);
	assert_null(err.message);
	assert_int_equal(r.n, 3);
	assert_int_equal(n_slept, 2);
	assert_int_equal(slept[0], 1000);
	assert_int_equal(slept[1], 2000);
	assert_int_equal(fake_control("clear=1"), before + 3);
	voipms_set_sleep_hook(NULL, NULL);
}

static void test_rate_limit_bounded(void **state)
{
	(void)state;
	long before = fake_control("fault=api_limit_exceeded");
	voipms_set_sleep_hook(fake_sleep, NULL);
	n_slept = 0;
	struct voipms_config cfg = config();
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_RATE_LIMITED);
	assert_non_null(strstr(err.message, "too many requests"));
	assert_int_equal(n_slept, 3);
	assert_int_equal(slept[0], 1000);
	assert_int_equal(slept[1], 2000);
	assert_int_equal(slept[2], 4000);
	assert_int_equal(fake_control("clear=1"), before + VOIPMS_MAX_ATTEMPTS);
	kc_error_clear(&err);

	/* The generic call retries the same way. */
	before = fake_control("fault=api_limit_exceeded");
	n_slept = 0;
	json_t *root;
	assert_int_equal(voipms_call(&cfg, "getClients", NULL, &root, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_RATE_LIMITED);
	assert_int_equal(n_slept, 3);
	assert_int_equal(fake_control("clear=1"), before + VOIPMS_MAX_ATTEMPTS);
	kc_error_clear(&err);
	voipms_set_sleep_hook(NULL, NULL);
}

static void test_connection_refused(void **state)
{
	(void)state;
	/* A port that was free a moment ago. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/rest.php", ntohs(a.sin_port));
	struct voipms_config cfg = config();
	cfg.url = url;
	struct rows r;
	enum voipms_failure fk;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(get_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", &r, &fk, &err), KC_ERR_NET);
	assert_int_equal(fk, VOIPMS_NETWORK);
	assert_non_null(strstr(err.message, "Could not reach voip.ms"));
	kc_error_clear(&err);
}

static void test_callback_stop(void **state)
{
	(void)state;
	fake_control("clear=1");
	struct voipms_config cfg = config();
	struct rows r;
	memset(&r, 0, sizeof r);
	r.stop_after = 1;
	enum voipms_failure fk;
	size_t delivered = 0;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(voipms_get_reseller_cdr(&cfg, "100002", "2025-03-01", "2025-03-31", on_row, &r,
				 &delivered, &fk, &err),
		KC_ERR_INTERNAL);
	assert_int_equal(fk, VOIPMS_STOPPED);
	assert_int_equal(r.n, 1);
	assert_int_equal(delivered, 0); /* the stopping row does not count */
	kc_error_clear(&err);
}

/* The password travelled in the POST body only: never in a request line or a
 * header the fake logged. */
static void test_password_never_logged(void **state)
{
	(void)state;
	FILE *f = fopen(log_path, "r");
	assert_non_null(f);
	char line[8192];
	size_t requests = 0, with_password_field = 0;
	while (fgets(line, sizeof line, f)) {
		assert_null(strstr(line, CANARY));
		assert_null(strstr(line, WRONG_CANARY));
		if (strncmp(line, "REQUEST POST /api/", 18) == 0) {
			requests++;
			assert_null(strstr(line, "api_"));
		}
		if (strncmp(line, "FIELDS ", 7) == 0 && strstr(line, "api_password"))
			with_password_field++;
		assert_null(strstr(line, "REQUEST GET /api/"));
		assert_null(strncmp(line, "Expect:", 7) == 0 ? line : NULL);
	}
	fclose(f);
	assert_true(requests > 20);
	assert_true(with_password_field > 20);
}

int main(void)
{
	if (!have_python3()) {
		printf("SKIP: python3 is not installed (needed for the fake voip.ms server)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_rules),
		cmocka_unit_test(test_https_only_before_connecting),
		cmocka_unit_test(test_bad_arguments_never_reach_the_network),
		cmocka_unit_test(test_ACC2_generated_calls_per_client),
		cmocka_unit_test(test_fixture_rows_exact),
		cmocka_unit_test(test_numbers_and_bare_object),
		cmocka_unit_test(test_no_cdr_is_success),
		cmocka_unit_test(test_generic_call),
		cmocka_unit_test(test_unknown_client),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_faults_give_the_right_failure),
		cmocka_unit_test(test_size_cap_with_length),
		cmocka_unit_test(test_rate_limit_retried_then_ok),
		cmocka_unit_test(test_rate_limit_bounded),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_password_never_logged),
	};
	int rc = cmocka_run_group_tests(tests, start_fake, stop_fake);
	curl_global_cleanup();
	return rc;
}
