/* writer.c - the chunk workers: check, inflate and pwrite while the next frame arrives. */
#include "writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "units.h"

int ifl_writer_fail(struct ifl_writer *w)
{
	int first;

	pthread_mutex_lock(&w->lock);
	first = !w->failed;
	w->failed = 1;
	pthread_mutex_unlock(&w->lock);
	return first;
}

int ifl_writer_failed(struct ifl_writer *w)
{
	int f;

	pthread_mutex_lock(&w->lock);
	f = w->failed;
	pthread_mutex_unlock(&w->lock);
	return f;
}

/* Send the write's one ERROR about chunk c (frame seq), unless one went already. */
static void chunk_error(struct ifl_writer *w, const struct ifl_buf *b, int rc)
{
	const char *name = w->sink->t->info.name;
	char at[24], len[24], where[24];

	if (!ifl_writer_fail(w))
		return;
	ifl_fmt_size(b->c.offset, at, sizeof(at));
	ifl_fmt_size(b->c.raw_len, len, sizeof(len));
	if (rc == -EBADMSG)
		ifl_tx_error(w->tx, IFL_E_CHUNK, b->seq, "%s: chunk at %s failed its CRC32 check; "
			     "the data was corrupted in transit, send it again", name, at);
	else if (rc == -EINVAL)
		ifl_tx_error(w->tx, IFL_E_CHUNK, b->seq, "%s: chunk at %s does not inflate to %s; "
			     "the data was corrupted in transit, send it again", name, at, len);
	else if (rc == -ENOLCK)
		ifl_tx_error(w->tx, IFL_E_IO, b->seq, "%s: the flash chip refused to unlock the erase "
			     "blocks for the chunk at %s; it may be write-protected (WP# pin or status "
			     "register protection)", name, at);
	else if (rc == -ENOMEM)
		ifl_tx_error(w->tx, IFL_E_INTERNAL, b->seq, "%s: out of memory inflating the chunk "
			     "at %s", name, at);
	else
		ifl_tx_error(w->tx, IFL_E_IO, b->seq, "%s: writing %s at %s of the target failed: "
			     "%s; the target may be faulty or full", name, len,
			     ifl_fmt_size(w->base + b->c.offset, where, sizeof(where)), strerror(-rc));
}

/* Check, expand and write one chunk; nothing is written unless it checks out. */
static int write_chunk(struct ifl_writer *w, const struct ifl_chunk *c, uint8_t *scratch,
		       struct ifl_zctx *z)
{
	struct ifl_sink *s = w->sink;
	uint64_t at = w->base + c->offset;
	int rc;

	if (c->encoding == IFL_ENC_RAW) {
		/* Raw data is written straight from the frame buffer. */
		if ((uint32_t)crc32(0L, c->data, c->raw_len) != c->crc)
			return -EBADMSG;
		return s->ops->write(s, c->data, c->raw_len, at);
	}
	rc = ifl_chunk_expand_z(z, c, scratch, IFL_MAX_CHUNK);
	if (rc)
		return rc;
	if (c->encoding == IFL_ENC_ZERO)
		return s->ops->zero(s, at, c->raw_len);
	return s->ops->write(s, scratch, c->raw_len, at);
}

/* The next job, or NULL when told to stop. Called with w->lock held. */
static struct ifl_buf *next_job(struct ifl_writer *w)
{
	struct ifl_buf *b;

	while (!w->head && !w->stop)
		pthread_cond_wait(&w->work, &w->lock);
	if (!w->head)
		return NULL;
	b = w->head;
	w->head = b->next;
	if (!w->head)
		w->tail = NULL;
	w->busy++;
	return b;
}

static void *worker_main(void *arg)
{
	struct ifl_writer *w = arg;
	unsigned idx;
	struct ifl_buf *b;
	struct ifl_zctx z;

	/* Inflate state lives as long as the worker; on failure expand falls back to one-shot. */
	ifl_zctx_init(&z, 0);
	pthread_mutex_lock(&w->lock);
	idx = w->started++;
	while ((b = next_job(w))) {
		int skip = w->failed, rc = 0;

		pthread_mutex_unlock(&w->lock);
		/* After a failure the rest of the write is dropped, not written. */
		if (!skip)
			rc = write_chunk(w, &b->c, w->scratch[idx], &z);
		if (rc)
			chunk_error(w, b, rc);
		else if (!skip)
			ifl_prog_written(w->prog, b->c.raw_len);
		pthread_mutex_lock(&w->lock);
		if (!skip && !rc)
			w->written += b->c.raw_len;
		w->busy--;
		pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->lock);
		ifl_pool_put(w->pool, b);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	ifl_zctx_free(&z);
	return NULL;
}

int ifl_writer_init(struct ifl_writer *w, unsigned nthreads, struct ifl_pool *pool)
{
	memset(w, 0, sizeof(*w));
	if (nthreads < 1 || nthreads > IFL_WORKERS_MAX)
		return -EINVAL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	w->pool = pool;
	for (unsigned i = 0; i < nthreads; i++) {
		int rc;

		w->scratch[i] = malloc(IFL_MAX_CHUNK);
		if (!w->scratch[i]) {
			ifl_writer_destroy(w);
			return -ENOMEM;
		}
		rc = pthread_create(&w->th[i], NULL, worker_main, w);
		if (rc) {
			free(w->scratch[i]);
			w->scratch[i] = NULL;
			ifl_writer_destroy(w);
			return -rc;
		}
		w->nthreads++;
	}
	return 0;
}

void ifl_writer_destroy(struct ifl_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->th[i], NULL);
	for (unsigned i = 0; i < IFL_WORKERS_MAX; i++)
		free(w->scratch[i]);
	w->nthreads = 0;
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
}

void ifl_writer_begin(struct ifl_writer *w, struct ifl_sink *sink, uint64_t base,
		      struct ifl_tx *tx, struct ifl_prog *prog)
{
	pthread_mutex_lock(&w->lock);
	w->sink = sink;
	w->base = base;
	w->tx = tx;
	w->prog = prog;
	w->failed = 0;
	w->written = 0;
	pthread_mutex_unlock(&w->lock);
}

void ifl_writer_queue(struct ifl_writer *w, struct ifl_buf *b)
{
	pthread_mutex_lock(&w->lock);
	b->next = NULL;
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void ifl_writer_drain(struct ifl_writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->head || w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}
