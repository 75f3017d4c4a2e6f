/* rereadpt.c - tell the kernel to reread a disk's partition table after a write changed it. */
#include "rereadpt.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "log.h"

#ifndef BLKRRPART
#define BLKRRPART _IO(0x12, 95)
#endif

/* [a, a + alen) and [b, b + blen) share a byte; lengths are non-zero. */
static int overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int ifl_pt_touches(uint64_t off, uint64_t len, uint32_t lba, uint64_t disk_bytes)
{
	uint64_t bs = lba ? lba : 512, tail = IFL_PT_TAIL_LBAS * bs;

	if (len == 0)
		return 0;
	/* Clamp so off + len cannot wrap. */
	if (len > UINT64_MAX - off)
		len = UINT64_MAX - off;
	if (overlap(off, len, 0, IFL_PT_HEAD_LBAS * bs))
		return 1;
	if (disk_bytes == 0)
		return 0;
	if (disk_bytes <= tail)
		return overlap(off, len, 0, disk_bytes);
	return overlap(off, len, disk_bytes - tail, tail);
}

int ifl_pt_reread(int fd, const char *name)
{
	int err;

	if (ioctl(fd, BLKRRPART) == 0) {
		ifl_log("%s: the write reached the partition table; the kernel reread it", name);
		return 0;
	}
	err = errno;
	if (err == EBUSY)
		ifl_log("%s: the write reached the partition table, but a partition is in use so the "
			"kernel keeps the old one until the next boot", name);
	else if (err == EINVAL)
		ifl_log("%s: the write reached the partition table; this device has no partitions "
			"to reread", name);
	else
		ifl_log("%s: the write reached the partition table, but rereading it failed: %s; "
			"the new partitions appear after the next boot", name, strerror(err));
	return -err;
}
