/* settings.c: placeholder. */
#include "config.h"
#include "settings.h"
typedef int kc_placeholder_settings;
