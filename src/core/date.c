/* date.c: placeholder, being written. */
#include "config.h"
#include "date.h"
typedef int kc_placeholder_date;
