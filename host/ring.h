/* ring.h - the fixed pool of chunk slots that the reader, encoders and sender pass along. */
#ifndef IFL_RING_H
#define IFL_RING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct ifl_slot {
	uint8_t *raw;     /* the chunk as read from the image */
	uint8_t *frame;   /* frame header room, then the encoded CHUNK payload */
	uint32_t raw_len;
	size_t payload;   /* encoded payload bytes after the frame header */
	int ready;        /* encoded and waiting for the sender */
};

/*
 * Chunk i lives in slot i % nslots. The reader fills chunks in order; the
 * hasher hashes them in order while any encoder takes the next filled one;
 * the sender sends them in order. A slot is free again once it is both
 * hashed and sent, so at most nslots chunks are in flight.
 */
struct ifl_ring {
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* broadcast on every change; few threads, 1 MiB apart */
	struct ifl_slot *slot;
	unsigned nslots;
	uint32_t cap;         /* capacity of each slot's raw buffer */
	uint32_t chunk;       /* raw bytes per chunk in this transfer, <= cap */
	uint64_t nchunks;     /* chunks in this transfer */
	uint64_t filled;      /* chunks the reader has finished */
	uint64_t hashed;      /* chunks the hasher is done with */
	uint64_t taken;       /* chunks handed to encoders */
	uint64_t sent;        /* chunks the sender is done with */
	int abort;
};

/*
 * Allocate nslots slots for chunks of up to cap bytes, all at once.
 * Returns 0 or -ENOMEM (nothing left allocated).
 */
int ifl_ring_init(struct ifl_ring *r, unsigned nslots, uint32_t cap);

/* Prepare for a transfer of nchunks chunks of chunk (<= cap) bytes. No thread may be using the ring. */
void ifl_ring_reset(struct ifl_ring *r, uint64_t nchunks, uint32_t chunk);

/* Stop everyone: every wait below returns NULL / -ECANCELED from now on. */
void ifl_ring_abort(struct ifl_ring *r);

/* Reader: the slot for chunk i once it is free, or NULL on abort. */
struct ifl_slot *ifl_ring_wait_free(struct ifl_ring *r, uint64_t i);
/* Reader: chunk i is in its slot. */
void ifl_ring_filled(struct ifl_ring *r, uint64_t i);

/* Hasher: the slot of chunk i once filled, or NULL on abort. */
struct ifl_slot *ifl_ring_wait_filled(struct ifl_ring *r, uint64_t i);
/* Hasher: chunk i is hashed. */
void ifl_ring_hashed(struct ifl_ring *r, uint64_t i);

/* Encoder: set *i to the next chunk to encode. Returns 1, 0 when none are left, -ECANCELED. */
int ifl_ring_take(struct ifl_ring *r, uint64_t *i);
/* Encoder: chunk i is encoded. */
void ifl_ring_encoded(struct ifl_ring *r, uint64_t i);

/* Sender: the slot of chunk i once encoded, or NULL on abort. */
struct ifl_slot *ifl_ring_wait_ready(struct ifl_ring *r, uint64_t i);
/* Sender: chunk i is sent; its slot is free. */
void ifl_ring_sent(struct ifl_ring *r, uint64_t i);

void ifl_ring_destroy(struct ifl_ring *r);

#endif
