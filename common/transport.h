/* transport.h - a byte stream between host and agent, one backend per file. */
#ifndef IFL_TRANSPORT_H
#define IFL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

struct ifl_transport;

/*
 * The operations a backend provides (pipes, TCP, FunctionFS, libusb, the
 * in-memory test pipe). read returns the bytes read (> 0), 0 at end of
 * stream, or a negative errno. write sends all len bytes of one frame or
 * returns a negative errno (-EPIPE when the peer is gone). close releases
 * the backend and frees the handle.
 */
struct ifl_transport_ops {
	const char *name;
	long (*read)(struct ifl_transport *t, uint8_t *buf, size_t len);
	int (*write)(struct ifl_transport *t, const uint8_t *buf, size_t len);
	void (*close)(struct ifl_transport *t);
};

struct ifl_transport {
	const struct ifl_transport_ops *ops;
	void *priv;
};

#endif
