/* date.h: placeholder, being written. */
#ifndef KC_DATE_H
#define KC_DATE_H
#endif
