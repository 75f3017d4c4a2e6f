/* pipeline.c - start, feed and stop the threads that stream one image to the agent. */
#include "pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"

int ifl_pipeline_init(struct ifl_pipeline *p, uint32_t cap, unsigned nworkers)
{
	/* Two chunks per encoder keep them busy while the sender drains; a few more absorb jitter. */
	unsigned nslots = 2 * nworkers + 2;
	int rc;

	memset(p, 0, sizeof(*p));
	p->workers = calloc(nworkers, sizeof(*p->workers));
	p->meta = calloc(nslots, sizeof(*p->meta));
	rc = p->workers && p->meta ? ifl_ring_init(&p->ring, nslots, cap) : -ENOMEM;
	if (rc) {
		free(p->workers);
		free(p->meta);
		p->workers = NULL;
		p->meta = NULL;
		return rc;
	}
	p->nworkers = nworkers;
	return 0;
}

/* The last act of a transfer: END with what was sent. */
static int send_end(struct ifl_pipeline *p)
{
	struct ifl_end end = {p->chunks, p->bytes};
	size_t len;
	int rc = ifl_enc_end(&end, p->end_frame + IFL_FRAME_HDR, sizeof(p->end_frame) - IFL_FRAME_HDR,
			     &len);

	return rc ? rc : ifl_session_send(p->sess, p->end_frame, IFL_T_END, len);
}

static void *sender_main(void *arg)
{
	struct ifl_pipeline *p = arg;
	struct ifl_ring *r = &p->ring;
	int rc = 0;

	for (uint64_t i = 0; i < r->nchunks && rc == 0; i++) {
		struct ifl_slot *s = ifl_ring_wait_ready(r, i);

		if (!s) {
			/* Stopped early: BYE makes the agent drop the write and close, which
			 * ends the caller's wait for RESULT. */
			(void)ifl_session_send_empty(p->sess, IFL_T_BYE);
			return NULL;
		}
		rc = ifl_session_send(p->sess, s->frame, IFL_T_CHUNK, s->payload);
		if (rc == 0) {
			p->chunks++;
			p->bytes += s->raw_len;
		}
		ifl_ring_sent(r, i);
	}
	if (rc == 0)
		rc = send_end(p);
	if (rc) {
		p->send_err = rc;
		ifl_ring_abort(r);
		/* The agent may be alive and waiting for the rest: stop waiting for RESULT. */
		ifl_session_abort(p->sess, rc);
	}
	return NULL;
}

static int start_threads(struct ifl_pipeline *p)
{
	unsigned n;
	int rc = pthread_create(&p->reader, NULL, ifl_chunker_read, p);

	if (rc)
		return -rc;
	rc = pthread_create(&p->hasher, NULL, ifl_chunker_hash, p);
	if (rc) {
		ifl_ring_abort(&p->ring);
		pthread_join(p->reader, NULL);
		return -rc;
	}
	for (n = 0; n < p->nworkers; n++) {
		rc = pthread_create(&p->workers[n], NULL, ifl_chunker_encode, p);
		if (rc)
			break;
	}
	if (rc == 0)
		rc = pthread_create(&p->sender, NULL, sender_main, p);
	if (rc == 0)
		return 0;
	/* Unwind what started; rc is pthread's (positive) error number. */
	ifl_ring_abort(&p->ring);
	pthread_join(p->reader, NULL);
	pthread_join(p->hasher, NULL);
	for (unsigned i = 0; i < n; i++)
		pthread_join(p->workers[i], NULL);
	return -rc;
}

int ifl_pipeline_groups(struct ifl_pipeline *p, const struct ifl_source *src)
{
	size_t n = 0;

	free(p->groups);
	p->ngroups = 0;
	p->groups = calloc(src->next ? src->next : 1, sizeof(*p->groups));
	if (!p->groups)
		return -ENOMEM;
	for (size_t e = 0; e < src->next; e++) {
		const struct ifl_extent *x = &src->ext[e];

		if (n && p->groups[n - 1].off + p->groups[n - 1].len == x->off) {
			p->groups[n - 1].len += x->len;
			continue;
		}
		p->groups[n].off = x->off;
		p->groups[n++].len = x->len;
	}
	p->ngroups = n;
	return 0;
}

int ifl_pipeline_start(struct ifl_pipeline *p, struct ifl_source *src, struct ifl_session *s,
		       int level, uint32_t chunk)
{
	int rc = chunk && chunk <= p->ring.cap ? src->ops->rewind(src) : -EINVAL;

	if (rc) {
		p->read_err = rc;
		return rc;
	}
	rc = ifl_pipeline_groups(p, src);
	if (rc)
		return rc;
	p->src = src;
	p->sess = s;
	p->level = level;
	p->read_err = p->enc_err = p->send_err = 0;
	p->chunks = p->bytes = 0;
	ifl_ring_reset(&p->ring, ifl_chunker_count(src, chunk), chunk);
	rc = start_threads(p);
	p->running = rc == 0;
	return rc;
}

void ifl_pipeline_abort(struct ifl_pipeline *p)
{
	ifl_ring_abort(&p->ring);
}

void ifl_pipeline_join(struct ifl_pipeline *p)
{
	if (!p->running)
		return;
	pthread_join(p->sender, NULL);
	for (unsigned i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	pthread_join(p->hasher, NULL);
	pthread_join(p->reader, NULL);
	p->running = 0;
}

void ifl_pipeline_destroy(struct ifl_pipeline *p)
{
	if (!p->workers)
		return;
	ifl_pipeline_join(p);
	ifl_ring_destroy(&p->ring);
	free(p->workers);
	free(p->meta);
	free(p->groups);
	p->workers = NULL;
	p->meta = NULL;
	p->groups = NULL;
}
