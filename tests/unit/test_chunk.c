/* test_chunk.c - chunk encoding choice, parsing bounds and expansion checks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "chunk.h"
#include "frame.h"
#include "wire.h"

#define MiB (1u << 20)

enum kind { K_ZERO, K_FILL, K_TEXT, K_RANDOM };

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void gen(uint8_t *p, size_t n, enum kind k)
{
	static const char text[] = "The quick brown fox jumps over the lazy dog; pack my box "
				   "with five dozen liquor jugs. 0123456789\n";
	static const uint8_t pat[4] = {0xde, 0xad, 0xbe, 0xef};

	rng_state = 0x9e3779b97f4a7c15ull ^ n;
	for (size_t i = 0; i < n; i++) {
		switch (k) {
		case K_ZERO:
			p[i] = 0;
			break;
		case K_FILL:
			p[i] = pat[i % 4];
			break;
		case K_TEXT:
			/* Words in a drifting order, so it is not one repeated line. */
			p[i] = (uint8_t)text[(i + i / 97) % (sizeof(text) - 1)];
			break;
		case K_RANDOM:
			p[i] = (uint8_t)rnd();
			break;
		}
	}
}

/* Encode raw, then parse and expand it, checking every step. Returns the encoding. */
static uint8_t encode_expand(const uint8_t *raw, uint32_t n, int level, uint64_t offset)
{
	size_t cap = IFL_CHUNK_HDR + (size_t)n, len = 0;
	uint8_t *out = malloc(cap), *back = malloc(n + 16), enc = 0xff;
	struct ifl_chunk c;

	cr_assert(out && back);
	cr_assert_eq(ifl_chunk_encode(raw, n, offset, level, out, cap, &len, &enc), 0, "size %u", n);
	cr_assert_leq(len, cap);
	cr_assert_eq(out[12], enc);
	cr_assert_eq(ifl_chunk_parse(out, len, IFL_MAX_CHUNK, &c), 0, "size %u enc %u", n, enc);
	cr_assert_eq(c.offset, offset);
	cr_assert_eq(c.raw_len, n);
	cr_assert_eq(c.encoding, enc);
	cr_assert_eq(c.crc, (uint32_t)crc32(0L, raw, n));
	cr_assert_eq(c.data, out + IFL_CHUNK_HDR);
	cr_assert_eq(c.data_len, len - IFL_CHUNK_HDR);
	memset(back, 0x77, n + 16);
	cr_assert_eq(ifl_chunk_expand(&c, back, n + 16), 0, "size %u enc %u", n, enc);
	cr_assert_eq(memcmp(back, raw, n), 0, "size %u enc %u expands to the original", n, enc);
	cr_assert_eq(back[n], 0x77, "nothing written past raw_len");
	free(out);
	free(back);
	return enc;
}

static uint8_t out[IFL_CHUNK_HDR + 65536];

Test(chunk, encode_picks_zero)
{
	static uint8_t raw[65536];
	size_t len;
	uint8_t enc;

	cr_assert_eq(ifl_chunk_encode(raw, sizeof(raw), 4096, 6, out, sizeof(out), &len, &enc), 0);
	cr_assert_eq(enc, IFL_ENC_ZERO);
	cr_assert_eq(len, IFL_CHUNK_HDR, "a zero chunk carries no data");
	cr_assert_eq(encode_expand(raw, sizeof(raw), 6, 4096), IFL_ENC_ZERO);
	cr_assert_eq(encode_expand(raw, 1, 6, 0), IFL_ENC_ZERO);
	cr_assert_eq(encode_expand(raw, 3, 0, 0), IFL_ENC_ZERO, "zero even at level 0");
}

Test(chunk, encode_picks_fill)
{
	static uint8_t raw[65536];
	static const uint32_t sizes[] = {8, 12, 4096, 65536};
	size_t len;
	uint8_t enc;

	gen(raw, sizeof(raw), K_FILL);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(ifl_chunk_encode(raw, sizes[i], 0, 6, out, sizeof(out), &len, &enc), 0);
		cr_assert_eq(enc, IFL_ENC_FILL, "size %u", sizes[i]);
		cr_assert_eq(len, IFL_CHUNK_HDR + 4);
		cr_assert_eq(memcmp(out + IFL_CHUNK_HDR, "\xde\xad\xbe\xef", 4), 0);
		cr_assert_eq(encode_expand(raw, sizes[i], 6, 0), IFL_ENC_FILL);
		cr_assert_eq(encode_expand(raw, sizes[i], 0, 0), IFL_ENC_FILL, "fill costs no CPU");
	}
	/* One byte off the pattern is not a fill. */
	raw[4093] ^= 1;
	cr_assert_neq(encode_expand(raw, 4096, 6, 0), IFL_ENC_FILL);
}

Test(chunk, encode_picks_zlib_for_text)
{
	static uint8_t raw[65536];
	size_t len;
	uint8_t enc;

	gen(raw, sizeof(raw), K_TEXT);
	for (int level = 1; level <= 9; level++) {
		cr_assert_eq(ifl_chunk_encode(raw, sizeof(raw), 7, level, out, sizeof(out), &len, &enc), 0);
		cr_assert_eq(enc, IFL_ENC_ZLIB, "level %d", level);
		cr_assert_lt(len, IFL_CHUNK_HDR + sizeof(raw) / 4, "text shrinks well");
		/* The data is a plain zlib stream that zlib itself expands. */
		uint8_t *back = malloc(sizeof(raw));
		uLongf blen = sizeof(raw);
		cr_assert_eq(uncompress(back, &blen, out + IFL_CHUNK_HDR, len - IFL_CHUNK_HDR), Z_OK);
		cr_assert_eq(blen, sizeof(raw));
		cr_assert_eq(memcmp(back, raw, sizeof(raw)), 0);
		free(back);
	}
	cr_assert_eq(encode_expand(raw, sizeof(raw), 6, 0), IFL_ENC_ZLIB);
}

Test(chunk, encode_picks_raw_for_random)
{
	static uint8_t raw[65536];
	size_t len;
	uint8_t enc;

	gen(raw, sizeof(raw), K_RANDOM);
	cr_assert_eq(ifl_chunk_encode(raw, sizeof(raw), 0, 9, out, sizeof(out), &len, &enc), 0);
	cr_assert_eq(enc, IFL_ENC_RAW);
	cr_assert_eq(len, IFL_CHUNK_HDR + sizeof(raw));
	cr_assert_eq(memcmp(out + IFL_CHUNK_HDR, raw, sizeof(raw)), 0);
	/* A tiny chunk never shrinks under zlib's 6-byte wrapper either. */
	cr_assert_eq(encode_expand(raw, 5, 9, 0), IFL_ENC_RAW);
}

Test(chunk, level_0_sends_raw)
{
	static uint8_t raw[65536];
	size_t len;
	uint8_t enc;

	gen(raw, sizeof(raw), K_TEXT);
	cr_assert_eq(ifl_chunk_encode(raw, sizeof(raw), 0, 0, out, sizeof(out), &len, &enc), 0);
	cr_assert_eq(enc, IFL_ENC_RAW);
	cr_assert_eq(len, IFL_CHUNK_HDR + sizeof(raw));
	cr_assert_eq(memcmp(out + IFL_CHUNK_HDR, raw, sizeof(raw)), 0);
}

Test(chunk, encode_arguments)
{
	uint8_t raw[64], small[IFL_CHUNK_HDR + 64];
	size_t len = 99;
	uint8_t enc = 99;

	gen(raw, sizeof(raw), K_RANDOM);
	cr_assert_eq(ifl_chunk_encode(raw, 0, 0, 6, small, sizeof(small), &len, &enc), -EINVAL);
	cr_assert_eq(ifl_chunk_encode(raw, 64, 0, -1, small, sizeof(small), &len, &enc), -EINVAL);
	cr_assert_eq(ifl_chunk_encode(raw, 64, 0, 10, small, sizeof(small), &len, &enc), -EINVAL);
	/* cap must hold the raw fallback, whatever the data turns out to be. */
	for (size_t cap = 0; cap < sizeof(small); cap++) {
		cr_assert_eq(ifl_chunk_encode(raw, 64, 0, 6, small, cap, &len, &enc), -ENOBUFS, "cap %zu",
			     cap);
		memset(raw, 0, sizeof(raw));
		cr_assert_eq(ifl_chunk_encode(raw, 64, 0, 6, small, cap, &len, &enc), -ENOBUFS, "cap %zu",
			     cap);
		gen(raw, sizeof(raw), K_RANDOM);
	}
	cr_assert_eq(len, 99, "len untouched on failure");
	cr_assert_eq(ifl_chunk_encode(raw, 64, 0, 6, small, sizeof(small), &len, NULL), 0,
		     "enc may be NULL");
	cr_assert_eq(len, sizeof(small));
}

/* Every kind of data at every interesting size, at levels 0 and 6 (and 1, 9 when small). */
Test(chunk, round_trip_sizes, .timeout = 120)
{
	static const uint32_t sizes[] = {1, 3, 4, 5, 4095, MiB, 4 * MiB};
	uint8_t *raw = malloc(4 * MiB);

	cr_assert_not_null(raw);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int k = K_ZERO; k <= K_RANDOM; k++) {
			uint8_t e0, e6;

			gen(raw, sizes[i], (enum kind)k);
			e0 = encode_expand(raw, sizes[i], 0, (uint64_t)i << 32);
			e6 = encode_expand(raw, sizes[i], 6, 0);
			if (sizes[i] <= 4095) {
				encode_expand(raw, sizes[i], 1, UINT64_MAX - sizes[i]);
				encode_expand(raw, sizes[i], 9, 0);
			}
			cr_assert_neq(e0, IFL_ENC_ZLIB, "level 0 never compresses");
			if (k == K_ZERO)
				cr_assert_eq(e6, IFL_ENC_ZERO, "size %u", sizes[i]);
			if (k == K_FILL && sizes[i] >= 8 && sizes[i] % 4 == 0)
				cr_assert_eq(e6, IFL_ENC_FILL, "size %u", sizes[i]);
			if (k == K_TEXT && sizes[i] >= 4095)
				cr_assert_eq(e6, IFL_ENC_ZLIB, "size %u", sizes[i]);
			if (k == K_RANDOM && sizes[i] >= 4095)
				cr_assert_eq(e6, IFL_ENC_RAW, "size %u", sizes[i]);
		}
	}
	free(raw);
}

/* ---- hand-made chunks ---- */

static uint8_t pay[IFL_CHUNK_HDR + 8192];

/* Header plus data into pay; returns the payload length. */
static size_t mk(uint64_t off, uint32_t raw_len, uint8_t encoding, uint32_t crc, const void *data,
		 size_t dlen)
{
	ifl_chunk_put_hdr(pay, off, raw_len, encoding, crc);
	if (dlen)
		memcpy(pay + IFL_CHUNK_HDR, data, dlen);
	return IFL_CHUNK_HDR + dlen;
}

Test(chunk, put_hdr_layout)
{
	mk(0x0102030405060708ull, 0x11223344u, IFL_ENC_FILL, 0xcafef00du, NULL, 0);
	cr_assert_eq(ifl_get_le64(pay), 0x0102030405060708ull);
	cr_assert_eq(pay[0], 0x08);
	cr_assert_eq(ifl_get_le32(pay + 8), 0x11223344u);
	cr_assert_eq(pay[12], IFL_ENC_FILL);
	cr_assert_eq(pay[13], 0);
	cr_assert_eq(pay[14], 0);
	cr_assert_eq(pay[15], 0);
	cr_assert_eq(ifl_get_le32(pay + 16), 0xcafef00du);
}

Test(chunk, fill_not_multiple_of_4)
{
	static const uint8_t pat[4] = {1, 2, 3, 4};
	uint8_t want[4096 + 3], got[4096 + 8];
	struct ifl_chunk c;

	for (uint32_t n = 1; n <= sizeof(want); n++) {
		if (n > 12 && n < 4090)
			continue;
		for (uint32_t i = 0; i < n; i++)
			want[i] = pat[i % 4];
		size_t len = mk(0, n, IFL_ENC_FILL, (uint32_t)crc32(0L, want, n), pat, 4);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0, "raw_len %u", n);
		memset(got, 0xee, sizeof(got));
		cr_assert_eq(ifl_chunk_expand(&c, got, n), 0, "raw_len %u", n);
		cr_assert_eq(memcmp(got, want, n), 0, "raw_len %u: last copy cut short", n);
		cr_assert_eq(got[n], 0xee, "raw_len %u: nothing past the end", n);
	}
}

Test(chunk, parse_short_header)
{
	struct ifl_chunk c;

	mk(0, 1, IFL_ENC_ZERO, 0xd202ef8du, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), 0);
	for (size_t n = 0; n < IFL_CHUNK_HDR; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, pay, n);
		cr_assert_eq(ifl_chunk_parse(p, n, IFL_MAX_CHUNK, &c), -EPROTO, "%zu bytes", n);
		free(p);
	}
}

Test(chunk, parse_reserved_bytes)
{
	struct ifl_chunk c;

	for (int pos = 13; pos < 16; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			mk(0, 1, IFL_ENC_ZERO, 0, NULL, 0);
			pay[pos] = (uint8_t)(1u << bit);
			cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO,
				     "byte %d = %#x", pos, pay[pos]);
		}
	}
}

Test(chunk, parse_raw_len_bounds)
{
	struct ifl_chunk c;

	mk(0, 0, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO, "raw_len 0");
	mk(0, IFL_MAX_CHUNK, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), 0, "raw_len max");
	mk(0, IFL_MAX_CHUNK + 1, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO, "raw_len max+1");
	mk(0, 0xffffffffu, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO);
	/* The agent's advertised max_chunk may be smaller. */
	mk(0, 65537, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, 65536, &c), -EPROTO);
	mk(0, 65536, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, 65536, &c), 0);
}

Test(chunk, parse_offset_wrap)
{
	struct ifl_chunk c;

	mk(UINT64_MAX, 1, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO);
	mk(UINT64_MAX - 100, 4096, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), -EPROTO);
	mk(UINT64_MAX - 4096, 4096, IFL_ENC_ZERO, 0, NULL, 0);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR, IFL_MAX_CHUNK, &c), 0, "ends at 2^64 - 1");
	cr_assert_eq(c.offset, UINT64_MAX - 4096);
}

Test(chunk, parse_data_length_per_encoding)
{
	static uint8_t data[4200];
	struct ifl_chunk c;

	for (size_t dlen = 0; dlen < 4200; dlen += (dlen < 10 ? 1 : 97)) {
		size_t len;

		len = mk(0, 4096, IFL_ENC_RAW, 0, data, dlen);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), -EPROTO, "raw data %zu", dlen);
		len = mk(0, 4096, IFL_ENC_ZERO, 0, data, dlen);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), dlen == 0 ? 0 : -EPROTO,
			     "zero data %zu", dlen);
		len = mk(0, 4096, IFL_ENC_FILL, 0, data, dlen);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), dlen == 4 ? 0 : -EPROTO,
			     "fill data %zu", dlen);
		len = mk(0, 4096, IFL_ENC_ZLIB, 0, data, dlen);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), dlen > 0 ? 0 : -EPROTO,
			     "zlib data %zu", dlen);
	}
	for (uint32_t raw_len = 1; raw_len < 64; raw_len++) {
		size_t len = mk(0, raw_len, IFL_ENC_RAW, 0, data, raw_len);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_parse(pay, len - 1, IFL_MAX_CHUNK, &c), -EPROTO);
		cr_assert_eq(ifl_chunk_parse(pay, len + 1, IFL_MAX_CHUNK, &c), -EPROTO);
	}
}

Test(chunk, parse_unknown_encoding)
{
	struct ifl_chunk c;
	uint8_t four[4] = {1, 2, 3, 4};

	for (unsigned e = 4; e < 256; e++) {
		for (size_t dlen = 0; dlen <= 4; dlen += 4) {
			size_t len = mk(0, 4, (uint8_t)e, 0, four, dlen);
			cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), -EPROTO, "encoding %u", e);
		}
	}
	/* expand refuses an encoding it does not know even when handed one directly. */
	struct ifl_chunk bad = {.raw_len = 4, .encoding = 4, .data = four, .data_len = 4};
	uint8_t o[4];
	cr_assert_eq(ifl_chunk_expand(&bad, o, sizeof(o)), -EINVAL);
}

/* A valid chunk of each encoding for 1000 bytes, in pay; returns its length. */
static size_t mk_valid(enum ifl_enc e, uint8_t *raw)
{
	static const uint8_t pat[4] = {9, 8, 7, 6};
	uint8_t z[2048];
	uLongf zlen = sizeof(z);

	switch (e) {
	case IFL_ENC_RAW:
		gen(raw, 1000, K_RANDOM);
		return mk(5, 1000, e, (uint32_t)crc32(0L, raw, 1000), raw, 1000);
	case IFL_ENC_ZLIB:
		gen(raw, 1000, K_TEXT);
		cr_assert_eq(compress2(z, &zlen, raw, 1000, 6), Z_OK);
		return mk(5, 1000, e, (uint32_t)crc32(0L, raw, 1000), z, zlen);
	case IFL_ENC_ZERO:
		memset(raw, 0, 1000);
		return mk(5, 1000, e, (uint32_t)crc32(0L, raw, 1000), NULL, 0);
	case IFL_ENC_FILL:
		for (int i = 0; i < 1000; i++)
			raw[i] = pat[i % 4];
		return mk(5, 1000, e, (uint32_t)crc32(0L, raw, 1000), pat, 4);
	}
	return 0;
}

Test(chunk, expand_detects_crc_mismatch)
{
	uint8_t raw[1000], o[1000];
	struct ifl_chunk c;

	for (int e = IFL_ENC_RAW; e <= IFL_ENC_FILL; e++) {
		size_t len = mk_valid((enum ifl_enc)e, raw);

		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0, "enc %d", e);
		cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), 0, "enc %d", e);
		cr_assert_eq(memcmp(o, raw, 1000), 0);
		for (int bit = 0; bit < 32; bit++) {
			ifl_put_le32(pay + 16, (uint32_t)crc32(0L, raw, 1000) ^ (1u << bit));
			cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
			cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EBADMSG, "enc %d crc bit %d", e,
				     bit);
		}
	}
	/* Flipped data in raw and fill chunks: the CRC catches it. */
	size_t len = mk_valid(IFL_ENC_RAW, raw);
	for (size_t i = IFL_CHUNK_HDR; i < len; i += 37) {
		pay[i] ^= 0x10;
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EBADMSG, "raw data byte %zu", i);
		pay[i] ^= 0x10;
	}
	len = mk_valid(IFL_ENC_FILL, raw);
	pay[IFL_CHUNK_HDR + 3] ^= 1;
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EBADMSG);
}

Test(chunk, expand_short_cap)
{
	uint8_t raw[1000], o[1000];
	struct ifl_chunk c;

	for (int e = IFL_ENC_RAW; e <= IFL_ENC_FILL; e++) {
		size_t len = mk_valid((enum ifl_enc)e, raw);

		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
		memset(o, 0xee, sizeof(o));
		cr_assert_eq(ifl_chunk_expand(&c, o, 999), -ENOBUFS, "enc %d", e);
		cr_assert_eq(ifl_chunk_expand(&c, o, 0), -ENOBUFS, "enc %d", e);
		cr_assert_eq(o[0], 0xee, "nothing written on -ENOBUFS");
	}
}

Test(chunk, expand_truncated_zlib)
{
	uint8_t raw[1000], o[1000];
	struct ifl_chunk c;
	size_t len = mk_valid(IFL_ENC_ZLIB, raw);

	for (size_t n = IFL_CHUNK_HDR + 1; n < len; n++) {
		cr_assert_eq(ifl_chunk_parse(pay, n, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL, "zlib cut to %zu of %zu",
			     n - IFL_CHUNK_HDR, len - IFL_CHUNK_HDR);
	}
}

Test(chunk, expand_zlib_wrong_length)
{
	static uint8_t raw[1001], z[2048], o[1100];
	struct ifl_chunk c;
	uLongf zlen = sizeof(z);

	gen(raw, sizeof(raw), K_TEXT);
	cr_assert_eq(compress2(z, &zlen, raw, 1000, 6), Z_OK);
	/* The stream holds 1000 bytes; claim one more and one fewer. */
	size_t len = mk(0, 999, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 999), z, zlen);
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	memset(o, 0xee, sizeof(o));
	cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL, "expands to more than raw_len");
	cr_assert_eq(o[999], 0xee, "never past raw_len even with a larger cap");
	len = mk(0, 1001, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 1001), z, zlen);
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL, "expands to fewer than raw_len");
	len = mk(0, 1000, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 1000), z, zlen);
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), 0, "and the right length works");
}

Test(chunk, expand_zlib_trailing_garbage)
{
	static uint8_t raw[1000], z[4096], o[1000];
	struct ifl_chunk c;
	uLongf zlen = sizeof(z), z2len;

	gen(raw, sizeof(raw), K_TEXT);
	cr_assert_eq(compress2(z, &zlen, raw, sizeof(raw), 6), Z_OK);
	for (size_t extra = 1; extra <= 16; extra++) {
		memset(z + zlen, 0, extra);
		size_t len = mk(0, 1000, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 1000), z, zlen + extra);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL, "%zu bytes after the stream",
			     extra);
	}
	/* A second whole stream after the first is garbage too. */
	z2len = sizeof(z) - zlen;
	cr_assert_eq(compress2(z + zlen, &z2len, raw, 10, 6), Z_OK);
	size_t len = mk(0, 1000, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 1000), z, zlen + z2len);
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL);
}

Test(chunk, expand_corrupt_zlib)
{
	uint8_t raw[1000], o[1000];
	struct ifl_chunk c;
	size_t len = mk_valid(IFL_ENC_ZLIB, raw);

	for (size_t i = IFL_CHUNK_HDR; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			pay[i] ^= (uint8_t)(1u << bit);
			cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
			int rc = ifl_chunk_expand(&c, o, sizeof(o));
			/* Padding bits after the final deflate block are ignored by design. */
			if (rc == 0)
				cr_assert_eq(memcmp(o, raw, 1000), 0, "byte %zu bit %d", i, bit);
			else
				cr_assert(rc == -EINVAL || rc == -EBADMSG, "byte %zu bit %d: rc %d", i,
					  bit, rc);
			pay[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Raw deflate and gzip wrappers are not zlib streams. */
	z_stream s;
	uint8_t z[2048];
	for (int wbits = -15; wbits <= 31; wbits += 46) {
		memset(&s, 0, sizeof(s));
		cr_assert_eq(deflateInit2(&s, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
		s.next_in = raw;
		s.avail_in = 1000;
		s.next_out = z;
		s.avail_out = sizeof(z);
		cr_assert_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
		len = mk(0, 1000, IFL_ENC_ZLIB, (uint32_t)crc32(0L, raw, 1000), z, s.total_out);
		deflateEnd(&s);
		cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(ifl_chunk_expand(&c, o, sizeof(o)), -EINVAL, "window bits %d", wbits);
	}
}

Test(chunk, is_zero)
{
	uint8_t b[4097];

	memset(b, 0, sizeof(b));
	cr_assert(ifl_is_zero(b, 0));
	cr_assert(ifl_is_zero(b, 1));
	cr_assert(ifl_is_zero(b, sizeof(b)));
	for (size_t i = 0; i < sizeof(b); i += 511) {
		b[i] = 1;
		cr_assert_not(ifl_is_zero(b, sizeof(b)), "non-zero at %zu", i);
		cr_assert(ifl_is_zero(b, i), "prefix before %zu", i);
		b[i] = 0;
	}
	b[sizeof(b) - 1] = 0x80;
	cr_assert_not(ifl_is_zero(b, sizeof(b)));
}

/* data_len is a u32: a payload 4 GiB longer must not wrap into one that looks right. */
Test(chunk, parse_length_beyond_u32)
{
	struct ifl_chunk c;
	uint8_t data[100] = {0};

	if (SIZE_MAX <= UINT32_MAX)
		return;
	size_t len = mk(0, 100, IFL_ENC_RAW, 0, data, sizeof(data));
	cr_assert_eq(ifl_chunk_parse(pay, len, IFL_MAX_CHUNK, &c), 0);
	/* parse reads only the 20 header bytes, so the claimed length is never touched. */
	cr_assert_eq(ifl_chunk_parse(pay, len + ((size_t)1 << 32), IFL_MAX_CHUNK, &c), -EPROTO);
	mk(0, 4, IFL_ENC_FILL, 0, data, 4);
	cr_assert_eq(ifl_chunk_parse(pay, IFL_CHUNK_HDR + 4 + ((size_t)1 << 32), IFL_MAX_CHUNK, &c),
		     -EPROTO);
}
