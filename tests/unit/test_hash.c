/* test_hash.c - SHA-256 against the FIPS 180-2 vectors, and hex output. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

static void sha_hex(const void *p, size_t n, char out[65])
{
	struct ifl_sha256 h;
	uint8_t d[32];

	ifl_sha256_init(&h);
	ifl_sha256_update(&h, p, n);
	ifl_sha256_final(&h, d);
	ifl_hex(d, 32, out);
}

Test(hash, empty)
{
	char hex[65];

	sha_hex("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* No update at all is the same message. */
	struct ifl_sha256 h;
	uint8_t d[32];
	ifl_sha256_init(&h);
	ifl_sha256_final(&h, d);
	ifl_hex(d, 32, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(hash, abc)
{
	char hex[65];

	sha_hex("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(hash, two_blocks)
{
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	sha_hex(m, strlen(m), hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(hash, million_a)
{
	static uint8_t a[1000000];
	struct ifl_sha256 h;
	uint8_t d[32];
	char hex[65];

	memset(a, 'a', sizeof(a));
	sha_hex(a, sizeof(a), hex);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* The same in 1000 updates of 1000 bytes. */
	ifl_sha256_init(&h);
	for (int i = 0; i < 1000; i++)
		ifl_sha256_update(&h, a, 1000);
	ifl_sha256_final(&h, d);
	ifl_hex(d, 32, hex);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(hash, incremental_equals_one_shot)
{
	static uint8_t m[100003];
	static const size_t pieces[] = {0, 1, 3, 7, 63, 64, 65, 127, 1000, 4099};
	uint8_t one[32], inc[32];
	struct ifl_sha256 h;
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(m); i++) {
		x = x * 1103515245u + 12345u;
		m[i] = (uint8_t)(x >> 16);
	}
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, m, sizeof(m));
	ifl_sha256_final(&h, one);
	for (size_t start = 0; start < sizeof(pieces) / sizeof(pieces[0]); start++) {
		size_t off = 0, k = start;

		ifl_sha256_init(&h);
		while (off < sizeof(m)) {
			size_t n = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];

			if (n > sizeof(m) - off)
				n = sizeof(m) - off;
			ifl_sha256_update(&h, m + off, n);
			off += n;
		}
		ifl_sha256_final(&h, inc);
		cr_assert_eq(memcmp(one, inc, 32), 0, "pieces starting at %zu", start);
	}
	/* And a different message really differs. */
	m[50000] ^= 1;
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, m, sizeof(m));
	ifl_sha256_final(&h, inc);
	cr_assert_neq(memcmp(one, inc, 32), 0);
}

Test(hash, hex)
{
	static const uint8_t b[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0x10, 0x09};
	char out[2 * sizeof(b) + 2];

	memset(out, 'x', sizeof(out));
	ifl_hex(b, sizeof(b), out);
	cr_assert_str_eq(out, "00017f80abcdefff1009");
	cr_assert_eq(out[2 * sizeof(b) + 1], 'x', "nothing written past the NUL");
	ifl_hex(b, 0, out);
	cr_assert_str_eq(out, "");
	ifl_hex(b + 4, 1, out);
	cr_assert_str_eq(out, "ab");
}
