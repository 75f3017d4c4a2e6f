/* session_impl.h - private state of the agent and of one session. */
#ifndef IFL_SESSION_IMPL_H
#define IFL_SESSION_IMPL_H

#include <errno.h>
#include <stdint.h>

#include "agent.h"
#include "frame.h"
#include "pool.h"
#include "progress.h"
#include "session.h"
#include "sink.h"
#include "tx.h"
#include "writer.h"

/* READ, HASH and verify move the target in pieces of this size. */
#define IFL_READ_PIECE (1u << 20)

struct ifl_agent {
	struct ifl_agent_cfg cfg;
	const struct ifl_targets *inv;
	struct ifl_pool pool;
	struct ifl_writer writer;
	uint8_t *rdbuf;    /* IFL_READ_PIECE bytes read from a target */
	uint8_t *dataframe; /* a DATA frame: header, chunk header, up to a piece */
	uint8_t *invframe; /* the INVENTORY frame, encoded again at each HELLO */
	size_t invlen;
};

/* (Re)encode a->invframe from the targets and their GPTs now. Returns 0 or -ENOMEM. */
int ifl_agent_encode_inventory(struct ifl_agent *a);

enum wstate { W_IDLE, W_OPEN, W_FAILED };

struct ifl_session {
	struct ifl_agent *a;
	struct ifl_transport *t;
	struct ifl_tx tx;
	struct ifl_prog prog;
	struct ifl_ticker ticker;
	struct ifl_session_stats *st;
	uint32_t rx_seq; /* sequence the next frame must carry */
	int hello;       /* HELLO was answered */
	/* The write opened by BEGIN. */
	enum wstate w;
	struct ifl_sink sink;
	struct ifl_range range;
	uint64_t chunks, bytes; /* CHUNKs received since BEGIN and their raw bytes */
	uint64_t t0_ms;         /* when BEGIN arrived */
};

/* errno of a failed open as a wire code: permission problems mean read-only. */
static inline uint32_t ifl_open_code(int rc)
{
	return rc == -EROFS || rc == -EACCES || rc == -EPERM ? IFL_E_READONLY : IFL_E_IO;
}

/* Monotonic milliseconds, for rates in the log. */
uint64_t ifl_now_ms(void);

/* Handlers: 0 to go on, 1 when the session is over, or a negative errno. */
int ifl_on_begin(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p);
int ifl_on_chunk(struct ifl_session *s, struct ifl_buf **b, const struct ifl_frame_hdr *h);
int ifl_on_end(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p);
int ifl_on_range(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p);

/* Drop an open or failed write: wait for its chunks, close the target. */
void ifl_write_close(struct ifl_session *s, const char *why);

/*
 * Read len bytes at off from sink, SHA-256 them into sha, count them as
 * verified; with send_data each piece also goes out as a DATA chunk whose
 * offset counts from off. On a read failure a sentence for the user lands
 * in msg[cap]. Returns 0, the read's negative errno, or the transport's.
 */
int ifl_read_range(struct ifl_session *s, struct ifl_sink *sink, uint64_t off, uint64_t len,
		   int send_data, uint8_t sha[32], char *msg, size_t cap);

#endif
