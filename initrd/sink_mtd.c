/* sink_mtd.c - MTD flash as a target: read, compare, erase and program whole erase blocks. */
#include "sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fdio.h"
#include "log.h"
#include "mtd.h"
#include "units.h"

/*
 * Per worker thread: one erase block as the chip holds it and one as it
 * should be. Allocated on a worker's first block (erase blocks differ per
 * target, so not at start) and kept for the life of the worker thread.
 */
static __thread uint8_t *tl_buf;
static __thread size_t tl_cap;

static uint8_t *block_bufs(size_t eb)
{
	if (tl_cap < 2 * eb) {
		free(tl_buf);
		tl_buf = malloc(2 * eb);
		tl_cap = tl_buf ? 2 * eb : 0;
	}
	return tl_buf;
}

/* Where logical byte off of the target lies on the chip: through the write's map, if any. */
static uint64_t phys(const struct ifl_sink *s, uint64_t off)
{
	uint64_t eb = s->t->info.erase_size, k;

	if (!s->map || off < s->map_off)
		return off;
	k = (off - s->map_off) / eb;
	if (k >= s->nmap)
		return off;
	return (uint64_t)s->map[k] * eb + (off - s->map_off) % eb;
}

/* NOR may power up locked: unlock before erasing. Chips without locking say no. */
static int unlock(struct ifl_sink *s, uint64_t p, uint32_t eb)
{
	struct ifl_mtd_erase32 e = {(uint32_t)p, eb};

	if (s->t->info.kind != IFL_KIND_MTD_NOR || p + eb > UINT32_MAX)
		return 0;
	if (ioctl(s->fd, IFL_MEMUNLOCK, &e) < 0 && errno != EOPNOTSUPP && errno != EINVAL &&
	    errno != ENOTTY)
		return -errno;
	return 0;
}

/* Bytes of blk worth programming: up to the last page that is not all erased (0xff). */
static size_t program_len(const uint8_t *blk, size_t eb, uint32_t ws)
{
	size_t end = eb;

	while (end > 0 && blk[end - 1] == 0xff)
		end--;
	ws = ws ? ws : 1;
	return (end + ws - 1) / ws * ws;
}

/*
 * Make logical erase block at off hold data[n] (zeros when data is NULL),
 * the rest of the block erased. A block that already holds it is left alone.
 */
static int put_block(struct ifl_sink *s, uint64_t off, const uint8_t *data, size_t n)
{
	uint32_t eb = s->t->info.erase_size;
	uint8_t *old = block_bufs(eb), *want = old + eb;
	uint64_t p = phys(s, off);
	struct ifl_mtd_erase64 e = {p, eb};
	size_t plen;
	int rc;

	if (!old)
		return -ENOMEM;
	if (data)
		memcpy(want, data, n);
	else
		memset(want, 0, n); /* 0x00 is programmed, not the erased state: write it */
	/* An image that ends inside a block: pad with 0xff, what erasing leaves. */
	memset(want + n, 0xff, eb - n);
	/* A block that does not read (an ECC error) is simply rewritten. */
	if (ifl_pread_all(s->fd, old, eb, p) == 0 && memcmp(old, want, eb) == 0) {
		__atomic_fetch_add(&s->skipped, n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->sblocks, 1, __ATOMIC_RELAXED);
		return 0;
	}
	rc = unlock(s, p, eb);
	if (rc)
		return rc;
	if (ioctl(s->fd, IFL_MEMERASE64, &e) < 0)
		return -errno;
	plen = program_len(want, eb, s->t->info.write_size);
	rc = plen ? ifl_pwrite_all(s->fd, want, plen, p) : 0;
	if (rc == 0)
		__atomic_fetch_add(&s->wblocks, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Whole erase blocks from an aligned off; data NULL writes zeros. */
static int put_range(struct ifl_sink *s, const uint8_t *data, uint64_t len, uint64_t off)
{
	uint32_t eb = s->t->info.erase_size;

	/* BEGIN was aligned and the host sends chunks of whole erase blocks. */
	if (off % eb)
		return -EINVAL;
	for (uint64_t done = 0; done < len; done += eb) {
		size_t n = len - done < eb ? (size_t)(len - done) : eb;
		int rc = put_block(s, off + done, data ? data + done : NULL, n);

		if (rc)
			return rc;
	}
	return 0;
}

static int mtd_write(struct ifl_sink *s, const uint8_t *buf, size_t len, uint64_t off)
{
	return put_range(s, buf, len, off);
}

static int mtd_zero(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	/* Outside a write (ERASE), a partial last block would lose the bytes after the range. */
	if (!s->map && len % s->t->info.erase_size)
		return -EINVAL;
	return put_range(s, NULL, len, off);
}

/* Read through the map, so a verify sees the image and not the bad blocks it skipped. */
static int mtd_read(struct ifl_sink *s, uint8_t *buf, size_t len, uint64_t off)
{
	uint32_t eb = s->t->info.erase_size;

	if (!s->map)
		return ifl_pread_all(s->fd, buf, len, off);
	for (size_t done = 0; done < len;) {
		size_t n = eb - (size_t)((off + done) % eb);
		int rc;

		n = n < len - done ? n : len - done;
		rc = ifl_pread_all(s->fd, buf + done, n, phys(s, off + done));
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

static void mtd_drop_cache(struct ifl_sink *s, uint64_t off, uint64_t len)
{
	/* Reads of /dev/mtdN go to the chip every time: no cache to drop. */
	(void)s;
	(void)off;
	(void)len;
}

/* 1 when physical block b is marked bad, 0 when good, or a negative errno. */
static int is_bad(void *arg, uint32_t b)
{
	struct ifl_sink *s = arg;
	int64_t at = (int64_t)b * s->t->info.erase_size;
	int rc = ioctl(s->fd, IFL_MEMGETBADBLOCK, &at);

	if (rc < 0)
		return errno == EOPNOTSUPP ? 0 : -errno;
	return rc > 0;
}

static int mtd_prepare(struct ifl_sink *s, uint64_t off, uint64_t len, char *msg, size_t cap)
{
	const struct ifl_target_info *t = &s->t->info;
	uint32_t eb = t->erase_size, nblk, ngood, nbad;
	char at[24], blk[24];
	int rc = ifl_mtd_check_align(t->name, off, eb, msg, cap);

	if (rc)
		return rc;
	nblk = (uint32_t)((len + eb - 1) / eb);
	s->map = malloc((size_t)nblk * sizeof(*s->map));
	if (!s->map) {
		snprintf(msg, cap, "%s: out of memory for the map of %u erase blocks", t->name, nblk);
		return -ENOMEM;
	}
	rc = ifl_mtd_build_map(s->map, nblk, (uint32_t)(off / eb), (uint32_t)(t->size / eb),
			       t->kind == IFL_KIND_MTD_NAND ? is_bad : NULL, s, &ngood, &nbad);
	if (rc == -ENOSPC)
		snprintf(msg, cap, "%s: the image needs %u erase blocks of %s from %s but only %u "
			 "good blocks remain there (%u bad); nothing was erased", t->name, nblk,
			 ifl_fmt_size(eb, blk, sizeof(blk)), ifl_fmt_size(off, at, sizeof(at)), ngood,
			 nbad);
	else if (rc)
		snprintf(msg, cap, "%s: checking erase block %u for a bad-block mark failed: %s",
			 t->name, (uint32_t)(off / eb) + ngood + nbad, strerror(-rc));
	if (rc) {
		free(s->map);
		s->map = NULL;
		return rc;
	}
	s->nmap = nblk;
	s->map_off = off;
	s->skipped = s->wblocks = s->sblocks = 0;
	if (nbad)
		ifl_log("%s: %u bad erase block%s in the range; the image moves past %s", t->name,
			nbad, nbad == 1 ? "" : "s", nbad == 1 ? "it" : "them");
	return 0;
}

const struct ifl_sink_ops ifl_sink_mtd_ops = {
	.name = "mtd",
	.write = mtd_write,
	.read = mtd_read,
	.zero = mtd_zero,
	.drop_cache = mtd_drop_cache,
	.prepare = mtd_prepare,
};
