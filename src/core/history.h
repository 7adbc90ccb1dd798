/* history.h: placeholder, being written. */
#ifndef KC_HISTORY_H
#define KC_HISTORY_H
#endif
