/*
 * fuzz_chunk.c - chunk parsing and expansion on arbitrary payloads, and the
 * encoder on arbitrary raw data. Whatever expands must match its CRC, and
 * re-encoding the expanded bytes must expand to the same bytes again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "chunk.h"

/* Bounds the output buffer (a zero chunk of 4 MiB would be slow, not interesting). */
#define MAX_RAW (256u << 10)

/* Encode raw[n] at level, parse and expand the result: it must give raw back. */
static void encode_round_trip(const uint8_t *raw, uint32_t n, int level, uint64_t offset)
{
	size_t cap = IFL_CHUNK_HDR + (size_t)n, len = 0;
	uint8_t *enc_buf = malloc(cap), *back = malloc(n), enc = 0xff;
	struct ifl_chunk c;

	CHECK(enc_buf && back);
	CHECK(ifl_chunk_encode(raw, n, offset, level, enc_buf, cap, &len, &enc) == 0);
	CHECK(len >= IFL_CHUNK_HDR && len <= cap);
	CHECK(enc <= IFL_ENC_FILL && enc_buf[12] == enc);
	if (level == 0)
		CHECK(enc != IFL_ENC_ZLIB);
	if (ifl_is_zero(raw, n))
		CHECK(enc == IFL_ENC_ZERO);
	CHECK(ifl_chunk_parse(enc_buf, len, n, &c) == 0);
	CHECK(c.offset == offset && c.raw_len == n && c.encoding == enc);
	CHECK(c.crc == (uint32_t)crc32(0L, raw, n));
	CHECK(ifl_chunk_expand(&c, back, n) == 0);
	CHECK(memcmp(back, raw, n) == 0);
	if (n > 1)
		CHECK(ifl_chunk_expand(&c, back, n - 1) == -ENOBUFS);
	free(enc_buf);
	free(back);
}

/* Parse p[len] as a CHUNK payload; when it expands, it must be self-consistent. */
static void parse_expand(const uint8_t *p, size_t len, int level, int fix_crc)
{
	struct ifl_chunk c;
	uint8_t *o;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = ifl_chunk_parse(p, len, MAX_RAW, &c);
	CHECK(rc == 0 || rc == -EPROTO);
	if (rc)
		return;
	CHECK(len >= IFL_CHUNK_HDR);
	CHECK(c.raw_len >= 1 && c.raw_len <= MAX_RAW);
	CHECK(c.offset + c.raw_len > c.offset);
	CHECK(c.data == p + IFL_CHUNK_HDR && c.data_len == len - IFL_CHUNK_HDR);
	CHECK(c.encoding <= IFL_ENC_FILL);
	if (c.encoding == IFL_ENC_RAW)
		CHECK(c.data_len == c.raw_len);
	if (c.encoding == IFL_ENC_ZERO)
		CHECK(c.data_len == 0);
	if (c.encoding == IFL_ENC_FILL)
		CHECK(c.data_len == 4);
	if (c.encoding == IFL_ENC_ZLIB)
		CHECK(c.data_len > 0);

	/* Exactly raw_len bytes, so ASan sees any write past them. */
	o = malloc(c.raw_len);
	CHECK(o);
	rc = ifl_chunk_expand(&c, o, c.raw_len);
	if (c.encoding == IFL_ENC_ZLIB)
		CHECK(rc == 0 || rc == -EINVAL || rc == -EBADMSG);
	else
		CHECK(rc == 0 || rc == -EBADMSG);
	/* -EBADMSG means only the CRC was wrong: with the right one it must expand. */
	if (rc == -EBADMSG && fix_crc) {
		c.crc = (uint32_t)crc32(0L, o, c.raw_len);
		rc = ifl_chunk_expand(&c, o, c.raw_len);
		CHECK(rc == 0);
	}
	if (rc == 0) {
		CHECK((uint32_t)crc32(0L, o, c.raw_len) == c.crc);
		encode_round_trip(o, c.raw_len, level, c.offset);
	}
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	p = malloc(len ? len : 1);
	CHECK(p);
	memcpy(p, data + 1, len);
	/*
	 * First byte: bit 7 treats the rest as raw data to encode; bit 6 lets a
	 * chunk whose only fault is its CRC go on with the right CRC; the low
	 * bits pick the zlib level of the re-encoding.
	 */
	if (data[0] & 0x80) {
		if (len)
			encode_round_trip(p, (uint32_t)len, data[0] % 10, 0);
	} else {
		parse_expand(p, len, data[0] % 10, data[0] & 0x40);
	}
	free(p);
	return 0;
}
