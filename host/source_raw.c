/* source_raw.c - an image stored as plain bytes: a regular file or a block device. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "source.h"

static int raw_open(struct ifl_source *s)
{
	struct stat st;
	off_t end;

	if (fstat(s->fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		s->size = (uint64_t)st.st_size;
	} else {
		/* A block device has no st_size; its end is its size. */
		end = lseek(s->fd, 0, SEEK_END);
		if (end < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
			return -errno;
		s->size = (uint64_t)end;
	}
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

static long raw_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	long n = ifl_read_some(s->fd, buf, len);

	if (n < 0)
		snprintf(s->why, sizeof(s->why), "cannot read the image: %s; check the file and the disk "
			 "it is on", strerror((int)-n));
	return n;
}

static int raw_rewind(struct ifl_source *s)
{
	return lseek(s->fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

const struct ifl_source_ops ifl_source_raw_ops = {
	.name = "raw",
	.open = raw_open,
	.read = raw_read,
	.rewind = raw_rewind,
	.close = NULL,
};
