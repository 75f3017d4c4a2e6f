/* session.h - one host's conversation with the agent, over any transport. */
#ifndef IFL_SESSION_H
#define IFL_SESSION_H

#include <stdint.h>

#include "transport.h"

struct ifl_agent;

/* What a session did, for the log. */
struct ifl_session_stats {
	uint64_t requests; /* frames handled, CHUNKs not counted */
	uint64_t chunks;   /* CHUNK frames received */
	uint64_t written;  /* bytes reported written in RESULTs */
	uint64_t read;     /* bytes read for READ, HASH and verify */
	uint64_t errors;   /* ERROR frames sent */
	int bye;           /* the host said BYE */
	char end[160];     /* how the session ended, for a person */
};

/*
 * Serve one host on t until BYE, end of stream, or a failure that leaves
 * the stream out of step; a write left open is abandoned. t is not closed.
 * t is read by the calling thread while worker and progress threads write
 * to it (one writer at a time), so its read and write must not share state.
 * st may be NULL. Returns 0 after BYE, a clean end of stream or a granted
 * REBOOT/POWEROFF; -EPROTO after a bad frame (bad header, CRC, sequence
 * gap); -EPIPE when the host vanished inside a frame; or the transport's
 * negative errno.
 */
int ifl_session_run(struct ifl_agent *a, struct ifl_transport *t, struct ifl_session_stats *st);

#endif
