/*
 * kc.h: conventions shared by every core module.
 *
 * Contract
 *  - Core functions never print, never exit and never include curses.  They
 *    return a kc_status and, on failure, fill a caller-owned kc_error with a
 *    message that is already translated into the user's language.
 *  - kc_error.message is heap memory owned by the kc_error; kc_error_clear()
 *    frees it.  Setting an error that already holds a message replaces it.
 *  - Messages never contain a secret (password, token, full card number).
 *  - Money is integer (see money.h); no floating point anywhere in core.
 */
#ifndef KC_H
#define KC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
/* Translation with a context, for short words that are ambiguous alone. */
#define P_(ctx, s) kc_pgettext(ctx "\004" s, s)

#if defined(__GNUC__)
#define KC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define KC_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define KC_PRINTF(fmt, args)
#define KC_WARN_UNUSED
#endif

typedef enum kc_status {
	KC_OK = 0,
	KC_ERR_INVALID,   /* bad input from a user, a file or the network */
	KC_ERR_NOT_FOUND, /* the record asked for does not exist */
	KC_ERR_CONFLICT,  /* someone else changed the record first (version) */
	KC_ERR_RULE,      /* refused by an agreement rule (ACC-x, BIL-x, ...) */
	KC_ERR_PERM,      /* read-only mode, role, or file permissions */
	KC_ERR_BUSY,      /* database still locked after bounded retries */
	KC_ERR_DB,        /* SQLite failure, damaged or foreign file */
	KC_ERR_IO,        /* file system */
	KC_ERR_NET,       /* network / remote API */
	KC_ERR_NOMEM,
	KC_ERR_INTERNAL
} kc_status;

typedef struct kc_error {
	kc_status code;
	char *message; /* translated, owned; NULL when code == KC_OK */
} kc_error;

#define KC_ERROR_INIT { KC_OK, NULL }

/* Sets err (may be NULL: then only the status is returned).  Returns code. */
kc_status kc_error_set(kc_error *err, kc_status code, const char *fmt, ...) KC_PRINTF(3, 4);
/* Frees the message and resets to KC_OK.  Safe on NULL and on a clear error. */
void kc_error_clear(kc_error *err);
/* The message, or a generic translated text for the code. Never NULL. */
const char *kc_error_text(const kc_error *err);
/* A translated generic text for a status. */
const char *kc_status_text(kc_status code);

const char *kc_pgettext(const char *msgctxt_id, const char *msgid);

/*
 * User text inside a message.  Anything a person typed, a file or the
 * network sent (an email, a client id, a reason, a date...) goes through
 * this before it is put into an error message, so that an escape sequence
 * can never reach the terminal through the message line or stderr.
 *
 * kc_quote_for_message: a heap copy of s (NULL gives "") where C0 and C1
 * control characters, DEL, the bidirectional controls (U+061C, U+200E/F,
 * U+202A..E, U+2066..9), U+2028/9 and every byte that is not valid UTF-8
 * are each replaced by '?'; cut after max_chars characters with "…" when
 * longer (SIZE_MAX: no limit).  The caller frees it; NULL only when memory
 * runs out.
 */
#define KC_QUOTE_MAX 60
char *kc_quote_for_message(const char *s, size_t max_chars);
/*
 * kc_error_set with one piece of user text: fmt is a translated message
 * holding "%s" once, replaced by kc_quote_for_message(text, KC_QUOTE_MAX)
 * ("%%" gives "%"; no other directive is interpreted, so a message with
 * other arguments uses kc_quote_for_message and kc_error_set instead).
 * Returns code.  When memory runs out the message is the generic text of
 * code.
 */
kc_status kc_error_set_quoted(kc_error *err, kc_status code, const char *fmt, const char *text);

/* Allocation helpers returning NULL on failure (core never aborts). */
char *kc_strdup(const char *s);
char *kc_strndup(const char *s, size_t n);
/* printf into a new heap string; NULL on failure. */
char *kc_asprintf(const char *fmt, ...) KC_PRINTF(1, 2);

#endif
