/* settings.h: placeholder. */
#ifndef KC_SETTINGS_H
#define KC_SETTINGS_H
#endif
