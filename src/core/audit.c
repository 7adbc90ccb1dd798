/* audit.c: placeholder, being written. */
#include "config.h"
#include "audit.h"
typedef int kc_placeholder_audit;
