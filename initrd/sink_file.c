/* sink_file.c - a regular file as a target: holes for zeros, pwrite for data. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>

#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static int file_zero(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	/* A hole reads back as zeros and costs no space; the size stays. */
	if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	if (fallocate(s->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	return ifl_sink_write_zeros(s, off, len);
}

static void file_drop_cache(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	/* Clean pages only: the caller has synced, so all of the range goes. */
	posix_fadvise(s->fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
}

const struct ifl_sink_ops ifl_sink_file_ops = {
	.name = "file",
	.write = ifl_sink_pwrite,
	.read = ifl_sink_pread,
	.zero = file_zero,
	.drop_cache = file_drop_cache,
};
