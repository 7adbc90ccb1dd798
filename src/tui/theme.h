/* theme.h: placeholder. */
#ifndef KC_THEME_UI_H
#define KC_THEME_UI_H
#endif
