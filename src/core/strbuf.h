/* strbuf.h: placeholder, being written. */
#ifndef KC_STRBUF_H
#define KC_STRBUF_H
#endif
