/* sink_block.c - a block device as a target: BLKZEROOUT for zeros, pwrite for data. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#ifndef BLKZEROOUT
#define BLKZEROOUT _IO(0x12, 127)
#endif

/* Zero the block-aligned middle in the device, the ragged ends with pwrite. */
static int block_zero(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	uint64_t bs = s->t->info.block_size ? s->t->info.block_size : 512;
	uint64_t a = (off + bs - 1) / bs * bs, b = (off + len) / bs * bs;
	uint64_t r[2];
	int rc;

	if (a >= b)
		return ifl_sink_write_zeros(s, off, len);
	r[0] = a;
	r[1] = b - a;
	if (ioctl(s->fd, BLKZEROOUT, r) < 0)
		return ifl_sink_write_zeros(s, off, len);
	rc = ifl_sink_write_zeros(s, off, a - off);
	if (rc == 0)
		rc = ifl_sink_write_zeros(s, b, off + len - b);
	return rc;
}

static void block_drop_cache(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	posix_fadvise(s->fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
	/* Flush and drop the whole buffer cache of the device (needs CAP_SYS_ADMIN). */
	ioctl(s->fd, BLKFLSBUF, 0);
}

const struct ifl_sink_ops ifl_sink_block_ops = {
	.name = "block",
	.write = ifl_sink_pwrite,
	.read = ifl_sink_pread,
	.zero = block_zero,
	.drop_cache = block_drop_cache,
};
