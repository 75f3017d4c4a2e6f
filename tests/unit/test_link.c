/* test_link.c - whole frames over the in-memory transport, with injected faults. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "memlink.h"
#include "wire.h"

#define CAP (IFL_FRAME_HDR + 70000)

static uint8_t sbuf[CAP], rbuf[CAP + 16];

static void fill_payload(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) ^ seed);
}

/* Send one frame of len bytes (pattern seeded by seq) through m. */
static void send_one(struct memlink *m, uint8_t type, uint32_t seq, size_t len)
{
	fill_payload(sbuf + IFL_FRAME_HDR, len, seq);
	cr_assert_eq(ifl_link_send(&m->t, sbuf, type, seq, len), 0, "send seq %u", seq);
}

/* Receive one frame and check it is the one send_one produced. */
static void recv_one(struct memlink *m, size_t cap, uint8_t type, uint32_t seq, size_t len)
{
	struct ifl_frame_hdr h;
	static uint8_t want[CAP];

	memset(rbuf, 0xcc, sizeof(rbuf));
	cr_assert_eq(ifl_link_recv(&m->t, rbuf, cap, &h), 0, "recv seq %u", seq);
	cr_assert_eq(h.type, type);
	cr_assert_eq(h.seq, seq);
	cr_assert_eq(h.len, len);
	fill_payload(want, len, seq);
	cr_assert_eq(memcmp(rbuf + IFL_FRAME_HDR, want, len), 0, "payload of seq %u", seq);
	cr_assert_eq(rbuf[IFL_FRAME_HDR + len], 0xcc, "nothing read past the frame");
}

static const size_t lens[] = {0, 1, 19, 20, 21, 1000, 4096, 65536, 70000};
#define NLENS (sizeof(lens) / sizeof(lens[0]))

/* Send every length, then receive them all with the faults f. */
static void round_trip_with(struct memlink_faults f)
{
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
	for (size_t i = 0; i < NLENS; i++)
		send_one(&m, (uint8_t)(IFL_T_HELLO + i % IFL_T_MAX), (uint32_t)i, lens[i]);
	m.f = f;
	for (size_t i = 0; i < NLENS; i++)
		recv_one(&m, CAP, (uint8_t)(IFL_T_HELLO + i % IFL_T_MAX), (uint32_t)i, lens[i]);
	cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), -ENODATA, "clean end after the last frame");
	memlink_buf_free(&b);
}

Test(link, round_trip)
{
	round_trip_with(memlink_faults_none());
}

Test(link, round_trip_short_reads, .timeout = 60)
{
	struct memlink_faults f = memlink_faults_none();

	f.read_max = 1;
	round_trip_with(f);
	f.read_max = 3;
	round_trip_with(f);
	f.read_max = 19;
	round_trip_with(f);
}

Test(link, round_trip_eintr)
{
	struct memlink_faults f = memlink_faults_none();

	/* EINTR on the very first read, in the middle of a header, and inside a payload. */
	for (unsigned at = 1; at <= 40; at++) {
		f.eintr_read = at;
		f.read_max = 7;
		round_trip_with(f);
	}
	f.read_max = 0;
	f.eintr_read = 2;
	round_trip_with(f);
}

Test(link, send_layout_and_limit)
{
	struct memlink_buf b;
	struct memlink m;

	cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
	send_one(&m, IFL_T_OK, 9, 4);
	cr_assert_eq(b.len, IFL_FRAME_HDR + 4, "one write of header and payload");
	cr_assert_eq(m.writes, 1);
	cr_assert_eq(memcmp(b.data, "IFLP", 4), 0);
	cr_assert_eq(b.data[5], IFL_T_OK);
	cr_assert_eq(ifl_get_le32(b.data + 8), 9);
	cr_assert_eq(ifl_get_le32(b.data + 12), 4);

	uint8_t *big = malloc(IFL_FRAME_HDR + IFL_MAX_PAYLOAD + 1);
	cr_assert_not_null(big);
	cr_assert_eq(ifl_link_send(&m.t, big, IFL_T_CHUNK, 1, IFL_MAX_PAYLOAD + 1), -EMSGSIZE);
	cr_assert_eq(m.writes, 1, "an oversize frame is never written");
	memset(big, 0, IFL_FRAME_HDR + IFL_MAX_PAYLOAD);
	cr_assert_eq(ifl_link_send(&m.t, big, IFL_T_CHUNK, 1, IFL_MAX_PAYLOAD), 0);
	free(big);
	memlink_buf_free(&b);
}

Test(link, write_failure_reported)
{
	struct memlink_buf b;
	struct memlink m;

	cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
	m.f.fail_write = 2;
	m.f.write_err = -EPIPE;
	send_one(&m, IFL_T_HELLO, 0, 8);
	fill_payload(sbuf + IFL_FRAME_HDR, 100, 1);
	cr_assert_eq(ifl_link_send(&m.t, sbuf, IFL_T_BEGIN, 1, 100), -EPIPE, "2nd write fails");
	send_one(&m, IFL_T_BYE, 2, 0);
	/* Only the frames that were written arrive. */
	recv_one(&m, CAP, IFL_T_HELLO, 0, 8);
	recv_one(&m, CAP, IFL_T_BYE, 2, 0);
	struct ifl_frame_hdr h;
	cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), -ENODATA);
	memlink_buf_free(&b);
}

Test(link, read_error_passed_through)
{
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	for (unsigned at = 1; at <= 4; at++) {
		cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
		send_one(&m, IFL_T_DATA, 0, 100);
		m.f.read_max = 10;
		m.f.fail_read = at;
		m.f.read_err = -ECONNRESET;
		cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), -ECONNRESET, "read %u fails", at);
		memlink_buf_free(&b);
	}
}

/*
 * What a receiver must say when byte pos of the first frame is XORed with
 * mask: the header checks in order, else the CRC. A second frame follows, so
 * a length that grew still finds bytes to read (avail = bytes after the header).
 */
static int expected_flip(const uint8_t *frame, size_t pos, uint8_t mask, size_t cap, size_t avail)
{
	uint8_t hdr[IFL_FRAME_HDR];
	uint32_t len;

	if (pos >= IFL_FRAME_HDR)
		return -EBADMSG;
	memcpy(hdr, frame, sizeof(hdr));
	hdr[pos] ^= mask;
	if (ifl_get_le32(hdr) != IFL_MAGIC || hdr[4] != IFL_VERSION)
		return -EPROTO;
	if (ifl_get_le16(hdr + 6) != 0 || hdr[5] == 0 || hdr[5] > IFL_T_MAX)
		return -EPROTO;
	len = ifl_get_le32(hdr + 12);
	if (len > cap - IFL_FRAME_HDR)
		return -EMSGSIZE;
	if (len > avail)
		return -EPIPE;
	return -EBADMSG;
}

Test(link, flipped_byte_anywhere_is_detected, .timeout = 60)
{
	static const uint8_t masks[] = {0x01, 0x02, 0x10, 0x80, 0xff};
	const size_t plen = 48, flen = IFL_FRAME_HDR + 48, cap = IFL_FRAME_HDR + 256;
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	for (size_t pos = 0; pos < flen; pos++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
			send_one(&m, IFL_T_CHUNK, 5, plen);
			send_one(&m, IFL_T_CHUNK, 6, plen);
			int want = expected_flip(b.data, pos, masks[k], cap, b.len - IFL_FRAME_HDR);
			m.f.flip_at = pos;
			m.f.flip_mask = masks[k];
			m.f.read_max = pos % 2 ? 5 : 0;
			int rc = ifl_link_recv(&m.t, rbuf, cap, &h);
			cr_assert_eq(rc, want, "byte %zu ^ %#x: got %d want %d", pos, masks[k], rc, want);
			cr_assert_neq(rc, 0);
			if (pos < IFL_FRAME_HDR)
				cr_assert(rc == -EPROTO || rc == -EMSGSIZE || rc == -EBADMSG ||
					  rc == -EPIPE);
			memlink_buf_free(&b);
		}
	}
}

Test(link, flip_in_second_frame_leaves_first_intact)
{
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
	send_one(&m, IFL_T_DATA, 0, 100);
	send_one(&m, IFL_T_DATA, 1, 100);
	m.f.flip_at = 2 * (IFL_FRAME_HDR + 100) - 1; /* last byte of the second payload */
	m.f.flip_mask = 0x40;
	recv_one(&m, CAP, IFL_T_DATA, 0, 100);
	cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), -EBADMSG);
	memlink_buf_free(&b);
}

Test(link, truncation_anywhere)
{
	const size_t plen = 64, flen = IFL_FRAME_HDR + 64;
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	for (size_t at = 0; at <= flen; at++) {
		for (size_t rmax = 0; rmax <= 1; rmax++) {
			int want = at == 0 ? -ENODATA : at < flen ? -EPIPE : 0;

			cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
			send_one(&m, IFL_T_RESULT, 3, plen);
			m.f.truncate_at = at;
			m.f.read_max = rmax;
			cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), want, "stream cut at %zu", at);
			if (at == flen)
				cr_assert_eq(ifl_link_recv(&m.t, rbuf, CAP, &h), -ENODATA);
			memlink_buf_free(&b);
		}
	}
}

Test(link, empty_payload_frame_then_eof)
{
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
	send_one(&m, IFL_T_BYE, 0, 0);
	cr_assert_eq(ifl_link_recv(&m.t, rbuf, IFL_FRAME_HDR, &h), 0, "cap of just a header");
	cr_assert_eq(h.type, IFL_T_BYE);
	cr_assert_eq(h.len, 0);
	cr_assert_eq(ifl_link_recv(&m.t, rbuf, IFL_FRAME_HDR, &h), -ENODATA);
	memlink_buf_free(&b);
}

Test(link, cap_bounds)
{
	struct memlink_buf b;
	struct memlink m;
	struct ifl_frame_hdr h;

	for (size_t cap = 0; cap <= IFL_FRAME_HDR + 101; cap++) {
		int want = cap < IFL_FRAME_HDR ? -ENOBUFS : cap < IFL_FRAME_HDR + 100 ? -EMSGSIZE : 0;

		cr_assert_eq(memlink_from_bytes(&m, &b, NULL, 0), 0);
		send_one(&m, IFL_T_DATA, 0, 100);
		memset(rbuf, 0xcc, sizeof(rbuf));
		cr_assert_eq(ifl_link_recv(&m.t, rbuf, cap, &h), want, "cap %zu", cap);
		/* Nothing beyond cap is touched, whatever the outcome. */
		cr_assert_eq(rbuf[cap], 0xcc, "cap %zu", cap);
		if (want == -EMSGSIZE)
			cr_assert_eq(b.rpos, IFL_FRAME_HDR, "payload left unread");
		memlink_buf_free(&b);
	}
}

Test(link, read_full)
{
	struct memlink_buf b;
	struct memlink m;
	uint8_t out[10];

	cr_assert_eq(memlink_from_bytes(&m, &b, "0123456789", 10), 0);
	m.f.read_max = 3;
	cr_assert_eq(ifl_link_read_full(&m.t, out, 0), 0, "zero bytes never reads");
	cr_assert_eq(m.reads, 0);
	cr_assert_eq(ifl_link_read_full(&m.t, out, 4), 0);
	cr_assert_eq(memcmp(out, "0123", 4), 0);
	cr_assert_eq(ifl_link_read_full(&m.t, out, 10), -EPIPE, "ends after 6 more bytes");
	cr_assert_eq(ifl_link_read_full(&m.t, out, 1), -ENODATA);
	memlink_buf_free(&b);
}

/* Two endpoints back to back: a request one way, the answer the other. */
Test(link, pair_conversation)
{
	struct memlink_buf bufs[2];
	struct memlink host, agent;
	struct ifl_frame_hdr h;

	memlink_pair(&host, &agent, bufs);
	send_one(&host, IFL_T_HELLO, 0, 8);
	recv_one(&agent, CAP, IFL_T_HELLO, 0, 8);
	cr_assert_eq(ifl_link_recv(&agent.t, rbuf, CAP, &h), -ENODATA, "nothing more from the host");
	send_one(&agent, IFL_T_INVENTORY, 0, 300);
	recv_one(&host, CAP, IFL_T_INVENTORY, 0, 300);
	host.t.ops->close(&host.t);
	cr_assert_eq(ifl_link_send(&host.t, sbuf, IFL_T_BYE, 1, 0), -EBADF, "closed endpoint");
	cr_assert_str_eq(host.t.ops->name, "memlink");
	memlink_buf_free(&bufs[0]);
	memlink_buf_free(&bufs[1]);
}
