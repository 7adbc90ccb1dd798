/* placeholder. */
#include "config.h"
typedef int kc_placeholder_cmd_db;
