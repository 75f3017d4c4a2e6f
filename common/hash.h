/* hash.h - SHA-256 (from mbedTLS) and hex helpers shared by both sides. */
#ifndef IFL_HASH_H
#define IFL_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

struct ifl_sha256 {
	mbedtls_sha256_context ctx;
};

void ifl_sha256_init(struct ifl_sha256 *h);
void ifl_sha256_update(struct ifl_sha256 *h, const uint8_t *p, size_t len);
/* Write the digest to out[32] and release the context. */
void ifl_sha256_final(struct ifl_sha256 *h, uint8_t out[32]);

/* Lower-case hex of bin[n] into out[2n+1]. */
void ifl_hex(const uint8_t *bin, size_t n, char *out);

#endif
