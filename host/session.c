/* session.c - sequence-checked requests and replies over one transport. */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "link.h"

/* Send with tx_lock held: sequence numbers go out in the order they are taken. */
static int send_locked(struct ifl_session *s, uint8_t *frame, uint8_t type, size_t len)
{
	int rc = ifl_link_send(s->t, frame, type, s->tx_seq, len);

	if (rc == 0) {
		s->tx_seq++;
		s->wire_tx += IFL_FRAME_HDR + len;
	}
	return rc;
}

int ifl_session_send(struct ifl_session *s, uint8_t *frame, uint8_t type, size_t len)
{
	int rc;

	pthread_mutex_lock(&s->tx_lock);
	rc = send_locked(s, frame, type, len);
	pthread_mutex_unlock(&s->tx_lock);
	return rc;
}

int ifl_session_send_range(struct ifl_session *s, uint8_t type, const struct ifl_range *r)
{
	size_t len;
	int rc;

	/* s->tx is shared by all threads: encode it under the lock too. */
	pthread_mutex_lock(&s->tx_lock);
	rc = ifl_enc_range(r, s->tx + IFL_FRAME_HDR, IFL_CTRL_PAYLOAD, &len);
	if (rc == 0)
		rc = send_locked(s, s->tx, type, len);
	pthread_mutex_unlock(&s->tx_lock);
	return rc;
}

int ifl_session_send_empty(struct ifl_session *s, uint8_t type)
{
	return ifl_session_send(s, s->tx, type, 0);
}

static int is_agent_type(uint8_t type)
{
	return type == IFL_T_INVENTORY || type == IFL_T_RESULT || type == IFL_T_PROGRESS ||
	       type == IFL_T_ERROR || type == IFL_T_DATA || type == IFL_T_OK;
}

/* Read one frame and check who may send it and its sequence number. */
static int recv_frame(struct ifl_session *s, struct ifl_frame_hdr *h)
{
	int rc = ifl_link_recv(s->t, s->rx, IFL_FRAME_HDR + IFL_MAX_PAYLOAD, h);

	if (rc)
		return rc;
	s->wire_rx += IFL_FRAME_HDR + h->len;
	if (h->seq != s->rx_seq || !is_agent_type(h->type))
		return -EPROTO;
	s->rx_seq++;
	return 0;
}

void ifl_session_abort(struct ifl_session *s, int err)
{
	__atomic_store_n(&s->abort_err, err, __ATOMIC_RELEASE);
}

int ifl_session_next(struct ifl_session *s, struct ifl_reply *r)
{
	struct ifl_frame_hdr h;
	struct ifl_progress pg;

	for (;;) {
		/*
		 * An agent that still waits for the rest of a write keeps sending
		 * PROGRESS, so checking between frames ends the wait soon.
		 */
		int rc = __atomic_load_n(&s->abort_err, __ATOMIC_ACQUIRE);
		const uint8_t *p = s->rx + IFL_FRAME_HDR;

		if (rc == 0)
			rc = recv_frame(s, &h);
		if (rc)
			return rc;
		if (h.type == IFL_T_ERROR)
			return ifl_dec_error(p, h.len, &s->agent_err) ? -EPROTO : -EREMOTEIO;
		if (h.type != IFL_T_PROGRESS) {
			r->type = h.type;
			r->p = p;
			r->len = h.len;
			return 0;
		}
		if (ifl_dec_progress(p, h.len, &pg))
			return -EPROTO;
		if (s->on_progress)
			s->on_progress(s->progress_arg, &pg);
	}
}

int ifl_session_expect(struct ifl_session *s, uint8_t type, struct ifl_reply *r)
{
	int rc = ifl_session_next(s, r);

	if (rc == 0 && r->type != type)
		return -EPROTO;
	return rc;
}

int ifl_session_result(struct ifl_session *s, struct ifl_result *res)
{
	struct ifl_reply r;
	int rc = ifl_session_expect(s, IFL_T_RESULT, &r);

	if (rc == 0 && ifl_dec_result(r.p, r.len, res))
		rc = -EPROTO;
	return rc;
}

/* HELLO, then INVENTORY, bounded to what this host can send. */
static int handshake(struct ifl_session *s)
{
	struct ifl_hello hello = {IFL_VERSION, 0};
	struct ifl_reply r;
	size_t len;
	int rc = ifl_enc_hello(&hello, s->tx + IFL_FRAME_HDR, IFL_CTRL_PAYLOAD, &len);

	/* No other thread exists yet: s->tx is ours. */
	if (rc == 0)
		rc = ifl_session_send(s, s->tx, IFL_T_HELLO, len);
	if (rc == 0)
		rc = ifl_session_expect(s, IFL_T_INVENTORY, &r);
	if (rc)
		return rc;
	if (ifl_dec_inventory(r.p, r.len, &s->inv))
		return -EPROTO;
	if (s->inv.max_chunk == 0 || s->inv.max_payload <= IFL_CHUNK_HDR)
		return -EPROTO;
	return 0;
}

int ifl_session_open(struct ifl_session *s, struct ifl_transport *t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	pthread_mutex_init(&s->tx_lock, NULL);
	s->rx = malloc(IFL_FRAME_HDR + IFL_MAX_PAYLOAD);
	if (!s->rx)
		return -ENOMEM;
	return handshake(s);
}

void ifl_session_close(struct ifl_session *s, int bye)
{
	if (s->t && bye)
		(void)ifl_session_send_empty(s, IFL_T_BYE);
	if (s->t)
		s->t->ops->close(s->t);
	s->t = NULL;
	free(s->rx);
	s->rx = NULL;
	pthread_mutex_destroy(&s->tx_lock);
}

/* What a transport or framing error means to the user, and what to do. */
static const char *link_sentence(int err)
{
	switch (err) {
	case -ENODATA:
		return "the agent closed the connection; check the agent's console, then try again";
	case -EPIPE:
	case -ECONNRESET:
		return "the connection to the agent was lost; check the device and the link, then try "
		       "again";
	case -EPROTO:
		return "the agent sent a malformed or unexpected frame; check that initflash and the "
		       "agent are the same version";
	case -EBADMSG:
		return "a frame from the agent failed its CRC check; the link corrupts data, try "
		       "another cable or port";
	case -ETIMEDOUT:
		return "the agent stopped answering (nothing moved on the link for a long time); "
		       "check that it still runs and the link works, then try again";
	case -EMSGSIZE:
		return "the agent sent an oversize frame; check that initflash and the agent are the "
		       "same version";
	}
	return NULL;
}

/* "disk: ..." from an agent already names the target: do not say it twice. */
static int names_who(const char *msg, const char *who)
{
	size_t n = who ? strlen(who) : 0;

	return n && strncmp(msg, who, n) == 0 && msg[n] == ':';
}

int ifl_session_fail(struct ifl_session *s, struct ifl_diag *d, int err, const char *who)
{
	const char *what = link_sentence(err);

	if (err == -EREMOTEIO) {
		const struct ifl_error *e = &s->agent_err;
		const char *msg = e->msg[0] ? e->msg : ifl_err_name(e->code);
		int code = e->code == IFL_E_PROTO ? IFL_EXIT_CONN : IFL_EXIT_DEVICE;

		return ifl_diag_agent(d, err, code, e->code, names_who(msg, who) ? NULL : who, msg);
	}
	if (what)
		return ifl_diag_set(d, err, IFL_EXIT_CONN, who, "%s", what);
	return ifl_diag_set(d, err, IFL_EXIT_CONN, who,
			    "connection error: %s; check the link to the agent, then try again",
			    strerror(-err));
}
