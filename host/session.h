/* session.h - the host's side of one protocol session: handshake, requests, replies. */
#ifndef IFL_SESSION_H
#define IFL_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "diag.h"
#include "frame.h"
#include "msg.h"
#include "transport.h"

/* Room for small request payloads (a range, an end, a hello). */
#define IFL_CTRL_PAYLOAD 512

struct ifl_reply {
	uint8_t type;       /* RESULT, OK, DATA (ERROR and PROGRESS never reach callers) */
	const uint8_t *p;   /* payload, valid until the next receive */
	uint32_t len;
};

typedef void ifl_progress_fn(void *arg, const struct ifl_progress *p);

struct ifl_session {
	struct ifl_transport *t;
	struct ifl_inventory inv;   /* from the agent's INVENTORY */
	uint32_t tx_seq, rx_seq;    /* next sequence to send / expect */
	pthread_mutex_t tx_lock;    /* senders of different threads take turns */
	uint8_t *rx;                /* IFL_FRAME_HDR + IFL_MAX_PAYLOAD */
	uint8_t tx[IFL_FRAME_HDR + IFL_CTRL_PAYLOAD];
	uint64_t wire_tx, wire_rx;  /* frame bytes written and read */
	struct ifl_error agent_err; /* the ERROR behind the last -EREMOTEIO */
	ifl_progress_fn *on_progress;
	void *progress_arg;
	int abort_err;              /* set by ifl_session_abort, read by the receiver */
};

/*
 * Take over t (closed by ifl_session_close, also on failure), send HELLO and
 * read the INVENTORY into s->inv. Returns 0, -ENOMEM, or an error for
 * ifl_session_fail.
 */
int ifl_session_open(struct ifl_session *s, struct ifl_transport *t);

/*
 * Send the frame whose payload (len bytes) sits at frame + IFL_FRAME_HDR;
 * safe from any thread. Returns 0 or the transport's negative errno.
 */
int ifl_session_send(struct ifl_session *s, uint8_t *frame, uint8_t type, size_t len);

/* Send a request with a range payload (BEGIN, READ, ERASE, HASH). Same returns. */
int ifl_session_send_range(struct ifl_session *s, uint8_t type, const struct ifl_range *r);

/* Send a request with no payload (REBOOT, POWEROFF, BYE). Same returns. */
int ifl_session_send_empty(struct ifl_session *s, uint8_t type);

/*
 * Read frames until one that is not PROGRESS (those go to on_progress).
 * Returns 0 with *r set; -EREMOTEIO when the agent sent ERROR (kept in
 * s->agent_err); -EPROTO for a frame an agent never sends, a sequence gap or
 * a malformed PROGRESS; the error given to ifl_session_abort; or
 * ifl_link_recv's errors.
 */
int ifl_session_next(struct ifl_session *s, struct ifl_reply *r);

/*
 * Make the receiving thread give up with err (a negative errno): from any
 * thread, when the request it waits on can no longer complete (the sender
 * failed half-way through a frame). ifl_session_next returns err at once or
 * after the frame it is reading, and for good: the session is then only fit
 * for ifl_session_close.
 */
void ifl_session_abort(struct ifl_session *s, int err);

/* ifl_session_next, then require the reply type; anything else is -EPROTO. */
int ifl_session_expect(struct ifl_session *s, uint8_t type, struct ifl_reply *r);

/* Wait for RESULT and decode it. Returns 0 or ifl_session_next's errors. */
int ifl_session_result(struct ifl_session *s, struct ifl_result *res);

/*
 * Turn an error from the functions above into the user's message in d:
 * the agent's ERROR (exit 4; exit 3 for its protocol-error code) or a lost or
 * garbled connection (exit 3). who names the target. Returns err.
 */
int ifl_session_fail(struct ifl_session *s, struct ifl_diag *d, int err, const char *who);

/* Say BYE when bye is set (errors ignored), close the transport, free buffers. */
void ifl_session_close(struct ifl_session *s, int bye);

#endif
