/* hash.c - thin SHA-256 wrapper over libmbedcrypto, and hex output. */
#include "hash.h"

void ifl_sha256_init(struct ifl_sha256 *h)
{
	mbedtls_sha256_init(&h->ctx);
	mbedtls_sha256_starts_ret(&h->ctx, 0);
}

void ifl_sha256_update(struct ifl_sha256 *h, const uint8_t *p, size_t len)
{
	mbedtls_sha256_update_ret(&h->ctx, p, len);
}

void ifl_sha256_final(struct ifl_sha256 *h, uint8_t out[32])
{
	mbedtls_sha256_finish_ret(&h->ctx, out);
	mbedtls_sha256_free(&h->ctx);
}

void ifl_hex(const uint8_t *bin, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * n] = '\0';
}
