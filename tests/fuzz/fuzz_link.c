/*
 * fuzz_link.c - arbitrary bytes through the in-memory transport into
 * ifl_link_recv until it fails: every frame it returns must be exactly the
 * bytes of the stream, and every failure one of the documented errors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/memlink.h"
#include "check.h"
#include "frame.h"
#include "link.h"
#include "wire.h"

#define CAP (IFL_FRAME_HDR + 8192)

static uint8_t buf[CAP];

/* Read frames until an error; returns the number of good frames. */
static unsigned drain(struct memlink *m, const uint8_t *stream, size_t cap)
{
	struct ifl_frame_hdr h;
	unsigned frames = 0;

	for (;;) {
		size_t start = m->rx->rpos;
		int rc = ifl_link_recv(&m->t, buf, cap, &h);

		CHECK(m->rx->rpos <= m->rx->len);
		if (rc) {
			CHECK(rc == -ENODATA || rc == -EPIPE || rc == -EPROTO || rc == -EMSGSIZE ||
			      rc == -EBADMSG || rc == -ENOBUFS || rc == m->f.read_err);
			if (rc == -ENODATA)
				CHECK(start == m->rx->len || start == m->f.truncate_at);
			if (rc == -EMSGSIZE)
				CHECK(h.len > cap - IFL_FRAME_HDR);
			return frames;
		}
		/* A good frame: sane header, and the very bytes of the stream. */
		CHECK(h.type >= 1 && h.type <= IFL_T_MAX && h.flags == 0);
		CHECK(h.len <= cap - IFL_FRAME_HDR);
		CHECK(m->rx->rpos == start + IFL_FRAME_HDR + h.len);
		if (m->f.flip_at < start || m->f.flip_at >= m->rx->rpos)
			CHECK(memcmp(buf, stream + start, IFL_FRAME_HDR + h.len) == 0);
		else
			/* A flipped byte outside the length field can never pass the CRC. */
			CHECK(m->f.flip_at >= start + 12 && m->f.flip_at < start + 16);
		frames++;
	}
}

/*
 * Turn the input into a stream of valid frames: records of (type, len, len
 * bytes), sealed with seq 0, 1, ... Returns the stream length.
 */
static size_t build_frames(const uint8_t *d, size_t n, struct memlink_buf *b, unsigned *count)
{
	static uint8_t f[IFL_FRAME_HDR + 255];
	size_t i = 0;

	*count = 0;
	while (i + 2 <= n) {
		uint8_t type = d[i], len = d[i + 1];

		i += 2;
		if (len > n - i)
			len = (uint8_t)(n - i);
		memcpy(f + IFL_FRAME_HDR, d + i, len);
		i += len;
		ifl_frame_seal(f, type, *count, len);
		CHECK(memlink_buf_put(b, f, IFL_FRAME_HDR + len) == 0);
		++*count;
	}
	return b->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memlink_buf b;
	struct memlink m;
	unsigned sealed = 0, got;
	size_t cap;

	if (size < 4)
		return 0;
	/* Four control bytes: mode, read size, EINTR call, cap / flip position. */
	uint8_t mode = data[0], rmax = data[1], eintr = data[2], knob = data[3];
	data += 4;
	size -= 4;

	memset(&b, 0, sizeof(b));
	memlink_init(&m, &b, NULL);
	if (mode & 1)
		build_frames(data, size, &b, &sealed);
	else
		CHECK(memlink_buf_put(&b, data, size) == 0);
	m.f.read_max = rmax % 9;
	m.f.eintr_read = eintr;
	if (mode & 2) {
		m.f.fail_read = (unsigned)knob + 1;
		m.f.read_err = -ECONNRESET;
	}
	if ((mode & 4) && b.len) {
		m.f.flip_at = ((size_t)knob * 977) % b.len;
		m.f.flip_mask = (uint8_t)(mode | 1);
	}
	if (mode & 8)
		m.f.truncate_at = b.len ? ((size_t)knob * 131) % b.len : 0;
	cap = (mode & 16) ? IFL_FRAME_HDR + (size_t)knob : CAP;

	got = drain(&m, b.data, cap);
	/* Sealed frames with no fault all arrive, up to the first bad type or oversize one. */
	if ((mode & 1) && !(mode & (2 | 4 | 8 | 16))) {
		unsigned want = 0;
		size_t off = 0;

		while (want < sealed && b.data[off + 5] >= 1 && b.data[off + 5] <= IFL_T_MAX) {
			off += IFL_FRAME_HDR + ifl_get_le32(b.data + off + 12);
			want++;
		}
		CHECK(got == want);
	}
	memlink_buf_free(&b);
	return 0;
}
