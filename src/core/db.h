/* db.h: placeholder, being written. */
#ifndef KC_DB_H
#define KC_DB_H
#endif
