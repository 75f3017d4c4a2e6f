/* fdio.h - read and write whole buffers on file descriptors, looping on short counts. */
#ifndef IFL_FDIO_H
#define IFL_FDIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all len bytes. Returns 0 or a negative errno (-EPIPE when the reader is gone). */
int ifl_write_all(int fd, const uint8_t *buf, size_t len);

/* One read, retried on EINTR. Returns bytes read, 0 at end of file, or a negative errno. */
long ifl_read_some(int fd, uint8_t *buf, size_t len);

/*
 * Read with a limit: wait at most ms milliseconds for the first byte.
 * Returns bytes read, 0 at end of file, -ETIMEDOUT, or a negative errno.
 */
long ifl_read_timed(int fd, uint8_t *buf, size_t len, int ms);

/*
 * Write all len bytes to a non-blocking fd, failing with -ETIMEDOUT when the
 * reader takes nothing for ms milliseconds. Returns 0 or a negative errno.
 */
int ifl_write_timed(int fd, const uint8_t *buf, size_t len, int ms);

/* Seconds on the monotonic clock. */
double ifl_now(void);

#endif
