/* tui.h: placeholder. */
#ifndef KC_TUI_UI_H
#define KC_TUI_UI_H
#endif
