/* history.c: placeholder, being written. */
#include "config.h"
#include "history.h"
typedef int kc_placeholder_history;
