/* test_zctx.c - reusable zlib contexts and the randomness probe in common/chunk.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "frame.h"

static void fill_text(uint8_t *p, size_t n, unsigned seed)
{
	static const char *words[] = {"boot ", "flash ", "kernel ", "rootfs ", "eMMC\n", "verify "};
	size_t i = 0;

	srand(seed);
	while (i < n) {
		const char *w = words[rand() % 6];
		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
	}
}

static void fill_random(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand() >> 7);
}

Test(zctx, reused_context_round_trips_many_chunks)
{
	enum { N = 256 << 10 };
	uint8_t *raw = malloc(N), *out = malloc(IFL_CHUNK_HDR + N), *back = malloc(N);
	struct ifl_zctx z;

	cr_assert_eq(ifl_zctx_init(&z, 6), 0);
	for (unsigned i = 0; i < 40; i++) {
		size_t len;
		uint8_t enc;
		struct ifl_chunk c;
		uint32_t n = N - i * 997;

		if (i % 2)
			fill_text(raw, n, i);
		else
			fill_random(raw, n, i);
		cr_assert_eq(ifl_chunk_encode_z(&z, raw, n, i * (uint64_t)N, out, IFL_CHUNK_HDR + N, &len, &enc), 0);
		cr_assert_eq(enc, i % 2 ? IFL_ENC_ZLIB : IFL_ENC_RAW, "chunk %u encoded as %u", i, enc);
		cr_assert_eq(ifl_chunk_parse(out, len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_expand_z(&z, &c, back, N), 0);
		cr_assert_eq(memcmp(raw, back, n), 0, "chunk %u differs after a round trip", i);
	}
	ifl_zctx_free(&z);
	ifl_zctx_free(&z); /* a second free is harmless */
	free(raw);
	free(out);
	free(back);
}

Test(zctx, level_zero_never_compresses)
{
	uint8_t raw[64 << 10], out[IFL_CHUNK_HDR + sizeof(raw)];
	struct ifl_zctx z;
	size_t len;
	uint8_t enc;

	fill_text(raw, sizeof(raw), 3);
	cr_assert_eq(ifl_zctx_init(&z, 0), 0);
	cr_assert_eq(ifl_chunk_encode_z(&z, raw, sizeof(raw), 0, out, sizeof(out), &len, &enc), 0);
	cr_assert_eq(enc, IFL_ENC_RAW);
	cr_assert_eq(len, IFL_CHUNK_HDR + sizeof(raw));
	ifl_zctx_free(&z);
	cr_assert_eq(ifl_zctx_init(&z, 10), -EINVAL);
}

Test(zctx, expand_rejects_bad_streams_through_context)
{
	uint8_t raw[32 << 10], out[IFL_CHUNK_HDR + sizeof(raw) + 8], back[sizeof(raw)];
	struct ifl_zctx z;
	struct ifl_chunk c;
	size_t len;

	fill_text(raw, sizeof(raw), 5);
	cr_assert_eq(ifl_zctx_init(&z, 1), 0);
	cr_assert_eq(ifl_chunk_encode_z(&z, raw, sizeof(raw), 0, out, sizeof(out) - 8, &len, NULL), 0);
	/* Truncated stream. */
	cr_assert_eq(ifl_chunk_parse(out, len - 5, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand_z(&z, &c, back, sizeof(back)), -EINVAL);
	/* Trailing garbage after the stream. */
	memset(out + len, 0xAA, 8);
	cr_assert_eq(ifl_chunk_parse(out, len + 8, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand_z(&z, &c, back, sizeof(back)), -EINVAL);
	/* Claims more bytes than it holds. */
	cr_assert_eq(ifl_chunk_parse(out, len, IFL_MAX_CHUNK, &c), 0);
	c.raw_len -= 1;
	cr_assert_eq(ifl_chunk_expand_z(&z, &c, back, sizeof(back)), -EINVAL);
	/* The context still works after the failures. */
	cr_assert_eq(ifl_chunk_parse(out, len, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand_z(&z, &c, back, sizeof(back)), 0);
	cr_assert_eq(memcmp(back, raw, sizeof(raw)), 0);
	ifl_zctx_free(&z);
}

Test(zctx, randomness_probe)
{
	static uint8_t buf[1 << 20];

	fill_random(buf, sizeof(buf), 9);
	cr_assert_eq(ifl_looks_random(buf, sizeof(buf)), 1);
	fill_text(buf, sizeof(buf), 9);
	cr_assert_eq(ifl_looks_random(buf, sizeof(buf)), 0);
	/* Random except for a structured middle: worth compressing. */
	fill_random(buf, sizeof(buf), 9);
	fill_text(buf + sizeof(buf) / 2 - 8192, 16384, 1);
	cr_assert_eq(ifl_looks_random(buf, sizeof(buf)), 0);
	/* Too short to judge: never called random. */
	fill_random(buf, 8192, 2);
	cr_assert_eq(ifl_looks_random(buf, 8192), 0);
}
