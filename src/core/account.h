/* account.h: placeholder, being written. */
#ifndef KC_ACCOUNT_H
#define KC_ACCOUNT_H
#endif
