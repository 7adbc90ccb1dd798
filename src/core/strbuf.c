/* strbuf.c: placeholder, being written. */
#include "config.h"
#include "strbuf.h"
typedef int kc_placeholder_strbuf;
