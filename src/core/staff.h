/* staff.h: placeholder, being written. */
#ifndef KC_STAFF_H
#define KC_STAFF_H
#endif
