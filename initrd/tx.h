/* tx.h - the agent's sending side: one lock, one sequence, many threads. */
#ifndef IFL_TX_H
#define IFL_TX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "transport.h"

/*
 * The session thread, the workers and the progress ticker all send; frames
 * go out whole and numbered in order because every send holds lock.
 */
struct ifl_tx {
	struct ifl_transport *t;
	pthread_mutex_t lock;
	uint32_t seq; /* next sequence number */
	int err;      /* first transport error; later sends fail with it */
	uint64_t errors; /* ERROR frames sent */
};

void ifl_tx_init(struct ifl_tx *tx, struct ifl_transport *t);
void ifl_tx_destroy(struct ifl_tx *tx);

/* Hold the send lock across a check and a send (ticker). */
void ifl_tx_lock(struct ifl_tx *tx);
void ifl_tx_unlock(struct ifl_tx *tx);

/*
 * Send the frame whose len-byte payload sits at buf + IFL_FRAME_HDR; the
 * header is written in place. _locked expects ifl_tx_lock held. Returns 0 or
 * the transport's negative errno (remembered: later sends fail at once).
 */
int ifl_tx_send(struct ifl_tx *tx, uint8_t type, uint8_t *buf, size_t len);
int ifl_tx_send_locked(struct ifl_tx *tx, uint8_t type, uint8_t *buf, size_t len);

/* The transport error that stopped sending, or 0. */
int ifl_tx_failed(struct ifl_tx *tx);

/* Send OK answering ref_seq. Returns 0 or a negative errno. */
int ifl_tx_ok(struct ifl_tx *tx, uint32_t ref_seq);

/* Send RESULT. Returns 0 or a negative errno. */
int ifl_tx_result(struct ifl_tx *tx, const struct ifl_result *r);

/* Send PROGRESS with ifl_tx_lock held. Returns 0 or a negative errno. */
int ifl_tx_progress_locked(struct ifl_tx *tx, const struct ifl_progress *p);

/*
 * Send ERROR code (enum ifl_err) about frame ref_seq with a printf-style
 * sentence (cut at 511 bytes), and log it on stderr. Returns 0 or a negative
 * errno.
 */
int ifl_tx_error(struct ifl_tx *tx, uint32_t code, uint32_t ref_seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
