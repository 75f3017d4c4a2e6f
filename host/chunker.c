/* chunker.c - cut the image into chunks, hash it in order, and encode chunks on all cores. */
#include <errno.h>

#include "chunk.h"
#include "hash.h"
#include "pipeline.h"

void *ifl_chunker_read(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	uint64_t left = p->src->size;

	for (uint64_t i = 0; i < r->nchunks; i++) {
		struct ifl_slot *s = ifl_ring_wait_free(r, i);
		uint32_t len = left < r->chunk ? (uint32_t)left : r->chunk;
		int rc;

		if (!s)
			break;
		rc = ifl_source_fill(p->src, s->raw, len);
		if (rc) {
			p->read_err = rc;
			ifl_ring_abort(r);
			break;
		}
		s->raw_len = len;
		left -= len;
		ifl_ring_filled(r, i);
	}
	return NULL;
}

void *ifl_chunker_hash(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	struct ifl_sha256 h;

	/* SHA-256 is serial; a thread of its own keeps it off the reader's (inflate's) back. */
	ifl_sha256_init(&h);
	for (uint64_t i = 0; i < r->nchunks; i++) {
		struct ifl_slot *s = ifl_ring_wait_filled(r, i);

		if (!s)
			break;
		ifl_sha256_update(&h, s->raw, s->raw_len);
		ifl_ring_hashed(r, i);
	}
	ifl_sha256_final(&h, p->sha256);
	return NULL;
}

void *ifl_chunker_encode(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	struct ifl_zctx z;
	uint64_t i;
	/* zlib state is set up once per worker, not once per chunk. */
	int rc = ifl_zctx_init(&z, p->level);

	while (!rc && ifl_ring_take(r, &i) == 1) {
		struct ifl_slot *s = &r->slot[i % r->nslots];
		/* Chunk offsets count from the start of the range BEGIN opened. */
		rc = ifl_chunk_encode_z(&z, s->raw, s->raw_len, i * r->chunk,
					s->frame + IFL_FRAME_HDR, IFL_CHUNK_HDR + (size_t)r->cap,
					&s->payload, NULL);
		if (!rc)
			ifl_ring_encoded(r, i);
	}
	ifl_zctx_free(&z);
	if (rc) {
		pthread_mutex_lock(&r->lock);
		if (!p->enc_err)
			p->enc_err = rc;
		pthread_mutex_unlock(&r->lock);
		ifl_ring_abort(r);
	}
	return NULL;
}
