/* pane.c: placeholder. */
#include "config.h"
typedef int kc_placeholder_pane;
