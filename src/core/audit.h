/* audit.h: placeholder, being written. */
#ifndef KC_AUDIT_H
#define KC_AUDIT_H
#endif
