/*
 * main.c: program entry.  Sets up the locale and message catalogs, reads the
 * global options and the configuration, sets the office time zone, then
 * runs one command (cli/) or opens the console (tui/).
 *
 * kenoconsole [-c FILE] [-d DBFILE] [--demo] [--read-only] [--script FILE]
 *             [COMMAND ...]
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "kc.h"
#include "output.h"
#include "settings.h"
#include "tui.h"

struct main_options {
	const char *config_path;
	const char *db_path;
	const char *script_path;
	bool demo;
	bool read_only;
	bool help;
	bool version;
};

static void setup_messages(void)
{
	setlocale(LC_ALL, "");
	const char *dir = getenv("KENOCONSOLE_LOCALEDIR");
	bindtextdomain(PACKAGE, dir && dir[0] ? dir : LOCALEDIR);
	textdomain(PACKAGE);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
}

/* Global options stop at the first word that is not one (the command). */
static int parse_options(int argc, char **argv, struct main_options *o, int *first)
{
	enum { OPT_DEMO = 256, OPT_READ_ONLY, OPT_SCRIPT, OPT_HELP, OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "demo", no_argument, NULL, OPT_DEMO },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "script", required_argument, NULL, OPT_SCRIPT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0; /* our own translated messages, with our own hint */
	int c;
	while ((c = getopt_long(argc, argv, "+:c:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config_path = optarg; break;
		case 'd': o->db_path = optarg; break;
		case OPT_DEMO: o->demo = true; break;
		case OPT_READ_ONLY: o->read_only = true; break;
		case OPT_SCRIPT: o->script_path = optarg; break;
		case OPT_HELP: o->help = true; break;
		case OPT_VERSION: o->version = true; break;
		case ':':
			return cli_usage(NULL, _("Option '%s' requires an argument"), argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };
				return cli_usage(NULL, _("Unrecognized option '%s'"), opt);
			}
			return cli_usage(NULL, _("Unrecognized option '%s'"), argv[optind - 1]);
		}
	}
	if (o->demo && o->db_path)
		return cli_usage(NULL, _("%s: choose either --demo or a database file"), "--demo");
	*first = optind;
	return -1;
}

/* The language of text output (money style): [ui] language, else the locale. */
static void setup_language(const struct kc_settings *s)
{
	if (s->language == SETTINGS_LANG_FR || s->language == SETTINGS_LANG_EN) {
		const char *lang = s->language == SETTINGS_LANG_FR ? "fr" : "en";
		/* gettext reads LANGUAGE at each lookup; it wins over LANG/LC_*. */
		setenv("LANGUAGE", lang, 1);
		output_set_language(lang);
		return;
	}
	output_set_language(setlocale(LC_MESSAGES, NULL));
}

static int load_settings(const struct main_options *o, struct kc_settings *s)
{
	kc_error err = KC_ERROR_INIT;
	kc_status st = settings_defaults(s);
	if (st != KC_OK) {
		cli_error("%s", kc_status_text(st));
		return CLI_EXIT_FAIL;
	}
	if (settings_load_standard(s, o->config_path, &err) != KC_OK ||
	    date_set_office_zone(s->office_zone, &err) != KC_OK ||
	    date_check_now_env(&err) != KC_OK) {
		cli_fail(&err);
		kc_error_clear(&err);
		return CLI_EXIT_FAIL;
	}
	setup_language(s);
	return CLI_EXIT_OK;
}

/* -d, else --demo, else [database] path, else the data folder. */
static char *database_path(const struct main_options *o, const struct kc_settings *s)
{
	if (o->db_path)
		return kc_strdup(o->db_path);
	if (o->demo)
		return cli_demo_database(s);
	if (s->db_path)
		return kc_strdup(s->db_path);
	return cli_data_file("kenoconsole.sqlite", true);
}

static int run_console(struct cli_context *ctx, const struct main_options *o)
{
	static const struct cli_command console = {
		"", NULL, "", "", STAFF_NONE, CLI_CREATE
	};
	int st = cli_begin(ctx, &console);
	if (st != CLI_EXIT_OK)
		return st;
	struct tui_options t = { .script_path = o->script_path, .read_only = o->read_only };
	st = tui_run(ctx->db, ctx->settings, &t);
	db_close(&ctx->db);
	return st;
}

int main(int argc, char **argv)
{
	setup_messages();
	struct main_options o = { 0 };
	int first = 0;
	int st = parse_options(argc, argv, &o, &first);
	if (st >= 0)
		return st;
	if (o.help) {
		cli_print_help(stdout);
		return cli_finish_output(CLI_EXIT_OK);
	}
	if (o.version) {
		cli_print_version(stdout);
		return cli_finish_output(CLI_EXIT_OK);
	}
	if (o.script_path && first < argc)
		return cli_usage(NULL, _("%s: only for the console, not with a command"), "--script");

	struct kc_settings settings = { 0 };
	st = load_settings(&o, &settings);
	char *db_path = NULL;
	if (st == CLI_EXIT_OK && (first == argc || strcmp(argv[first], "help") != 0)) {
		db_path = database_path(&o, &settings);
		if (!db_path)
			st = CLI_EXIT_FAIL;
	}
	if (st == CLI_EXIT_OK) {
		struct cli_context ctx = {
			.settings = &settings,
			.config_path = o.config_path,
			.db_path = db_path,
			.read_only = o.read_only,
		};
		if (first < argc)
			st = cli_run(&ctx, argc - first, argv + first);
		else
			st = run_console(&ctx, &o);
	}
	free(db_path);
	settings_free(&settings);
	output_set_language(NULL);
	return st;
}
