/* sink_block.c - a block device as a target: BLKZEROOUT for zeros, pwrite for data. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "rereadpt.h"

#ifndef BLKZEROOUT
#define BLKZEROOUT _IO(0x12, 127)
#endif

/* Note a write that reaches a partition table; workers call this concurrently. */
static void note_range(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	if (!__atomic_load_n(&s->pt_touched, __ATOMIC_RELAXED) &&
	    ifl_pt_touches(off, len, s->t->info.block_size, s->t->info.size))
		__atomic_store_n(&s->pt_touched, 1, __ATOMIC_RELAXED);
}

static int block_write(struct ifl_sink *s, const uint8_t *buf, size_t len, uint64_t off)
{
	note_range(s, off, len);
	return ifl_sink_pwrite(s, buf, len, off);
}

/* After fsync: a new partition table only shows up in /dev once the kernel rereads it. */
static void block_synced(struct ifl_sink *s)
{
	if (!__atomic_exchange_n(&s->pt_touched, 0, __ATOMIC_RELAXED))
		return;
	ifl_pt_reread(s->fd, s->t->info.name);
}

/* Zero the block-aligned middle in the device, the ragged ends with pwrite. */
static int block_zero(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	uint64_t bs = s->t->info.block_size ? s->t->info.block_size : 512;
	uint64_t a = (off + bs - 1) / bs * bs, b = (off + len) / bs * bs;
	uint64_t r[2];
	int rc;

	note_range(s, off, len);
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
	.write = block_write,
	.read = ifl_sink_pread,
	.zero = block_zero,
	.drop_cache = block_drop_cache,
	.synced = block_synced,
};
