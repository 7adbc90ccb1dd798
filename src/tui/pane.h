/* pane.h: placeholder. */
#ifndef KC_PANE_UI_H
#define KC_PANE_UI_H
#endif
