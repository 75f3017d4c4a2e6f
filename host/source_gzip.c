/* source_gzip.c - a gzip image (one or more members), inflated once to check it, then streamed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fdio.h"
#include "source.h"

#define GZ_IN (256u << 10)

struct gz {
	z_stream z;
	uint8_t in[GZ_IN];
	uint64_t in_pos;   /* compressed bytes read from the file */
	int eof;           /* the file has no more bytes */
	int in_member;     /* inside a gzip member that has not ended */
	unsigned members;  /* members started so far */
	uint64_t member_at; /* file offset where the current member starts */
};

/* Compressed bytes consumed by inflate so far: where a failure sits in the file. */
static uint64_t consumed(const struct gz *g)
{
	return g->in_pos - g->z.avail_in;
}

static int refill(struct ifl_source *s, struct gz *g)
{
	long n = ifl_read_some(s->fd, g->in, sizeof(g->in));

	if (n < 0) {
		snprintf(s->why, sizeof(s->why), "cannot read the image: %s", strerror((int)-n));
		return (int)n;
	}
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)n;
	g->in_pos += (uint64_t)n;
	g->eof = n == 0;
	return 0;
}

/* One inflate step; a member that ends lets the next one (if any) start afresh. */
static int step(struct ifl_source *s, struct gz *g)
{
	int rc;

	if (!g->in_member) {
		inflateReset(&g->z);
		g->in_member = 1;
		g->members++;
		g->member_at = consumed(g);
	}
	rc = inflate(&g->z, Z_NO_FLUSH);
	if (rc == Z_STREAM_END) {
		g->in_member = 0;
		return 0;
	}
	if (rc == Z_OK || (rc == Z_BUF_ERROR && g->z.avail_in == 0))
		return 0;
	if (rc == Z_MEM_ERROR)
		return -ENOMEM;
	if (g->members > 1 && g->z.total_in < 10) {
		/* Not a gzip header where the next member would begin. */
		snprintf(s->why, sizeof(s->why), "gzip data is followed by %llu bytes that are not "
			 "gzip, at byte %llu; the file is damaged or padded, fetch it again",
			 (unsigned long long)(lseek(s->fd, 0, SEEK_END) - (off_t)g->member_at),
			 (unsigned long long)g->member_at);
		return -EBADMSG;
	}
	snprintf(s->why, sizeof(s->why),
		 "gzip data is corrupt at byte %llu (%s); the file is damaged, fetch it again",
		 (unsigned long long)consumed(g), g->z.msg ? g->z.msg : "bad data");
	return -EBADMSG;
}

static long gz_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	struct gz *g = s->priv;
	int rc = 0;

	g->z.next_out = buf;
	g->z.avail_out = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	while (g->z.avail_out > 0 && rc == 0) {
		if (g->z.avail_in == 0 && !g->eof)
			rc = refill(s, g);
		if (rc || (g->z.avail_in == 0 && g->eof))
			break;
		rc = step(s, g);
	}
	if (rc)
		return rc;
	if (g->z.avail_in == 0 && g->eof && g->in_member) {
		snprintf(s->why, sizeof(s->why), "gzip data is truncated at byte %llu; the file is "
			 "incomplete, fetch it again", (unsigned long long)g->in_pos);
		return -EPIPE;
	}
	return (long)(g->z.next_out - buf);
}

static int gz_rewind(struct ifl_source *s)
{
	struct gz *g = s->priv;

	if (lseek(s->fd, 0, SEEK_SET) < 0)
		return -errno;
	g->z.avail_in = 0;
	g->in_pos = 0;
	g->eof = 0;
	g->in_member = 0;
	g->members = 0;
	return 0;
}

/* First pass: inflate everything to learn the exact size and prove the file intact. */
static int gz_scan(struct ifl_source *s)
{
	size_t cap = 1u << 20;
	uint8_t *out = malloc(cap);
	long n;

	if (!out)
		return -ENOMEM;
	s->size = 0;
	while ((n = gz_read(s, out, cap)) > 0)
		s->size += (uint64_t)n;
	free(out);
	return n < 0 ? (int)n : gz_rewind(s);
}

static int gz_open(struct ifl_source *s)
{
	struct gz *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	/* 16 + 15: gzip wrapper only, the largest window. */
	if (inflateInit2(&g->z, 16 + 15) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	s->priv = g;
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return gz_scan(s);
}

static void gz_close(struct ifl_source *s)
{
	struct gz *g = s->priv;

	if (!g)
		return;
	inflateEnd(&g->z);
	free(g);
	s->priv = NULL;
}

const struct ifl_source_ops ifl_source_gzip_ops = {
	.name = "gzip",
	.open = gz_open,
	.read = gz_read,
	.rewind = gz_rewind,
	.close = gz_close,
};
