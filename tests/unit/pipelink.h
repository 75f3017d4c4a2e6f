/*
 * pipelink.h - a blocking in-memory byte pipe between two threads, as an
 * ifl_transport with memlink's faults, so a host and an agent can talk in one
 * process (header-only, for tests).
 */
#ifndef IFL_PIPELINK_H
#define IFL_PIPELINK_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memlink.h"
#include "transport.h"

/*
 * One direction. Reads wait for bytes; once the writer has closed, a reader
 * that has consumed everything sees end of stream, and once the reader has
 * closed, writes fail with -EPIPE. Bytes stay in memory until pipelink_free,
 * so stream offsets (for faults) are offsets into data.
 */
struct pipelink_dir {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct memlink_buf b;
	int wclosed, rclosed;
};

/* One end: reads rx, writes tx. Faults act as in memlink (rx offsets, 1-based call counts). */
struct pipelink {
	struct ifl_transport t;
	struct pipelink_dir *rx, *tx;
	struct memlink_faults f;
	unsigned reads, writes;
};

static inline long pipelink_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct pipelink *p = t->priv;
	struct pipelink_dir *d = p->rx;
	unsigned call = __atomic_add_fetch(&p->reads, 1, __ATOMIC_SEQ_CST);
	size_t n, end;

	if (call == p->f.eintr_read)
		return -EINTR;
	if (call == p->f.fail_read)
		return p->f.read_err;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		end = d->b.len < p->f.truncate_at ? d->b.len : p->f.truncate_at;
		if (d->b.rpos < end || d->wclosed || d->b.rpos >= p->f.truncate_at || len == 0)
			break;
		pthread_cond_wait(&d->cond, &d->lock);
	}
	n = d->b.rpos < end ? end - d->b.rpos : 0;
	if (n > len)
		n = len;
	if (p->f.read_max && n > p->f.read_max)
		n = p->f.read_max;
	memcpy(buf, d->b.data + d->b.rpos, n);
	if (p->f.flip_at >= d->b.rpos && p->f.flip_at < d->b.rpos + n)
		buf[p->f.flip_at - d->b.rpos] ^= p->f.flip_mask;
	d->b.rpos += n;
	pthread_mutex_unlock(&d->lock);
	return (long)n;
}

static inline int pipelink_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct pipelink *p = t->priv;
	struct pipelink_dir *d = p->tx;
	unsigned call = __atomic_add_fetch(&p->writes, 1, __ATOMIC_SEQ_CST);
	int rc;

	if (call == p->f.fail_write)
		return p->f.write_err;
	pthread_mutex_lock(&d->lock);
	rc = d->rclosed || d->wclosed ? -EPIPE : memlink_buf_put(&d->b, buf, len);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static inline void pipelink_close_dir(struct pipelink_dir *d, int reader)
{
	pthread_mutex_lock(&d->lock);
	if (reader)
		d->rclosed = 1;
	else
		d->wclosed = 1;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Hang up: the peer reads to the end of what was sent, then sees end of stream. */
static inline void pipelink_close(struct ifl_transport *t)
{
	struct pipelink *p = t->priv;

	pipelink_close_dir(p->rx, 1);
	pipelink_close_dir(p->tx, 0);
}

/* Change an end's faults while the other thread may be reading: under the lock. */
static inline void pipelink_faults(struct pipelink *p, const struct memlink_faults *f)
{
	pthread_mutex_lock(&p->rx->lock);
	p->f = *f;
	pthread_mutex_unlock(&p->rx->lock);
}

static const struct ifl_transport_ops pipelink_ops = {
	.name = "pipelink",
	.read = pipelink_read,
	.write = pipelink_write,
	.close = pipelink_close,
};

/* Two ends joined back to back over dirs[2] (owned by the caller, freed by pipelink_free). */
static inline void pipelink_pair(struct pipelink *a, struct pipelink *b, struct pipelink_dir dirs[2])
{
	memset(dirs, 0, 2 * sizeof(*dirs));
	for (int i = 0; i < 2; i++) {
		pthread_mutex_init(&dirs[i].lock, NULL);
		pthread_cond_init(&dirs[i].cond, NULL);
	}
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->t.ops = b->t.ops = &pipelink_ops;
	a->t.priv = a;
	b->t.priv = b;
	a->rx = b->tx = &dirs[0];
	a->tx = b->rx = &dirs[1];
	a->f = b->f = memlink_faults_none();
}

static inline void pipelink_free(struct pipelink_dir dirs[2])
{
	for (int i = 0; i < 2; i++) {
		memlink_buf_free(&dirs[i].b);
		pthread_cond_destroy(&dirs[i].cond);
		pthread_mutex_destroy(&dirs[i].lock);
	}
}

#endif
