/* ring.c - bounded, allocation-free hand-off of chunk slots between pipeline threads. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "frame.h"

int ifl_ring_init(struct ifl_ring *r, unsigned nslots, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->slot = calloc(nslots, sizeof(*r->slot));
	if (!r->slot) {
		ifl_ring_destroy(r);
		return -ENOMEM;
	}
	r->nslots = nslots;
	r->cap = r->chunk = cap;
	for (unsigned i = 0; i < nslots; i++) {
		r->slot[i].raw = malloc(cap);
		r->slot[i].frame = malloc(IFL_FRAME_HDR + IFL_CHUNK_HDR + (size_t)cap);
		if (!r->slot[i].raw || !r->slot[i].frame) {
			ifl_ring_destroy(r);
			return -ENOMEM;
		}
	}
	return 0;
}

void ifl_ring_reset(struct ifl_ring *r, uint64_t nchunks, uint32_t chunk)
{
	r->nchunks = nchunks;
	r->chunk = chunk;
	r->filled = r->hashed = r->taken = r->sent = 0;
	r->abort = 0;
	for (unsigned i = 0; i < r->nslots; i++)
		r->slot[i].ready = 0;
}

/* Change state under the lock and wake every waiter. */
#define RING_UPDATE(r, stmt)                      \
	do {                                      \
		pthread_mutex_lock(&(r)->lock);   \
		stmt;                             \
		pthread_cond_broadcast(&(r)->cond); \
		pthread_mutex_unlock(&(r)->lock); \
	} while (0)

void ifl_ring_abort(struct ifl_ring *r)
{
	RING_UPDATE(r, r->abort = 1);
}

struct ifl_slot *ifl_ring_wait_free(struct ifl_ring *r, uint64_t i)
{
	struct ifl_slot *s;

	pthread_mutex_lock(&r->lock);
	while (!r->abort && (i - r->sent >= r->nslots || i - r->hashed >= r->nslots))
		pthread_cond_wait(&r->cond, &r->lock);
	s = r->abort ? NULL : &r->slot[i % r->nslots];
	pthread_mutex_unlock(&r->lock);
	return s;
}

void ifl_ring_filled(struct ifl_ring *r, uint64_t i)
{
	RING_UPDATE(r, r->filled = i + 1);
}

struct ifl_slot *ifl_ring_wait_filled(struct ifl_ring *r, uint64_t i)
{
	struct ifl_slot *s;

	pthread_mutex_lock(&r->lock);
	while (!r->abort && i >= r->filled)
		pthread_cond_wait(&r->cond, &r->lock);
	s = r->abort ? NULL : &r->slot[i % r->nslots];
	pthread_mutex_unlock(&r->lock);
	return s;
}

void ifl_ring_hashed(struct ifl_ring *r, uint64_t i)
{
	RING_UPDATE(r, r->hashed = i + 1);
}

int ifl_ring_take(struct ifl_ring *r, uint64_t *i)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	while (!r->abort && r->taken < r->nchunks && r->taken >= r->filled)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->abort)
		rc = -ECANCELED;
	else if (r->taken >= r->nchunks)
		rc = 0;
	else {
		*i = r->taken++;
		rc = 1;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void ifl_ring_encoded(struct ifl_ring *r, uint64_t i)
{
	RING_UPDATE(r, r->slot[i % r->nslots].ready = 1);
}

struct ifl_slot *ifl_ring_wait_ready(struct ifl_ring *r, uint64_t i)
{
	struct ifl_slot *s = &r->slot[i % r->nslots];

	pthread_mutex_lock(&r->lock);
	while (!r->abort && !(i < r->filled && s->ready))
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->abort)
		s = NULL;
	pthread_mutex_unlock(&r->lock);
	return s;
}

void ifl_ring_sent(struct ifl_ring *r, uint64_t i)
{
	RING_UPDATE(r, (r->slot[i % r->nslots].ready = 0, r->sent = i + 1));
}

void ifl_ring_destroy(struct ifl_ring *r)
{
	for (unsigned i = 0; r->slot && i < r->nslots; i++) {
		free(r->slot[i].raw);
		free(r->slot[i].frame);
	}
	free(r->slot);
	r->slot = NULL;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
}
