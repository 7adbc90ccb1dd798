/* cli.c: placeholder. */
#include "config.h"
typedef int kc_placeholder_cli;
