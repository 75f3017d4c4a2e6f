/*
 * fuzz_msg.c - message decoders on arbitrary payloads. The first byte picks
 * the decoder; whatever decodes must re-encode, and decode again to the same
 * struct, with every string NUL-terminated inside its field.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "msg.h"

static uint8_t out[65536];

/* A string field holds a NUL inside its array; min is 1 for names. */
static void check_str(const char *s, size_t cap, size_t min)
{
	size_t n = strnlen(s, cap);

	CHECK(n < cap);
	CHECK(n >= min);
}

/*
 * Decode p[len] into a; on success re-encode (exactly, and failing one byte
 * short), decode into b and compare. exact: the wire form has no skipped or
 * reserved bytes, so re-encoding reproduces the input.
 */
#define ROUND_TRIP(type, name, exact)                                                 \
	static void rt_##name(const uint8_t *p, size_t len)                                   \
	{                                                                                     \
		static type a, b;                                                             \
		size_t n = 0, n2 = 0;                                                         \
		int rc;                                                                       \
                                                                                              \
		memset(&a, 0, sizeof(a));                                                     \
		memset(&b, 0, sizeof(b));                                                     \
		rc = ifl_dec_##name(p, len, &a);                                              \
		CHECK(rc == 0 || rc == -EPROTO);                                              \
		if (rc)                                                                       \
			return;                                                               \
		chk_##name(&a);                                                               \
		CHECK(ifl_enc_##name(&a, out, sizeof(out), &n) == 0);                         \
		CHECK(n <= len);                                                              \
		if (exact)                                                                    \
			CHECK(n == len && memcmp(out, p, len) == 0);                          \
		if (n)                                                                        \
			CHECK(ifl_enc_##name(&a, out, n - 1, &n2) == -ENOBUFS);               \
		CHECK(ifl_enc_##name(&a, out, n, &n2) == 0 && n2 == n);                       \
		CHECK(ifl_dec_##name(out, n, &b) == 0);                                       \
		CHECK(memcmp(&a, &b, sizeof(a)) == 0);                                        \
	}

static void chk_hello(const struct ifl_hello *a) { (void)a; }
static void chk_end(const struct ifl_end *a) { (void)a; }
static void chk_result(const struct ifl_result *a) { (void)a; }

static void chk_range(const struct ifl_range *a)
{
	check_str(a->target, sizeof(a->target), 1);
	CHECK(a->offset + a->length >= a->offset);
}

static void chk_progress(const struct ifl_progress *a)
{
	CHECK(a->phase >= IFL_PH_WRITE && a->phase <= IFL_PH_HASH);
}

static void chk_error(const struct ifl_error *a)
{
	check_str(a->msg, sizeof(a->msg), 0);
}

static void chk_inventory(const struct ifl_inventory *a)
{
	check_str(a->agent_version, sizeof(a->agent_version), 0);
	CHECK(a->ntargets <= IFL_MAX_TARGETS);
	for (unsigned i = 0; i < a->ntargets; i++) {
		check_str(a->t[i].name, sizeof(a->t[i].name), 1);
		check_str(a->t[i].model, sizeof(a->t[i].model), 0);
		check_str(a->t[i].serial, sizeof(a->t[i].serial), 0);
		CHECK(a->t[i].kind <= IFL_KIND_MTD_NAND);
	}
	/* Targets past ntargets stay untouched (zero). */
	for (unsigned i = a->ntargets; i < IFL_MAX_TARGETS; i++)
		CHECK(a->t[i].name[0] == '\0' && a->t[i].size == 0);
}

ROUND_TRIP(struct ifl_hello, hello, 0)
ROUND_TRIP(struct ifl_end, end, 1)
ROUND_TRIP(struct ifl_result, result, 1)
ROUND_TRIP(struct ifl_range, range, 1)
ROUND_TRIP(struct ifl_progress, progress, 0)
ROUND_TRIP(struct ifl_error, error, 1)
ROUND_TRIP(struct ifl_inventory, inventory, 0)

static void rt_ok(const uint8_t *p, size_t len)
{
	uint32_t seq = 0, seq2 = 0;
	size_t n = 0;

	int rc = ifl_dec_ok(p, len, &seq);
	CHECK(rc == 0 || rc == -EPROTO);
	CHECK((rc == 0) == (len == 4));
	if (rc)
		return;
	CHECK(ifl_enc_ok(seq, out, sizeof(out), &n) == 0 && n == 4 && memcmp(out, p, 4) == 0);
	CHECK(ifl_dec_ok(out, n, &seq2) == 0 && seq2 == seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	size_t len;

	if (size < 1)
		return 0;
	/* An exact-size copy so ASan flags any read past the payload. */
	len = size - 1;
	p = malloc(len ? len : 1);
	CHECK(p);
	memcpy(p, data + 1, len);
	switch (data[0] % 8) {
	case 0: rt_hello(p, len); break;
	case 1: rt_inventory(p, len); break;
	case 2: rt_range(p, len); break;
	case 3: rt_end(p, len); break;
	case 4: rt_result(p, len); break;
	case 5: rt_progress(p, len); break;
	case 6: rt_error(p, len); break;
	case 7: rt_ok(p, len); break;
	}
	free(p);
	return 0;
}
