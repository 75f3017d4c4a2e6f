/* pool.h - a fixed set of frame buffers: the agent reads a frame only into a free one. */
#ifndef IFL_POOL_H
#define IFL_POOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "chunk.h"

/* One frame buffer, and the chunk parsed from it while a worker holds it. */
struct ifl_buf {
	uint8_t *mem; /* IFL_FRAME_HDR + payload capacity */
	size_t cap;
	struct ifl_chunk c; /* c.data points into mem */
	uint32_t seq;       /* frame sequence, for ERROR ref_seq */
	struct ifl_buf *next;
};

struct ifl_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct ifl_buf *bufs; /* all n */
	struct ifl_buf *free;
	unsigned n;
};

/*
 * Allocate n buffers of cap bytes each, up front: nothing is allocated later.
 * Returns 0 or -ENOMEM.
 */
int ifl_pool_init(struct ifl_pool *p, unsigned n, size_t cap);

/* Take a free buffer, waiting until a worker gives one back. */
struct ifl_buf *ifl_pool_get(struct ifl_pool *p);

/* Give a buffer back and wake a waiter. */
void ifl_pool_put(struct ifl_pool *p, struct ifl_buf *b);

/* Free all buffers (all must have been given back). */
void ifl_pool_destroy(struct ifl_pool *p);

#endif
