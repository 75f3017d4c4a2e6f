/* transport_ffs.c - the USB listener: ep0 events make sessions, AIO on bulk OUT, writes on bulk IN. */
#include "transport_ffs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * Reads: NREQ asynchronous reads of REQ_LEN bytes stay queued on bulk OUT,
 * so the host streams without waiting for the agent between transfers.
 * REQ_LEN is a multiple of every max packet size: a request ends at a short
 * packet (or zero-length packet) from the host, or when full.
 */
#define NREQ 4
#define REQ_LEN (64u * 1024)
/* Writes go out in pieces the kernel can buffer without a large allocation. */
#define IN_PIECE (64u * 1024)
/* How often a blocked reader looks at the session state. */
#define WAIT_MS 250

/* The Linux AIO ABI (linux/aio_abi.h): musl has no libaio and no kernel headers. */
struct aio_iocb {
	uint64_t data;
	uint32_t key, rw_flags; /* little-endian order; both stay 0 */
	uint16_t opcode;
	int16_t reqprio;
	uint32_t fildes;
	uint64_t buf, nbytes;
	int64_t offset;
	uint64_t reserved2;
	uint32_t flags, resfd;
};

struct aio_event {
	uint64_t data, obj;
	int64_t res, res2;
};

_Static_assert(sizeof(struct aio_iocb) == 64, "struct iocb is 64 bytes");
_Static_assert(sizeof(struct aio_event) == 32, "struct io_event is 32 bytes");
#define IOCB_CMD_PREAD 0

enum { REQ_IDLE, REQ_BUSY, REQ_DONE };

struct req {
	struct aio_iocb cb;
	uint8_t *buf;
	int state;
	long res; /* bytes received, or a negative errno */
};

struct ffs_listener {
	struct ifl_listener l;
	struct ifl_gadget *g;
	pthread_t ep0_thread;
	int thread_started;
	int wake[2]; /* to the ep0 thread: 's' stop serving, 'q' quit */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	/*
	 * Bumped on every BIND, UNBIND, ENABLE and DISABLE: a session belongs to
	 * the generation it started in and is over once gen moves on.
	 */
	unsigned gen;
	unsigned served; /* the generation of the last session handed out */
	unsigned binds;  /* BIND events seen */
	int bound, enabled, stop;
	int reading; /* the ep0 thread holds events it has not applied yet */

	/* The read ring: used by the accepting thread, then by the session's reader. */
	unsigned long ctx; /* aio_context_t */
	struct req req[NREQ];
	unsigned head; /* the request holding the next bytes of the stream */
	size_t off;    /* bytes of req[head] already read */
	uint8_t *pool;
};

struct ffs_transport {
	struct ifl_transport t;
	struct ffs_listener *L;
	unsigned gen;
	unsigned mps; /* bulk IN max packet size at this session's speed */
	int rerr;     /* the read side's first error, returned from then on */
	int werr;     /* the write side's */
};

static int stop_fd = -1; /* the signal handler's way to the ep0 thread */

static void on_stop_signal(int sig)
{
	int e = errno;

	(void)sig;
	if (stop_fd >= 0 && write(stop_fd, "s", 1) < 0) {
		/* nothing to do: a stop is already pending */
	}
	errno = e;
}

/* --- Linux AIO through syscall(2) --- */

static long io_setup_(unsigned n, unsigned long *ctx) { return syscall(SYS_io_setup, n, ctx); }
static long io_destroy_(unsigned long ctx) { return syscall(SYS_io_destroy, ctx); }

static long io_submit_(unsigned long ctx, struct aio_iocb *cb)
{
	return syscall(SYS_io_submit, ctx, 1L, &cb);
}

static long io_getevents_(unsigned long ctx, long min, long nr, struct aio_event *ev, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	return syscall(SYS_io_getevents, ctx, min, nr, ev, &ts);
}

/* The errors that mean the link or the session went away. */
static int link_err(long e)
{
	switch (-e) {
	case ESHUTDOWN: case ECONNRESET: case ENODEV: case EPIPE: case EAGAIN: case EINTR:
	case ECANCELED: case EPROTO: case EIDRM:
		return -EPIPE;
	default:
		ifl_log("usb: transfer failed: %s", strerror((int)-e));
		return -EIO;
	}
}

/* Is the session of generation gen still the current one? */
static int alive(struct ffs_listener *L, unsigned gen)
{
	int ok;

	pthread_mutex_lock(&L->lock);
	ok = !L->stop && L->enabled && L->gen == gen;
	pthread_mutex_unlock(&L->lock);
	return ok;
}

/* --- the read ring --- */

static int submit(struct ffs_listener *L, unsigned i)
{
	struct req *r = &L->req[i];

	memset(&r->cb, 0, sizeof(r->cb));
	r->cb.data = i;
	r->cb.opcode = IOCB_CMD_PREAD;
	r->cb.fildes = (uint32_t)ifl_gadget_ep_out(L->g);
	r->cb.buf = (uint64_t)(uintptr_t)r->buf;
	r->cb.nbytes = REQ_LEN;
	if (io_submit_(L->ctx, &r->cb) != 1)
		return -errno;
	r->state = REQ_BUSY;
	return 0;
}

/* Collect completions, waiting up to ms for at least min. Returns the count or -errno. */
static int reap(struct ffs_listener *L, long min, int ms)
{
	struct aio_event ev[NREQ];
	long n = io_getevents_(L->ctx, min, NREQ, ev, ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (long k = 0; k < n; k++) {
		struct req *r = &L->req[ev[k].data % NREQ];

		r->state = REQ_DONE;
		r->res = (long)ev[k].res;
	}
	return (int)n;
}

/* Did a queued read fail, i.e. were the endpoints reset under us? */
static int ring_broken(const struct ffs_listener *L)
{
	for (unsigned i = 0; i < NREQ; i++)
		if (L->req[i].state == REQ_DONE && L->req[i].res < 0)
			return 1;
	return 0;
}

/* Cancel whatever is queued and wait for it (io_destroy does both). */
static void ring_stop(struct ffs_listener *L)
{
	if (L->ctx)
		io_destroy_(L->ctx);
	L->ctx = 0;
	for (unsigned i = 0; i < NREQ; i++)
		L->req[i].state = REQ_IDLE;
	L->head = 0;
	L->off = 0;
}

/*
 * Queue every read for a new session and return the generation they belong
 * to, or a negative errno. gen is read under the lock the ep0 thread takes
 * to move it, right before the reads go in, and only when no event waits
 * on ep0: reads queued after a reset the ep0 thread has not seen yet would
 * be taken for the old generation.
 */
static long ring_start(struct ffs_listener *L)
{
	struct pollfd pf = {.fd = ifl_gadget_ep0(L->g), .events = POLLIN};
	long rc = 0;

	ring_stop(L);
	if (io_setup_(NREQ, &L->ctx) < 0) {
		L->ctx = 0;
		return -errno;
	}
	for (;;) {
		pthread_mutex_lock(&L->lock);
		if (!L->reading && poll(&pf, 1, 0) == 0)
			break;
		pthread_mutex_unlock(&L->lock);
		usleep(1000);
	}
	for (unsigned i = 0; i < NREQ && !rc; i++)
		rc = submit(L, i);
	if (!rc)
		rc = (long)L->gen;
	pthread_mutex_unlock(&L->lock);
	return rc;
}

/* Hand back req[head] and queue it again at the tail, unless the session is over. */
static void recycle(struct ffs_transport *tr)
{
	struct ffs_listener *L = tr->L;
	unsigned i = L->head;

	L->req[i].state = REQ_IDLE;
	L->head = (i + 1) % NREQ;
	L->off = 0;
	/* Left idle, the slot tells the reader the stream ends there. */
	if (tr->rerr || reap(L, 0, 0) < 0 || ring_broken(L) || !alive(L, tr->gen))
		return;
	if (submit(L, i) < 0)
		L->req[i].state = REQ_IDLE;
}

static long ffs_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct ffs_transport *tr = t->priv;
	struct ffs_listener *L = tr->L;

	while (!tr->rerr) {
		struct req *r = &L->req[L->head];
		int n;

		if (r->state == REQ_DONE && r->res >= 0) {
			size_t k = (size_t)r->res - L->off;

			if (k == 0) { /* a zero-length packet, or all of it read */
				recycle(tr);
				continue;
			}
			if (k > len)
				k = len;
			memcpy(buf, r->buf + L->off, k);
			L->off += k;
			if (L->off == (size_t)r->res)
				recycle(tr);
			return (long)k;
		}
		if (r->state == REQ_DONE) {
			tr->rerr = link_err(r->res);
			break;
		}
		if (r->state == REQ_IDLE || !alive(L, tr->gen)) {
			tr->rerr = -EPIPE;
			break;
		}
		n = reap(L, 1, WAIT_MS);
		if (n < 0)
			tr->rerr = n;
	}
	return tr->rerr;
}

/* Write all of buf[len] to bulk IN in pieces; a piece of 0 bytes is a zero-length packet. */
static int write_in(struct ffs_transport *tr, const uint8_t *buf, size_t len)
{
	int fd = ifl_gadget_ep_in(tr->L->g);
	size_t done = 0;

	do {
		size_t n = len - done < IN_PIECE ? len - done : IN_PIECE;
		ssize_t w;

		if (!alive(tr->L, tr->gen))
			return -EPIPE;
		/*
		 * A signal in the middle of a transfer makes FunctionFS cancel it with
		 * part of it sent: the stream cannot be resumed, so EINTR ends it too.
		 */
		w = write(fd, buf + done, n);
		if (w < 0)
			return link_err(-errno);
		if (w == 0 && n)
			return -EPIPE;
		done += (size_t)w;
	} while (done < len);
	return 0;
}

static int ffs_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct ffs_transport *tr = t->priv;

	if (tr->werr)
		return tr->werr;
	tr->werr = write_in(tr, buf, len);
	/*
	 * FunctionFS sends no zero-length packet by itself: without one, a host
	 * whose read is longer than a frame of whole packets would wait for
	 * more bytes that do not come.
	 */
	if (!tr->werr && len && len % tr->mps == 0)
		tr->werr = write_in(tr, buf, 0);
	return tr->werr;
}

static void ffs_close(struct ifl_transport *t)
{
	struct ffs_transport *tr = t->priv;

	/* Nothing stays queued between sessions: the host is NAKed until the next one. */
	ring_stop(tr->L);
	free(tr);
}

static const struct ifl_transport_ops ffs_ops = {
	.name = "usb",
	.read = ffs_read,
	.write = ffs_write,
	.close = ffs_close,
};

/* --- the listener --- */

/* Wait for an enabled interface in a generation not served yet; -ESHUTDOWN when stopping. */
static int wait_enabled(struct ffs_listener *L)
{
	int stop;

	pthread_mutex_lock(&L->lock);
	while (!L->stop && !(L->enabled && L->gen != L->served))
		pthread_cond_wait(&L->cond, &L->lock);
	stop = L->stop;
	L->served = L->gen;
	pthread_mutex_unlock(&L->lock);
	return stop ? -ESHUTDOWN : 0;
}

/* Wait for the first read to complete: 1 with data, 0 when the link reset first. */
static int wait_first(struct ffs_listener *L)
{
	for (;;) {
		const struct req *r = &L->req[L->head];
		int n;

		if (r->state == REQ_DONE)
			return r->res >= 0 && !ring_broken(L);
		pthread_mutex_lock(&L->lock);
		n = L->stop;
		pthread_mutex_unlock(&L->lock);
		if (n)
			return -ESHUTDOWN;
		n = reap(L, 1, WAIT_MS);
		if (n < 0)
			return n;
	}
}

static int ffs_accept(struct ifl_listener *l, struct ifl_transport **out, char *peer, size_t cap)
{
	struct ffs_listener *L = l->priv;
	struct ffs_transport *tr = calloc(1, sizeof(*tr));
	char speed[32];
	long gen = 0;
	int rc;

	if (!tr)
		return -ENOMEM;
	for (;;) {
		rc = wait_enabled(L);
		if (rc)
			break;
		gen = ring_start(L);
		if (gen < 0) {
			/* Most likely the interface went down as we queued: wait for the next ENABLE. */
			if (link_err(gen) == -EPIPE)
				ifl_vlog("usb: cannot queue reads: %s", strerror((int)-gen));
			continue;
		}
		pthread_mutex_lock(&L->lock);
		L->served = (unsigned)gen;
		pthread_mutex_unlock(&L->lock);
		rc = wait_first(L);
		if (rc == 1)
			break;
		if (rc < 0)
			break;
		ifl_vlog("usb: interface reset before the host spoke");
	}
	if (rc != 1) {
		ring_stop(L);
		free(tr);
		return rc;
	}
	tr->t.ops = &ffs_ops;
	tr->t.priv = tr;
	tr->L = L;
	tr->gen = (unsigned)gen;
	ifl_gadget_speed(L->g, speed, sizeof(speed));
	tr->mps = ifl_gadget_in_maxpacket(L->g);
	if (!tr->mps)
		tr->mps = strstr(speed, "super") ? 1024 : strstr(speed, "high") ? 512 : 64;
	snprintf(peer, cap, "usb:%s (%s)", ifl_gadget_udc(L->g), speed);
	*out = &tr->t;
	return 0;
}

/* Record an event that ends the current generation; wake accept. */
static void set_state(struct ffs_listener *L, int bound, int enabled)
{
	pthread_mutex_lock(&L->lock);
	if (bound >= 0)
		L->bound = bound;
	L->enabled = enabled;
	L->gen++;
	pthread_cond_broadcast(&L->cond);
	pthread_mutex_unlock(&L->lock);
}

static void on_event(struct ffs_listener *L, const struct ifl_ffs_event *e)
{
	const char *udc = ifl_gadget_udc(L->g);

	switch (e->type) {
	case IFL_FFS_BIND:
		pthread_mutex_lock(&L->lock);
		if (L->binds++) /* not the first: someone rebound the UDC */
			ifl_log("usb: bound to %s again", udc);
		pthread_mutex_unlock(&L->lock);
		set_state(L, 1, 0);
		break;
	case IFL_FFS_UNBIND:
		pthread_mutex_lock(&L->lock);
		if (!L->stop) /* else it is our own unbind */
			ifl_log("usb: unbound from %s: waiting to be bound again", udc);
		pthread_mutex_unlock(&L->lock);
		set_state(L, 0, 0);
		break;
	case IFL_FFS_ENABLE:
		ifl_vlog("usb: the host enabled the interface");
		set_state(L, -1, 1);
		break;
	case IFL_FFS_DISABLE:
		ifl_vlog("usb: the host disabled the interface (disconnect or reset)");
		set_state(L, -1, 0);
		break;
	case IFL_FFS_SETUP:
		ifl_log("usb: refusing control request type 0x%02x request 0x%02x value 0x%04x "
			"index 0x%04x length %u: not supported", e->req_type, e->req, e->value,
			e->index, e->length);
		ifl_gadget_stall(L->g, e);
		break;
	case IFL_FFS_SUSPEND:
		ifl_vlog("usb: bus suspended");
		break;
	case IFL_FFS_RESUME:
		ifl_vlog("usb: bus resumed");
		break;
	default:
		ifl_vlog("usb: unknown FunctionFS event %u", e->type);
	}
}

/* Stop serving: end the session (unbinding kills blocked transfers) and make accept return. */
static void stop_serving(struct ffs_listener *L)
{
	pthread_mutex_lock(&L->lock);
	L->stop = 1;
	L->gen++;
	pthread_cond_broadcast(&L->cond);
	pthread_mutex_unlock(&L->lock);
	ifl_log("stopping: unbinding the gadget from %s", ifl_gadget_udc(L->g));
	ifl_gadget_unbind(L->g);
}

static void set_reading(struct ffs_listener *L, int on)
{
	pthread_mutex_lock(&L->lock);
	L->reading = on;
	pthread_mutex_unlock(&L->lock);
}

/* The ep0 thread: FunctionFS events, and the stop and quit requests. */
static void *ep0_main(void *arg)
{
	struct ffs_listener *L = arg;
	struct pollfd pf[2] = {{.fd = L->wake[0], .events = POLLIN},
			       {.fd = ifl_gadget_ep0(L->g), .events = POLLIN}};

	for (;;) {
		struct ifl_ffs_event ev[4];
		char c;
		int n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ifl_log("usb: poll on ep0: %s", strerror(errno));
			return NULL;
		}
		if (pf[0].revents && read(L->wake[0], &c, 1) == 1) {
			if (c == 'q')
				return NULL;
			stop_serving(L);
		}
		if (!(pf[1].revents & POLLIN)) {
			if (pf[1].revents) /* ep0 in error: do not spin */
				usleep(100000);
			continue;
		}
		set_reading(L, 1);
		n = ifl_gadget_events(L->g, ev, 4);
		for (int k = 0; k < n; k++)
			on_event(L, &ev[k]);
		set_reading(L, 0);
		if (n < 0) {
			ifl_log("usb: reading ep0 events: %s", strerror(-n));
			usleep(100000);
		}
	}
}

static void ffs_lclose(struct ifl_listener *l)
{
	struct ffs_listener *L = l->priv;

	if (L->thread_started) {
		if (write(L->wake[1], "q", 1) == 1)
			pthread_join(L->ep0_thread, NULL);
	}
	stop_fd = -1;
	ring_stop(L);
	ifl_gadget_close(L->g);
	if (L->wake[0] >= 0) {
		close(L->wake[0]);
		close(L->wake[1]);
	}
	pthread_mutex_destroy(&L->lock);
	pthread_cond_destroy(&L->cond);
	free(L->pool);
	free(L);
}

static const struct ifl_listener_ops ffs_lops = {
	.name = "usb",
	.accept = ffs_accept,
	.close = ffs_lclose,
};

/* Bind the UDC and wait (5 s at most) for the function's BIND event. */
static int bind_and_wait(struct ffs_listener *L, char *err, size_t cap)
{
	const char *udc = ifl_gadget_udc(L->g);
	struct timespec until;
	int rc = ifl_gadget_bind(L->g);

	if (rc) {
		snprintf(err, cap, "cannot bind the gadget to %s: %s", udc, rc == -EBUSY ?
			 "another gadget holds it (write an empty line to that gadget's UDC "
			 "file in /sys/kernel/config/usb_gadget)" : strerror(-rc));
		return rc;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&L->lock);
	while (!L->bound && rc == 0)
		rc = pthread_cond_timedwait(&L->cond, &L->lock, &until);
	rc = L->bound ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&L->lock);
	if (rc)
		snprintf(err, cap, "%s: the gadget was bound but FunctionFS reported no BIND "
			 "within 5 s", udc);
	return rc;
}

static void catch_stop_signals(struct ffs_listener *L)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	stop_fd = L->wake[1];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int ifl_ffs_listen(const struct ifl_gadget_cfg *cfg, struct ifl_listener **out, char *err,
		   size_t cap)
{
	struct ffs_listener *L = calloc(1, sizeof(*L));
	int rc;

	if (!L || !(L->pool = aligned_alloc(4096, (size_t)NREQ * REQ_LEN))) {
		free(L);
		snprintf(err, cap, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NREQ; i++)
		L->req[i].buf = L->pool + (size_t)i * REQ_LEN;
	L->wake[0] = L->wake[1] = -1;
	pthread_mutex_init(&L->lock, NULL);
	pthread_cond_init(&L->cond, NULL);
	L->l.ops = &ffs_lops;
	L->l.priv = L;
	rc = ifl_gadget_open(cfg, &L->g, err, cap);
	if (!rc && pipe2(L->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		snprintf(err, cap, "pipe: %s", strerror(errno));
	}
	if (!rc && (rc = -pthread_create(&L->ep0_thread, NULL, ep0_main, L)))
		snprintf(err, cap, "cannot start the ep0 thread: %s", strerror(-rc));
	L->thread_started = !rc;
	if (!rc)
		rc = bind_and_wait(L, err, cap);
	if (rc) {
		ffs_lclose(&L->l);
		return rc;
	}
	catch_stop_signals(L);
	snprintf(L->l.where, sizeof(L->l.where), "usb:%s", ifl_gadget_udc(L->g));
	ifl_vlog("usb: gadget %04x:%04x serial %s on %s", cfg->vid ? cfg->vid : IFL_USB_VID,
		 cfg->pid ? cfg->pid : IFL_USB_PID, ifl_gadget_serial(L->g), L->l.where);
	*out = &L->l;
	return 0;
}
