/* money.h: placeholder, being written. */
#ifndef KC_MONEY_H
#define KC_MONEY_H
#endif
