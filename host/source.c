/* source.c - open an image, recognise its format by magic bytes, read it in full pieces. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "hash.h"
#include "wire.h"

/* The backend whose magic the first bytes carry; raw when none matches. */
static const struct ifl_source_ops *sniff(int fd)
{
	uint8_t m[4];
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return &ifl_source_gzip_ops;
	if (n == 4 && ifl_get_le32(m) == IFL_SPARSE_MAGIC)
		return &ifl_source_sparse_ops;
	return &ifl_source_raw_ops;
}

static int open_file(const char *path, struct ifl_diag *d)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ifl_diag_set(d, -errno, IFL_EXIT_LOCAL, path, "cannot open the image: %s",
				    strerror(errno));
	if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return fd;
	close(fd);
	return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, path,
			    "not a regular file or block device; save the image to a file first");
}

int ifl_source_open(const char *path, struct ifl_source **out, struct ifl_diag *d)
{
	struct ifl_source *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, path, "out of memory");
	s->path = path;
	s->fd = open_file(path, d);
	if (s->fd < 0) {
		free(s);
		return -EINVAL;
	}
	s->ops = sniff(s->fd);
	rc = s->ops->open(s);
	if (rc == 0 && !s->ext && s->size > 0)
		rc = ifl_source_set_whole(s);
	if (rc == 0 && s->size == 0)
		rc = ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, path, "the image is empty; nothing to flash");
	if (rc) {
		ifl_source_fail(s, d, rc);
		ifl_source_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int ifl_source_set_whole(struct ifl_source *s)
{
	s->ext = calloc(1, sizeof(*s->ext));
	if (!s->ext)
		return -ENOMEM;
	s->ext[0].len = s->size;
	s->ext[0].kind = IFL_EXT_DATA;
	s->next = 1;
	return 0;
}

int ifl_source_whole(const struct ifl_source *s)
{
	return s->next == 1 && s->ext[0].off == 0 && s->ext[0].len == s->size &&
	       s->ext[0].kind == IFL_EXT_DATA;
}

uint64_t ifl_source_defined(const struct ifl_source *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->next; i++)
		n += s->ext[i].len;
	return n;
}

int ifl_source_fill(struct ifl_source *s, uint8_t *buf, size_t len)
{
	while (len > 0) {
		long n = s->ops->read(s, buf, len);

		if (n < 0)
			return (int)n;
		if (n == 0) {
			snprintf(s->why, sizeof(s->why), "the image ended early; did it change while "
				 "being read?");
			return -ENODATA;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int ifl_source_sha256(struct ifl_source *s, uint8_t out[32])
{
	static const size_t bufsz = 1u << 20;
	struct ifl_sha256 h;
	uint8_t *buf;
	long n;

	if (!ifl_source_whole(s)) {
		snprintf(s->why, sizeof(s->why), "a %s image leaves parts of the target undefined, so "
			 "it has no SHA-256 to compare; flash it (which checks every defined extent)",
			 s->ops->name);
		return -ENOTSUP;
	}
	buf = malloc(bufsz);
	n = s->ops->rewind(s);
	if (!buf)
		return -ENOMEM;
	ifl_sha256_init(&h);
	while (n == 0 && (n = s->ops->read(s, buf, bufsz)) > 0) {
		ifl_sha256_update(&h, buf, (size_t)n);
		n = 0;
	}
	ifl_sha256_final(&h, out);
	free(buf);
	if (n == 0)
		n = s->ops->rewind(s);
	return (int)n;
}

int ifl_source_fail(struct ifl_source *s, struct ifl_diag *d, int err)
{
	if (s->why[0])
		return ifl_diag_set(d, err, IFL_EXIT_LOCAL, s->path, "%s", s->why);
	return ifl_diag_set(d, err, IFL_EXIT_LOCAL, s->path, "cannot read the image: %s",
			    strerror(-err));
}

/* A memory image: the bytes and the read position. */
struct mem {
	uint8_t *buf;
	uint64_t pos;
};

static int mem_open(struct ifl_source *s)
{
	return ifl_source_set_whole(s);
}

static long mem_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	struct mem *m = s->priv;

	if (len > s->size - m->pos)
		len = (size_t)(s->size - m->pos);
	memcpy(buf, m->buf + m->pos, len);
	m->pos += len;
	return (long)len;
}

static int mem_rewind(struct ifl_source *s)
{
	((struct mem *)s->priv)->pos = 0;
	return 0;
}

static void mem_close(struct ifl_source *s)
{
	struct mem *m = s->priv;

	if (m)
		free(m->buf);
	free(m);
}

static const struct ifl_source_ops mem_ops = {
	.name = "raw",
	.open = mem_open,
	.read = mem_read,
	.rewind = mem_rewind,
	.close = mem_close,
};

int ifl_source_mem(const char *label, uint8_t *buf, size_t len, struct ifl_source **out)
{
	struct ifl_source *s = calloc(1, sizeof(*s));
	struct mem *m = calloc(1, sizeof(*m));

	if (!s || !m) {
		free(s);
		free(m);
		free(buf);
		return -ENOMEM;
	}
	m->buf = buf;
	*s = (struct ifl_source){.ops = &mem_ops, .path = label, .fd = -1, .size = len, .priv = m};
	if (mem_open(s)) {
		ifl_source_close(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ifl_source_close(struct ifl_source *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s->ext);
	free(s);
}
