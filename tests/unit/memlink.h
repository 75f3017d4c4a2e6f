/* memlink.h - an in-memory ifl_transport with fault injection, for tests (header-only). */
#ifndef IFL_MEMLINK_H
#define IFL_MEMLINK_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

/*
 * One direction of a pipe: write appends at len, read consumes from rpos.
 * A reader that has consumed everything sees end of stream (read returns 0),
 * so tests fill the pipe first and drain it afterwards, in one thread.
 */
struct memlink_buf {
	uint8_t *data;
	size_t len, cap, rpos;
};

/*
 * Faults, all off in memlink_faults_none(). Read faults act on the stream
 * offsets of rx (byte 0 is the first byte ever written to it); call counts
 * are 1-based and count every call, failed ones included.
 */
struct memlink_faults {
	size_t read_max;     /* largest count one read returns (1: byte by byte); 0 = no limit */
	unsigned eintr_read; /* this read call returns -EINTR and consumes nothing */
	unsigned fail_read;  /* this read call returns read_err */
	int read_err;
	unsigned fail_write; /* this write call returns write_err and sends nothing */
	int write_err;
	size_t flip_at;      /* stream offset of a byte XORed with flip_mask on its way in */
	uint8_t flip_mask;
	size_t truncate_at;  /* the reader sees end of stream at this offset */
};

struct memlink {
	struct ifl_transport t;
	struct memlink_buf *rx, *tx;
	struct memlink_faults f;
	unsigned reads, writes; /* calls so far */
	int closed;
};

static inline struct memlink_faults memlink_faults_none(void)
{
	struct memlink_faults f = {0};

	f.read_err = -EIO;
	f.write_err = -EIO;
	f.flip_at = SIZE_MAX;
	f.truncate_at = SIZE_MAX;
	return f;
}

/* Append n bytes to a pipe, growing it. Returns 0 or -ENOMEM. */
static inline int memlink_buf_put(struct memlink_buf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *d;

		while (cap - b->len < n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static inline void memlink_buf_free(struct memlink_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static inline long memlink_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct memlink *m = t->priv;
	struct memlink_buf *b = m->rx;
	size_t end = b->len, n;

	m->reads++;
	if (m->closed)
		return -EBADF;
	if (m->reads == m->f.eintr_read)
		return -EINTR;
	if (m->reads == m->f.fail_read)
		return m->f.read_err;
	if (m->f.truncate_at < end)
		end = m->f.truncate_at;
	if (b->rpos >= end || len == 0)
		return 0;
	n = end - b->rpos;
	if (n > len)
		n = len;
	if (m->f.read_max && n > m->f.read_max)
		n = m->f.read_max;
	memcpy(buf, b->data + b->rpos, n);
	if (m->f.flip_at >= b->rpos && m->f.flip_at < b->rpos + n)
		buf[m->f.flip_at - b->rpos] ^= m->f.flip_mask;
	b->rpos += n;
	return (long)n;
}

static inline int memlink_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct memlink *m = t->priv;

	m->writes++;
	if (m->closed)
		return -EBADF;
	if (m->writes == m->f.fail_write)
		return m->f.write_err;
	return memlink_buf_put(m->tx, buf, len);
}

/* The pipes belong to the caller; close only makes later calls fail. */
static inline void memlink_close(struct ifl_transport *t)
{
	struct memlink *m = t->priv;

	m->closed = 1;
}

static const struct ifl_transport_ops memlink_ops = {
	.name = "memlink",
	.read = memlink_read,
	.write = memlink_write,
	.close = memlink_close,
};

/* An endpoint reading rx and writing tx (either may be NULL if unused). */
static inline void memlink_init(struct memlink *m, struct memlink_buf *rx, struct memlink_buf *tx)
{
	memset(m, 0, sizeof(*m));
	m->t.ops = &memlink_ops;
	m->t.priv = m;
	m->rx = rx;
	m->tx = tx;
	m->f = memlink_faults_none();
}

/* Two endpoints joined back to back: what a writes, b reads, and the reverse. */
static inline void memlink_pair(struct memlink *a, struct memlink *b, struct memlink_buf bufs[2])
{
	memset(bufs, 0, 2 * sizeof(*bufs));
	memlink_init(a, &bufs[1], &bufs[0]);
	memlink_init(b, &bufs[0], &bufs[1]);
}

/* An endpoint that reads the bytes in p[n] (copied) and writes into the same pipe. */
static inline int memlink_from_bytes(struct memlink *m, struct memlink_buf *b, const void *p,
				     size_t n)
{
	memset(b, 0, sizeof(*b));
	memlink_init(m, b, b);
	return memlink_buf_put(b, p, n);
}

#endif
