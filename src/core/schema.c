/* schema.c: placeholder, being written. */
#include "config.h"
#include "schema.h"
typedef int kc_placeholder_schema;
