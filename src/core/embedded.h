/*
 * embedded.h: the files of data/ compiled into the binary (data/embed.sh),
 * so that the program and the tests work from the build tree and need no
 * installed data.  The installed copies in $(pkgdatadir) are for people to
 * read and for overrides (keymap).  Contents are static; never free them.
 */
#ifndef KC_EMBEDDED_H
#define KC_EMBEDDED_H

#include <stddef.h>

struct kc_embedded_file {
	const char *name;  /* basename, e.g. "001-base.sql" */
	const char *data;  /* NUL-terminated */
	size_t size;
};

extern const struct kc_embedded_file kc_embedded[]; /* ends with name NULL */

/* The embedded file called name, or NULL. */
const struct kc_embedded_file *kc_embedded_find(const char *name);

#endif
