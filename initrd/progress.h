/* progress.h - counters of the running request, and the thread that reports them. */
#ifndef IFL_PROGRESS_H
#define IFL_PROGRESS_H

#include <pthread.h>
#include <stdint.h>

#include "msg.h"
#include "tx.h"

/* Milliseconds between PROGRESS frames; the protocol asks for at most 250. */
#define IFL_PROGRESS_MS 150

struct ifl_prog {
	pthread_mutex_t lock;
	int active;            /* a request is running */
	struct ifl_progress p; /* what the next PROGRESS says */
};

void ifl_prog_init(struct ifl_prog *g);
void ifl_prog_destroy(struct ifl_prog *g);

/* A request of total bytes starts in phase (IFL_PH_*); the counters restart. */
void ifl_prog_start(struct ifl_prog *g, uint8_t phase, uint64_t total);

/* Move to phase without touching the counters (write, then verify). */
void ifl_prog_phase(struct ifl_prog *g, uint8_t phase);

/* Add n bytes to a counter. */
void ifl_prog_received(struct ifl_prog *g, uint64_t n);
void ifl_prog_written(struct ifl_prog *g, uint64_t n);
void ifl_prog_verified(struct ifl_prog *g, uint64_t n);

/* The request is over: no more PROGRESS until the next start. */
void ifl_prog_stop(struct ifl_prog *g);

/* Copy the counters to out. Returns 1 when a request is running, else 0. */
int ifl_prog_get(struct ifl_prog *g, struct ifl_progress *out);

struct ifl_ticker {
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct ifl_tx *tx;
	struct ifl_prog *g;
};

/*
 * Start a thread that sends PROGRESS on tx every IFL_PROGRESS_MS while g
 * has a request running. Returns 0 or a negative errno.
 */
int ifl_ticker_start(struct ifl_ticker *k, struct ifl_tx *tx, struct ifl_prog *g);

/* Stop and join the ticker thread. */
void ifl_ticker_stop(struct ifl_ticker *k);

#endif
