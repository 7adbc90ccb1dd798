/* keymap.c: key names and bindings, read with iniparser like the settings. */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <iniparser/iniparser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

#include "embedded.h"
#include "keymap.h"
#include "strbuf.h"

struct key_name {
	const char *name;
	kc_key key;
};

/* The first name of a key is the one shown. */
static const struct key_name key_names[] = {
	{ "Space", ' ' },
	{ "Tab", KC_KEY_TAB },
	{ "BackTab", KC_KEY_FN | KEY_BTAB },
	{ "S-Tab", KC_KEY_FN | KEY_BTAB },
	{ "Enter", KC_KEY_ENTER },
	{ "Return", KC_KEY_ENTER },
	{ "Esc", KC_KEY_ESC },
	{ "Escape", KC_KEY_ESC },
	{ "Backspace", KC_KEY_FN | KEY_BACKSPACE },
	{ "BS", KC_KEY_FN | KEY_BACKSPACE },
	{ "Del", KC_KEY_FN | KEY_DC },
	{ "Delete", KC_KEY_FN | KEY_DC },
	{ "Ins", KC_KEY_FN | KEY_IC },
	{ "Insert", KC_KEY_FN | KEY_IC },
	{ "Up", KC_KEY_FN | KEY_UP },
	{ "Down", KC_KEY_FN | KEY_DOWN },
	{ "Left", KC_KEY_FN | KEY_LEFT },
	{ "Right", KC_KEY_FN | KEY_RIGHT },
	{ "Home", KC_KEY_FN | KEY_HOME },
	{ "End", KC_KEY_FN | KEY_END },
	{ "PgUp", KC_KEY_FN | KEY_PPAGE },
	{ "PageUp", KC_KEY_FN | KEY_PPAGE },
	{ "PgDn", KC_KEY_FN | KEY_NPAGE },
	{ "PageDown", KC_KEY_FN | KEY_NPAGE },
	{ "lt", '<' },
};

void keymap_init(struct keymap *km)
{
	km->b = NULL;
	km->n = km->cap = 0;
}

void keymap_free(struct keymap *km)
{
	if (!km)
		return;
	free(km->b);
	keymap_init(km);
}

static kc_key parse_ctrl(const char *rest)
{
	if (strlen(rest) != 1)
		return KC_KEY_NONE;
	int c = toupper((unsigned char)rest[0]);
	if ((c >= 'A' && c <= 'Z') || c == '@' || c == '[' || c == '\\' || c == ']'
	    || c == '^' || c == '_')
		return KC_KEY_CTRL(c);
	return KC_KEY_NONE;
}

kc_key keymap_parse_key(const char *name)
{
	if (!name || !*name)
		return KC_KEY_NONE;
	/* One character, taken as is (case matters: "g" is not "G"). */
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t len = strlen(name);
	size_t k = mbrtowc(&wc, name, len, &st);
	if (k == len && k > 0 && wc > ' ' && wc != 127)
		return (kc_key)wc;
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (strcasecmp(name, key_names[i].name) == 0)
			return key_names[i].key;
	if (strncasecmp(name, "Ctrl-", 5) == 0)
		return parse_ctrl(name + 5);
	if (strncasecmp(name, "C-", 2) == 0)
		return parse_ctrl(name + 2);
	if (name[0] == '^' && name[1])
		return parse_ctrl(name + 1);
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 24 && name[1] != '0')
			return KC_KEY_FN | KEY_F((int)n);
	}
	return KC_KEY_NONE;
}

void keymap_key_name(kc_key key, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].key == key && key != '<') {
			snprintf(buf, size, "%s", key_names[i].name);
			return;
		}
	if (key & KC_KEY_FN) {
		int code = key & ~KC_KEY_FN;
		if (code >= KEY_F(1) && code <= KEY_F(24))
			snprintf(buf, size, "F%d", code - KEY_F0);
		else
			snprintf(buf, size, "Key-%d", code);
		return;
	}
	if (key > 0 && key < 32) {
		snprintf(buf, size, "Ctrl-%c", (char)(key + '@'));
		return;
	}
	char mb[MB_LEN_MAX + 1];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t k = wcrtomb(mb, (wchar_t)key, &st);
	if (k == (size_t)-1)
		snprintf(buf, size, "U+%04X", (unsigned)key);
	else {
		mb[k] = '\0';
		snprintf(buf, size, "%s", mb);
	}
}

kc_key keymap_from_curses(int rc, unsigned int wch)
{
	if (rc == KEY_CODE_YES) {
		if (wch == KEY_ENTER)
			return KC_KEY_ENTER;
		return KC_KEY_FN | (kc_key)wch;
	}
	if (wch == '\n' || wch == '\r')
		return KC_KEY_ENTER;
	if (wch == 127 || wch == 8)
		return KC_KEY_FN | KEY_BACKSPACE;
	return (kc_key)wch;
}

static void unbind_action(struct keymap *km, enum action_id action)
{
	size_t j = 0;
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].action != action)
			km->b[j++] = km->b[i];
	km->n = j;
}

static bool add_binding(struct keymap *km, kc_key key, enum action_id action)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key == key) {
			km->b[i].action = action; /* the key moves to the new action */
			return true;
		}
	if (km->n == km->cap) {
		size_t cap = km->cap ? km->cap * 2 : 64;
		struct keymap_binding *b = realloc(km->b, cap * sizeof *b);
		if (!b)
			return false;
		km->b = b;
		km->cap = cap;
	}
	km->b[km->n].key = key;
	km->b[km->n].action = action;
	km->n++;
	return true;
}

kc_status keymap_bind(struct keymap *km, enum action_id action, const char *keys,
	const char *where, kc_error *err)
{
	if (!action_get(action))
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("Unknown action"));
	/* Parse everything first, so a bad name changes nothing. */
	kc_key parsed[16];
	size_t n = 0;
	const char *p = keys ? keys : "";
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		char *name = kc_strndup(p, (size_t)(e - p));
		if (!name)
			return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
		kc_key k = keymap_parse_key(name);
		if (k == KC_KEY_NONE) {
			kc_status st = kc_error_set(err, KC_ERR_INVALID,
				_("%s: unknown key name \"%s\" for %s"),
				where ? where : _("keymap"), name, action_get(action)->name);
			free(name);
			return st;
		}
		free(name);
		if (n == sizeof parsed / sizeof parsed[0])
			return kc_error_set(err, KC_ERR_INVALID, _("%s: too many keys for %s"),
				where ? where : _("keymap"), action_get(action)->name);
		parsed[n++] = k;
		p = e;
	}
	unbind_action(km, action);
	for (size_t i = 0; i < n; i++)
		if (!add_binding(km, parsed[i], action))
			return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	return KC_OK;
}

/* iniparser reports syntax errors on stderr by default: the screen belongs
 * to curses, so stay silent and report through kc_error instead. */
static int silent_errors(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

kc_status keymap_load_file(struct keymap *km, const char *path, kc_error *err)
{
	iniparser_set_error_callback(silent_errors);
	dictionary *d = iniparser_load(path);
	if (!d)
		return kc_error_set(err, KC_ERR_IO, _("Cannot read the keymap %s"), path);
	kc_status st = KC_OK;
	int nkeys = iniparser_getsecnkeys(d, "keys");
	if (nkeys > 0) {
		const char **names = calloc((size_t)nkeys, sizeof *names);
		if (!names) {
			iniparser_freedict(d);
			return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
		}
		iniparser_getseckeys(d, "keys", names);
		for (int i = 0; i < nkeys && st == KC_OK; i++) {
			const char *full = names[i];
			const char *colon = strchr(full, ':');
			const char *aname = colon ? colon + 1 : full;
			enum action_id a = action_by_name(aname);
			if (a == ACTION_NONE) {
				st = kc_error_set(err, KC_ERR_INVALID, _("%s: unknown action \"%s\""),
					path, aname);
				break;
			}
			st = keymap_bind(km, a, iniparser_getstring(d, full, ""), path, err);
		}
		free(names);
	}
	iniparser_freedict(d);
	return st;
}

/* iniparser 4.1 reads only files: the embedded text goes through a private
 * temporary file, removed at once. */
static kc_status load_embedded(struct keymap *km, kc_error *err)
{
	const struct kc_embedded_file *f = kc_embedded_find("keymap.ini");
	if (!f)
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("The default keymap is missing"));
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char *path = kc_asprintf("%s/kenoconsole-keymap.XXXXXX", dir);
	if (!path)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	int fd = mkstemp(path);
	if (fd < 0) {
		kc_status st = kc_error_set(err, KC_ERR_IO,
			_("Cannot write a temporary file in %s for the keymap"), dir);
		free(path);
		return st;
	}
	size_t off = 0;
	bool ok = true;
	while (off < f->size) {
		ssize_t w = write(fd, f->data + off, f->size - off);
		if (w <= 0) {
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	close(fd);
	kc_status st = ok ? keymap_load_file(km, path, err)
		: kc_error_set(err, KC_ERR_IO, _("Cannot write a temporary file in %s for the keymap"), dir);
	unlink(path);
	free(path);
	return st;
}

kc_status keymap_load_all(struct keymap *km, const struct kc_settings *settings, kc_error *err)
{
	kc_status st = load_embedded(km, err);
	if (st != KC_OK || !settings)
		return st;
	if (settings->keymap) {
		st = keymap_load_file(km, settings->keymap, err);
		if (st != KC_OK)
			return st;
	}
	size_t n = 0;
	const struct settings_key_binding *b = settings_key_bindings(settings, &n);
	for (size_t i = 0; i < n; i++) {
		char *where = kc_asprintf("%s:%d", b[i].file ? b[i].file : "?", b[i].line);
		enum action_id a = action_by_name(b[i].action);
		if (a == ACTION_NONE)
			st = kc_error_set(err, KC_ERR_INVALID, _("%s: unknown action \"%s\""),
				where ? where : "?", b[i].action);
		else
			st = keymap_bind(km, a, b[i].keys, where, err);
		free(where);
		if (st != KC_OK)
			return st;
	}
	return KC_OK;
}

enum action_id keymap_lookup(const struct keymap *km, kc_key key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key == key)
			return km->b[i].action;
	return ACTION_NONE;
}

kc_key keymap_first_key(const struct keymap *km, enum action_id action)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].action == action)
			return km->b[i].key;
	return KC_KEY_NONE;
}

void keymap_keys_text(const struct keymap *km, enum action_id action, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < km->n; i++) {
		if (km->b[i].action != action)
			continue;
		char name[32];
		keymap_key_name(km->b[i].key, name, sizeof name);
		int w = snprintf(buf + used, size - used, "%s%s", used ? " " : "", name);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}
