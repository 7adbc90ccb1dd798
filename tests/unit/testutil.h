/*
 * testutil.h: shared helpers for the cmocka unit tests.
 *  - test_tmpdir(): a fresh private directory per process (removed at exit).
 *  - test_path(name): a path inside it; the returned string is static storage
 *    overwritten by the next call (copy it if you keep two).
 *  - test_data(name): path of a file in tests/data (same static rule).
 *  - test_read_csv(): calls fn for each data row of a CSV of tests/data.
 */
#ifndef KC_TESTUTIL_H
#define KC_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

const char *test_tmpdir(void);
const char *test_path(const char *name);
const char *test_data(const char *name);
/* fields: up to 16 comma-separated fields, no quoting (our CSVs need none). */
typedef void (*test_csv_row_fn)(int nfields, char **fields, int line, void *ctx);
int test_read_csv(const char *name, test_csv_row_fn fn, void *ctx);

#endif
