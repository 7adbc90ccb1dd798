/* schema.h: placeholder, being written. */
#ifndef KC_SCHEMA_H
#define KC_SCHEMA_H
#endif
