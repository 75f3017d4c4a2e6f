/* cursor.h - bounded readers and writers over a byte buffer (private to common/). */
#ifndef IFL_CURSOR_H
#define IFL_CURSOR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

/*
 * A cursor remembers the first failure (-EPROTO for a short read or a bad
 * string, -ENOBUFS for a full output buffer); later calls are no-ops, so a
 * parser checks err once at the end.
 */
struct ifl_cur {
	uint8_t *buf; /* never written through by a reader */
	size_t len, off;
	int err;
	int writing;
};

static inline struct ifl_cur ifl_cur_reader(const uint8_t *p, size_t len)
{
	struct ifl_cur c = {(uint8_t *)p, len, 0, 0, 0};
	return c;
}

static inline struct ifl_cur ifl_cur_writer(uint8_t *p, size_t cap)
{
	struct ifl_cur c = {p, cap, 0, 0, 1};
	return c;
}

/* Reserve n bytes; NULL (and err set) when they are not there. */
static inline const uint8_t *ifl_cur_take(struct ifl_cur *c, size_t n)
{
	if (c->err || c->len - c->off < n) {
		if (!c->err)
			c->err = c->writing ? -ENOBUFS : -EPROTO;
		return NULL;
	}
	c->off += n;
	return c->buf + c->off - n;
}

static inline uint8_t ifl_cur_u8(struct ifl_cur *c)
{
	const uint8_t *p = ifl_cur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t ifl_cur_u16(struct ifl_cur *c)
{
	const uint8_t *p = ifl_cur_take(c, 2);
	return p ? ifl_get_le16(p) : 0;
}

static inline uint32_t ifl_cur_u32(struct ifl_cur *c)
{
	const uint8_t *p = ifl_cur_take(c, 4);
	return p ? ifl_get_le32(p) : 0;
}

static inline uint64_t ifl_cur_u64(struct ifl_cur *c)
{
	const uint8_t *p = ifl_cur_take(c, 8);
	return p ? ifl_get_le64(p) : 0;
}

static inline void ifl_cur_put8(struct ifl_cur *c, uint8_t v)
{
	uint8_t *p = (uint8_t *)ifl_cur_take(c, 1);
	if (p)
		p[0] = v;
}

static inline void ifl_cur_put16(struct ifl_cur *c, uint16_t v)
{
	uint8_t *p = (uint8_t *)ifl_cur_take(c, 2);
	if (p)
		ifl_put_le16(p, v);
}

static inline void ifl_cur_put32(struct ifl_cur *c, uint32_t v)
{
	uint8_t *p = (uint8_t *)ifl_cur_take(c, 4);
	if (p)
		ifl_put_le32(p, v);
}

static inline void ifl_cur_put64(struct ifl_cur *c, uint64_t v)
{
	uint8_t *p = (uint8_t *)ifl_cur_take(c, 8);
	if (p)
		ifl_put_le64(p, v);
}

static inline void ifl_cur_putbytes(struct ifl_cur *c, const void *src, size_t n)
{
	uint8_t *p = (uint8_t *)ifl_cur_take(c, n);
	if (p && n)
		memcpy(p, src, n);
}

/*
 * Strings on the wire: a length (u8, or u16 when wide) then that many bytes,
 * no NUL. Reading copies into dst[cap] NUL-terminated; a string longer than
 * cap - 1 or holding a NUL is a protocol error.
 */
static inline void ifl_cur_str(struct ifl_cur *c, char *dst, size_t cap, int wide)
{
	size_t n = wide ? ifl_cur_u16(c) : ifl_cur_u8(c);
	const uint8_t *p;

	dst[0] = '\0';
	if (c->err)
		return;
	if (n >= cap) {
		c->err = -EPROTO;
		return;
	}
	p = ifl_cur_take(c, n);
	if (!p)
		return;
	if (memchr(p, 0, n)) {
		c->err = -EPROTO;
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static inline void ifl_cur_putstr(struct ifl_cur *c, const char *s, int wide)
{
	size_t n = strlen(s), max = wide ? 65535 : 255;

	if (n > max)
		n = max;
	if (wide)
		ifl_cur_put16(c, (uint16_t)n);
	else
		ifl_cur_put8(c, (uint8_t)n);
	ifl_cur_putbytes(c, s, n);
}

#endif
