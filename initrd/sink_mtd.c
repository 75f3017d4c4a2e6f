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

/* Where logical byte off of the target lies on the chip: through the range's map, if any. */
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

/*
 * NOR may power up locked: unlock before erasing. Chips without locking say
 * no; any other failure would only come back as a failed erase, so say it here.
 */
static int unlock(struct ifl_sink *s, uint64_t p, uint32_t eb)
{
	struct ifl_mtd_erase32 e = {(uint32_t)p, eb};
	char at[24];
	int err;

	if (s->t->info.kind != IFL_KIND_MTD_NOR || p + eb > UINT32_MAX)
		return 0;
	if (ioctl(s->fd, IFL_MEMUNLOCK, &e) == 0)
		return 0;
	err = errno;
	if (err == EOPNOTSUPP || err == EINVAL || err == ENOTTY)
		return 0;
	ifl_log("%s: unlocking the erase block at %s failed: %s; is the chip write-protected?",
		s->t->info.name, ifl_fmt_size(p, at, sizeof(at)), strerror(err));
	/* Its own code, so the writer can tell the host why rather than "I/O error". */
	return -ENOLCK;
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
	if ((!s->map || s->use == IFL_USE_ERASE) && len % s->t->info.erase_size)
		return -EINVAL;
	return put_range(s, NULL, len, off);
}

/* Read through the map, so a verify or READ sees the image and not the bad blocks it skipped. */
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

/* Checks that need no chip: a write starts on a block, an erase covers whole blocks. */
static int check_range(const struct ifl_sink *s, uint64_t off, uint64_t len, char *msg,
		       size_t cap)
{
	const struct ifl_target_info *t = &s->t->info;

	if (s->use == IFL_USE_WRITE)
		return ifl_mtd_check_align(t->name, off, t->erase_size, msg, cap);
	if (s->use == IFL_USE_ERASE)
		return ifl_mtd_check_whole(t->name, off, len, t->erase_size, msg, cap);
	return 0; /* a read may start and end anywhere */
}

/* The refusal when the nblk blocks from base outnumber the ngood good ones there. */
static void too_few(const struct ifl_sink *s, uint64_t base, uint64_t off, uint64_t len,
		    uint32_t nblk, uint32_t ngood, uint32_t nbad, char *msg, size_t cap)
{
	static const char *const doing[] = {[IFL_USE_READ] = "reading", [IFL_USE_HASH] = "hashing",
					    [IFL_USE_ERASE] = "erasing"};
	static const char *const done[] = {[IFL_USE_READ] = "read", [IFL_USE_HASH] = "hashed",
					   [IFL_USE_ERASE] = "erased"};
	const struct ifl_target_info *t = &s->t->info;
	uint64_t eb = t->erase_size, fit = ngood * eb > off - base ? ngood * eb - (off - base) : 0;
	char at[24], blk[24], n[24];

	ifl_fmt_size(eb, blk, sizeof(blk));
	ifl_fmt_size(off, at, sizeof(at));
	if (s->use == IFL_USE_WRITE) {
		snprintf(msg, cap, "%s: the image needs %u erase blocks of %s from %s but only %u "
			 "good blocks remain there (%u bad); nothing was erased", t->name, nblk,
			 blk, at, ngood, nbad);
		return;
	}
	/* Bad blocks are skipped as a flash skips them, so the range must fit the good ones. */
	snprintf(msg, cap, "%s: %s %s from %s skips bad blocks as a flash does and needs %u erase "
		 "blocks of %s, but only %u good blocks remain there (%u bad); nothing was %s: "
		 "at most %llu bytes fit from %s", t->name, doing[s->use],
		 ifl_fmt_size(len, n, sizeof(n)), at, nblk, blk, ngood, nbad, done[s->use],
		 (unsigned long long)fit, at);
}

/* Build the map of the nblk erase blocks from base; fills msg on failure. */
static int map_range(struct ifl_sink *s, uint64_t base, uint64_t off, uint64_t len,
		     uint32_t nblk, char *msg, size_t cap)
{
	const struct ifl_target_info *t = &s->t->info;
	uint32_t eb = t->erase_size, ngood, nbad;
	int rc;

	s->map = malloc((size_t)nblk * sizeof(*s->map));
	if (!s->map) {
		snprintf(msg, cap, "%s: out of memory for the map of %u erase blocks", t->name, nblk);
		return -ENOMEM;
	}
	rc = ifl_mtd_build_map(s->map, nblk, (uint32_t)(base / eb), (uint32_t)(t->size / eb),
			       t->kind == IFL_KIND_MTD_NAND ? is_bad : NULL, s, &ngood, &nbad);
	if (rc == -ENOSPC)
		too_few(s, base, off, len, nblk, ngood, nbad, msg, cap);
	else if (rc)
		snprintf(msg, cap, "%s: checking erase block %u for a bad-block mark failed: %s",
			 t->name, (uint32_t)(base / eb) + ngood + nbad, strerror(-rc));
	if (rc) {
		free(s->map);
		s->map = NULL;
		return rc;
	}
	s->nmap = nblk;
	s->map_off = base;
	if (nbad)
		ifl_log("%s: %u bad erase block%s in the range; %s %s", t->name, nbad,
			nbad == 1 ? "" : "s", s->use == IFL_USE_WRITE ? "the image moves past"
								   : "skipped as a flash skips",
			nbad == 1 ? "it" : "them");
	return 0;
}

static int mtd_prepare(struct ifl_sink *s, uint64_t off, uint64_t len, char *msg, size_t cap)
{
	const struct ifl_target_info *t = &s->t->info;
	uint32_t eb = t->erase_size;
	/* A read may start inside a block: its map starts at that block, as a write there would. */
	uint64_t base = off - off % eb;
	int rc = check_range(s, off, len, msg, cap);

	if (rc)
		return rc;
	/* A sink prepared again starts afresh: a map is only good for its own range. */
	free(s->map);
	s->map = NULL;
	s->nmap = 0;
	s->skipped = s->wblocks = s->sblocks = 0;
	/* NOR has no bad blocks: its map is the identity, and a read need not pay for one. */
	if (s->use != IFL_USE_WRITE && t->kind != IFL_KIND_MTD_NAND)
		return 0;
	return map_range(s, base, off, len, (uint32_t)((off - base + len + eb - 1) / eb), msg, cap);
}

const struct ifl_sink_ops ifl_sink_mtd_ops = {
	.name = "mtd",
	.write = mtd_write,
	.read = mtd_read,
	.zero = mtd_zero,
	.drop_cache = mtd_drop_cache,
	.prepare = mtd_prepare,
};
