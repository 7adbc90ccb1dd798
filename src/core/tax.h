/* tax.h: placeholder, being written. */
#ifndef KC_TAX_H
#define KC_TAX_H
#endif
