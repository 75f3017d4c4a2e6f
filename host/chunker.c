/* chunker.c - cut the image's extents into chunks, hash them in order, and encode chunks on all cores. */
#include <errno.h>
#include <string.h>

#include "chunk.h"
#include "hash.h"
#include "pipeline.h"

uint64_t ifl_chunker_count(const struct ifl_source *src, uint32_t chunk)
{
	uint64_t n = 0;

	for (size_t e = 0; e < src->next; e++)
		n += (src->ext[e].len + chunk - 1) / chunk;
	return n;
}

/* Put the chunk's bytes in the slot: from the image, or the extent's pattern or zeros. */
static int fill_slot(struct ifl_pipeline *p, const struct ifl_extent *e, uint8_t *raw, uint32_t len)
{
	if (e->kind == IFL_EXT_DATA)
		return ifl_source_fill(p->src, raw, len);
	if (e->kind == IFL_EXT_ZERO) {
		memset(raw, 0, len);
		return 0;
	}
	/* A fill run: the encoder sees the pattern and sends it as a 4-byte fill chunk. */
	for (uint32_t k = 0; k < len; k++)
		raw[k] = e->pattern[k % 4];
	return 0;
}

void *ifl_chunker_read(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	uint64_t i = 0;

	for (size_t e = 0; e < p->src->next; e++) {
		const struct ifl_extent *x = &p->src->ext[e];

		for (uint64_t done = 0; done < x->len; done += r->chunk, i++) {
			uint64_t left = x->len - done;
			uint32_t len = left < r->chunk ? (uint32_t)left : r->chunk;
			struct ifl_slot *s = ifl_ring_wait_free(r, i);
			int rc;

			if (!s)
				return NULL;
			rc = fill_slot(p, x, s->raw, len);
			if (rc) {
				p->read_err = rc;
				ifl_ring_abort(r);
				return NULL;
			}
			p->meta[i % r->nslots].off = x->off + done;
			s->raw_len = len;
			ifl_ring_filled(r, i);
		}
	}
	return NULL;
}

void *ifl_chunker_hash(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	struct ifl_sha256 h;
	size_t g = 0;

	/*
	 * SHA-256 is serial; a thread of its own keeps it off the reader's (inflate's)
	 * back. One digest per group: chunks arrive in offset order and never
	 * straddle two groups, so a chunk past the group's end starts the next.
	 */
	ifl_sha256_init(&h);
	for (uint64_t i = 0; i < r->nchunks; i++) {
		struct ifl_slot *s = ifl_ring_wait_filled(r, i);
		uint64_t off;

		if (!s)
			break;
		off = p->meta[i % r->nslots].off;
		while (g + 1 < p->ngroups && off >= p->groups[g].off + p->groups[g].len) {
			ifl_sha256_final(&h, p->groups[g++].sha256);
			ifl_sha256_init(&h);
		}
		ifl_sha256_update(&h, s->raw, s->raw_len);
		ifl_ring_hashed(r, i);
	}
	if (g < p->ngroups)
		ifl_sha256_final(&h, p->groups[g].sha256);
	else
		ifl_sha256_final(&h, p->sha256); /* no groups: release the context */
	if (p->ngroups == 1)
		memcpy(p->sha256, p->groups[0].sha256, 32);
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
		rc = ifl_chunk_encode_z(&z, s->raw, s->raw_len, p->meta[i % r->nslots].off,
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
