/* session.c - one host's session: read frames in order and hand each to its handler. */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "log.h"
#include "session_impl.h"
#include "wire.h"

/* Answer a frame whose header or CRC is bad; the stream is out of step after it. */
static void bad_frame(struct ifl_session *s, const uint8_t *hdr, int rc)
{
	uint32_t seq = ifl_get_le32(hdr + 8);

	if (rc == -EMSGSIZE)
		ifl_tx_error(&s->tx, IFL_E_PROTO, seq, "frame %u: payload of %u bytes is over the "
			     "limit of %u; closing the session", seq, ifl_get_le32(hdr + 12),
			     IFL_MAX_PAYLOAD);
	else if (rc == -EBADMSG)
		ifl_tx_error(&s->tx, IFL_E_PROTO, seq, "frame %u (%s) failed its CRC32 check; the "
			     "stream is corrupt, closing the session", seq, ifl_type_name(hdr[5]));
	else if (ifl_get_le32(hdr) != IFL_MAGIC)
		ifl_tx_error(&s->tx, IFL_E_PROTO, 0, "bad frame magic 0x%08x (expected 0x%08x); "
			     "closing the session", ifl_get_le32(hdr), IFL_MAGIC);
	else if (hdr[4] != IFL_VERSION)
		ifl_tx_error(&s->tx, IFL_E_PROTO, seq, "frame %u has protocol version %u but this "
			     "agent speaks %u; closing the session", seq, hdr[4], IFL_VERSION);
	else
		ifl_tx_error(&s->tx, IFL_E_PROTO, seq, "frame %u: unknown type 0x%02x or reserved "
			     "flags 0x%04x set; closing the session", seq, hdr[5],
			     ifl_get_le16(hdr + 6));
}

/* Map a failed receive to the session's end. */
static int recv_failed(struct ifl_session *s, const uint8_t *hdr, int rc)
{
	const char *why;

	switch (rc) {
	case -ENODATA:
		why = "the host closed the stream";
		rc = 0;
		break;
	case -EPIPE:
		why = "the host went away in the middle of a frame";
		break;
	case -EPROTO:
	case -EMSGSIZE:
	case -EBADMSG:
		bad_frame(s, hdr, rc);
		why = "bad frame from the host";
		rc = -EPROTO;
		break;
	default:
		why = strerror(-rc);
	}
	snprintf(s->st->end, sizeof(s->st->end), "%s", why);
	return rc;
}

static int on_hello(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p)
{
	struct ifl_hello m;
	struct ifl_agent *a = s->a;

	if (ifl_dec_hello(p, h->len, &m))
		return ifl_tx_error(&s->tx, IFL_E_PROTO, h->seq, "HELLO: malformed payload of %u "
				    "bytes", h->len);
	if (m.version != IFL_VERSION)
		return ifl_tx_error(&s->tx, IFL_E_PROTO, h->seq, "the host speaks protocol version "
				    "%u but this agent speaks %u; update one of them",
				    m.version, IFL_VERSION);
	s->hello = 1;
	/* The partition list may be stale after a write: read the GPTs again. */
	if (ifl_agent_encode_inventory(a))
		return ifl_tx_error(&s->tx, IFL_E_INTERNAL, h->seq, "out of memory while listing "
				    "the targets; restart the agent");
	return ifl_tx_send(&s->tx, IFL_T_INVENTORY, a->invframe, a->invlen);
}

static int on_power(struct ifl_session *s, const struct ifl_frame_hdr *h)
{
	const char *what = h->type == IFL_T_REBOOT ? "reboot" : "power off";
	int rc;

	if (!s->a->cfg.allow_power)
		return ifl_tx_error(&s->tx, IFL_E_DENIED, h->seq, "%s refused: the agent was "
				    "started without --allow-power", what);
	rc = ifl_tx_ok(&s->tx, h->seq);
	if (rc)
		return rc;
	ifl_log("%s requested by the host", what);
	rc = (s->a->cfg.power ? s->a->cfg.power : ifl_power_default)(h->type);
	if (rc)
		ifl_log("%s failed: %s", what, strerror(-rc));
	snprintf(s->st->end, sizeof(s->st->end), "%s", what);
	return rc ? rc : 1;
}

/* Requests that carry no payload. */
static int empty_payload(const struct ifl_frame_hdr *h)
{
	return h->type == IFL_T_REBOOT || h->type == IFL_T_POWEROFF || h->type == IFL_T_BYE;
}

/* Frames the agent acts on outside a write. */
static int dispatch_request(struct ifl_session *s, const struct ifl_frame_hdr *h,
			    const uint8_t *p)
{
	switch (h->type) {
	case IFL_T_HELLO:
		return on_hello(s, h, p);
	case IFL_T_BEGIN:
		return ifl_on_begin(s, h, p);
	case IFL_T_READ:
	case IFL_T_ERASE:
	case IFL_T_HASH:
		return ifl_on_range(s, h, p);
	case IFL_T_REBOOT:
	case IFL_T_POWEROFF:
		return on_power(s, h);
	case IFL_T_BYE:
		s->st->bye = 1;
		snprintf(s->st->end, sizeof(s->st->end), "the host said BYE");
		return 1;
	}
	return ifl_tx_error(&s->tx, IFL_E_PROTO, h->seq, "the host sent %s, which only the "
			    "agent sends", ifl_type_name(h->type));
}

/* Handle one frame; *b is set to NULL when a worker took the buffer. */
static int dispatch(struct ifl_session *s, struct ifl_buf **b, const struct ifl_frame_hdr *h)
{
	const uint8_t *p = (*b)->mem + IFL_FRAME_HDR;

	if (h->type == IFL_T_CHUNK)
		return ifl_on_chunk(s, b, h);
	s->st->requests++;
	if (h->type == IFL_T_END)
		return ifl_on_end(s, h, p);
	if (!s->hello && h->type != IFL_T_HELLO && h->type != IFL_T_BYE)
		return ifl_tx_error(&s->tx, IFL_E_STATE, h->seq, "%s before HELLO; the host must "
				    "say HELLO first", ifl_type_name(h->type));
	if (empty_payload(h) && h->len)
		return ifl_tx_error(&s->tx, IFL_E_PROTO, h->seq, "%s carries %u payload bytes; "
				    "it must be empty", ifl_type_name(h->type), h->len);
	/* Any other request ends the write in progress, finished or not. */
	if (s->w != W_IDLE)
		ifl_write_close(s, ifl_type_name(h->type));
	return dispatch_request(s, h, p);
}

static int serve(struct ifl_session *s)
{
	for (;;) {
		struct ifl_buf *b = ifl_pool_get(&s->a->pool);
		struct ifl_frame_hdr h;
		int rc = ifl_link_recv(s->t, b->mem, b->cap, &h);

		if (rc == 0 && h.seq != s->rx_seq) {
			ifl_tx_error(&s->tx, IFL_E_PROTO, h.seq, "frame %u (%s) arrived where frame "
				     "%u was expected; frames were lost, closing the session",
				     h.seq, ifl_type_name(h.type), s->rx_seq);
			snprintf(s->st->end, sizeof(s->st->end), "sequence gap");
			rc = -EPROTO;
		} else if (rc == 0) {
			s->rx_seq++;
			b->seq = h.seq;
			rc = dispatch(s, &b, &h);
		} else {
			rc = recv_failed(s, b->mem, rc);
			if (rc == 0)
				rc = 1;
		}
		if (b)
			ifl_pool_put(&s->a->pool, b);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
}

int ifl_session_run(struct ifl_agent *a, struct ifl_transport *t, struct ifl_session_stats *st)
{
	struct ifl_session_stats dummy;
	struct ifl_session s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.t = t;
	s.sink.fd = -1;
	s.st = st ? st : &dummy;
	memset(s.st, 0, sizeof(*s.st));
	ifl_tx_init(&s.tx, t);
	ifl_prog_init(&s.prog);
	rc = ifl_ticker_start(&s.ticker, &s.tx, &s.prog);
	if (rc == 0) {
		rc = serve(&s);
		if (s.w != W_IDLE)
			ifl_write_close(&s, "the end of the session");
		ifl_ticker_stop(&s.ticker);
	}
	s.st->errors = s.tx.errors;
	ifl_prog_destroy(&s.prog);
	ifl_tx_destroy(&s.tx);
	return rc;
}
