/* chunk.c - encode and expand image chunks (zlib, zero and fill runs). */
#include "chunk.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "wire.h"

void ifl_chunk_put_hdr(uint8_t *out, uint64_t offset, uint32_t raw_len, uint8_t encoding,
		       uint32_t crc)
{
	ifl_put_le64(out, offset);
	ifl_put_le32(out + 8, raw_len);
	out[12] = encoding;
	out[13] = 0;
	ifl_put_le16(out + 14, 0);
	ifl_put_le32(out + 16, crc);
}

int ifl_chunk_parse(const uint8_t *p, size_t len, uint32_t max_raw, struct ifl_chunk *c)
{
	/* data_len is a u32: a longer payload must not wrap into a valid one. */
	if (len < IFL_CHUNK_HDR || len - IFL_CHUNK_HDR > UINT32_MAX)
		return -EPROTO;
	c->offset = ifl_get_le64(p);
	c->raw_len = ifl_get_le32(p + 8);
	c->encoding = p[12];
	c->crc = ifl_get_le32(p + 16);
	c->data = p + IFL_CHUNK_HDR;
	c->data_len = (uint32_t)(len - IFL_CHUNK_HDR);
	if (p[13] != 0 || ifl_get_le16(p + 14) != 0)
		return -EPROTO;
	if (c->raw_len == 0 || c->raw_len > max_raw || c->offset + c->raw_len < c->offset)
		return -EPROTO;
	switch (c->encoding) {
	case IFL_ENC_RAW:
		return c->data_len == c->raw_len ? 0 : -EPROTO;
	case IFL_ENC_ZLIB:
		return c->data_len > 0 ? 0 : -EPROTO;
	case IFL_ENC_ZERO:
		return c->data_len == 0 ? 0 : -EPROTO;
	case IFL_ENC_FILL:
		return c->data_len == 4 ? 0 : -EPROTO;
	}
	return -EPROTO;
}

static int expand_zlib(const struct ifl_chunk *c, uint8_t *out)
{
	uLongf dlen = c->raw_len;
	uLong slen = c->data_len;
	int rc = uncompress2(out, &dlen, c->data, &slen);

	if (rc == Z_MEM_ERROR)
		return -ENOMEM;
	/* Z_BUF_ERROR: the stream wants more room or more input than it has. */
	if (rc != Z_OK || dlen != c->raw_len || slen != c->data_len)
		return -EINVAL;
	return 0;
}

static void expand_fill(const struct ifl_chunk *c, uint8_t *out)
{
	uint32_t i;

	for (i = 0; i + 4 <= c->raw_len; i += 4)
		memcpy(out + i, c->data, 4);
	memcpy(out + i, c->data, c->raw_len - i);
}

int ifl_chunk_expand(const struct ifl_chunk *c, uint8_t *out, size_t cap)
{
	int rc = 0;

	if (cap < c->raw_len)
		return -ENOBUFS;
	switch (c->encoding) {
	case IFL_ENC_RAW:
		memcpy(out, c->data, c->raw_len);
		break;
	case IFL_ENC_ZLIB:
		rc = expand_zlib(c, out);
		break;
	case IFL_ENC_ZERO:
		memset(out, 0, c->raw_len);
		break;
	case IFL_ENC_FILL:
		expand_fill(c, out);
		break;
	default:
		return -EINVAL;
	}
	if (rc)
		return rc;
	return (uint32_t)crc32(0L, out, c->raw_len) == c->crc ? 0 : -EBADMSG;
}

int ifl_is_zero(const uint8_t *buf, size_t len)
{
	/* Compare the buffer with itself shifted: fast and alignment-free. */
	return len == 0 || (buf[0] == 0 && memcmp(buf, buf + 1, len - 1) == 0);
}

static int is_fill(const uint8_t *raw, uint32_t len)
{
	return len >= 8 && len % 4 == 0 && memcmp(raw, raw + 4, len - 4) == 0;
}

int ifl_chunk_encode(const uint8_t *raw, uint32_t raw_len, uint64_t offset, int level,
		     uint8_t *out, size_t cap, size_t *len, uint8_t *enc)
{
	uint32_t crc;
	uint8_t e = IFL_ENC_RAW;
	size_t dlen = raw_len;

	if (raw_len == 0 || level < 0 || level > 9)
		return -EINVAL;
	if (cap < IFL_CHUNK_HDR + (size_t)raw_len)
		return -ENOBUFS;
	crc = (uint32_t)crc32(0L, raw, raw_len);
	if (ifl_is_zero(raw, raw_len)) {
		e = IFL_ENC_ZERO;
		dlen = 0;
	} else if (is_fill(raw, raw_len)) {
		e = IFL_ENC_FILL;
		dlen = 4;
		memcpy(out + IFL_CHUNK_HDR, raw, 4);
	} else {
		uLongf zlen = raw_len;
		int rc = level ? compress2(out + IFL_CHUNK_HDR, &zlen, raw, raw_len, level) : Z_BUF_ERROR;

		if (rc == Z_MEM_ERROR)
			return -ENOMEM;
		/* Z_BUF_ERROR: did not shrink below raw_len, so send it raw. */
		if (rc == Z_OK && zlen < raw_len) {
			e = IFL_ENC_ZLIB;
			dlen = zlen;
		} else {
			memcpy(out + IFL_CHUNK_HDR, raw, raw_len);
		}
	}
	ifl_chunk_put_hdr(out, offset, raw_len, e, crc);
	*len = IFL_CHUNK_HDR + dlen;
	if (enc)
		*enc = e;
	return 0;
}
