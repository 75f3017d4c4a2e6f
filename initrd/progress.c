/* progress.c - request counters and the ticker that turns them into PROGRESS. */
#include "progress.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void ifl_prog_init(struct ifl_prog *g)
{
	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->lock, NULL);
}

void ifl_prog_destroy(struct ifl_prog *g)
{
	pthread_mutex_destroy(&g->lock);
}

void ifl_prog_start(struct ifl_prog *g, uint8_t phase, uint64_t total)
{
	pthread_mutex_lock(&g->lock);
	memset(&g->p, 0, sizeof(g->p));
	g->p.phase = phase;
	g->p.total = total;
	g->active = 1;
	pthread_mutex_unlock(&g->lock);
}

void ifl_prog_phase(struct ifl_prog *g, uint8_t phase)
{
	pthread_mutex_lock(&g->lock);
	g->p.phase = phase;
	pthread_mutex_unlock(&g->lock);
}

void ifl_prog_received(struct ifl_prog *g, uint64_t n)
{
	pthread_mutex_lock(&g->lock);
	g->p.received += n;
	pthread_mutex_unlock(&g->lock);
}

void ifl_prog_written(struct ifl_prog *g, uint64_t n)
{
	pthread_mutex_lock(&g->lock);
	g->p.written += n;
	pthread_mutex_unlock(&g->lock);
}

void ifl_prog_verified(struct ifl_prog *g, uint64_t n)
{
	pthread_mutex_lock(&g->lock);
	g->p.verified += n;
	pthread_mutex_unlock(&g->lock);
}

void ifl_prog_stop(struct ifl_prog *g)
{
	pthread_mutex_lock(&g->lock);
	g->active = 0;
	pthread_mutex_unlock(&g->lock);
}

int ifl_prog_get(struct ifl_prog *g, struct ifl_progress *out)
{
	int active;

	pthread_mutex_lock(&g->lock);
	*out = g->p;
	active = g->active;
	pthread_mutex_unlock(&g->lock);
	return active;
}

static void add_ms(struct timespec *ts, long ms)
{
	ts->tv_nsec += ms * 1000000L;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * The ticker's next wake-up: IFL_PROGRESS_MS after the last, so the period
 * does not stretch by the time a send takes; after a stall (a blocked send)
 * it restarts from now instead of catching up in a burst.
 */
static void next_tick(struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	add_ms(ts, IFL_PROGRESS_MS);
	if (ts->tv_sec < now.tv_sec || (ts->tv_sec == now.tv_sec && ts->tv_nsec < now.tv_nsec)) {
		*ts = now;
		add_ms(ts, IFL_PROGRESS_MS);
	}
}

static void *ticker_main(void *arg)
{
	struct ifl_ticker *k = arg;
	struct ifl_progress p;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		next_tick(&ts);
		while (!k->stop && pthread_cond_timedwait(&k->wake, &k->lock, &ts) != ETIMEDOUT)
			;
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->lock);
		/*
		 * Take the send lock before looking: a request that ends sends its
		 * RESULT under the same lock, so no PROGRESS follows its RESULT.
		 */
		ifl_tx_lock(k->tx);
		if (ifl_prog_get(k->g, &p))
			ifl_tx_progress_locked(k->tx, &p);
		ifl_tx_unlock(k->tx);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

int ifl_ticker_start(struct ifl_ticker *k, struct ifl_tx *tx, struct ifl_prog *g)
{
	pthread_condattr_t ca;
	int rc;

	memset(k, 0, sizeof(*k));
	k->tx = tx;
	k->g = g;
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->wake, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&k->th, NULL, ticker_main, k);
	if (rc) {
		pthread_cond_destroy(&k->wake);
		pthread_mutex_destroy(&k->lock);
		return -rc;
	}
	return 0;
}

void ifl_ticker_stop(struct ifl_ticker *k)
{
	pthread_mutex_lock(&k->lock);
	k->stop = 1;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->th, NULL);
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->lock);
}
