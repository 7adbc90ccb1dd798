/* demo.h: placeholder, being written. */
#ifndef KC_DEMO_H
#define KC_DEMO_H
#endif
