/*
 * fuzz_agent_session.c - arbitrary bytes as the whole inbound stream of one
 * agent session (in-memory transport, two workers, small memfd targets).
 * The agent must not crash or hang, must never change a target's size or a
 * read-only target's bytes, must answer with whole, numbered, well-formed
 * frames, and must get every frame buffer back when the session ends.
 *
 * Input: one control byte (bit 0: the bytes are the stream as they are,
 * else records turned into sealed frames; bit 1: --allow-power; bits 2-4:
 * largest read), then the bytes. Records are built so the fuzzer gets past
 * the CRCs: 0x00-0x7f TYPE LEN16 BYTES... is a frame of that type; 0x80
 * ENC OFF16 LEN16 DATA... a CHUNK with a correct CRC (LEN bytes of DATA,
 * none for the zero encoding); 0x81 KIND TGT OFF16
 * LEN16 FLAGS a range request; 0x82 DELTA an END that counts the chunks
 * since BEGIN (off by DELTA - 128 unless it is 128); 0x83 a HELLO; 0x84 a
 * sequence skip.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../unit/memlink.h"
#include "agent.h"
#include "check.h"
#include "chunk.h"
#include "frame.h"
#include "inventory.h"
#include "link.h"
#include "log.h"
#include "msg.h"
#include "session.h"
#include "session_impl.h"
#include "wire.h"

#define DISK_SIZE (64u << 10)
#define RO_SIZE 4096u
#define FRAME_MAX (IFL_FRAME_HDR + IFL_CHUNK_HDR + (96u << 10))

static struct ifl_targets inv;
static struct ifl_agent *agent;
static int disk_fd = -1, ro_fd = -1;
static uint8_t ro_bytes[RO_SIZE];
static uint8_t frame[FRAME_MAX], reply[IFL_FRAME_HDR + IFL_MAX_PAYLOAD];
static const char *const names[] = {"disk", "ro", "nope", ""};

static int power_hook(uint8_t type)
{
	(void)type;
	return 0;
}

static int make_target(const char *name, uint32_t size, uint8_t *bytes)
{
	char spec[96], err[256];
	int fd = memfd_create(name, 0);

	CHECK(fd >= 0);
	for (uint32_t i = 0; i < size; i++)
		bytes[i] = (uint8_t)(i * 13 + 5);
	CHECK(pwrite(fd, bytes, size, 0) == (ssize_t)size);
	snprintf(spec, sizeof(spec), "%s=/proc/self/fd/%d", name, fd);
	CHECK(ifl_inv_add(&inv, spec, err, sizeof(err)) == 0);
	return fd;
}

static void setup(void)
{
	static uint8_t disk_bytes[DISK_SIZE];
	struct ifl_agent_cfg cfg = {.workers = 2, .power = power_hook};

	disk_fd = make_target("disk", DISK_SIZE, disk_bytes);
	ro_fd = make_target("ro", RO_SIZE, ro_bytes);
	inv.t[1].info.flags |= IFL_TF_READONLY;
	CHECK(ifl_agent_new(&cfg, &inv, &agent) == 0);
	/* One line per ERROR would slow the fuzzer down; crashes still reach stderr. */
	ifl_verbose = 0;
}

/* Turn records into sealed frames on b. */
struct builder {
	const uint8_t *d;
	size_t n, i;
	uint32_t seq;
	uint64_t chunks, bytes; /* since the last BEGIN */
	struct memlink_buf *b;
};

static size_t take(struct builder *w, size_t want)
{
	size_t left = w->n - w->i;

	return want < left ? want : left;
}

static unsigned u8(struct builder *w)
{
	return w->i < w->n ? w->d[w->i++] : 0;
}

static unsigned u16(struct builder *w)
{
	unsigned lo = u8(w);

	return lo | (u8(w) << 8);
}

static void seal(struct builder *w, uint8_t type, size_t len)
{
	CHECK(len <= FRAME_MAX - IFL_FRAME_HDR);
	ifl_frame_seal(frame, type, w->seq++, (uint32_t)len);
	CHECK(memlink_buf_put(w->b, frame, IFL_FRAME_HDR + len) == 0);
}

static void rec_chunk(struct builder *w)
{
	uint8_t *p = frame + IFL_FRAME_HDR, *data = p + IFL_CHUNK_HDR;
	static uint8_t raw[64u << 10];
	unsigned enc = u8(w) % 4, off = u16(w), len = u16(w);
	uLongf zlen = compressBound(sizeof(raw));
	size_t dlen = 0;

	if (len == 0)
		len = 1;
	/* Raw bytes come from the input (but for zero), repeated if it runs short. */
	if (enc == IFL_ENC_ZERO) {
		memset(raw, 0, len);
	} else {
		for (unsigned k = 0, avail = (unsigned)take(w, len); k < len; k++)
			raw[k] = avail ? w->d[w->i + k % avail] : 0;
		w->i += take(w, len);
	}
	if (enc == IFL_ENC_FILL)
		for (unsigned k = 4; k < len; k++)
			raw[k] = raw[k % 4];
	if (enc == IFL_ENC_RAW)
		memcpy(data, raw, dlen = len);
	else if (enc == IFL_ENC_FILL)
		memcpy(data, raw, dlen = 4);
	else if (enc == IFL_ENC_ZLIB) {
		CHECK(compress2(data, &zlen, raw, len, 1) == Z_OK);
		dlen = zlen;
	}
	ifl_chunk_put_hdr(p, off, len, (uint8_t)enc, (uint32_t)crc32(0L, raw, len));
	w->chunks++;
	w->bytes += len;
	seal(w, IFL_T_CHUNK, IFL_CHUNK_HDR + dlen);
}

static void rec_range(struct builder *w)
{
	static const uint8_t kinds[] = {IFL_T_BEGIN, IFL_T_READ, IFL_T_ERASE, IFL_T_HASH};
	struct ifl_range r = {0};
	uint8_t kind = kinds[u8(w) % 4];
	size_t len;

	snprintf(r.target, sizeof(r.target), "%s", names[u8(w) % 4]);
	r.offset = u16(w);
	r.length = u16(w);
	r.flags = u8(w) % 3;
	if (ifl_enc_range(&r, frame + IFL_FRAME_HDR, 128, &len))
		return;
	if (kind == IFL_T_BEGIN)
		w->chunks = w->bytes = 0;
	seal(w, kind, len);
}

static void rec_end(struct builder *w)
{
	unsigned delta = u8(w);
	struct ifl_end e = {.chunks = w->chunks, .bytes = w->bytes};
	size_t len;

	if (delta != 128)
		e.bytes += (uint64_t)delta - 128;
	CHECK(ifl_enc_end(&e, frame + IFL_FRAME_HDR, 64, &len) == 0);
	seal(w, IFL_T_END, len);
}

static void build(struct builder *w)
{
	while (w->i < w->n) {
		unsigned op = u8(w);
		size_t len;

		if (op < 0x80) {
			len = take(w, u16(w));
			memcpy(frame + IFL_FRAME_HDR, w->d + w->i, len);
			w->i += len;
			seal(w, (uint8_t)(op & 0x1f), len);
		} else if (op == 0x80) {
			rec_chunk(w);
		} else if (op == 0x81) {
			rec_range(w);
		} else if (op == 0x82) {
			rec_end(w);
		} else if (op == 0x83) {
			struct ifl_hello h = {.version = IFL_VERSION};

			CHECK(ifl_enc_hello(&h, frame + IFL_FRAME_HDR, 64, &len) == 0);
			seal(w, IFL_T_HELLO, len);
		} else if (op == 0x84) {
			w->seq++;
		}
	}
}

/* Every frame the agent sent is whole, numbered from 0 and well-formed. */
static void check_replies(struct memlink_buf *b)
{
	struct memlink m;
	struct ifl_frame_hdr h;
	uint32_t seq = 0;
	int rc;

	memlink_init(&m, b, NULL);
	while ((rc = ifl_link_recv(&m.t, reply, sizeof(reply), &h)) == 0) {
		const uint8_t *p = reply + IFL_FRAME_HDR;
		struct ifl_error e;
		struct ifl_result r;
		struct ifl_progress g;
		struct ifl_chunk c;
		uint32_t ref;

		CHECK(h.seq == seq++);
		switch (h.type) {
		case IFL_T_INVENTORY:
			break;
		case IFL_T_ERROR:
			CHECK(ifl_dec_error(p, h.len, &e) == 0);
			CHECK(e.code >= IFL_E_PROTO && e.code <= IFL_E_INCOMPLETE);
			CHECK(e.msg[0] != '\0');
			break;
		case IFL_T_RESULT:
			CHECK(ifl_dec_result(p, h.len, &r) == 0);
			/* Chunks may overlap, so written can pass length; the range cannot. */
			CHECK(r.length > 0 && r.length <= DISK_SIZE);
			break;
		case IFL_T_PROGRESS:
			CHECK(ifl_dec_progress(p, h.len, &g) == 0);
			break;
		case IFL_T_OK:
			CHECK(ifl_dec_ok(p, h.len, &ref) == 0);
			break;
		case IFL_T_DATA:
			CHECK(ifl_chunk_parse(p, h.len, IFL_MAX_CHUNK, &c) == 0);
			CHECK(c.offset + c.raw_len <= DISK_SIZE);
			break;
		default:
			CHECK(!"the agent sent a host-to-agent frame");
		}
	}
	CHECK(rc == -ENODATA);
}

static unsigned free_buffers(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&agent->pool.lock);
	for (struct ifl_buf *b = agent->pool.free; b; b = b->next)
		n++;
	pthread_mutex_unlock(&agent->pool.lock);
	return n;
}

/*
 * A worker puts its buffer back just after it tells the writer it is idle,
 * so right after a session one may still be on its way: give it a moment.
 */
static int all_buffers_back(void)
{
	for (int i = 0; i < 2000; i++) {
		if (free_buffers() == agent->pool.n)
			return 1;
		usleep(50);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memlink host, ag;
	struct memlink_buf bufs[2];
	struct ifl_session_stats st;
	uint8_t now[RO_SIZE];
	struct stat sb;
	int rc;

	if (!agent)
		setup();
	if (size < 1)
		return 0;
	memlink_pair(&host, &ag, bufs);
	if (data[0] & 1) {
		CHECK(memlink_buf_put(&bufs[0], data + 1, size - 1) == 0);
	} else {
		struct builder w = {.d = data + 1, .n = size - 1, .b = &bufs[0]};

		build(&w);
	}
	agent->cfg.allow_power = (data[0] >> 1) & 1;
	ag.f.read_max = (data[0] >> 2) & 7;

	rc = ifl_session_run(agent, &ag.t, &st);
	CHECK(rc == 0 || rc == -EPROTO || rc == -EPIPE);

	check_replies(&bufs[1]);
	CHECK(all_buffers_back());
	pthread_mutex_lock(&agent->writer.lock);
	CHECK(agent->writer.head == NULL && agent->writer.busy == 0);
	pthread_mutex_unlock(&agent->writer.lock);
	CHECK(fstat(disk_fd, &sb) == 0 && sb.st_size == DISK_SIZE);
	CHECK(fstat(ro_fd, &sb) == 0 && sb.st_size == RO_SIZE);
	CHECK(pread(ro_fd, now, RO_SIZE, 0) == RO_SIZE);
	CHECK(memcmp(now, ro_bytes, RO_SIZE) == 0);
	memlink_buf_free(&bufs[0]);
	memlink_buf_free(&bufs[1]);
	return 0;
}
