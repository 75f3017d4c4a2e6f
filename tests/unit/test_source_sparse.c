/* test_source_sparse.c - Android sparse images built byte by byte: extents, the data stream, and refusals with offsets. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "source.h"
#include "wire.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ifl-sparse-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sparse, .init = setup, .fini = teardown);

static uint8_t img[1 << 16];
static size_t ilen;
static uint32_t nchunks, nblocks;

#define BS 1024u

static void start(void)
{
	memset(img, 0, sizeof(img));
	ilen = 28;
	nchunks = nblocks = 0;
}

static void chunk(uint16_t type, uint32_t blocks, const uint8_t *body, uint32_t blen)
{
	ifl_put_le16(img + ilen, type);
	ifl_put_le16(img + ilen + 2, 0);
	ifl_put_le32(img + ilen + 4, blocks);
	ifl_put_le32(img + ilen + 8, 12 + blen);
	memcpy(img + ilen + 12, body, blen);
	ilen += 12 + blen;
	nchunks++;
	nblocks += blocks;
}

static void finish(uint32_t blk_sz)
{
	ifl_put_le32(img, IFL_SPARSE_MAGIC);
	ifl_put_le16(img + 4, 1);
	ifl_put_le16(img + 6, 0);
	ifl_put_le16(img + 8, 28);
	ifl_put_le16(img + 10, 12);
	ifl_put_le32(img + 12, blk_sz);
	ifl_put_le32(img + 16, nblocks);
	ifl_put_le32(img + 20, nchunks);
}

static const char *write_img(void)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/x.simg", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, img, ilen), (ssize_t)ilen);
	cr_assert_eq(close(fd), 0);
	return path;
}

/* RAW 2 blocks, FILL 3 blocks of abcd, DONT_CARE 4, FILL 0 (1 block), RAW 1, CRC32 of everything. */
static void sample(uint8_t *raw, int good_crc)
{
	uint8_t fill[4] = {'a', 'b', 'c', 'd'}, zero[4] = {0}, crcb[4];
	uint32_t crc = 0;
	uint8_t buf[4 * BS];

	for (unsigned i = 0; i < 3 * BS; i++)
		raw[i] = (uint8_t)(i * 7 + 3);
	start();
	chunk(0xcac1, 2, raw, 2 * BS);
	chunk(0xcac2, 3, fill, 4);
	chunk(0xcac3, 4, NULL, 0);
	chunk(0xcac2, 1, zero, 4);
	chunk(0xcac1, 1, raw + 2 * BS, BS);
	crc = (uint32_t)crc32(crc, raw, 2 * BS);
	for (unsigned i = 0; i < 3 * BS; i++)
		buf[i] = fill[i % 4];
	crc = (uint32_t)crc32(crc, buf, 3 * BS);
	memset(buf, 0, sizeof(buf));
	crc = (uint32_t)crc32(crc, buf, 4 * BS);
	crc = (uint32_t)crc32(crc, buf, BS);
	crc = (uint32_t)crc32(crc, raw + 2 * BS, BS);
	ifl_put_le32(crcb, good_crc ? crc : crc ^ 1);
	chunk(0xcac4, 0, crcb, 4);
	finish(BS);
}

Test(sparse, extents_and_stream)
{
	uint8_t raw[3 * BS], got[3 * BS];
	struct ifl_source *s;
	struct ifl_diag d = {0};

	sample(raw, 1);
	cr_assert_eq(ifl_source_open(write_img(), &s, &d), 0, "%s", d.msg);
	cr_assert_str_eq(s->ops->name, "sparse");
	cr_assert_eq(s->size, 11 * BS);
	cr_assert_eq(s->next, 4);
	cr_assert(s->ext[0].off == 0 && s->ext[0].len == 2 * BS && s->ext[0].kind == IFL_EXT_DATA);
	cr_assert(s->ext[1].off == 2 * BS && s->ext[1].len == 3 * BS && s->ext[1].kind == IFL_EXT_FILL);
	cr_assert_eq(memcmp(s->ext[1].pattern, "abcd", 4), 0);
	cr_assert(s->ext[2].off == 9 * BS && s->ext[2].len == BS && s->ext[2].kind == IFL_EXT_ZERO);
	cr_assert(s->ext[3].off == 10 * BS && s->ext[3].len == BS && s->ext[3].kind == IFL_EXT_DATA);
	cr_assert_not(ifl_source_whole(s));
	cr_assert_eq(ifl_source_defined(s), 7 * BS);
	for (int pass = 0; pass < 2; pass++) {
		cr_assert_eq(ifl_source_fill(s, got, sizeof(got)), 0);
		cr_assert_eq(memcmp(got, raw, sizeof(raw)), 0);
		cr_assert_eq(s->ops->read(s, got, 1), 0);
		cr_assert_eq(s->ops->rewind(s), 0);
	}
	cr_assert_eq(ifl_source_sha256(s, got), -ENOTSUP);
	ifl_source_close(s);
}

Test(sparse, crc_mismatch_refused)
{
	uint8_t raw[3 * BS];
	struct ifl_source *s = NULL;
	struct ifl_diag d = {0};

	sample(raw, 0);
	cr_assert_lt(ifl_source_open(write_img(), &s, &d), 0);
	cr_assert_null(s);
	cr_assert_eq(d.exit, IFL_EXIT_LOCAL);
	cr_assert_not_null(strstr(d.msg, "sparse CRC32 chunk 6 at byte"), "%s", d.msg);
}

/* Refusals name the chunk and the byte where it starts. */
static void refused(const char *want)
{
	struct ifl_source *s = NULL;
	struct ifl_diag d = {0};

	cr_assert_lt(ifl_source_open(write_img(), &s, &d), 0, "accepted; wanted %s", want);
	cr_assert_null(s);
	cr_assert_not_null(strstr(d.msg, want), "%s lacks %s", d.msg, want);
}

Test(sparse, truncated_raw_chunk)
{
	uint8_t raw[3 * BS];

	sample(raw, 1);
	ilen = 28 + 12 + 2 * BS + 16 + 12 + 100; /* inside the DONT_CARE / fill zone */
	ilen = 28 + 12 + 1000;                     /* inside the first RAW chunk's data */
	refused("sparse chunk 1 at byte 28 claims 2 blocks but the file ends at byte 1040");
}

Test(sparse, bad_headers)
{
	uint8_t raw[3 * BS];

	sample(raw, 1);
	ifl_put_le32(img + 12, 1022);
	refused("block size 1022 at byte 12 is not a non-zero multiple of 4");
	sample(raw, 1);
	ifl_put_le16(img + 10, 8);
	refused("chunk header size 8 at byte 10");
	sample(raw, 1);
	ifl_put_le16(img + 8, 20);
	refused("file header size 20 at byte 8");
	sample(raw, 1);
	ifl_put_le32(img + 16, nblocks + 1);
	refused("the chunks cover 11 blocks but the header at byte 16 declares 12");
	sample(raw, 1);
	ifl_put_le32(img + 16, nblocks - 1);
	refused("past the 10 blocks the header declares");
	sample(raw, 1);
	ifl_put_le16(img + 28 + 12 + 2 * BS, 0xcac9);
	refused("sparse chunk 2 at byte 2088 has unknown type 0xcac9");
	sample(raw, 1);
	ifl_put_le32(img + 28 + 12 + 2 * BS + 8, 20);
	refused("sparse chunk 2 at byte 2088 has 8 bytes of data where its type needs 4");
	sample(raw, 1);
	ilen += 3;
	refused("3 bytes follow the last chunk");
	sample(raw, 1);
	ifl_put_le16(img + 4, 2);
	refused("sparse format version 2.0");
}
