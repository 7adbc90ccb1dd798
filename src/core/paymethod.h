/* paymethod.h: placeholder, being written. */
#ifndef KC_PAYMETHOD_H
#define KC_PAYMETHOD_H
#endif
