/* action.h: placeholder. */
#ifndef KC_ACTION_UI_H
#define KC_ACTION_UI_H
#endif
