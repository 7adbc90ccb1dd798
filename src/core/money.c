/* money.c: placeholder, being written. */
#include "config.h"
#include "money.h"
typedef int kc_placeholder_money;
