/* test_ring.c - the pipeline's slot ring: order, bounds, reuse and abort, with real threads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ring.h"

TestSuite(ring, .timeout = 30);

Test(ring, init_allocates_every_slot)
{
	struct ifl_ring r;

	cr_assert_eq(ifl_ring_init(&r, 4, 1000), 0);
	cr_assert_eq(r.nslots, 4);
	cr_assert_eq(r.cap, 1000);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_not_null(r.slot[i].raw);
		cr_assert_not_null(r.slot[i].frame);
		memset(r.slot[i].raw, 0xaa, 1000); /* ASan/valgrind would catch a short buffer */
	}
	ifl_ring_destroy(&r);
	cr_assert_null(r.slot);
}

Test(ring, one_chunk_through_every_stage)
{
	struct ifl_ring r;
	struct ifl_slot *s;
	uint64_t i = 99;

	cr_assert_eq(ifl_ring_init(&r, 2, 64), 0);
	ifl_ring_reset(&r, 1, 32);
	cr_assert_eq(r.chunk, 32);
	s = ifl_ring_wait_free(&r, 0);
	cr_assert_eq(s, &r.slot[0]);
	ifl_ring_filled(&r, 0);
	cr_assert_eq(ifl_ring_wait_filled(&r, 0), s);
	cr_assert_eq(ifl_ring_take(&r, &i), 1);
	cr_assert_eq(i, 0);
	cr_assert_eq(ifl_ring_take(&r, &i), 0, "the only chunk is taken: none left");
	ifl_ring_encoded(&r, 0);
	cr_assert_eq(s->ready, 1);
	cr_assert_eq(ifl_ring_wait_ready(&r, 0), s);
	ifl_ring_hashed(&r, 0);
	ifl_ring_sent(&r, 0);
	cr_assert_eq(s->ready, 0, "a sent slot is no longer ready");
	cr_assert_eq(r.sent, 1);
	cr_assert_eq(r.hashed, 1);
	ifl_ring_destroy(&r);
}

Test(ring, slots_wrap_around)
{
	struct ifl_ring r;

	cr_assert_eq(ifl_ring_init(&r, 3, 16), 0);
	ifl_ring_reset(&r, 10, 16);
	for (uint64_t i = 0; i < 10; i++) {
		uint64_t k;

		cr_assert_eq(ifl_ring_wait_free(&r, i), &r.slot[i % 3]);
		ifl_ring_filled(&r, i);
		cr_assert_eq(ifl_ring_take(&r, &k), 1);
		cr_assert_eq(k, i);
		ifl_ring_encoded(&r, i);
		ifl_ring_hashed(&r, i);
		cr_assert_eq(ifl_ring_wait_ready(&r, i), &r.slot[i % 3]);
		ifl_ring_sent(&r, i);
	}
	ifl_ring_destroy(&r);
}

Test(ring, reset_starts_a_new_transfer)
{
	struct ifl_ring r;
	uint64_t k;

	cr_assert_eq(ifl_ring_init(&r, 2, 16), 0);
	ifl_ring_reset(&r, 1, 16);
	ifl_ring_wait_free(&r, 0);
	ifl_ring_filled(&r, 0);
	ifl_ring_take(&r, &k);
	ifl_ring_encoded(&r, 0);
	ifl_ring_abort(&r);
	ifl_ring_reset(&r, 2, 8);
	cr_assert_eq(r.abort, 0);
	cr_assert_eq(r.filled + r.hashed + r.taken + r.sent, 0);
	cr_assert_eq(r.slot[0].ready, 0);
	cr_assert_eq(r.chunk, 8);
	cr_assert_eq(r.nchunks, 2);
	cr_assert_eq(ifl_ring_wait_free(&r, 0), &r.slot[0]);
	ifl_ring_destroy(&r);
}

Test(ring, abort_wakes_and_refuses)
{
	struct ifl_ring r;
	uint64_t k;

	cr_assert_eq(ifl_ring_init(&r, 2, 16), 0);
	ifl_ring_reset(&r, 5, 16);
	ifl_ring_abort(&r);
	cr_assert_null(ifl_ring_wait_free(&r, 0));
	cr_assert_null(ifl_ring_wait_filled(&r, 0));
	cr_assert_null(ifl_ring_wait_ready(&r, 0));
	cr_assert_eq(ifl_ring_take(&r, &k), -ECANCELED);
	ifl_ring_destroy(&r);
}

/* ---- the same with threads: a reader, a hasher, encoders and a sender ---- */

#define NCHUNKS 2000
#define NSLOTS 3
#define CHUNK 64

struct run {
	struct ifl_ring r;
	int in_flight, max_in_flight; /* chunks filled but not yet both hashed and sent */
	pthread_mutex_t lock;
	int bad;
	uint64_t hashed_sum, sent_sum;
};

static void flight(struct run *x, int d)
{
	pthread_mutex_lock(&x->lock);
	x->in_flight += d;
	if (x->in_flight > x->max_in_flight)
		x->max_in_flight = x->in_flight;
	pthread_mutex_unlock(&x->lock);
}

static void *reader(void *arg)
{
	struct run *x = arg;

	for (uint64_t i = 0; i < NCHUNKS; i++) {
		struct ifl_slot *s = ifl_ring_wait_free(&x->r, i);

		if (!s)
			return NULL;
		/* Nobody may still be using this slot: it is overwritten now. */
		memset(s->raw, (int)(i & 0xff), CHUNK);
		s->raw_len = CHUNK;
		flight(x, 1);
		ifl_ring_filled(&x->r, i);
	}
	return NULL;
}

static int holds(const struct ifl_slot *s, uint64_t i)
{
	for (unsigned k = 0; k < CHUNK; k++)
		if (s->raw[k] != (uint8_t)i)
			return 0;
	return 1;
}

static void *hasher(void *arg)
{
	struct run *x = arg;

	for (uint64_t i = 0; i < NCHUNKS; i++) {
		struct ifl_slot *s = ifl_ring_wait_filled(&x->r, i);

		if (!s)
			return NULL;
		if (!holds(s, i))
			x->bad = 1;
		x->hashed_sum += s->raw[0];
		if ((i % 7) == 0)
			usleep(10); /* a slow hasher holds slots back */
		ifl_ring_hashed(&x->r, i);
	}
	return NULL;
}

static void *encoder(void *arg)
{
	struct run *x = arg;
	uint64_t i;

	while (ifl_ring_take(&x->r, &i) == 1) {
		struct ifl_slot *s = &x->r.slot[i % NSLOTS];

		if (!holds(s, i))
			x->bad = 1;
		memcpy(s->frame, s->raw, CHUNK);
		s->payload = CHUNK;
		ifl_ring_encoded(&x->r, i);
	}
	return NULL;
}

static void *sender(void *arg)
{
	struct run *x = arg;

	for (uint64_t i = 0; i < NCHUNKS; i++) {
		struct ifl_slot *s = ifl_ring_wait_ready(&x->r, i);

		if (!s)
			return NULL;
		if (s->payload != CHUNK || s->frame[0] != (uint8_t)i || s->frame[CHUNK - 1] != (uint8_t)i)
			x->bad = 1;
		x->sent_sum += s->frame[0];
		if ((i % 5) == 0)
			usleep(10);
		/* Hashed and sent: count it out once both happened. */
		pthread_mutex_lock(&x->r.lock);
		while (x->r.hashed <= i)
			pthread_cond_wait(&x->r.cond, &x->r.lock);
		pthread_mutex_unlock(&x->r.lock);
		flight(x, -1);
		ifl_ring_sent(&x->r, i);
	}
	return NULL;
}

Test(ring, threads_keep_order_and_bounds)
{
	static struct run x;
	pthread_t th[5];
	uint64_t want = 0;

	pthread_mutex_init(&x.lock, NULL);
	cr_assert_eq(ifl_ring_init(&x.r, NSLOTS, CHUNK), 0);
	ifl_ring_reset(&x.r, NCHUNKS, CHUNK);
	pthread_create(&th[0], NULL, reader, &x);
	pthread_create(&th[1], NULL, hasher, &x);
	pthread_create(&th[2], NULL, encoder, &x);
	pthread_create(&th[3], NULL, encoder, &x);
	pthread_create(&th[4], NULL, sender, &x);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	for (uint64_t i = 0; i < NCHUNKS; i++)
		want += (uint8_t)i;
	cr_assert_eq(x.bad, 0, "no slot was overwritten while in use, every chunk in order");
	cr_assert_eq(x.hashed_sum, want);
	cr_assert_eq(x.sent_sum, want);
	cr_assert_eq(x.r.sent, NCHUNKS);
	cr_assert_leq(x.max_in_flight, NSLOTS, "at most nslots chunks in flight");
	ifl_ring_destroy(&x.r);
}

/* Wait (bounded) until the reader has filled and the encoders have taken n chunks. */
static int settled(struct ifl_ring *r, uint64_t n)
{
	for (int tries = 0; tries < 10000; tries++) {
		int done;

		pthread_mutex_lock(&r->lock);
		done = r->filled == n && r->taken == n;
		pthread_mutex_unlock(&r->lock);
		if (done)
			return 1;
		usleep(1000);
	}
	return 0;
}

Test(ring, abort_releases_blocked_threads)
{
	static struct run x;
	pthread_t th[3];

	/* Nobody hashes or sends: the reader blocks on a full ring, the encoders run dry. */
	cr_assert_eq(ifl_ring_init(&x.r, 2, CHUNK), 0);
	ifl_ring_reset(&x.r, NCHUNKS, CHUNK);
	pthread_mutex_init(&x.lock, NULL);
	pthread_create(&th[0], NULL, reader, &x);
	pthread_create(&th[1], NULL, encoder, &x);
	pthread_create(&th[2], NULL, encoder, &x);
	cr_assert(settled(&x.r, 2), "the reader stops at the ring's size");
	usleep(10000);
	cr_assert_eq(x.r.filled, 2, "and stays there");
	ifl_ring_abort(&x.r);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	ifl_ring_destroy(&x.r);
}
