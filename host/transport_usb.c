/* transport_usb.c - talk to an agent's USB gadget: asynchronous libusb bulk transfers, one event thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transports.h"
#include "usbdev.h"

/*
 * IN: NIN transfers of IN_LEN bytes always wait on bulk IN, so the agent's
 * replies and PROGRESS go out as soon as it writes them; read() hands out
 * the bytes of the oldest one and queues it again. IN_LEN is a multiple of
 * every max packet size (64, 512, 1024): a transfer ends at a short packet
 * or a zero-length packet (the agent sends one after a frame of whole
 * packets) or when full, never in an overflow.
 *
 * OUT: write() copies the frame into the next free of NOUT transfers of
 * OUT_LEN bytes, in order, submits them and returns; the caller's buffer is
 * free again at once and the link stays busy while it prepares the next
 * frame. Completions record the first failure, which every later write and
 * read returns. Every transfer that ends on a packet boundary is followed
 * by a zero-length packet (docs/PROTOCOL.md, "Transport"), so the agent's
 * read ends there instead of waiting for bytes that may not come.
 */
#define NIN 4
#define IN_LEN (64u * 1024)
#define NOUT 8
#define OUT_LEN (128u * 1024)

#define CLAIM_RETRY_MS 1000 /* a `devices` probe holds the interface for a moment */
#define CLOSE_DRAIN_MS 5000 /* for the last frames (BYE) to leave, then cancel */

struct usb_priv;

struct slot {
	struct libusb_transfer *x;
	struct usb_priv *p;
	int busy; /* submitted, its callback has not run */
	int err;  /* its outcome: 0 or a negative errno */
	int len;  /* IN: bytes received */
	int off;  /* IN: bytes of them read() handed out */
};

struct usb_priv {
	struct ifl_transport t;
	libusb_context *ctx;
	libusb_device_handle *h;
	uint8_t iface;
	unsigned mps_out;
	pthread_t events;
	int events_started;
	int stop; /* tells the event thread to return (libusb's "completed" flag) */

	pthread_mutex_t m; /* guards everything below; held only briefly */
	pthread_cond_t cond; /* a transfer completed */
	struct slot in[NIN], out[NOUT];
	unsigned in_head;  /* the IN slot holding the next bytes of the stream */
	unsigned out_next; /* the OUT slot the next bytes go into */
	int nbusy;         /* slots submitted and not completed */
	int rerr, werr;    /* the first failure of each direction, returned from then on */
	uint8_t *pool;
};

/* What a finished transfer's status means for the stream. */
static int status_errno(enum libusb_transfer_status st)
{
	switch (st) {
	case LIBUSB_TRANSFER_COMPLETED: return 0;
	case LIBUSB_TRANSFER_NO_DEVICE: return -EPIPE; /* unplugged, reset, agent rebooted */
	/*
	 * -EPROTO and friends from the host controller: what a pulled cable or
	 * an agent that unbinds its gadget looks like before the hub notices
	 * the device is gone (dummy_hcd and xHCI alike). Bytes were lost
	 * either way, so the stream is over.
	 */
	case LIBUSB_TRANSFER_ERROR: return -EPIPE;
	case LIBUSB_TRANSFER_STALL: return -EPIPE; /* the agent halted the endpoint */
	case LIBUSB_TRANSFER_TIMED_OUT: return -ETIMEDOUT;
	case LIBUSB_TRANSFER_CANCELLED: return -ECANCELED;
	default: return -EIO; /* an overflow: more bytes than asked for */
	}
}

/* A libusb call's error; a device that is gone is a broken pipe, as for the other transports. */
static int call_errno(int rc)
{
	return rc == LIBUSB_ERROR_NO_DEVICE ? -EPIPE : ifl_usb_errno(rc);
}

static void LIBUSB_CALL on_done(struct libusb_transfer *x)
{
	struct slot *s = x->user_data;
	struct usb_priv *p = s->p;
	int out = !(x->endpoint & LIBUSB_ENDPOINT_IN);

	pthread_mutex_lock(&p->m);
	s->busy = 0;
	s->err = status_errno(x->status);
	s->len = x->actual_length;
	s->off = 0;
	if (out && !s->err && x->actual_length != x->length)
		s->err = -EIO;
	if (out && s->err && !p->werr)
		p->werr = s->err;
	p->nbusy--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->m);
}

/* Submit s (not busy, owned by the caller). Returns 0 or a negative errno, recorded in s. */
static int submit(struct usb_priv *p, struct slot *s)
{
	int rc;

	pthread_mutex_lock(&p->m);
	s->busy = 1;
	s->err = 0;
	p->nbusy++;
	pthread_mutex_unlock(&p->m);
	/* Not under p->m: the callback takes it from the event thread. */
	rc = libusb_submit_transfer(s->x);
	if (rc == LIBUSB_SUCCESS)
		return 0;
	pthread_mutex_lock(&p->m);
	s->busy = 0;
	s->err = call_errno(rc);
	p->nbusy--;
	pthread_mutex_unlock(&p->m);
	return s->err;
}

static struct timespec deadline(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Wait on p->cond (p->m held) until until; returns -ETIMEDOUT once it has passed. */
static int wait_done(struct usb_priv *p, const struct timespec *until)
{
	return pthread_cond_timedwait(&p->cond, &p->m, until) == ETIMEDOUT ? -ETIMEDOUT : 0;
}

/*
 * Bulk IN transfers carry no timeout: the agent may be silent between
 * requests. IFL_READ_IDLE_MS bounds only this wait for the next byte.
 */
static long usb_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct usb_priv *p = t->priv;
	struct timespec until = deadline(IFL_READ_IDLE_MS);
	long rc = 0;

	pthread_mutex_lock(&p->m);
	while (rc == 0) {
		struct slot *s = &p->in[p->in_head];
		int e;

		if (p->rerr) {
			rc = p->rerr;
		} else if (s->busy) {
			/* A failed write broke the stream too: no reply will come. */
			rc = p->werr ? p->werr : wait_done(p, &until);
			if (rc == -ETIMEDOUT) {
				/* A silent agent is a dead link: free a writer stuck behind it too. */
				p->rerr = p->werr = rc;
				pthread_cond_broadcast(&p->cond);
			}
		} else if (s->err) {
			p->rerr = s->err;
		} else {
			size_t k = (size_t)(s->len - s->off) < len ? (size_t)(s->len - s->off) : len;

			memcpy(buf, s->x->buffer + s->off, k);
			s->off += (int)k;
			rc = (long)k;
			if (s->off < s->len)
				break;
			/* Drained, or a zero-length packet: queue it again behind the others. */
			p->in_head = (p->in_head + 1) % NIN;
			pthread_mutex_unlock(&p->m);
			e = submit(p, s);
			pthread_mutex_lock(&p->m);
			if (e && !p->rerr)
				p->rerr = e;
		}
	}
	pthread_mutex_unlock(&p->m);
	return rc;
}

/* Wait until s is free. Returns 0, the first write failure, or -ETIMEDOUT (then recorded). */
static int wait_free(struct usb_priv *p, struct slot *s)
{
	/* The transfer's own timeout fires first; this is the backstop. */
	struct timespec until = deadline(IFL_WRITE_STALL_MS + 1000);
	int rc = 0;

	pthread_mutex_lock(&p->m);
	while (!p->werr && s->busy && rc == 0)
		rc = wait_done(p, &until);
	if (rc && !p->werr)
		p->werr = rc;
	rc = p->werr;
	pthread_mutex_unlock(&p->m);
	return rc;
}

static int usb_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct usb_priv *p = t->priv;
	int rc = wait_free(p, &p->out[p->out_next]); /* an earlier failure, even for len 0 */

	while (rc == 0 && len > 0) {
		struct slot *s = &p->out[p->out_next];
		size_t n = len < OUT_LEN ? len : OUT_LEN;

		rc = wait_free(p, s);
		if (rc)
			break;
		memcpy(s->x->buffer, buf, n);
		s->x->length = (int)n;
		s->x->flags = n % p->mps_out == 0 ? LIBUSB_TRANSFER_ADD_ZERO_PACKET : 0;
		rc = submit(p, s);
		if (rc) {
			pthread_mutex_lock(&p->m);
			if (!p->werr)
				p->werr = rc;
			pthread_mutex_unlock(&p->m);
		}
		p->out_next = (p->out_next + 1) % NOUT;
		buf += n;
		len -= n;
	}
	return rc;
}

static void *events_main(void *arg)
{
	struct usb_priv *p = arg;

	/* Blocks in poll; a completion or libusb_interrupt_event_handler wakes it. */
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct timeval tv = {1, 0};

		libusb_handle_events_timeout_completed(p->ctx, &tv, &p->stop);
	}
	return NULL;
}

static int out_busy(const struct usb_priv *p)
{
	for (unsigned i = 0; i < NOUT; i++)
		if (p->out[i].busy)
			return 1;
	return 0;
}

/*
 * Let queued frames leave (BYE), cancel the rest and wait for every
 * callback. Returns 0, or -ETIMEDOUT when transfers are still in the
 * kernel's hands (then nothing of them may be freed).
 */
static int drain(struct usb_priv *p)
{
	struct timespec until = deadline(CLOSE_DRAIN_MS);
	int rc = 0;

	pthread_mutex_lock(&p->m);
	while (out_busy(p) && !p->werr && rc == 0)
		rc = wait_done(p, &until);
	pthread_mutex_unlock(&p->m);
	for (unsigned i = 0; i < NIN + NOUT; i++) {
		struct slot *s = i < NIN ? &p->in[i] : &p->out[i - NIN];

		if (s->x)
			libusb_cancel_transfer(s->x); /* LIBUSB_ERROR_NOT_FOUND when not in flight */
	}
	until = deadline(CLOSE_DRAIN_MS);
	rc = 0;
	pthread_mutex_lock(&p->m);
	while (p->nbusy > 0 && rc == 0)
		rc = wait_done(p, &until);
	rc = p->nbusy > 0 ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&p->m);
	return rc;
}

/* Release everything open() made, in reverse; the transfers only when none is in flight. */
static void teardown(struct usb_priv *p, int stuck)
{
	if (p->events_started) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		libusb_interrupt_event_handler(p->ctx);
		pthread_join(p->events, NULL);
	}
	if (stuck)
		return; /* leak rather than free what the kernel may still write */
	for (unsigned i = 0; i < NIN + NOUT; i++) {
		struct slot *s = i < NIN ? &p->in[i] : &p->out[i - NIN];

		libusb_free_transfer(s->x);
	}
	if (p->h) {
		libusb_release_interface(p->h, p->iface);
		libusb_close(p->h);
	}
	if (p->ctx)
		libusb_exit(p->ctx);
	pthread_mutex_destroy(&p->m);
	pthread_cond_destroy(&p->cond);
	free(p->pool);
	free(p);
}

static void usb_close(struct ifl_transport *t)
{
	struct usb_priv *p = t->priv;

	teardown(p, drain(p) != 0);
}

static const struct ifl_transport_ops usb_ops = {
	.name = "usb",
	.read = usb_read,
	.write = usb_write,
	.close = usb_close,
};

/* The transfers and their buffers. Returns 0 or -ENOMEM. */
static int alloc_slots(struct usb_priv *p, const struct ifl_usbdev *u)
{
	p->pool = malloc((size_t)NIN * IN_LEN + (size_t)NOUT * OUT_LEN);
	if (!p->pool)
		return -ENOMEM;
	for (unsigned i = 0; i < NIN + NOUT; i++) {
		int in = i < NIN;
		struct slot *s = in ? &p->in[i] : &p->out[i - NIN];
		uint8_t *buf = p->pool + (in ? (size_t)i * IN_LEN
					     : (size_t)NIN * IN_LEN + (size_t)(i - NIN) * OUT_LEN);

		s->x = libusb_alloc_transfer(0);
		if (!s->x)
			return -ENOMEM;
		s->p = p;
		if (in)
			libusb_fill_bulk_transfer(s->x, p->h, u->ep_in, buf, (int)IN_LEN, on_done, s, 0);
		else
			libusb_fill_bulk_transfer(s->x, p->h, u->ep_out, buf, 0, on_done, s,
						  IFL_WRITE_STALL_MS);
	}
	return 0;
}

/* Claim the interface, waiting out a brief claim by someone's `initflash devices`. */
static int claim(libusb_device_handle *h, uint8_t iface)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	int rc;

	libusb_set_auto_detach_kernel_driver(h, 1);
	for (int waited = 0;; waited += 50) {
		rc = libusb_claim_interface(h, iface);
		if (rc != LIBUSB_ERROR_BUSY || waited >= CLAIM_RETRY_MS)
			return rc;
		nanosleep(&pause, NULL);
	}
}

/* Say why the device cannot be had, for a person. */
static int open_fail(const struct ifl_usbdev *u, int rc, const char *step, struct ifl_diag *d)
{
	char who[48];

	snprintf(who, sizeof(who), "usb:%s", u->path);
	if (rc == LIBUSB_ERROR_ACCESS)
		return ifl_diag_set(d, -EACCES, IFL_EXIT_CONN, who,
				    "no permission to use the USB device %04x:%04x; install "
				    "tools/udev/70-initflash.rules (see FILES in initflash(1)) or run as root",
				    u->vid, u->pid);
	if (rc == LIBUSB_ERROR_BUSY)
		return ifl_diag_set(d, -EBUSY, IFL_EXIT_CONN, who,
				    "the device is in use by another program (another initflash?); wait "
				    "for it to finish, or pick another device with -s or -p");
	if (rc == LIBUSB_ERROR_NO_DEVICE)
		return ifl_diag_set(d, -EPIPE, IFL_EXIT_CONN, who,
				    "the device went away while connecting; check the cable and the "
				    "board, then try again");
	return ifl_diag_set(d, ifl_usb_errno(rc), IFL_EXIT_CONN, who,
			    "cannot %s: %s; unplug and replug the board, then try again", step,
			    libusb_strerror(rc));
}

/*
 * Open, claim, select alternate setting 0 (SET_INTERFACE starts a fresh
 * session on the agent and drops whatever an earlier host left queued),
 * queue the IN transfers, start the event thread.
 */
static int start(struct usb_priv *p, const struct ifl_usbdev *u, struct ifl_diag *d)
{
	int rc = libusb_open(u->dev, &p->h);

	if (rc != LIBUSB_SUCCESS) {
		p->h = NULL;
		return open_fail(u, rc, "open the device", d);
	}
	rc = claim(p->h, u->iface);
	if (rc != LIBUSB_SUCCESS) {
		libusb_close(p->h);
		p->h = NULL;
		return open_fail(u, rc, "claim the interface", d);
	}
	rc = libusb_set_interface_alt_setting(p->h, u->iface, 0);
	if (rc != LIBUSB_SUCCESS)
		return open_fail(u, rc, "select the interface (SET_INTERFACE)", d);
	rc = alloc_slots(p, u);
	if (rc)
		return ifl_diag_set(d, rc, IFL_EXIT_CONN, "usb", "out of memory");
	rc = -pthread_create(&p->events, NULL, events_main, p);
	if (rc)
		return ifl_diag_set(d, rc, IFL_EXIT_CONN, "usb", "cannot start a thread: %s",
				    strerror(-rc));
	p->events_started = 1;
	for (unsigned i = 0; i < NIN && rc == 0; i++)
		rc = submit(p, &p->in[i]);
	if (rc)
		return open_fail(u, rc == -EPIPE ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_IO,
				 "queue the bulk IN transfers", d);
	return 0;
}

/* Several agents and no way to choose: name them (exit 2). */
static int several(const struct ifl_usbdev *v, int n, struct ifl_diag *d)
{
	char list[700];
	size_t k = 0;

	list[0] = '\0';
	for (int i = 0; i < n && k < sizeof(list); i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s (serial %s)", i ? ", " : "",
				      v[i].path, v[i].serial[0] ? v[i].serial : "none");
	return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, "usb",
			    "%d initflash devices found: %s; pick one with -s SERIAL or -p USBPATH", n,
			    list);
}

static int none(const struct ifl_usb_sel *sel, int wait_ms, struct ifl_diag *d)
{
	char within[48] = "";

	if (wait_ms > 0)
		snprintf(within, sizeof(within), " within %.1f s", wait_ms / 1000.0);
	if (!sel->id && !sel->serial && !sel->path)
		return ifl_diag_set(d, -ENODEV, IFL_EXIT_CONN, "usb",
				    "no initflash device found%s; is the board in recovery mode and the "
				    "agent booted? (see also udev rule tools/udev/70-initflash.rules for "
				    "access without root)", within);
	return ifl_diag_set(d, -ENODEV, IFL_EXIT_CONN, "usb",
			    "no initflash device%s%s%s%s%s%s found%s; `initflash devices` lists those "
			    "attached", sel->id ? " " : "", sel->id ? sel->id : "",
			    sel->serial ? " with serial " : "", sel->serial ? sel->serial : "",
			    sel->path ? " at USB path " : "", sel->path ? sel->path : "", within);
}

int ifl_usb_open_sel(const char *rest, const char *serial, const char *path, int wait_ms,
		     struct ifl_transport **out, struct ifl_diag *d)
{
	struct ifl_usb_sel sel = {NULL, serial, path};
	struct ifl_usbdev v[IFL_USBDEV_MAX];
	libusb_context *ctx = NULL;
	pthread_condattr_t ca;
	struct usb_priv *p;
	int n, rc;

	if (*rest && (rest[0] != ':' || !rest[1]))
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, "usb",
				    "'usb%s' is not usb or usb:SERIAL or usb:USBPATH", rest);
	sel.id = *rest ? rest + 1 : NULL;
	n = ifl_usbdev_find(&sel, wait_ms, &ctx, v);
	if (n < 0)
		return ifl_diag_set(d, ifl_usb_errno(n), IFL_EXIT_CONN, "usb",
				    "cannot list the USB devices: %s", libusb_strerror(n));
	if (n == 0)
		return none(&sel, wait_ms, d);
	if (n > 1) {
		rc = several(v, n, d);
		ifl_usbdev_free(v, n);
		libusb_exit(ctx);
		return rc;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ifl_usbdev_free(v, n);
		libusb_exit(ctx);
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_CONN, "usb", "out of memory");
	}
	pthread_mutex_init(&p->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines ignore clock changes */
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	p->ctx = ctx;
	p->iface = v[0].iface;
	p->mps_out = v[0].mps_out;
	p->t.ops = &usb_ops;
	p->t.priv = p;
	rc = start(p, &v[0], d);
	ifl_usbdev_free(v, n);
	if (rc) {
		usb_close(&p->t);
		return rc;
	}
	*out = &p->t;
	return 0;
}

int ifl_usb_open(const char *rest, struct ifl_transport **out, struct ifl_diag *d)
{
	return ifl_usb_open_sel(rest, NULL, NULL, 0, out, d);
}
