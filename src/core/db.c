/* db.c: placeholder, being written. */
#include "config.h"
#include "db.h"
typedef int kc_placeholder_db;
