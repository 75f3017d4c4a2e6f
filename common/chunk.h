/* chunk.h - one piece of an image on the wire: raw, zlib, zero or fill. */
#ifndef IFL_CHUNK_H
#define IFL_CHUNK_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define IFL_CHUNK_HDR 20

enum ifl_enc { IFL_ENC_RAW = 0, IFL_ENC_ZLIB = 1, IFL_ENC_ZERO = 2, IFL_ENC_FILL = 3 };

struct ifl_chunk {
	uint64_t offset;   /* byte offset inside the range opened by BEGIN / READ */
	uint32_t raw_len;  /* bytes the chunk expands to */
	uint8_t encoding;  /* enum ifl_enc */
	uint32_t crc;      /* zlib crc32 of the raw_len expanded bytes */
	const uint8_t *data; /* encoded bytes, inside the parsed buffer */
	uint32_t data_len;
};

/*
 * Parse a CHUNK / DATA payload. Checks the header, the encoding, that raw_len
 * is 1..max_raw, that offset + raw_len does not wrap, and that the data
 * length fits the encoding (raw: raw_len, zero: 0, fill: 4, zlib: 1..).
 * Returns 0 or -EPROTO.
 */
int ifl_chunk_parse(const uint8_t *p, size_t len, uint32_t max_raw, struct ifl_chunk *c);

/*
 * Expand a parsed chunk into out[cap] (cap >= raw_len) and check its CRC32.
 * Returns 0, -EINVAL when the zlib stream is corrupt or does not expand to
 * exactly raw_len bytes, -EBADMSG on a CRC mismatch, -ENOBUFS when cap is
 * short, -ENOMEM when zlib cannot allocate.
 */
int ifl_chunk_expand(const struct ifl_chunk *c, uint8_t *out, size_t cap);

/*
 * Encode raw[raw_len] as a chunk payload into out[cap], choosing zero, fill,
 * zlib (at level, 1..9) or raw, whichever is smallest; level 0 never
 * compresses. cap must be at least IFL_CHUNK_HDR + raw_len. Sets *len and,
 * if enc is not NULL, the encoding chosen. Returns 0, -ENOBUFS, -EINVAL or
 * -ENOMEM.
 */
int ifl_chunk_encode(const uint8_t *raw, uint32_t raw_len, uint64_t offset, int level,
		     uint8_t *out, size_t cap, size_t *len, uint8_t *enc);

/*
 * Reusable zlib state, so that a transfer loop allocates nothing per chunk:
 * one per thread. The caller owns the struct; zlib allocates its windows
 * once, in ifl_zctx_init.
 */
struct ifl_zctx {
	z_stream def, inf;
	int level;
	int def_ok, inf_ok;
};

/* Set up deflate at level (0..9; 0 = never compress) and inflate. Returns 0, -EINVAL or -ENOMEM. */
int ifl_zctx_init(struct ifl_zctx *z, int level);

/* Release what ifl_zctx_init allocated. Safe on a zeroed or half-set-up struct. */
void ifl_zctx_free(struct ifl_zctx *z);

/* ifl_chunk_encode with reusable state: the level is the context's. */
int ifl_chunk_encode_z(struct ifl_zctx *z, const uint8_t *raw, uint32_t raw_len,
		       uint64_t offset, uint8_t *out, size_t cap, size_t *len, uint8_t *enc);

/* ifl_chunk_expand with reusable state. */
int ifl_chunk_expand_z(struct ifl_zctx *z, const struct ifl_chunk *c, uint8_t *out, size_t cap);

/*
 * 1 when samples of buf look like uniformly random bytes (already compressed
 * or encrypted data), which deflate cannot shrink: a chi-square test of the
 * byte histogram of up to three 4 KiB windows.
 */
int ifl_looks_random(const uint8_t *buf, size_t len);

/* Write a chunk header (for callers that place the data themselves). */
void ifl_chunk_put_hdr(uint8_t *out, uint64_t offset, uint32_t raw_len, uint8_t encoding,
		       uint32_t crc);

/* 1 when buf[len] is all zero bytes. */
int ifl_is_zero(const uint8_t *buf, size_t len);

#endif
