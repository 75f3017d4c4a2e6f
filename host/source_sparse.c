/* source_sparse.c - an Android sparse image (img2simg): RAW, FILL, DONT_CARE and CRC32 chunks as extents. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "source.h"
#include "wire.h"

#define SP_FILE_HDR 28
#define SP_CHUNK_HDR 12
#define SP_RAW 0xcac1
#define SP_FILL 0xcac2
#define SP_DONT_CARE 0xcac3
#define SP_CRC32 0xcac4

struct sparse {
	uint64_t *file_off; /* per extent: where a DATA extent's bytes sit in the file */
	size_t cur;         /* extent being read */
	uint64_t pos;       /* bytes of it already read */
	int has_crc;        /* a CRC32 chunk is present: the data pass checks it */
};

/* The header fields the walk needs. */
struct hdr {
	uint64_t file_size;
	uint32_t file_hdr, chunk_hdr, blk_sz, total_blks, total_chunks;
};

static int bad(struct ifl_source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct ifl_source *s, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	n = strlen(s->why);
	snprintf(s->why + n, sizeof(s->why) - n, "; the sparse image is damaged, make or fetch it again");
	return -EBADMSG;
}

static int read_at(struct ifl_source *s, uint8_t *buf, size_t len, uint64_t at)
{
	while (len > 0) {
		ssize_t n = pread(s->fd, buf, len, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(s->why, sizeof(s->why), "cannot read the image: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			return bad(s, "the file ends at byte %llu, inside a header", (unsigned long long)at);
		buf += n;
		len -= (size_t)n;
		at += (uint64_t)n;
	}
	return 0;
}

static int file_header(struct ifl_source *s, struct hdr *h)
{
	uint8_t b[SP_FILE_HDR];
	struct stat st;
	int rc;

	if (fstat(s->fd, &st) < 0)
		return -errno;
	h->file_size = (uint64_t)st.st_size;
	if (h->file_size < SP_FILE_HDR)
		return bad(s, "the file is %llu bytes, shorter than a sparse header (28)",
			   (unsigned long long)h->file_size);
	rc = read_at(s, b, sizeof(b), 0);
	if (rc)
		return rc;
	h->file_hdr = ifl_get_le16(b + 8);
	h->chunk_hdr = ifl_get_le16(b + 10);
	h->blk_sz = ifl_get_le32(b + 12);
	h->total_blks = ifl_get_le32(b + 16);
	h->total_chunks = ifl_get_le32(b + 20);
	if (ifl_get_le16(b + 4) != 1)
		return bad(s, "sparse format version %u.%u at byte 4 is not 1.x", ifl_get_le16(b + 4),
			   ifl_get_le16(b + 6));
	if (h->file_hdr < SP_FILE_HDR || h->file_hdr > h->file_size)
		return bad(s, "file header size %u at byte 8 is below 28 or past the file's end",
			   h->file_hdr);
	if (h->chunk_hdr < SP_CHUNK_HDR)
		return bad(s, "chunk header size %u at byte 10 is below 12", h->chunk_hdr);
	if (h->blk_sz == 0 || h->blk_sz % 4)
		return bad(s, "block size %u at byte 12 is not a non-zero multiple of 4", h->blk_sz);
	if (h->total_blks == 0)
		return bad(s, "the header at byte 16 says the image has no blocks");
	return 0;
}

/* Append an extent; grows the arrays by doubling. */
static int add(struct ifl_source *s, size_t *cap, const struct ifl_extent *e, uint64_t file_off)
{
	struct sparse *sp = s->priv;

	if (s->next == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		struct ifl_extent *ne = realloc(s->ext, nc * sizeof(*ne));
		uint64_t *nf;

		if (!ne)
			return -ENOMEM;
		s->ext = ne;
		nf = realloc(sp->file_off, nc * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		sp->file_off = nf;
		*cap = nc;
	}
	s->ext[s->next] = *e;
	sp->file_off[s->next++] = file_off;
	return 0;
}

/* One chunk at file offset at (its header in b): check its sizes, record its extent. */
static int chunk(struct ifl_source *s, const struct hdr *h, const uint8_t *b, uint32_t idx,
		 uint64_t at, uint64_t blk, size_t *cap)
{
	uint16_t type = ifl_get_le16(b);
	uint32_t nblk = ifl_get_le32(b + 4), total = ifl_get_le32(b + 8);
	uint64_t body = (uint64_t)total - h->chunk_hdr, want;
	struct ifl_extent e = {.off = blk * h->blk_sz, .len = (uint64_t)nblk * h->blk_sz};

	if (total < h->chunk_hdr)
		return bad(s, "sparse chunk %u at byte %llu has total size %u, below its header's %u",
			   idx, (unsigned long long)at, total, h->chunk_hdr);
	want = type == SP_RAW ? e.len : type == SP_FILL || type == SP_CRC32 ? 4 : 0;
	if (type < SP_RAW || type > SP_CRC32)
		return bad(s, "sparse chunk %u at byte %llu has unknown type 0x%04x", idx,
			   (unsigned long long)at, type);
	if (type == SP_CRC32 && nblk != 0)
		return bad(s, "sparse CRC32 chunk %u at byte %llu claims %u blocks instead of 0", idx,
			   (unsigned long long)at, nblk);
	if (blk + nblk > h->total_blks)
		return bad(s, "sparse chunk %u at byte %llu claims %u blocks, past the %u blocks the "
			   "header declares", idx, (unsigned long long)at, nblk, h->total_blks);
	if (type == SP_RAW && at + h->chunk_hdr + want > h->file_size)
		return bad(s, "sparse chunk %u at byte %llu claims %u blocks but the file ends at byte %llu",
			   idx, (unsigned long long)at, nblk, (unsigned long long)h->file_size);
	if (body != want)
		return bad(s, "sparse chunk %u at byte %llu has %llu bytes of data where its type needs %llu",
			   idx, (unsigned long long)at, (unsigned long long)body, (unsigned long long)want);
	if (at + total > h->file_size)
		return bad(s, "sparse chunk %u at byte %llu ends past the file's end at byte %llu", idx,
			   (unsigned long long)at, (unsigned long long)h->file_size);
	if (type == SP_CRC32)
		((struct sparse *)s->priv)->has_crc = 1;
	if (nblk == 0 || type == SP_DONT_CARE || type == SP_CRC32)
		return 0;
	e.kind = IFL_EXT_DATA;
	if (type == SP_FILL) {
		int rc = read_at(s, e.pattern, 4, at + h->chunk_hdr);

		if (rc)
			return rc;
		e.kind = ifl_get_le32(e.pattern) ? IFL_EXT_FILL : IFL_EXT_ZERO;
	}
	return add(s, cap, &e, at + h->chunk_hdr);
}

/* Walk every chunk header; nothing is sent unless the whole file is well formed. */
static int walk(struct ifl_source *s, const struct hdr *h)
{
	uint64_t at = h->file_hdr, blk = 0;
	size_t cap = 0;
	uint8_t b[SP_CHUNK_HDR];

	for (uint32_t i = 1; i <= h->total_chunks; i++) {
		int rc;

		if (at + h->chunk_hdr > h->file_size)
			return bad(s, "sparse chunk %u of %u at byte %llu: the file ends at byte %llu",
				   i, h->total_chunks, (unsigned long long)at,
				   (unsigned long long)h->file_size);
		rc = read_at(s, b, sizeof(b), at);
		if (rc == 0)
			rc = chunk(s, h, b, i, at, blk, &cap);
		if (rc)
			return rc;
		blk += ifl_get_le32(b + 4);
		at += ifl_get_le32(b + 8);
	}
	if (blk != h->total_blks)
		return bad(s, "the chunks cover %llu blocks but the header at byte 16 declares %u",
			   (unsigned long long)blk, h->total_blks);
	if (at != h->file_size)
		return bad(s, "%llu bytes follow the last chunk, which ends at byte %llu",
			   (unsigned long long)(h->file_size - at), (unsigned long long)at);
	return 0;
}

/* crc over len copies of the bytes in pat[4] (zeros when pat is NULL). */
static uint32_t crc_run(uint32_t crc, const uint8_t *pat, uint64_t len)
{
	static uint8_t buf[65536];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pat ? pat[i % 4] : 0;
	while (len > 0) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		crc = (uint32_t)crc32(crc, buf, (uInt)n);
		len -= n;
	}
	return crc;
}

/*
 * Second pass, only when a CRC32 chunk is present: each holds the CRC-32 of
 * the whole image up to it (DONT_CARE counting as zeros, as libsparse does).
 */
static int check_crcs(struct ifl_source *s, const struct hdr *h)
{
	uint64_t at = h->file_hdr;
	uint32_t crc = 0;
	uint8_t b[SP_CHUNK_HDR], buf[65536];

	for (uint32_t i = 1; i <= h->total_chunks; i++) {
		uint32_t type, len, got;
		int rc = read_at(s, b, sizeof(b), at);

		type = ifl_get_le16(b);
		len = ifl_get_le32(b + 4) * h->blk_sz;
		for (uint64_t o = 0; rc == 0 && type == SP_RAW && o < len; o += sizeof(buf)) {
			size_t n = len - o < sizeof(buf) ? (size_t)(len - o) : sizeof(buf);

			rc = read_at(s, buf, n, at + h->chunk_hdr + o);
			crc = (uint32_t)crc32(crc, buf, (uInt)n);
		}
		if (rc == 0 && (type == SP_FILL || type == SP_CRC32))
			rc = read_at(s, buf, 4, at + h->chunk_hdr);
		if (rc)
			return rc;
		if (type == SP_FILL)
			crc = crc_run(crc, buf, len);
		else if (type == SP_DONT_CARE)
			crc = crc_run(crc, NULL, len);
		else if (type == SP_CRC32 && (got = ifl_get_le32(buf)) != crc)
			return bad(s, "sparse CRC32 chunk %u at byte %llu says %08x but the data before it "
				   "has CRC-32 %08x", i, (unsigned long long)at, got, crc);
		at += ifl_get_le32(b + 8);
	}
	return 0;
}

static int sparse_open(struct ifl_source *s)
{
	struct sparse *sp = calloc(1, sizeof(*sp));
	struct hdr h;
	int rc;

	if (!sp)
		return -ENOMEM;
	s->priv = sp;
	rc = file_header(s, &h);
	if (rc == 0)
		rc = walk(s, &h);
	if (rc == 0 && sp->has_crc)
		rc = check_crcs(s, &h);
	if (rc)
		return rc;
	s->size = (uint64_t)h.total_blks * h.blk_sz;
	if (!s->ext)
		s->ext = calloc(1, sizeof(*s->ext)); /* all DONT_CARE: nothing to write, no extents */
	return s->ext ? 0 : -ENOMEM;
}

/* The next DATA extent from sp->cur on. */
static void skip_other(struct ifl_source *s, struct sparse *sp)
{
	while (sp->cur < s->next && s->ext[sp->cur].kind != IFL_EXT_DATA)
		sp->cur++;
}

static long sparse_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	struct sparse *sp = s->priv;
	const struct ifl_extent *e;
	uint64_t left;
	ssize_t n;

	skip_other(s, sp);
	if (sp->cur >= s->next)
		return 0;
	e = &s->ext[sp->cur];
	left = e->len - sp->pos;
	if (len > left)
		len = (size_t)left;
	do
		n = pread(s->fd, buf, len, (off_t)(sp->file_off[sp->cur] + sp->pos));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		snprintf(s->why, sizeof(s->why), "cannot read the image: %s; did it change while being "
			 "read?", n < 0 ? strerror(errno) : "it got shorter");
		return n < 0 ? -errno : -ENODATA;
	}
	sp->pos += (uint64_t)n;
	if (sp->pos == e->len) {
		sp->cur++;
		sp->pos = 0;
	}
	return (long)n;
}

static int sparse_rewind(struct ifl_source *s)
{
	struct sparse *sp = s->priv;

	sp->cur = 0;
	sp->pos = 0;
	return 0;
}

static void sparse_close(struct ifl_source *s)
{
	struct sparse *sp = s->priv;

	if (!sp)
		return;
	free(sp->file_off);
	free(sp);
	s->priv = NULL;
}

const struct ifl_source_ops ifl_source_sparse_ops = {
	.name = "sparse",
	.open = sparse_open,
	.read = sparse_read,
	.rewind = sparse_rewind,
	.close = sparse_close,
};
