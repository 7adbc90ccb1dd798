/* tax.c: placeholder, being written. */
#include "config.h"
#include "tax.h"
typedef int kc_placeholder_tax;
