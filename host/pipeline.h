/* pipeline.h - stream one image as CHUNK frames: reader, hasher, encoder pool, sender. */
#ifndef IFL_PIPELINE_H
#define IFL_PIPELINE_H

#include <pthread.h>
#include <stdint.h>

#include "ring.h"
#include "session.h"
#include "source.h"

/* Where the chunk in a slot goes (offset inside the range) and what the reader put there. */
struct ifl_chunk_meta {
	uint64_t off;
};

/*
 * A run of adjacent extents checked as one: by the agent's read-back of the
 * whole range (one group over the whole image) or by one HASH request.
 */
struct ifl_vgroup {
	uint64_t off, len;
	uint8_t sha256[32]; /* of what the target must hold there, after a clean join */
};

struct ifl_pipeline {
	struct ifl_ring ring;
	unsigned nworkers;
	pthread_t *workers;
	pthread_t reader, hasher, sender;
	int running;              /* threads started and not yet joined */
	/* One transfer: */
	struct ifl_source *src;
	struct ifl_session *sess;
	int level;                /* zlib level 0..9 */
	struct ifl_chunk_meta *meta; /* one per ring slot */
	struct ifl_vgroup *groups;   /* the source's extents, adjacent ones merged */
	size_t ngroups;
	uint8_t sha256[32];       /* of the image when it is whole (raw, gzip), after a clean join */
	int read_err;             /* first failure of each stage, negative errno */
	int enc_err;
	int send_err;
	uint64_t chunks, bytes;   /* CHUNK frames sent and their raw bytes */
	uint8_t end_frame[IFL_FRAME_HDR + 64];
};

/*
 * Allocate the buffers for chunks of up to cap bytes and nworkers encoder
 * threads, once for all transfers. Returns 0 or -ENOMEM.
 */
int ifl_pipeline_init(struct ifl_pipeline *p, uint32_t cap, unsigned nworkers);

/*
 * Start streaming src (rewound first) into the range BEGIN opened on s: each
 * extent of src cut into chunks of chunk bytes (at most the cap given to
 * init; no chunk crosses an extent's end), encoded at level, then END. The caller reads the agent's replies meanwhile. Returns 0, the
 * rewind's error, -ENOMEM, or a negative errno from pthread_create (nothing
 * then runs).
 */
int ifl_pipeline_start(struct ifl_pipeline *p, struct ifl_source *src, struct ifl_session *s,
		       int level, uint32_t chunk);

/* Ask every stage to stop soon (the agent refused, the link died). */
void ifl_pipeline_abort(struct ifl_pipeline *p);

/* Wait for all threads; then the *_err fields, sha256, chunks and bytes are final. */
void ifl_pipeline_join(struct ifl_pipeline *p);

/* Free everything ifl_pipeline_init allocated. */
void ifl_pipeline_destroy(struct ifl_pipeline *p);

/*
 * Merge src's adjacent extents into p->groups (replacing earlier ones).
 * Returns 0 or -ENOMEM.
 */
int ifl_pipeline_groups(struct ifl_pipeline *p, const struct ifl_source *src);

/* Chunks of chunk bytes that src's extents need. */
uint64_t ifl_chunker_count(const struct ifl_source *src, uint32_t chunk);

/* Thread bodies (chunker.c): read the extents into slots; hash them per group; encode them. */
void *ifl_chunker_read(void *pipeline);
void *ifl_chunker_hash(void *pipeline);
void *ifl_chunker_encode(void *pipeline);

#endif
