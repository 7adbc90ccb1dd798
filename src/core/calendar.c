/* calendar.c: placeholder, being written. */
#include "config.h"
#include "calendar.h"
typedef int kc_placeholder_calendar;
