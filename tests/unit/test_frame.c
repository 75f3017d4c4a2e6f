/* test_frame.c - frame header sealing, parsing and CRC checking. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "wire.h"

/* Large enough for the biggest header length a single bit flip can produce. */
#define BUF_SIZE (IFL_FRAME_HDR + 4096)

static uint8_t buf[BUF_SIZE];

/* Seal a frame of type with len payload bytes 0, 1, 2, ... */
static void make_frame(uint8_t type, uint32_t seq, uint32_t len)
{
	memset(buf, 0, sizeof(buf));
	for (uint32_t i = 0; i < len; i++)
		buf[IFL_FRAME_HDR + i] = (uint8_t)(i * 7 + 3);
	ifl_frame_seal(buf, type, seq, len);
}

Test(frame, seal_layout_matches_spec)
{
	make_frame(IFL_T_CHUNK, 0x11223344u, 5);
	cr_assert_eq(memcmp(buf, "IFLP", 4), 0, "magic bytes on the wire are I F L P");
	cr_assert_eq(buf[4], 1);
	cr_assert_eq(buf[5], IFL_T_CHUNK);
	cr_assert_eq(buf[6], 0);
	cr_assert_eq(buf[7], 0);
	cr_assert_eq(ifl_get_le32(buf + 8), 0x11223344u);
	cr_assert_eq(buf[8], 0x44, "seq is little-endian");
	cr_assert_eq(ifl_get_le32(buf + 12), 5u);
	/* CRC-32 of header bytes 0..15 continued over the payload. */
	uLong c = crc32(0L, buf, 16);
	c = crc32(c, buf + IFL_FRAME_HDR, 5);
	cr_assert_eq(ifl_get_le32(buf + 16), (uint32_t)c);
}

Test(frame, round_trip_every_type)
{
	static const uint32_t lens[] = {0, 1, 19, 20, 100, 4096};

	for (unsigned type = 1; type <= IFL_T_MAX; type++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct ifl_frame_hdr h;
			uint32_t seq = type * 1000u + (uint32_t)i;

			make_frame((uint8_t)type, seq, lens[i]);
			memset(&h, 0xaa, sizeof(h));
			cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), 0, "type %u len %u", type,
				     lens[i]);
			cr_assert_eq(h.type, type);
			cr_assert_eq(h.flags, 0);
			cr_assert_eq(h.seq, seq);
			cr_assert_eq(h.len, lens[i]);
			cr_assert_eq(h.crc, ifl_get_le32(buf + 16));
			cr_assert_eq(ifl_frame_check(buf, &h, buf + IFL_FRAME_HDR), 0, "type %u len %u",
				     type, lens[i]);
		}
	}
}

Test(frame, seq_extremes)
{
	static const uint32_t seqs[] = {0, 1, 0x7fffffffu, 0xffffffffu};
	struct ifl_frame_hdr h;

	for (size_t i = 0; i < 4; i++) {
		make_frame(IFL_T_OK, seqs[i], 4);
		cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), 0);
		cr_assert_eq(h.seq, seqs[i]);
		cr_assert_eq(ifl_frame_check(buf, &h, buf + IFL_FRAME_HDR), 0);
	}
}

Test(frame, bad_magic_every_byte_and_bit)
{
	struct ifl_frame_hdr h;

	for (int pos = 0; pos < 4; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			make_frame(IFL_T_HELLO, 0, 8);
			buf[pos] ^= (uint8_t)(1u << bit);
			cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EPROTO, "byte %d bit %d",
				     pos, bit);
		}
	}
	/* The magic in the wrong byte order is not the magic. */
	make_frame(IFL_T_HELLO, 0, 8);
	memcpy(buf, "PLFI", 4);
	cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EPROTO);
}

Test(frame, bad_version)
{
	struct ifl_frame_hdr h;

	for (unsigned v = 0; v < 256; v++) {
		if (v == IFL_VERSION)
			continue;
		make_frame(IFL_T_HELLO, 0, 8);
		buf[4] = (uint8_t)v;
		cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EPROTO, "version %u", v);
	}
}

Test(frame, bad_type)
{
	struct ifl_frame_hdr h;

	for (unsigned t = 0; t < 256; t++) {
		make_frame(IFL_T_HELLO, 0, 8);
		buf[5] = (uint8_t)t;
		int want = (t == 0 || t > IFL_T_MAX) ? -EPROTO : 0;
		cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), want, "type %u", t);
	}
}

Test(frame, reserved_flags_rejected)
{
	struct ifl_frame_hdr h;

	for (int bit = 0; bit < 16; bit++) {
		make_frame(IFL_T_HELLO, 0, 8);
		ifl_put_le16(buf + 6, (uint16_t)(1u << bit));
		cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EPROTO, "flag bit %d", bit);
	}
}

Test(frame, length_limit)
{
	struct ifl_frame_hdr h;

	make_frame(IFL_T_CHUNK, 0, 0);
	ifl_put_le32(buf + 12, IFL_MAX_PAYLOAD);
	cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), 0, "exactly the limit is allowed");
	cr_assert_eq(h.len, IFL_MAX_PAYLOAD);
	cr_assert_eq(IFL_MAX_PAYLOAD, 4194368u, "the spec's limit");

	ifl_put_le32(buf + 12, IFL_MAX_PAYLOAD + 1);
	cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EMSGSIZE);
	ifl_put_le32(buf + 12, 0xffffffffu);
	cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), -EMSGSIZE);

	/* A smaller limit from the caller (its buffer) is honoured too. */
	make_frame(IFL_T_CHUNK, 0, 100);
	cr_assert_eq(ifl_frame_parse(buf, 100, &h), 0);
	cr_assert_eq(ifl_frame_parse(buf, 99, &h), -EMSGSIZE);
	cr_assert_eq(ifl_frame_parse(buf, 0, &h), -EMSGSIZE);
	make_frame(IFL_T_BYE, 0, 0);
	cr_assert_eq(ifl_frame_parse(buf, 0, &h), 0);
}

/* A flip in seq, length or crc passes parse (when the length stays in bounds) but not check. */
Test(frame, header_flips_fail_crc)
{
	const uint32_t len = 64;

	for (int pos = 8; pos < IFL_FRAME_HDR; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			struct ifl_frame_hdr h;
			int rc;

			make_frame(IFL_T_DATA, 42, len);
			buf[pos] ^= (uint8_t)(1u << bit);
			rc = ifl_frame_parse(buf, BUF_SIZE - IFL_FRAME_HDR, &h);
			if (pos >= 12 && pos < 16 && ifl_get_le32(buf + 12) > BUF_SIZE - IFL_FRAME_HDR) {
				cr_assert_eq(rc, -EMSGSIZE, "byte %d bit %d", pos, bit);
				continue;
			}
			cr_assert_eq(rc, 0, "byte %d bit %d", pos, bit);
			cr_assert_eq(ifl_frame_check(buf, &h, buf + IFL_FRAME_HDR), -EBADMSG,
				     "byte %d bit %d", pos, bit);
		}
	}
}

Test(frame, payload_flips_fail_crc)
{
	const uint32_t len = 300;

	for (uint32_t pos = 0; pos < len; pos++) {
		for (int bit = 0; bit < 8; bit += 7) {
			struct ifl_frame_hdr h;

			make_frame(IFL_T_CHUNK, 7, len);
			buf[IFL_FRAME_HDR + pos] ^= (uint8_t)(1u << bit);
			cr_assert_eq(ifl_frame_parse(buf, IFL_MAX_PAYLOAD, &h), 0);
			cr_assert_eq(ifl_frame_check(buf, &h, buf + IFL_FRAME_HDR), -EBADMSG,
				     "payload byte %u bit %d", pos, bit);
		}
	}
}

Test(frame, check_uses_separate_payload_pointer)
{
	/* The payload need not follow the header in memory. */
	uint8_t hdr[IFL_FRAME_HDR], payload[16];
	struct ifl_frame_hdr h;

	make_frame(IFL_T_RESULT, 3, sizeof(payload));
	memcpy(hdr, buf, sizeof(hdr));
	memcpy(payload, buf + IFL_FRAME_HDR, sizeof(payload));
	memset(buf, 0xee, sizeof(buf));
	cr_assert_eq(ifl_frame_parse(hdr, IFL_MAX_PAYLOAD, &h), 0);
	cr_assert_eq(ifl_frame_check(hdr, &h, payload), 0);
	payload[15] ^= 1;
	cr_assert_eq(ifl_frame_check(hdr, &h, payload), -EBADMSG);
}

Test(frame, type_names)
{
	static const char *const want[] = {
		NULL,	   "HELLO", "INVENTORY", "BEGIN", "CHUNK",  "END",	"RESULT", "PROGRESS", "ERROR",
		"READ",	   "DATA",  "ERASE",	 "HASH",  "REBOOT", "POWEROFF", "OK",	  "BYE",
	};

	for (unsigned t = 1; t <= IFL_T_MAX; t++)
		cr_assert_str_eq(ifl_type_name(t), want[t], "type %u", t);
	cr_assert_str_eq(ifl_type_name(IFL_T_CHUNK), "CHUNK");
	cr_assert_str_eq(ifl_type_name(0), "?");
	cr_assert_str_eq(ifl_type_name(IFL_T_MAX + 1), "?");
	cr_assert_str_eq(ifl_type_name(255), "?");
	cr_assert_str_eq(ifl_type_name(0xffffffffu), "?");
}
