/* embedded_find.c: lookup in the generated kc_embedded table. */
#include "config.h"

#include <string.h>

#include "embedded.h"

const struct kc_embedded_file *kc_embedded_find(const char *name)
{
	for (const struct kc_embedded_file *f = kc_embedded; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}
