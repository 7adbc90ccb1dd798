/* keymap.h: placeholder. */
#ifndef KC_KEYMAP_UI_H
#define KC_KEYMAP_UI_H
#endif
