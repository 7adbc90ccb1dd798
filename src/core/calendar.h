/* calendar.h: placeholder, being written. */
#ifndef KC_CALENDAR_H
#define KC_CALENDAR_H
#endif
