/* input.h: placeholder. */
#ifndef KC_INPUT_UI_H
#define KC_INPUT_UI_H
#endif
