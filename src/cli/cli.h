/* cli.h: placeholder. */
#ifndef KC_CLI_UI_H
#define KC_CLI_UI_H
#endif
