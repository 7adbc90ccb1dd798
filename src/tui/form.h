/* form.h: placeholder. */
#ifndef KC_FORM_UI_H
#define KC_FORM_UI_H
#endif
