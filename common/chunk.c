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

static int expand_zlib_ctx(struct ifl_zctx *z, const struct ifl_chunk *c, uint8_t *out)
{
	z_stream *zs = &z->inf;
	int rc;

	if (inflateReset(zs) != Z_OK)
		return -EINVAL;
	zs->next_in = (Bytef *)c->data;
	zs->avail_in = c->data_len;
	zs->next_out = out;
	zs->avail_out = c->raw_len;
	rc = inflate(zs, Z_FINISH);
	if (rc == Z_MEM_ERROR)
		return -ENOMEM;
	/* The stream must end exactly at raw_len and at the payload's end. */
	if (rc != Z_STREAM_END || zs->avail_out != 0 || zs->avail_in != 0)
		return -EINVAL;
	return 0;
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
	return ifl_chunk_expand_z(NULL, c, out, cap);
}

int ifl_chunk_expand_z(struct ifl_zctx *z, const struct ifl_chunk *c, uint8_t *out, size_t cap)
{
	int rc = 0;

	if (cap < c->raw_len)
		return -ENOBUFS;
	switch (c->encoding) {
	case IFL_ENC_RAW:
		memcpy(out, c->data, c->raw_len);
		break;
	case IFL_ENC_ZLIB:
		rc = z && z->inf_ok ? expand_zlib_ctx(z, c, out) : expand_zlib(c, out);
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

int ifl_looks_random(const uint8_t *buf, size_t len)
{
	enum { WIN = 4096 };
	size_t starts[3] = {0, len / 2, len - WIN};

	if (len < 3 * WIN)
		return 0;
	for (int w = 0; w < 3; w++) {
		uint32_t hist[256] = {0};
		uint64_t chi = 0;

		for (size_t i = 0; i < WIN; i++)
			hist[buf[starts[w] + i]]++;
		/* Expected 16 per value; chi-square of uniform bytes is about 255 +- 23. */
		for (int v = 0; v < 256; v++)
			chi += (uint64_t)((int)hist[v] - 16) * (uint64_t)((int)hist[v] - 16);
		if (chi / 16 > 400)
			return 0;
	}
	return 1;
}

int ifl_zctx_init(struct ifl_zctx *z, int level)
{
	memset(z, 0, sizeof(*z));
	if (level < 0 || level > 9)
		return -EINVAL;
	z->level = level;
	if (inflateInit(&z->inf) != Z_OK)
		return -ENOMEM;
	z->inf_ok = 1;
	if (level && deflateInit(&z->def, level) != Z_OK) {
		ifl_zctx_free(z);
		return -ENOMEM;
	}
	z->def_ok = level != 0;
	return 0;
}

void ifl_zctx_free(struct ifl_zctx *z)
{
	if (z->def_ok)
		deflateEnd(&z->def);
	if (z->inf_ok)
		inflateEnd(&z->inf);
	z->def_ok = z->inf_ok = 0;
}

/* Deflate raw into out[cap]; returns the length, or 0 when it did not shrink. */
static size_t deflate_into(struct ifl_zctx *z, int level, const uint8_t *raw, uint32_t raw_len,
			   uint8_t *out, size_t cap, int *err)
{
	uLongf zlen = cap;
	int rc;

	if (z && z->def_ok) {
		z_stream *zs = &z->def;

		if (deflateReset(zs) != Z_OK)
			return 0;
		zs->next_in = (Bytef *)raw;
		zs->avail_in = raw_len;
		zs->next_out = out;
		zs->avail_out = (uInt)cap;
		rc = deflate(zs, Z_FINISH);
		return rc == Z_STREAM_END ? cap - zs->avail_out : 0;
	}
	rc = compress2(out, &zlen, raw, raw_len, level);
	if (rc == Z_MEM_ERROR)
		*err = -ENOMEM;
	/* Z_BUF_ERROR: it did not fit below raw_len. */
	return rc == Z_OK ? zlen : 0;
}

static int encode(struct ifl_zctx *z, int level, const uint8_t *raw, uint32_t raw_len,
		  uint64_t offset, uint8_t *out, size_t cap, size_t *len, uint8_t *enc)
{
	uint8_t e = IFL_ENC_RAW;
	size_t dlen = raw_len;
	int err = 0;

	if (raw_len == 0 || level < 0 || level > 9)
		return -EINVAL;
	if (cap < IFL_CHUNK_HDR + (size_t)raw_len)
		return -ENOBUFS;
	if (ifl_is_zero(raw, raw_len)) {
		e = IFL_ENC_ZERO;
		dlen = 0;
	} else if (is_fill(raw, raw_len)) {
		e = IFL_ENC_FILL;
		dlen = 4;
		memcpy(out + IFL_CHUNK_HDR, raw, 4);
	} else {
		/* Only a result shorter than raw_len is worth sending as zlib. */
		size_t zlen = level && !ifl_looks_random(raw, raw_len)
				      ? deflate_into(z, level, raw, raw_len, out + IFL_CHUNK_HDR,
						     raw_len - 1, &err)
				      : 0;
		if (err)
			return err;
		if (zlen) {
			e = IFL_ENC_ZLIB;
			dlen = zlen;
		} else {
			memcpy(out + IFL_CHUNK_HDR, raw, raw_len);
		}
	}
	ifl_chunk_put_hdr(out, offset, raw_len, e, (uint32_t)crc32(0L, raw, raw_len));
	*len = IFL_CHUNK_HDR + dlen;
	if (enc)
		*enc = e;
	return 0;
}

int ifl_chunk_encode(const uint8_t *raw, uint32_t raw_len, uint64_t offset, int level,
		     uint8_t *out, size_t cap, size_t *len, uint8_t *enc)
{
	return encode(NULL, level, raw, raw_len, offset, out, cap, len, enc);
}

int ifl_chunk_encode_z(struct ifl_zctx *z, const uint8_t *raw, uint32_t raw_len,
		       uint64_t offset, uint8_t *out, size_t cap, size_t *len, uint8_t *enc)
{
	return encode(z, z->level, raw, raw_len, offset, out, cap, len, enc);
}
