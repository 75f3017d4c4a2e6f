/* pool.c - a free list of preallocated frame buffers, shared with the workers. */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ifl_pool_init(struct ifl_pool *p, unsigned n, size_t cap)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->bufs = calloc(n, sizeof(*p->bufs));
	if (!p->bufs)
		return -ENOMEM;
	p->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct ifl_buf *b = &p->bufs[i];

		b->mem = malloc(cap);
		if (!b->mem) {
			ifl_pool_destroy(p);
			return -ENOMEM;
		}
		b->cap = cap;
		b->next = p->free;
		p->free = b;
	}
	return 0;
}

struct ifl_buf *ifl_pool_get(struct ifl_pool *p)
{
	struct ifl_buf *b;

	pthread_mutex_lock(&p->lock);
	while (!p->free)
		pthread_cond_wait(&p->freed, &p->lock);
	b = p->free;
	p->free = b->next;
	b->next = NULL;
	pthread_mutex_unlock(&p->lock);
	return b;
}

void ifl_pool_put(struct ifl_pool *p, struct ifl_buf *b)
{
	pthread_mutex_lock(&p->lock);
	b->next = p->free;
	p->free = b;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

void ifl_pool_destroy(struct ifl_pool *p)
{
	if (p->bufs)
		for (unsigned i = 0; i < p->n; i++)
			free(p->bufs[i].mem);
	free(p->bufs);
	p->bufs = NULL;
	p->free = NULL;
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
}
