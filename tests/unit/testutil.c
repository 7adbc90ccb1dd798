/* testutil.c: see testutil.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char tmpdir[4096];

static void remove_tmpdir(void)
{
	char cmd[4200];
	if (tmpdir[0] && getenv("KC_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/kcunit.XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

const char *test_path(const char *name)
{
	static char path[4400];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	return path;
}

const char *test_data(const char *name)
{
	static char path[4400];
	snprintf(path, sizeof path, "%s/%s", TESTDATADIR, name);
	return path;
}

int test_read_csv(const char *name, test_csv_row_fn fn, void *ctx)
{
	FILE *f = fopen(test_data(name), "r");
	if (!f)
		return -1;
	char line[1024];
	int lineno = 0, rows = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1 || line[0] == '\0')
			continue; /* header */
		char *fields[16];
		int n = 0;
		char *p = line;
		while (n < 16) {
			fields[n++] = p;
			char *comma = strchr(p, ',');
			if (!comma)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		fn(n, fields, lineno, ctx);
		rows++;
	}
	fclose(f);
	return rows;
}
