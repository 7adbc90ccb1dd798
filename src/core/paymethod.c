/* paymethod.c: placeholder, being written. */
#include "config.h"
#include "paymethod.h"
typedef int kc_placeholder_paymethod;
