/* writer.h - worker threads that expand chunks and write them, in parallel with receiving. */
#ifndef IFL_WRITER_H
#define IFL_WRITER_H

#include <pthread.h>
#include <stdint.h>

#include "pool.h"
#include "progress.h"
#include "sink.h"
#include "tx.h"

#define IFL_WORKERS_MAX 8

struct ifl_writer {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t idle; /* a job finished */
	struct ifl_buf *head, *tail; /* queued jobs */
	unsigned busy;               /* jobs a worker holds */
	int stop;
	unsigned nthreads, started;
	pthread_t th[IFL_WORKERS_MAX];
	uint8_t *scratch[IFL_WORKERS_MAX]; /* one expanded chunk per worker */
	struct ifl_pool *pool;
	/* The write in progress (set by ifl_writer_begin). */
	struct ifl_sink *sink;
	uint64_t base; /* range offset on the target */
	struct ifl_tx *tx;
	struct ifl_prog *prog;
	int failed;       /* an ERROR was sent for this write */
	uint64_t written; /* bytes on the target */
};

/*
 * Start nthreads workers (1..IFL_WORKERS_MAX), each with a scratch buffer of
 * IFL_MAX_CHUNK bytes; buffers of finished jobs go back to pool. Returns 0,
 * -EINVAL, -ENOMEM or the negative errno of pthread_create.
 */
int ifl_writer_init(struct ifl_writer *w, unsigned nthreads, struct ifl_pool *pool);

/* Stop and join the workers, free their buffers. The queue must be drained. */
void ifl_writer_destroy(struct ifl_writer *w);

/*
 * Aim the idle workers at a new write: chunks land at base + chunk offset on
 * sink; errors are sent on tx, bytes counted in prog.
 */
void ifl_writer_begin(struct ifl_writer *w, struct ifl_sink *sink, uint64_t base,
		      struct ifl_tx *tx, struct ifl_prog *prog);

/*
 * Queue buffer b, whose chunk b->c is parsed and checked against the range;
 * the buffer returns to the pool once written (or dropped after a failure).
 */
void ifl_writer_queue(struct ifl_writer *w, struct ifl_buf *b);

/* Wait until every queued chunk is written or dropped. */
void ifl_writer_drain(struct ifl_writer *w);

/*
 * Mark the current write failed. Returns 1 for the first caller, who sends
 * the one ERROR of this write, and 0 when the write had already failed.
 */
int ifl_writer_fail(struct ifl_writer *w);

/* 1 when the current write has failed. */
int ifl_writer_failed(struct ifl_writer *w);

#endif
