/* output.h: placeholder. */
#ifndef KC_OUTPUT_UI_H
#define KC_OUTPUT_UI_H
#endif
