/* account.c: placeholder, being written. */
#include "config.h"
#include "account.h"
typedef int kc_placeholder_account;
