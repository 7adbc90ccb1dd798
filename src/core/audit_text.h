/*
 * audit_text.h: an audit entry's old and new values (HIS-1) as text for
 * people, shared by `audit list` and the console's audit view.
 *
 * Contract
 *  - audit_changes_text() turns the two JSON objects of an audit row
 *    (either may be NULL) into "key: old → new" items, in the order of the
 *    new values, then the keys only the old values have ("key: old → —");
 *    a key only the new values have reads "key: new".  Items are joined
 *    with sep ("; " for one line, "\n" for one item a line; NULL = "; ").
 *  - Strings are quoted, numbers as written, true/false as the translated
 *    yes/no, null as "—".  Values that are not JSON objects are shown as
 *    stored ("old → new").
 *  - Control characters (C0, DEL, C1) become spaces: a stored value may
 *    hold a newline, and a terminal must never receive raw control bytes.
 *    Each value (and key) is cut after value_max bytes at a character
 *    boundary, with "…" (value_max 0: never cut).
 *  - Returns heap text the caller frees; NULL only when memory runs out.
 *    Never prints, never fails otherwise.
 */
#ifndef KC_AUDIT_TEXT_H
#define KC_AUDIT_TEXT_H

#include <stddef.h>

char *audit_changes_text(const char *old_json, const char *new_json, const char *sep,
	size_t value_max);

#endif
