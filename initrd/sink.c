/* sink.c - open and close targets, and what all sink backends share. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"

/* Written over ranges that cannot be zeroed in place; bss, so it costs no file size. */
static uint8_t zeros[64 << 10];

static const char *sysroot = "/sys";

void ifl_sink_set_sysroot(const char *root)
{
	sysroot = root;
}

/* Lift a boot partition's force_ro for a write: after the checks, before the open. */
static int unlock(struct ifl_sink *s, const struct ifl_agent_target *t, char *msg, size_t cap)
{
	if (t->info.kind != IFL_KIND_BLOCK)
		return 0;
	return ifl_bootpart_unlock(&s->bp, sysroot, t->path, msg, cap);
}

int ifl_sink_open(struct ifl_sink *s, const struct ifl_agent_target *t, int writable, char *msg,
		  size_t cap)
{
	int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (t->info.kind == IFL_KIND_FILE) {
		s->ops = &ifl_sink_file_ops;
	} else if (t->info.kind == IFL_KIND_BLOCK) {
		s->ops = &ifl_sink_block_ops;
		/* O_EXCL on a block device fails with EBUSY while it is mounted. */
		if (writable)
			flags |= O_EXCL;
	} else if (t->info.kind == IFL_KIND_MTD_NOR || t->info.kind == IFL_KIND_MTD_NAND) {
		/* A character device: no O_EXCL; the kernel does not track MTD users. */
		s->ops = &ifl_sink_mtd_ops;
	} else {
		snprintf(msg, cap, "%s: this agent cannot handle targets of kind %u", t->info.name,
			 t->info.kind);
		return -ENOTSUP;
	}
	if (writable) {
		int rc = unlock(s, t, msg, cap);

		if (rc)
			return rc;
	}
	s->fd = open(t->path, flags);
	if (s->fd < 0) {
		int err = errno;

		ifl_bootpart_restore(&s->bp);
		snprintf(msg, cap, "%s: cannot open %s%s: %s%s", t->info.name, t->path,
			 writable ? " for writing" : "", strerror(err),
			 err == EBUSY ? "; is it mounted or in use?" : "");
		return -err;
	}
	s->t = t;
	s->writable = writable;
	return 0;
}

int ifl_sink_prepare(struct ifl_sink *s, enum ifl_sink_use use, uint64_t off, uint64_t len,
		     char *msg, size_t cap)
{
	s->use = use;
	return s->ops->prepare ? s->ops->prepare(s, off, len, msg, cap) : 0;
}

int ifl_sink_sync(struct ifl_sink *s)
{
	while (fsync(s->fd) < 0) {
		/* /dev/mtdN has no fsync: its writes reach the chip before pwrite returns. */
		if (errno == EINVAL && s->ops == &ifl_sink_mtd_ops)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
	if (s->writable && s->ops->synced)
		s->ops->synced(s);
	return 0;
}

int ifl_sink_close(struct ifl_sink *s)
{
	int rc = 0;

	free(s->map);
	s->map = NULL;
	s->nmap = 0;
	if (s->fd >= 0) {
		/* Linux closes the fd even when close reports an error: never retry. */
		if (close(s->fd) < 0 && errno != EINTR)
			rc = -errno;
		s->fd = -1;
	}
	/* On success and failure alike: the write is over either way. */
	ifl_bootpart_restore(&s->bp);
	return rc;
}

int ifl_sink_write_zeros(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int rc = ifl_pwrite_all(s->fd, zeros, n, off);

		if (rc)
			return rc;
		off += n;
		len -= n;
	}
	return 0;
}

int ifl_sink_pwrite(struct ifl_sink *s, const uint8_t *buf, size_t len, uint64_t off)
{
	return ifl_pwrite_all(s->fd, buf, len, off);
}

int ifl_sink_pread(struct ifl_sink *s, uint8_t *buf, size_t len, uint64_t off)
{
	return ifl_pread_all(s->fd, buf, len, off);
}
