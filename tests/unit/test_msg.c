/* test_msg.c - message payload encoders and decoders against the wire format. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"
#include "wire.h"

/* ---- a tiny independent payload builder, so tests do not trust cursor.h ---- */

struct wb {
	uint8_t b[32768];
	size_t n;
};

static void w8(struct wb *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void w16(struct wb *w, uint16_t v)
{
	ifl_put_le16(w->b + w->n, v);
	w->n += 2;
}

static void w32(struct wb *w, uint32_t v)
{
	ifl_put_le32(w->b + w->n, v);
	w->n += 4;
}

static void w64(struct wb *w, uint64_t v)
{
	ifl_put_le64(w->b + w->n, v);
	w->n += 8;
}

static void wbytes(struct wb *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void wstr8(struct wb *w, const void *s, size_t n)
{
	w8(w, (uint8_t)n);
	wbytes(w, s, n);
}

/* A target entry: u16 length, the known fields, then extra bytes of a later version. */
static void wentry(struct wb *w, const void *name, size_t nlen, uint8_t kind, const void *model,
		   size_t mlen, size_t extra)
{
	size_t start = w->n;

	w16(w, 0);
	wstr8(w, name, nlen);
	w64(w, 1ull << 33);
	w32(w, 512);
	w32(w, 0);
	w32(w, 512);
	w8(w, kind);
	w8(w, 0);
	wstr8(w, model, mlen);
	wstr8(w, "SN1", 3);
	/* Bytes of a later version come after the partition list (empty here) and bad_blocks. */
	if (extra) {
		w16(w, 0);
		w32(w, 7);
	}
	for (size_t i = 0; i < extra; i++)
		w8(w, (uint8_t)(0xa0 + i));
	ifl_put_le16(w->b + start, (uint16_t)(w->n - start - 2));
}

static void winv_head(struct wb *w, uint16_t ntargets)
{
	w->n = 0;
	w32(w, IFL_MAX_PAYLOAD);
	w32(w, 1u << 22);
	w32(w, 0);
	wstr8(w, "1.0", 3);
	w16(w, ntargets);
}

/* ---- generic checks over any decoder / encoder through small adapters ---- */

typedef int (*dec_fn)(const uint8_t *p, size_t len, void *m);
typedef int (*enc_fn)(const void *m, uint8_t *buf, size_t cap, size_t *len);

/* Every proper prefix of p[len] is a short payload; one more byte is trailing garbage. */
static void check_truncations(dec_fn dec, const uint8_t *p, size_t len, void *scratch)
{
	uint8_t *copy = malloc(len + 1);

	cr_assert_not_null(copy);
	for (size_t n = 0; n < len; n++) {
		/* A private copy of exactly n bytes lets ASan catch an over-read. */
		uint8_t *pre = malloc(n ? n : 1);
		memcpy(pre, p, n);
		cr_assert_eq(dec(pre, n, scratch), -EPROTO, "prefix of %zu/%zu bytes", n, len);
		free(pre);
	}
	cr_assert_eq(dec(p, len, scratch), 0, "the whole payload decodes");
	memcpy(copy, p, len);
	copy[len] = 0;
	cr_assert_eq(dec(copy, len + 1, scratch), -EPROTO, "a trailing zero byte");
	copy[len] = 0xff;
	cr_assert_eq(dec(copy, len + 1, scratch), -EPROTO, "a trailing 0xff byte");
	free(copy);
}

/* Every cap short of the encoded length fails with -ENOBUFS; the exact cap works. */
static void check_caps(enc_fn enc, const void *m, size_t *out_len)
{
	static uint8_t full[32768], part[32768];
	size_t len = 0, n;

	cr_assert_eq(enc(m, full, sizeof(full), &len), 0);
	for (size_t cap = 0; cap < len; cap++) {
		n = 12345;
		cr_assert_eq(enc(m, part, cap, &n), -ENOBUFS, "cap %zu of %zu", cap, len);
		cr_assert_eq(n, 12345, "len untouched on failure");
	}
	memset(part, 0x5a, sizeof(part));
	cr_assert_eq(enc(m, part, len, &n), 0, "exact cap %zu", len);
	cr_assert_eq(n, len);
	cr_assert_eq(memcmp(part, full, len), 0);
	cr_assert_eq(part[len], 0x5a, "nothing written past the payload");
	*out_len = len;
}

#define ADAPT(name, type)                                                                   \
	static int dec_##name##_v(const uint8_t *p, size_t len, void *m)                       \
	{                                                                                       \
		return ifl_dec_##name(p, len, (type *)m);                                       \
	}                                                                                       \
	static int enc_##name##_v(const void *m, uint8_t *buf, size_t cap, size_t *len)         \
	{                                                                                       \
		return ifl_enc_##name((const type *)m, buf, cap, len);                          \
	}
ADAPT(hello, struct ifl_hello)
ADAPT(inventory, struct ifl_inventory)
ADAPT(range, struct ifl_range)
ADAPT(end, struct ifl_end)
ADAPT(result, struct ifl_result)
ADAPT(progress, struct ifl_progress)
ADAPT(error, struct ifl_error)

static int dec_ok_v(const uint8_t *p, size_t len, void *m)
{
	return ifl_dec_ok(p, len, (uint32_t *)m);
}

static int enc_ok_v(const void *m, uint8_t *buf, size_t cap, size_t *len)
{
	return ifl_enc_ok(*(const uint32_t *)m, buf, cap, len);
}

/*
 * Encode m, check every cap and every truncation, decode into a zeroed
 * struct and compare it byte for byte with m (which the caller zeroed before
 * filling, so padding and string tails match). Returns the encoded length.
 */
static size_t round_trip(enc_fn enc, dec_fn dec, const void *m, size_t size, uint8_t *wire)
{
	size_t len;
	void *back = malloc(size), *scratch = malloc(size);

	cr_assert(back && scratch);
	check_caps(enc, m, &len);
	cr_assert_eq(enc(m, wire, 32768, &len), 0);
	check_truncations(dec, wire, len, scratch);
	memset(back, 0, size);
	cr_assert_eq(dec(wire, len, back), 0);
	cr_assert_eq(memcmp(back, m, size), 0, "decoded struct equals the original");
	free(back);
	free(scratch);
	return len;
}

static uint8_t wire[32768];

/* ---- round trips ---- */

Test(msg, hello)
{
	struct ifl_hello m;

	memset(&m, 0, sizeof(m));
	m.version = 1;
	m.flags = 0;
	cr_assert_eq(round_trip(enc_hello_v, dec_hello_v, &m, sizeof(m), wire), 8);
	cr_assert_eq(ifl_get_le16(wire), 1);
	cr_assert_eq(ifl_get_le16(wire + 2), 0);
	cr_assert_eq(ifl_get_le32(wire + 4), 0);
	m.version = 0xbeef;
	m.flags = 0xdeadbeef;
	round_trip(enc_hello_v, dec_hello_v, &m, sizeof(m), wire);
}

static void fill_target(struct ifl_target_info *t, unsigned i, int maxlen)
{
	memset(t, 0, sizeof(*t));
	if (maxlen) {
		memset(t->name, 'a' + i % 26, IFL_NAME_MAX);
		memset(t->model, 'M', IFL_STR_MAX);
		memset(t->serial, 'S', IFL_STR_MAX);
		t->name[0] = (char)('A' + i % 26);
		t->name[1] = (char)('0' + i / 26);
	} else {
		snprintf(t->name, sizeof(t->name), "mmcblk%u", i);
		snprintf(t->model, sizeof(t->model), "model %u", i);
	}
	t->size = (uint64_t)i << 40 | 0x123456789ull;
	t->block_size = 512u << (i % 4);
	t->erase_size = i * 4096u;
	t->write_size = i % 2 ? 2048 : 1;
	t->kind = (uint8_t)(i % 4);
	t->flags = (uint8_t)(i % 4);
}

static struct ifl_inventory inv;

Test(msg, inventory_no_targets)
{
	memset(&inv, 0, sizeof(inv));
	inv.max_payload = IFL_MAX_PAYLOAD;
	inv.max_chunk = 1u << 22;
	inv.flags = IFL_INV_POWER;
	strcpy(inv.agent_version, "initflash-agent 0.1");
	size_t len = round_trip(enc_inventory_v, dec_inventory_v, &inv, sizeof(inv), wire);
	cr_assert_eq(len, 12 + 1 + strlen(inv.agent_version) + 2);
	cr_assert_eq(ifl_get_le32(wire), IFL_MAX_PAYLOAD);
	cr_assert_eq(ifl_get_le32(wire + 8), IFL_INV_POWER);
	cr_assert_eq(wire[12], strlen(inv.agent_version));
}

Test(msg, inventory_one_target)
{
	memset(&inv, 0, sizeof(inv));
	inv.max_payload = 65536;
	inv.max_chunk = 65536;
	strcpy(inv.agent_version, "v");
	inv.ntargets = 1;
	fill_target(&inv.t[0], 0, 0);
	strcpy(inv.t[0].serial, "0xdeadbeef");
	size_t len = round_trip(enc_inventory_v, dec_inventory_v, &inv, sizeof(inv), wire);
	/* head, then u16 entry length, then the entry. */
	size_t entry = 1 + 7 + 8 + 12 + 2 + 1 + 7 + 1 + 10;
	cr_assert_eq(len, 12 + 2 + 2 + 2 + entry);
	cr_assert_eq(ifl_get_le16(wire + 14), 1, "ntargets");
	cr_assert_eq(ifl_get_le16(wire + 16), entry, "entry length");
	cr_assert_eq(wire[18], 7);
	cr_assert_eq(memcmp(wire + 19, "mmcblk0", 7), 0);
}

Test(msg, inventory_64_targets_max_strings)
{
	memset(&inv, 0, sizeof(inv));
	inv.max_payload = IFL_MAX_PAYLOAD;
	inv.max_chunk = 1u << 22;
	inv.flags = 1;
	memset(inv.agent_version, 'v', IFL_STR_MAX);
	inv.ntargets = IFL_MAX_TARGETS;
	for (unsigned i = 0; i < IFL_MAX_TARGETS; i++)
		fill_target(&inv.t[i], i, 1);
	size_t len = round_trip(enc_inventory_v, dec_inventory_v, &inv, sizeof(inv), wire);
	cr_assert_eq(len, 12 + 1 + 127 + 2 + 64 * (2 + 1 + 63 + 8 + 12 + 2 + 1 + 127 + 1 + 127));
}

Test(msg, inventory_too_many_targets_not_encoded)
{
	size_t len;

	memset(&inv, 0, sizeof(inv));
	inv.ntargets = IFL_MAX_TARGETS + 1;
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), -EINVAL);
}

Test(msg, range)
{
	struct ifl_range m;

	memset(&m, 0, sizeof(m));
	strcpy(m.target, "mmcblk0");
	m.offset = 0x0102030405060708ull;
	m.length = 1ull << 32;
	m.flags = IFL_RANGE_VERIFY;
	cr_assert_eq(round_trip(enc_range_v, dec_range_v, &m, sizeof(m), wire), 1 + 7 + 8 + 8 + 4);
	cr_assert_eq(wire[0], 7);
	cr_assert_eq(ifl_get_le64(wire + 8), m.offset);
	cr_assert_eq(wire[8], 0x08, "little-endian offset");

	memset(&m, 0, sizeof(m));
	memset(m.target, 'n', IFL_NAME_MAX);
	m.offset = UINT64_MAX - 10;
	m.length = 10;
	round_trip(enc_range_v, dec_range_v, &m, sizeof(m), wire);

	memset(&m, 0, sizeof(m));
	strcpy(m.target, "x");
	m.length = UINT64_MAX;
	round_trip(enc_range_v, dec_range_v, &m, sizeof(m), wire);
}

Test(msg, end)
{
	struct ifl_end m = {.chunks = 12345, .bytes = 0xfedcba9876543210ull};

	cr_assert_eq(round_trip(enc_end_v, dec_end_v, &m, sizeof(m), wire), 16);
	cr_assert_eq(ifl_get_le64(wire), 12345);
	cr_assert_eq(ifl_get_le64(wire + 8), 0xfedcba9876543210ull);
}

Test(msg, result)
{
	struct ifl_result m;

	memset(&m, 0, sizeof(m));
	m.flags = IFL_RES_HASHED;
	m.written = 1000;
	m.skipped = 24;
	m.length = 1024;
	for (int i = 0; i < 32; i++)
		m.sha256[i] = (uint8_t)(i * 9 + 1);
	cr_assert_eq(round_trip(enc_result_v, dec_result_v, &m, sizeof(m), wire), 4 + 24 + 32);
	cr_assert_eq(ifl_get_le64(wire + 4), 1000);
	cr_assert_eq(ifl_get_le64(wire + 12), 24);
	cr_assert_eq(ifl_get_le64(wire + 20), 1024);
	cr_assert_eq(memcmp(wire + 28, m.sha256, 32), 0);
	/* With bit 1, the erase-block counts follow; without it they must not. */
	m.flags = IFL_RES_HASHED | IFL_RES_BLOCKS;
	m.blocks_written = 17;
	m.blocks_skipped = 3;
	cr_assert_eq(round_trip(enc_result_v, dec_result_v, &m, sizeof(m), wire), 4 + 24 + 32 + 8);
	cr_assert_eq(ifl_get_le32(wire + 60), 17);
	cr_assert_eq(ifl_get_le32(wire + 64), 3);
	{
		struct ifl_result back;

		cr_assert_eq(ifl_dec_result(wire, 60, &back), -EPROTO, "bit 1 without the counts");
		ifl_put_le32(wire, IFL_RES_HASHED);
		cr_assert_eq(ifl_dec_result(wire, 68, &back), -EPROTO, "counts without bit 1");
	}
}

Test(msg, progress)
{
	struct ifl_progress m;

	for (uint8_t ph = IFL_PH_WRITE; ph <= IFL_PH_HASH; ph++) {
		memset(&m, 0, sizeof(m));
		m.phase = ph;
		m.received = 1;
		m.written = 2;
		m.verified = 3;
		m.total = UINT64_MAX;
		cr_assert_eq(round_trip(enc_progress_v, dec_progress_v, &m, sizeof(m), wire), 36);
		cr_assert_eq(wire[0], ph);
		cr_assert_eq(wire[1], 0);
		cr_assert_eq(ifl_get_le16(wire + 2), 0);
		cr_assert_eq(ifl_get_le64(wire + 28), UINT64_MAX);
	}
}

Test(msg, error_511_byte_message)
{
	static struct ifl_error m;

	memset(&m, 0, sizeof(m));
	m.code = IFL_E_RANGE;
	m.ref_seq = 77;
	for (int i = 0; i < IFL_ERRMSG_MAX; i++)
		m.msg[i] = (char)('a' + i % 26);
	cr_assert_eq(round_trip(enc_error_v, dec_error_v, &m, sizeof(m), wire), 4 + 4 + 2 + 511);
	cr_assert_eq(ifl_get_le16(wire + 8), 511, "str16 length");

	memset(&m, 0, sizeof(m));
	m.code = IFL_E_IO;
	strcpy(m.msg, "mmcblk0: write failed at 4096: Input/output error");
	round_trip(enc_error_v, dec_error_v, &m, sizeof(m), wire);

	memset(&m, 0, sizeof(m));
	m.code = IFL_E_PROTO;
	cr_assert_eq(round_trip(enc_error_v, dec_error_v, &m, sizeof(m), wire), 10, "empty message");
}

Test(msg, ok)
{
	uint32_t seq = 0x89abcdefu;

	cr_assert_eq(round_trip(enc_ok_v, dec_ok_v, &seq, sizeof(seq), wire), 4);
	cr_assert_eq(ifl_get_le32(wire), 0x89abcdefu);
}

/* ---- decoders reject what the spec calls a protocol error ---- */

Test(msg, range_string_limits)
{
	struct ifl_range m;
	struct wb w;
	char name[256];

	memset(name, 'q', sizeof(name));
	for (size_t n = 0; n <= 255; n++) {
		w.n = 0;
		wstr8(&w, name, n);
		w64(&w, 0);
		w64(&w, 1);
		w32(&w, 0);
		int want = (n >= 1 && n <= IFL_NAME_MAX) ? 0 : -EPROTO;
		cr_assert_eq(ifl_dec_range(w.b, w.n, &m), want, "name of %zu bytes", n);
		if (!want)
			cr_assert_eq(strlen(m.target), n);
	}
}

Test(msg, range_nul_in_name)
{
	struct ifl_range m;
	struct wb w;

	for (size_t at = 0; at < 5; at++) {
		char name[5] = {'d', 'i', 's', 'k', '0'};

		name[at] = '\0';
		w.n = 0;
		wstr8(&w, name, 5);
		w64(&w, 0);
		w64(&w, 1);
		w32(&w, 0);
		cr_assert_eq(ifl_dec_range(w.b, w.n, &m), -EPROTO, "NUL at %zu", at);
	}
}

Test(msg, range_offset_overflow)
{
	static const struct {
		uint64_t off, len;
		int want;
	} cases[] = {
		{UINT64_MAX, 1, -EPROTO},
		{UINT64_MAX, UINT64_MAX, -EPROTO},
		{1, UINT64_MAX, -EPROTO},
		{1ull << 63, 1ull << 63, -EPROTO},
		{UINT64_MAX - 1, 1, 0},
		{0, UINT64_MAX, 0},
		{UINT64_MAX, 0, 0},
	};
	struct ifl_range m;
	struct wb w;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w.n = 0;
		wstr8(&w, "disk", 4);
		w64(&w, cases[i].off);
		w64(&w, cases[i].len);
		w32(&w, 0);
		cr_assert_eq(ifl_dec_range(w.b, w.n, &m), cases[i].want, "case %zu", i);
	}
}

Test(msg, progress_bad_phase)
{
	struct ifl_progress m;
	struct wb w;

	for (unsigned ph = 0; ph < 256; ph++) {
		w.n = 0;
		w8(&w, (uint8_t)ph);
		w8(&w, 0);
		w16(&w, 0);
		for (int i = 0; i < 4; i++)
			w64(&w, 5);
		int want = (ph >= IFL_PH_WRITE && ph <= IFL_PH_HASH) ? 0 : -EPROTO;
		cr_assert_eq(ifl_dec_progress(w.b, w.n, &m), want, "phase %u", ph);
	}
}

Test(msg, error_message_limits)
{
	static struct ifl_error m;
	static struct wb w;
	static char text[70000];

	memset(text, 'e', sizeof(text));
	static const size_t lens[] = {0, 1, 510, 511, 512, 513, 1000, 65535};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		w.n = 0;
		w32(&w, IFL_E_IO);
		w32(&w, 3);
		w16(&w, (uint16_t)lens[i]);
		if (lens[i] <= 1000)
			wbytes(&w, text, lens[i]);
		int want = lens[i] <= IFL_ERRMSG_MAX ? 0 : -EPROTO;
		cr_assert_eq(ifl_dec_error(w.b, w.n, &m), want, "message of %zu bytes", lens[i]);
		if (!want)
			cr_assert_eq(strlen(m.msg), lens[i]);
	}
	/* A NUL anywhere in the message. */
	for (size_t at = 0; at < 511; at += 51) {
		w.n = 0;
		w32(&w, IFL_E_IO);
		w32(&w, 3);
		w16(&w, 511);
		wbytes(&w, text, 511);
		w.b[10 + at] = 0;
		cr_assert_eq(ifl_dec_error(w.b, w.n, &m), -EPROTO, "NUL at %zu", at);
	}
	/* A length that claims more than the payload holds. */
	w.n = 0;
	w32(&w, 1);
	w32(&w, 0);
	w16(&w, 20);
	wbytes(&w, "short", 5);
	cr_assert_eq(ifl_dec_error(w.b, w.n, &m), -EPROTO);
}

Test(msg, inventory_string_limits)
{
	static struct wb w;
	char s[200];

	memset(s, 'x', sizeof(s));
	/* agent_version: 127 fits, 128 does not. */
	for (size_t n = 126; n <= 130; n++) {
		w.n = 0;
		w32(&w, 1);
		w32(&w, 1);
		w32(&w, 0);
		wstr8(&w, s, n);
		w16(&w, 0);
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), n <= IFL_STR_MAX ? 0 : -EPROTO,
			     "agent_version of %zu bytes", n);
	}
	/* name: 1..63. */
	for (size_t n = 0; n <= 70; n++) {
		winv_head(&w, 1);
		wentry(&w, s, n, IFL_KIND_BLOCK, "m", 1, 0);
		int want = (n >= 1 && n <= IFL_NAME_MAX) ? 0 : -EPROTO;
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), want, "name of %zu bytes", n);
	}
	/* model: 0..127. */
	for (size_t n = 0; n <= 130; n++) {
		winv_head(&w, 1);
		wentry(&w, "disk", 4, IFL_KIND_FILE, s, n, 0);
		int want = n <= IFL_STR_MAX ? 0 : -EPROTO;
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), want, "model of %zu bytes", n);
		if (!want)
			cr_assert_eq(strlen(inv.t[0].model), n);
	}
}

Test(msg, inventory_nul_in_strings)
{
	static struct wb w;

	winv_head(&w, 1);
	wentry(&w, "di\0k", 4, IFL_KIND_BLOCK, "m", 1, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "NUL in name");
	winv_head(&w, 1);
	wentry(&w, "disk", 4, IFL_KIND_BLOCK, "mo\0el", 5, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "NUL in model");
	w.n = 0;
	w32(&w, 1);
	w32(&w, 1);
	w32(&w, 0);
	wstr8(&w, "1.\0", 3);
	w16(&w, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "NUL in agent_version");
	/* Serial is the last field of the entry: corrupt it in place. */
	winv_head(&w, 1);
	wentry(&w, "disk", 4, IFL_KIND_BLOCK, "m", 1, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_str_eq(inv.t[0].serial, "SN1");
	w.b[w.n - 2] = 0;
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "NUL in serial");
}

Test(msg, inventory_ntargets_limit)
{
	static struct wb w;

	static const uint16_t counts[] = {65, 100, 0xffff};
	for (size_t i = 0; i < 3; i++) {
		winv_head(&w, counts[i]);
		for (unsigned t = 0; t < counts[i] && t < 70; t++)
			wentry(&w, "disk", 4, IFL_KIND_FILE, "", 0, 0);
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "ntargets %u", counts[i]);
	}
	winv_head(&w, 64);
	for (unsigned t = 0; t < 64; t++)
		wentry(&w, "disk", 4, IFL_KIND_FILE, "", 0, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_eq(inv.ntargets, 64);
	/* ntargets larger than the entries present. */
	winv_head(&w, 3);
	wentry(&w, "a", 1, IFL_KIND_FILE, "", 0, 0);
	wentry(&w, "b", 1, IFL_KIND_FILE, "", 0, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO);
}

Test(msg, inventory_empty_name_and_bad_kind)
{
	static struct wb w;

	winv_head(&w, 2);
	wentry(&w, "a", 1, IFL_KIND_FILE, "", 0, 0);
	wentry(&w, "", 0, IFL_KIND_FILE, "", 0, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "second target has no name");
	for (unsigned k = 0; k < 256; k++) {
		winv_head(&w, 1);
		wentry(&w, "a", 1, (uint8_t)k, "", 0, 0);
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), k <= IFL_KIND_MTD_NAND ? 0 : -EPROTO,
			     "kind %u", k);
	}
}

Test(msg, inventory_entry_extra_bytes_skipped)
{
	static struct wb w;

	/* A later version appended fields to each entry; this one skips them. */
	winv_head(&w, 3);
	wentry(&w, "mmcblk0", 7, IFL_KIND_BLOCK, "eMMC", 4, 1);
	wentry(&w, "mtd0", 4, IFL_KIND_MTD_NOR, "W25Q", 4, 300);
	wentry(&w, "disk", 4, IFL_KIND_FILE, "", 0, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_eq(inv.ntargets, 3);
	cr_assert_str_eq(inv.t[0].name, "mmcblk0");
	cr_assert_str_eq(inv.t[0].model, "eMMC");
	cr_assert_str_eq(inv.t[0].serial, "SN1");
	cr_assert_eq(inv.t[0].kind, IFL_KIND_BLOCK);
	cr_assert_str_eq(inv.t[1].name, "mtd0");
	cr_assert_eq(inv.t[1].kind, IFL_KIND_MTD_NOR);
	cr_assert_eq(inv.t[1].size, 1ull << 33);
	cr_assert_eq(inv.t[1].block_size, 512);
	cr_assert_eq(inv.t[1].bad_blocks, 7);
	cr_assert_str_eq(inv.t[2].name, "disk");
	cr_assert_str_eq(inv.t[2].model, "");
	cr_assert_eq(inv.t[2].bad_blocks, 0);
	/* ...but trailing bytes after the last entry are still an error. */
	w8(&w, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO);
}

Test(msg, inventory_entry_length_bounds)
{
	static struct wb w;
	size_t lenpos;

	/* An entry length shorter than its fields: the fields run out inside the entry. */
	winv_head(&w, 1);
	lenpos = w.n;
	wentry(&w, "disk", 4, IFL_KIND_FILE, "m", 1, 0);
	uint16_t real = ifl_get_le16(w.b + lenpos);
	for (uint16_t n = 0; n < real; n++) {
		ifl_put_le16(w.b + lenpos, n);
		/* Keep the total consistent so only the entry length is wrong. */
		cr_assert_eq(ifl_dec_inventory(w.b, lenpos + 2 + n, &inv), -EPROTO, "entry of %u/%u",
			     n, real);
	}
	/* An entry length past the end of the payload. */
	ifl_put_le16(w.b + lenpos, (uint16_t)(real + 1));
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO);
	ifl_put_le16(w.b + lenpos, 0xffff);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO);
}

Test(msg, fixed_size_messages_reject_other_lengths)
{
	uint8_t p[128];
	struct ifl_hello h;
	struct ifl_end e;
	struct ifl_result r;
	uint32_t seq;

	memset(p, 0, sizeof(p));
	for (size_t n = 0; n < sizeof(p); n++) {
		cr_assert_eq(ifl_dec_hello(p, n, &h), n == 8 ? 0 : -EPROTO, "hello %zu", n);
		cr_assert_eq(ifl_dec_end(p, n, &e), n == 16 ? 0 : -EPROTO, "end %zu", n);
		cr_assert_eq(ifl_dec_result(p, n, &r), n == 60 ? 0 : -EPROTO, "result %zu", n);
		cr_assert_eq(ifl_dec_ok(p, n, &seq), n == 4 ? 0 : -EPROTO, "ok %zu", n);
	}
}

Test(msg, err_names)
{
	cr_assert_str_eq(ifl_err_name(IFL_E_UNKNOWN_TARGET), "unknown target");
	cr_assert_str_eq(ifl_err_name(IFL_E_PROTO), "protocol error");
	cr_assert_str_eq(ifl_err_name(IFL_E_INCOMPLETE), "incomplete transfer");
	for (uint32_t c = 1; c <= IFL_E_INCOMPLETE; c++) {
		cr_assert_not_null(ifl_err_name(c));
		cr_assert_str_neq(ifl_err_name(c), "unknown error", "code %u", c);
	}
	cr_assert_str_eq(ifl_err_name(0), "unknown error");
	cr_assert_str_eq(ifl_err_name(IFL_E_INCOMPLETE + 1), "unknown error");
	cr_assert_str_eq(ifl_err_name(0xffffffffu), "unknown error");
}

/* ---- partitions in the inventory ---- */

static void add_part(struct ifl_inventory *m, uint16_t t, const char *name, uint64_t start,
		     uint64_t size)
{
	struct ifl_part_info *p = &m->part[m->nparts++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->target = t;
	p->start = start;
	p->size = size;
}

static void two_disks(void)
{
	memset(&inv, 0, sizeof(inv));
	inv.max_payload = IFL_MAX_PAYLOAD;
	inv.max_chunk = 1u << 22;
	strcpy(inv.agent_version, "v");
	inv.ntargets = 2;
	fill_target(&inv.t[0], 0, 0);
	fill_target(&inv.t[1], 1, 0);
}

Test(msg, inventory_partitions_round_trip)
{
	two_disks();
	add_part(&inv, 0, "boot", 1 << 20, 8 << 20);
	add_part(&inv, 0, "", 9 << 20, 1 << 20); /* GPT names may be empty */
	add_part(&inv, 1, "APP", 0x100000, 0x1000000);
	size_t len = round_trip(enc_inventory_v, dec_inventory_v, &inv, sizeof(inv), wire);
	/* Target 0's entry: fixed fields, then u16 2, then "boot" and "" with start and size. */
	size_t fixed = 1 + 7 + 8 + 12 + 2 + 1 + 7 + 1 + 0;
	const uint8_t *e = wire + 12 + 2 + 2 + 2;
	cr_assert_eq(ifl_get_le16(e - 2), fixed + 2 + (1 + 4 + 16) + (1 + 0 + 16));
	cr_assert_eq(ifl_get_le16(e + fixed), 2, "nparts of target 0");
	cr_assert_eq(e[fixed + 2], 4);
	cr_assert_eq(memcmp(e + fixed + 3, "boot", 4), 0);
	cr_assert_eq(ifl_get_le64(e + fixed + 7), 1 << 20);
	cr_assert_eq(ifl_get_le64(e + fixed + 15), 8 << 20);
	cr_assert_gt(len, 0);
}

Test(msg, inventory_partitions_grouped_by_target)
{
	static struct ifl_inventory back;
	size_t len;

	/* The flat array may interleave targets; the wire groups them by target. */
	two_disks();
	add_part(&inv, 1, "b1", 0, 512);
	add_part(&inv, 0, "a1", 0, 512);
	add_part(&inv, 1, "b2", 512, 512);
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), 0);
	cr_assert_eq(ifl_dec_inventory(wire, len, &back), 0);
	cr_assert_eq(back.nparts, 3);
	cr_assert_str_eq(back.part[0].name, "a1");
	cr_assert_eq(back.part[0].target, 0);
	cr_assert_str_eq(back.part[1].name, "b1");
	cr_assert_str_eq(back.part[2].name, "b2");
	cr_assert_eq(back.part[2].target, 1);
	cr_assert_eq(back.part[2].start, 512);
}

Test(msg, inventory_old_entry_has_no_partitions)
{
	static struct wb w;

	winv_head(&w, 2);
	wentry(&w, "mmcblk0", 7, IFL_KIND_BLOCK, "eMMC", 4, 0);
	wentry(&w, "disk", 4, IFL_KIND_FILE, "", 0, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_eq(inv.ntargets, 2);
	cr_assert_eq(inv.nparts, 0);
	/* The encoder writes such entries the same way: no count for no partitions. */
	size_t len;
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), 0);
	cr_assert_eq(len, w.n);
	cr_assert_eq(memcmp(wire, w.b, len), 0);
	/* An explicit count of 0 (then later bytes) also means none. */
	winv_head(&w, 1);
	wentry(&w, "disk", 4, IFL_KIND_FILE, "", 0, 5);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_eq(inv.nparts, 0);
}

/* One target of 8 GiB whose entry lists n partitions of name nlen bytes, then extra bytes. */
static void wparts_entry(struct wb *w, unsigned n, size_t nlen, uint64_t start, uint64_t size,
			 size_t extra)
{
	size_t at = w->n;
	char name[256];

	memset(name, 'p', sizeof(name));
	wentry(w, "disk", 4, IFL_KIND_BLOCK, "m", 1, 0);
	w16(w, (uint16_t)n);
	for (unsigned i = 0; i < n && i < 200; i++) {
		wstr8(w, name, nlen);
		w64(w, start);
		w64(w, size);
	}
	/* A later version's bytes come after bad_blocks. */
	if (extra)
		w32(w, 0);
	for (size_t i = 0; i < extra; i++)
		w8(w, 0xee);
	ifl_put_le16(w->b + at, (uint16_t)(w->n - at - 2));
}

Test(msg, inventory_partition_limits)
{
	static struct wb w;
	const uint64_t disk = 1ull << 33;

	winv_head(&w, 1);
	wparts_entry(&w, 1, IFL_PART_NAME_MAX, 0, disk, 3);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0, "longest name, whole disk, later bytes");
	cr_assert_eq(inv.nparts, 1);
	cr_assert_eq(strlen(inv.part[0].name), IFL_PART_NAME_MAX);
	winv_head(&w, 1);
	wparts_entry(&w, 1, IFL_PART_NAME_MAX + 1, 0, 512, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "name over the limit");
	winv_head(&w, 1);
	wparts_entry(&w, 1, 4, 512, disk, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "ends past the target");
	winv_head(&w, 1);
	wparts_entry(&w, 1, 4, UINT64_MAX - 10, 20, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "start + size wraps");
	winv_head(&w, 1);
	wparts_entry(&w, 3, 4, 0, 512, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), 0);
	cr_assert_eq(inv.nparts, 3);
	winv_head(&w, 1);
	wparts_entry(&w, IFL_MAX_TARGET_PARTS + 1, 1, 0, 512, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "129 partitions on one target");
	/* 128 + 128 + 1 partitions: over IFL_MAX_PARTS in all. */
	winv_head(&w, 3);
	wparts_entry(&w, IFL_MAX_TARGET_PARTS, 1, 0, 512, 0);
	wparts_entry(&w, IFL_MAX_TARGET_PARTS, 1, 0, 512, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "two targets, third missing");
	wparts_entry(&w, 1, 1, 0, 512, 0);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "257 partitions in all");
	/* The count says 2 but one partition follows. */
	winv_head(&w, 1);
	wparts_entry(&w, 1, 4, 0, 512, 0);
	ifl_put_le16(w.b + w.n - 16 - 5 - 2, 2);
	cr_assert_eq(ifl_dec_inventory(w.b, w.n, &inv), -EPROTO, "partition list cut short");
}

Test(msg, inventory_partition_encoder_limits)
{
	size_t len;

	two_disks();
	add_part(&inv, 2, "x", 0, 512);
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), -EINVAL, "no target 2");
	two_disks();
	for (unsigned i = 0; i <= IFL_MAX_TARGET_PARTS; i++)
		add_part(&inv, 0, "x", 0, 512);
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), -EINVAL, "129 on one");
	two_disks();
	inv.nparts = IFL_MAX_PARTS + 1;
	cr_assert_eq(ifl_enc_inventory(&inv, wire, sizeof(wire), &len), -EINVAL, "257 in all");
}

Test(msg, inventory_most_partitions)
{
	static uint8_t big[128 << 10];
	static struct ifl_inventory back;
	size_t len;

	/* 64 targets with the longest strings and 256 partitions with the longest names. */
	memset(&inv, 0, sizeof(inv));
	inv.max_payload = IFL_MAX_PAYLOAD;
	memset(inv.agent_version, 'v', IFL_STR_MAX);
	inv.ntargets = IFL_MAX_TARGETS;
	for (unsigned i = 0; i < IFL_MAX_TARGETS; i++)
		fill_target(&inv.t[i], i, 1);
	for (unsigned k = 0; k < IFL_MAX_PARTS; k++) {
		struct ifl_part_info *p = &inv.part[inv.nparts++];

		memset(p->name, 'A' + k % 26, IFL_PART_NAME_MAX);
		p->target = (uint16_t)(k / 4); /* grouped, as the decoder returns them */
		p->start = k;
		p->size = 4096;
	}
	cr_assert_eq(ifl_enc_inventory(&inv, big, sizeof(big), &len), 0);
	cr_assert_eq(len, 12 + 1 + 127 + 2 + 64 * (2 + 1 + 63 + 8 + 12 + 2 + 1 + 127 + 1 + 127 + 2) +
			  256 * (1 + IFL_PART_NAME_MAX + 16));
	cr_assert_lt(len, 96u << 10, "fits the agent's inventory buffer");
	memset(&back, 0, sizeof(back));
	cr_assert_eq(ifl_dec_inventory(big, len, &back), 0);
	cr_assert_eq(memcmp(&back, &inv, sizeof(inv)), 0);
	cr_assert_eq(ifl_dec_inventory(big, len - 1, &back), -EPROTO);
}

Test(msg, inventory_bad_blocks)
{
	static uint8_t buf[4096];
	static struct ifl_inventory back;
	size_t len, plain;

	memset(&inv, 0, sizeof(inv));
	strcpy(inv.agent_version, "v");
	inv.ntargets = 2;
	fill_target(&inv.t[0], 0, 0);
	fill_target(&inv.t[1], 1, 0);
	inv.t[1].kind = IFL_KIND_MTD_NAND;
	cr_assert_eq(ifl_enc_inventory(&inv, buf, sizeof(buf), &plain), 0);
	/* A NAND with bad blocks: an empty partition count, then the u32. */
	inv.t[1].bad_blocks = 3;
	cr_assert_eq(ifl_enc_inventory(&inv, buf, sizeof(buf), &len), 0);
	cr_assert_eq(len, plain + 2 + 4);
	cr_assert_eq(ifl_get_le32(buf + len - 4), 3);
	cr_assert_eq(ifl_dec_inventory(buf, len, &back), 0);
	cr_assert_eq(back.t[0].bad_blocks, 0);
	cr_assert_eq(back.t[1].bad_blocks, 3);
	cr_assert_eq(back.nparts, 0);
	/* A bad_blocks field cut short inside its entry is a protocol error. */
	{
		static struct wb w;

		size_t start;

		winv_head(&w, 1);
		start = w.n;
		wentry(&w, "mtd1", 4, IFL_KIND_MTD_NAND, "", 0, 0);
		w16(&w, 0);
		w16(&w, 3);
		ifl_put_le16(w.b + start, (uint16_t)(w.n - start - 2));
		cr_assert_eq(ifl_dec_inventory(w.b, w.n, &back), -EPROTO);
	}
}
