/* fdio.h - whole-buffer reads and writes on file descriptors. */
#ifndef IFL_FDIO_H
#define IFL_FDIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write all len bytes to fd, looping on short writes and EINTR.
 * Returns 0 or a negative errno (-EPIPE when the reader is gone).
 */
int ifl_write_all(int fd, const void *buf, size_t len);

/* read(2) retried on EINTR. Returns bytes read, 0 at EOF, or a negative errno. */
long ifl_read_some(int fd, void *buf, size_t len);

/*
 * pwrite all len bytes at off, looping on short writes and EINTR.
 * Returns 0, a negative errno, or -ENOSPC when the device stops taking bytes.
 */
int ifl_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/*
 * pread exactly len bytes at off, looping on short reads and EINTR.
 * Returns 0, a negative errno, or -ENODATA when the end comes first.
 */
int ifl_pread_all(int fd, void *buf, size_t len, uint64_t off);

#endif
