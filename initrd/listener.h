/* listener.h - where hosts come from: one backend per file (TCP, FunctionFS). */
#ifndef IFL_LISTENER_H
#define IFL_LISTENER_H

#include <stddef.h>

#include "transport.h"

struct ifl_listener;

/*
 * accept blocks until the next host arrives and hands back a transport for
 * its session (the caller closes it with t->ops->close), with a short
 * description of the peer in peer[cap]. It returns 0 or a negative errno;
 * a transient failure is retried by the caller, while -ESHUTDOWN means the
 * listener was asked to stop (SIGTERM): the caller closes it and exits.
 * close frees the listener.
 */
struct ifl_listener_ops {
	const char *name;
	int (*accept)(struct ifl_listener *l, struct ifl_transport **out, char *peer, size_t cap);
	void (*close)(struct ifl_listener *l);
};

struct ifl_listener {
	const struct ifl_listener_ops *ops;
	void *priv;
	char where[96]; /* what "ready" prints: "tcp:127.0.0.1:4711" */
};

#endif
