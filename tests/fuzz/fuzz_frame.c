/* fuzz_frame.c - frame header parsing and CRC checking on arbitrary bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frame.h"
#include "wire.h"

/*
 * Once a header parses, the only field seal does not rewrite is the CRC; so
 * check passes exactly when sealing a copy reproduces the header bit for bit.
 */
static void parsed_invariants(const uint8_t *hdr, const uint8_t *payload, size_t avail,
			      uint32_t max, const struct ifl_frame_hdr *h)
{
	CHECK(h->len <= max);
	CHECK(h->type >= 1 && h->type <= IFL_T_MAX);
	CHECK(h->flags == 0);
	CHECK(h->seq == ifl_get_le32(hdr + 8));
	CHECK(h->len == ifl_get_le32(hdr + 12));
	CHECK(h->crc == ifl_get_le32(hdr + 16));
	CHECK(strcmp(ifl_type_name(h->type), "?") != 0);
	if (h->len > avail)
		return;

	uint8_t *copy = malloc(IFL_FRAME_HDR + (size_t)h->len);
	CHECK(copy);
	memcpy(copy + IFL_FRAME_HDR, payload, h->len);
	ifl_frame_seal(copy, h->type, h->seq, h->len);
	int same = memcmp(copy, hdr, IFL_FRAME_HDR) == 0;
	int rc = ifl_frame_check(hdr, h, payload);
	CHECK(rc == 0 || rc == -EBADMSG);
	CHECK((rc == 0) == same);
	free(copy);
}

/* Seal the input as a valid frame, then change one byte: parse or check must object. */
static void sealed_then_flipped(const uint8_t *data, size_t size)
{
	struct ifl_frame_hdr h;
	size_t plen = size - 8, pos;
	uint8_t *f = malloc(IFL_FRAME_HDR + plen);
	uint8_t type = data[0], mask = data[1];
	uint32_t seq = ifl_get_le32(data + 2);

	CHECK(f);
	memcpy(f + IFL_FRAME_HDR, data + 8, plen);
	ifl_frame_seal(f, type, seq, (uint32_t)plen);
	int rc = ifl_frame_parse(f, IFL_MAX_PAYLOAD, &h);
	CHECK(rc == ((type >= 1 && type <= IFL_T_MAX) ? 0 : -EPROTO));
	if (rc == 0) {
		CHECK(h.type == type && h.seq == seq && h.len == plen);
		CHECK(ifl_frame_check(f, &h, f + IFL_FRAME_HDR) == 0);
		CHECK(ifl_frame_parse(f, (uint32_t)plen, &h) == 0);
		if (plen)
			CHECK(ifl_frame_parse(f, (uint32_t)plen - 1, &h) == -EMSGSIZE);
	}
	/* CRC-32 catches every burst of up to 32 bits; the length field is left alone
	 * because a new length changes which bytes are summed, not just their values. */
	pos = ifl_get_le16(data + 6) % (IFL_FRAME_HDR + plen);
	if (rc == 0 && mask && (pos < 12 || pos >= 16)) {
		f[pos] ^= mask;
		rc = ifl_frame_parse(f, IFL_MAX_PAYLOAD, &h);
		if (rc == 0)
			rc = ifl_frame_check(f, &h, f + IFL_FRAME_HDR);
		CHECK(rc == -EPROTO || rc == -EBADMSG);
	}
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ifl_frame_hdr h;
	uint8_t hdr[IFL_FRAME_HDR];
	int rc;

	if (size >= 8)
		sealed_then_flipped(data, size);
	if (size < IFL_FRAME_HDR)
		return 0;
	/* A private copy of the header, so ASan sees any read past its 20 bytes. */
	memcpy(hdr, data, IFL_FRAME_HDR);
	const uint8_t *payload = data + IFL_FRAME_HDR;
	size_t avail = size - IFL_FRAME_HDR;
	const uint32_t maxes[] = {IFL_MAX_PAYLOAD, (uint32_t)avail, 0, 0xffffffffu};

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		memset(&h, 0xa5, sizeof(h));
		rc = ifl_frame_parse(hdr, maxes[i], &h);
		CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
		if (rc == 0)
			parsed_invariants(hdr, payload, avail, maxes[i], &h);
		else if (rc == -EMSGSIZE)
			CHECK(h.len > maxes[i]);
	}
	const char *name = ifl_type_name(hdr[5]);
	CHECK(name && (strcmp(name, "?") == 0) == (hdr[5] == 0 || hdr[5] > IFL_T_MAX));
	return 0;
}
