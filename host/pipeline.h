/* pipeline.h - stream one image as CHUNK frames: reader, hasher, encoder pool, sender. */
#ifndef IFL_PIPELINE_H
#define IFL_PIPELINE_H

#include <pthread.h>
#include <stdint.h>

#include "ring.h"
#include "session.h"
#include "source.h"

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
	uint8_t sha256[32];       /* of the image, valid after a clean join */
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
 * Start streaming src (rewound first) into the range BEGIN opened on s:
 * chunks of chunk bytes (at most the cap given to init), encoded at level,
 * then END. The caller reads the agent's replies meanwhile. Returns 0, the
 * rewind's error, or a negative errno from pthread_create (nothing then runs).
 */
int ifl_pipeline_start(struct ifl_pipeline *p, struct ifl_source *src, struct ifl_session *s,
		       int level, uint32_t chunk);

/* Ask every stage to stop soon (the agent refused, the link died). */
void ifl_pipeline_abort(struct ifl_pipeline *p);

/* Wait for all threads; then the *_err fields, sha256, chunks and bytes are final. */
void ifl_pipeline_join(struct ifl_pipeline *p);

/* Free everything ifl_pipeline_init allocated. */
void ifl_pipeline_destroy(struct ifl_pipeline *p);

/* Thread bodies (chunker.c): read the image into slots; hash them; encode them. */
void *ifl_chunker_read(void *pipeline);
void *ifl_chunker_hash(void *pipeline);
void *ifl_chunker_encode(void *pipeline);

#endif
