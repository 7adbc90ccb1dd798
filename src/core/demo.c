/* demo.c: placeholder, being written. */
#include "config.h"
#include "demo.h"
typedef int kc_placeholder_demo;
