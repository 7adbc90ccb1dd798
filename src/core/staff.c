/* staff.c: placeholder, being written. */
#include "config.h"
#include "staff.h"
typedef int kc_placeholder_staff;
