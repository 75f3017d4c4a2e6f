/*
 * test_agent_session.c - whole agent sessions in one process: frames built
 * with common/'s encoders go through the in-memory transport into
 * ifl_session_run against temp-file targets, and the replies are checked.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent.h"
#include "chunk.h"
#include "frame.h"
#include "hash.h"
#include "inventory.h"
#include "link.h"
#include "memlink.h"
#include "msg.h"
#include "session.h"
#include "wire.h"

#define DISK_SIZE (3u << 20)
#define RO_SIZE (64u << 10)
#define BIG_SIZE (256ull << 20)
#define MAX_REPLIES 256

struct reply {
	uint8_t type;
	uint32_t seq, len;
	uint8_t *p;
};

/* One test's world: targets, agent, the two ends of the link, and what came back. */
static struct {
	char dir[64], disk[128], ro[128], big[128];
	struct ifl_targets inv;
	struct ifl_agent *a;
	struct memlink host, agent;
	struct memlink_buf bufs[2];
	uint32_t seq;          /* next host frame sequence */
	uint8_t *expect;       /* what the disk target should hold */
	struct ifl_session_stats st;
	int rc;                /* ifl_session_run's return */
	struct reply r[MAX_REPLIES];
	unsigned nr;           /* replies other than PROGRESS */
	unsigned powered;
	uint8_t power_type;
} R;

static uint8_t fb[IFL_FRAME_HDR + IFL_MAX_PAYLOAD]; /* one outgoing frame */

static void make_file(char *path, const char *name, uint64_t size, int pattern)
{
	int fd;

	snprintf(path, 128, "%s/%s", R.dir, name);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	if (pattern) {
		R.expect = malloc(size);
		for (uint64_t i = 0; i < size; i++)
			R.expect[i] = (uint8_t)(i * 7 + (i >> 12));
		cr_assert_eq(pwrite(fd, R.expect, size, 0), (ssize_t)size);
	}
	close(fd);
}

static void add_target(const char *name, const char *path)
{
	char spec[256], err[256];

	snprintf(spec, sizeof(spec), "%s=%s", name, path);
	cr_assert_eq(ifl_inv_add(&R.inv, spec, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
	/* The agent logs every ERROR it sends; the replies are what is checked. */
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
	memset(&R, 0, sizeof(R));
	strcpy(R.dir, "/tmp/ifl-agent-XXXXXX");
	cr_assert_not_null(mkdtemp(R.dir));
	make_file(R.disk, "disk.img", DISK_SIZE, 1);
	make_file(R.ro, "ro.img", RO_SIZE, 0);
	make_file(R.big, "big.img", BIG_SIZE, 0);
	add_target("disk", R.disk);
	add_target("ro", R.ro);
	add_target("big", R.big);
	/* As root every file opens for writing: mark it the way a write-protected one is. */
	R.inv.t[1].info.flags |= IFL_TF_READONLY;
	memlink_pair(&R.host, &R.agent, R.bufs);
}

static void teardown(void)
{
	char cmd[128];

	ifl_agent_free(R.a);
	for (unsigned i = 0; i < R.nr; i++)
		free(R.r[i].p);
	memlink_buf_free(&R.bufs[0]);
	memlink_buf_free(&R.bufs[1]);
	free(R.expect);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", R.dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(agent_session, .init = setup, .fini = teardown, .timeout = 30);

static int power_hook(uint8_t type)
{
	R.powered++;
	R.power_type = type;
	return 0;
}

static void start_agent(int allow_power)
{
	struct ifl_agent_cfg cfg = {.allow_power = allow_power, .workers = 2, .power = power_hook};

	cr_assert_eq(ifl_agent_new(&cfg, &R.inv, &R.a), 0);
}

/* ---- the host's side, built by hand ---- */

/* Queue a frame whose payload sits at fb + IFL_FRAME_HDR; returns its sequence. */
static uint32_t send_frame(uint8_t type, size_t len)
{
	uint32_t seq = R.seq++;

	cr_assert_eq(ifl_link_send(&R.host.t, fb, type, seq, len), 0);
	return seq;
}

static uint32_t send_hello(void)
{
	struct ifl_hello h = {.version = IFL_VERSION};
	size_t len;

	cr_assert_eq(ifl_enc_hello(&h, fb + IFL_FRAME_HDR, 64, &len), 0);
	return send_frame(IFL_T_HELLO, len);
}

static uint32_t send_range(uint8_t type, const char *target, uint64_t off, uint64_t n,
			   uint32_t flags)
{
	struct ifl_range r = {.offset = off, .length = n, .flags = flags};
	size_t len;

	snprintf(r.target, sizeof(r.target), "%s", target);
	cr_assert_eq(ifl_enc_range(&r, fb + IFL_FRAME_HDR, 128, &len), 0);
	return send_frame(type, len);
}

/* A CHUNK of raw[n] at off inside the range, in the encoding asked for. */
static uint32_t send_chunk(uint64_t off, const uint8_t *raw, uint32_t n, uint8_t enc)
{
	uint8_t *p = fb + IFL_FRAME_HDR, *data = p + IFL_CHUNK_HDR;
	uLongf zlen = compressBound(n);
	size_t dlen = 0;

	switch (enc) {
	case IFL_ENC_RAW:
		memcpy(data, raw, n);
		dlen = n;
		break;
	case IFL_ENC_ZLIB:
		cr_assert_eq(compress2(data, &zlen, raw, n, 6), Z_OK);
		dlen = zlen;
		break;
	case IFL_ENC_ZERO:
		break;
	case IFL_ENC_FILL:
		memcpy(data, raw, 4);
		dlen = 4;
		break;
	}
	ifl_chunk_put_hdr(p, off, n, enc, (uint32_t)crc32(0L, raw, n));
	return send_frame(IFL_T_CHUNK, IFL_CHUNK_HDR + dlen);
}

static uint32_t send_end(uint64_t chunks, uint64_t bytes)
{
	struct ifl_end e = {.chunks = chunks, .bytes = bytes};
	size_t len;

	cr_assert_eq(ifl_enc_end(&e, fb + IFL_FRAME_HDR, 64, &len), 0);
	return send_frame(IFL_T_END, len);
}

static uint32_t send_empty(uint8_t type)
{
	return send_frame(type, 0);
}

/* ---- run the agent, then read what it said ---- */

static void run(void)
{
	struct ifl_frame_hdr h;
	static uint8_t buf[IFL_FRAME_HDR + IFL_MAX_PAYLOAD];
	uint32_t want_seq = 0;
	int rc;

	if (!R.a)
		start_agent(0);
	R.rc = ifl_session_run(R.a, &R.agent.t, &R.st);
	while ((rc = ifl_link_recv(&R.host.t, buf, sizeof(buf), &h)) == 0) {
		cr_assert_eq(h.seq, want_seq, "agent frames are numbered in order");
		want_seq++;
		if (h.type == IFL_T_PROGRESS)
			continue;
		cr_assert_lt(R.nr, MAX_REPLIES);
		R.r[R.nr].type = h.type;
		R.r[R.nr].seq = h.seq;
		R.r[R.nr].len = h.len;
		R.r[R.nr].p = malloc(h.len + 1);
		memcpy(R.r[R.nr].p, buf + IFL_FRAME_HDR, h.len);
		R.nr++;
	}
	cr_assert_eq(rc, -ENODATA, "the agent's stream holds whole, valid frames");
}

static const struct reply *reply(unsigned i, uint8_t type)
{
	cr_assert_lt(i, R.nr, "reply %u exists (got %u)", i, R.nr);
	cr_assert_eq(R.r[i].type, type, "reply %u is %s, not %s", i, ifl_type_name(R.r[i].type),
		     ifl_type_name(type));
	return &R.r[i];
}

static struct ifl_error expect_error(unsigned i, uint32_t code, uint32_t ref)
{
	const struct reply *r = reply(i, IFL_T_ERROR);
	struct ifl_error e;

	cr_assert_eq(ifl_dec_error(r->p, r->len, &e), 0);
	cr_assert_eq(e.code, code, "error code %u (%s), want %u", e.code, e.msg, code);
	cr_assert_eq(e.ref_seq, ref, "error about frame %u, want %u", e.ref_seq, ref);
	return e;
}

static void expect_ok(unsigned i, uint32_t ref)
{
	const struct reply *r = reply(i, IFL_T_OK);
	uint32_t got;

	cr_assert_eq(ifl_dec_ok(r->p, r->len, &got), 0);
	cr_assert_eq(got, ref);
}

static struct ifl_result expect_result(unsigned i)
{
	const struct reply *r = reply(i, IFL_T_RESULT);
	struct ifl_result res;

	cr_assert_eq(ifl_dec_result(r->p, r->len, &res), 0);
	return res;
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	struct ifl_sha256 h;

	ifl_sha256_init(&h);
	ifl_sha256_update(&h, p, n);
	ifl_sha256_final(&h, out);
}

static uint8_t *read_file(const char *path, size_t n)
{
	uint8_t *p = malloc(n);
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, p, n, 0), (ssize_t)n);
	close(fd);
	return p;
}

/* The disk target holds exactly R.expect. */
static void disk_is_expected(void)
{
	uint8_t *p = read_file(R.disk, DISK_SIZE);
	struct stat st;

	cr_assert_eq(stat(R.disk, &st), 0);
	cr_assert_eq((uint64_t)st.st_size, DISK_SIZE, "the target's size never changes");
	for (size_t i = 0; i < DISK_SIZE; i++)
		if (p[i] != R.expect[i])
			cr_assert_fail("disk byte %zu is 0x%02x, want 0x%02x", i, p[i], R.expect[i]);
	free(p);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n);
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	return p;
}

/* ---- start of a session ---- */

Test(agent_session, hello_gets_inventory)
{
	static struct ifl_inventory inv;
	const struct reply *r;

	send_hello();
	run();
	cr_assert_eq(R.rc, 0, "a clean end of stream ends the session cleanly");
	cr_assert_eq(R.nr, 1);
	r = reply(0, IFL_T_INVENTORY);
	cr_assert_eq(ifl_dec_inventory(r->p, r->len, &inv), 0);
	cr_assert_eq(inv.max_payload, IFL_MAX_PAYLOAD);
	cr_assert_eq(inv.max_chunk, IFL_MAX_CHUNK);
	cr_assert_eq(inv.flags, 0, "no power without --allow-power");
	cr_assert_eq(strncmp(inv.agent_version, "initflash-agent ", 16), 0, "%s", inv.agent_version);
	cr_assert_eq(inv.ntargets, 3);
	cr_assert_str_eq(inv.t[0].name, "disk");
	cr_assert_eq(inv.t[0].size, DISK_SIZE);
	cr_assert_eq(inv.t[0].kind, IFL_KIND_FILE);
	cr_assert_eq(inv.t[0].block_size, 1);
	cr_assert_str_eq(inv.t[1].name, "ro");
	cr_assert_eq(inv.t[1].flags & IFL_TF_READONLY, IFL_TF_READONLY);
	cr_assert_eq(inv.t[2].size, BIG_SIZE);
	cr_assert_eq(R.st.requests, 1);
}

Test(agent_session, power_flag_in_inventory)
{
	static struct ifl_inventory inv;
	const struct reply *r;

	start_agent(1);
	send_hello();
	run();
	r = reply(0, IFL_T_INVENTORY);
	cr_assert_eq(ifl_dec_inventory(r->p, r->len, &inv), 0);
	cr_assert_eq(inv.flags, IFL_INV_POWER);
}

Test(agent_session, wrong_protocol_version_refused)
{
	struct ifl_hello h = {.version = 2};
	size_t len;
	uint32_t s;

	cr_assert_eq(ifl_enc_hello(&h, fb + IFL_FRAME_HDR, 64, &len), 0);
	s = send_frame(IFL_T_HELLO, len);
	send_range(IFL_T_HASH, "disk", 0, 1, 0);
	run();
	expect_error(0, IFL_E_PROTO, s);
	expect_error(1, IFL_E_STATE, s + 1);
}

Test(agent_session, requests_before_hello_refused)
{
	uint32_t b = send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	uint32_t h = send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	uint32_t r = send_empty(IFL_T_REBOOT);

	run();
	cr_assert_eq(R.nr, 3);
	expect_error(0, IFL_E_STATE, b);
	expect_error(1, IFL_E_STATE, h);
	expect_error(2, IFL_E_STATE, r);
	cr_assert_eq(R.st.errors, 3);
}

/* ---- writes ---- */

Test(agent_session, write_every_encoding_with_verify)
{
	const uint64_t base = 4096, len = 256 << 10;
	uint8_t *rnd = pattern(64 << 10, 1), text[48 << 10], fill[4] = {0xde, 0xad, 0xbe, 0xef};
	uint8_t *zero = calloc(1, 32 << 10), filled[40 << 10], sha[32];
	uint32_t sb, se;
	struct ifl_result res;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "initflash writes images\n"[i % 24];
	for (size_t i = 0; i < sizeof(filled); i++)
		filled[i] = fill[i % 4];
	send_hello();
	sb = send_range(IFL_T_BEGIN, "disk", base, len, IFL_RANGE_VERIFY);
	/* Out of order, with a gap at [184K, 256K) that must stay as it was. */
	send_chunk(0, text, sizeof(text), IFL_ENC_ZLIB);
	send_chunk(120 << 10, rnd, 64 << 10, IFL_ENC_RAW);
	send_chunk(48 << 10, zero, 32 << 10, IFL_ENC_ZERO);
	send_chunk(80 << 10, filled, sizeof(filled) - 3, IFL_ENC_FILL);
	se = send_end(4, sizeof(text) + (64 << 10) + (32 << 10) + sizeof(filled) - 3);
	send_empty(IFL_T_BYE);
	run();

	memcpy(R.expect + base, text, sizeof(text));
	memcpy(R.expect + base + (120 << 10), rnd, 64 << 10);
	memset(R.expect + base + (48 << 10), 0, 32 << 10);
	memcpy(R.expect + base + (80 << 10), filled, sizeof(filled) - 3);
	disk_is_expected();

	cr_assert_eq(R.rc, 0);
	cr_assert_eq(R.nr, 3, "INVENTORY, OK, RESULT: got %u replies", R.nr);
	expect_ok(1, sb);
	res = expect_result(2);
	cr_assert_eq(res.flags, IFL_RES_HASHED);
	cr_assert_eq(res.written, sizeof(text) + (64 << 10) + (32 << 10) + sizeof(filled) - 3);
	cr_assert_eq(res.length, len);
	sha256(R.expect + base, len, sha);
	cr_assert_arr_eq(res.sha256, sha, 32, "RESULT carries the SHA-256 of the range read back");
	cr_assert(R.st.bye);
	cr_assert_eq(R.st.chunks, 4);
	cr_assert_eq(R.st.written, res.written);
	cr_assert_eq(R.st.errors, 0);
	(void)se;
	free(rnd);
	free(zero);
}

Test(agent_session, write_without_verify_has_no_hash)
{
	uint8_t *data = pattern(100000, 2), zeros[32] = {0};
	struct ifl_result res;

	send_hello();
	send_range(IFL_T_BEGIN, "disk", DISK_SIZE - 100000, 100000, 0);
	send_chunk(0, data, 100000, IFL_ENC_ZLIB);
	send_end(1, 100000);
	run();
	memcpy(R.expect + DISK_SIZE - 100000, data, 100000);
	disk_is_expected();
	res = expect_result(2);
	cr_assert_eq(res.flags, 0);
	cr_assert_eq(res.written, 100000);
	cr_assert_arr_eq(res.sha256, zeros, 32);
	free(data);
}

Test(agent_session, big_chunks_through_many_buffers)
{
	/* More chunks than the pool has buffers, each the largest allowed. */
	const uint32_t n = IFL_MAX_CHUNK / 8;
	uint8_t *data = pattern(DISK_SIZE, 3), sha[32];
	struct ifl_result res;
	unsigned k = 0;

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, DISK_SIZE, IFL_RANGE_VERIFY);
	for (uint32_t off = 0; off < DISK_SIZE; off += n, k++)
		send_chunk(off, data + off, n, k % 2 ? IFL_ENC_RAW : IFL_ENC_ZLIB);
	send_end(k, DISK_SIZE);
	run();
	memcpy(R.expect, data, DISK_SIZE);
	disk_is_expected();
	res = expect_result(2);
	sha256(data, DISK_SIZE, sha);
	cr_assert_arr_eq(res.sha256, sha, 32);
	cr_assert_eq(res.written, DISK_SIZE);
	free(data);
}

Test(agent_session, short_reads_and_eintr_change_nothing)
{
	uint8_t *data = pattern(3000, 4), sha[32];
	struct ifl_result res;

	R.agent.f.read_max = 7;
	R.agent.f.eintr_read = 3;
	send_hello();
	send_range(IFL_T_BEGIN, "disk", 10, 3000, IFL_RANGE_VERIFY);
	send_chunk(0, data, 1000, IFL_ENC_RAW);
	send_chunk(1000, data + 1000, 2000, IFL_ENC_ZLIB);
	send_end(2, 3000);
	run();
	memcpy(R.expect + 10, data, 3000);
	disk_is_expected();
	res = expect_result(2);
	sha256(data, 3000, sha);
	cr_assert_arr_eq(res.sha256, sha, 32);
	free(data);
}

Test(agent_session, two_writes_in_one_session)
{
	uint8_t *a = pattern(5000, 5), *b = pattern(7000, 6);

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 5000, 0);
	send_chunk(0, a, 5000, IFL_ENC_RAW);
	send_end(1, 5000);
	send_range(IFL_T_BEGIN, "disk", 1 << 20, 7000, 0);
	send_chunk(0, b, 7000, IFL_ENC_ZLIB);
	send_end(1, 7000);
	run();
	memcpy(R.expect, a, 5000);
	memcpy(R.expect + (1 << 20), b, 7000);
	disk_is_expected();
	cr_assert_eq(R.nr, 5);
	cr_assert_eq(expect_result(2).written, 5000);
	cr_assert_eq(expect_result(4).written, 7000);
	cr_assert_eq(R.st.written, 12000);
	free(a);
	free(b);
}

/* ---- refusals ---- */

Test(agent_session, unknown_target)
{
	struct ifl_error e;
	uint8_t data[100] = {1};
	uint32_t s;

	send_hello();
	s = send_range(IFL_T_BEGIN, "emmc", 0, 4096, 0);
	/* A host that streams without waiting: one ERROR, not one per CHUNK. */
	send_chunk(0, data, 100, IFL_ENC_RAW);
	send_end(1, 100);
	run();
	cr_assert_eq(R.nr, 2);
	e = expect_error(1, IFL_E_UNKNOWN_TARGET, s);
	cr_assert_str_eq(e.msg, "emmc: no such target on this device; it has: disk, ro, big");
	disk_is_expected();
}

Test(agent_session, image_larger_than_target)
{
	struct ifl_error e;
	uint32_t s;

	send_hello();
	s = send_range(IFL_T_BEGIN, "big", 0, 300ull << 20, 0);
	run();
	e = expect_error(1, IFL_E_RANGE, s);
	cr_assert_str_eq(e.msg, "big: image is 300.0 MiB but the target holds 256.0 MiB");
}

Test(agent_session, range_refusals)
{
	uint32_t s1, s2, s3, s4, s5;
	struct ifl_error e;

	send_hello();
	s1 = send_range(IFL_T_BEGIN, "disk", 4096, DISK_SIZE, 0);
	s2 = send_range(IFL_T_BEGIN, "disk", 0, 0, 0);
	s3 = send_range(IFL_T_READ, "disk", DISK_SIZE, 1, 0);
	s4 = send_range(IFL_T_HASH, "disk", UINT64_MAX - 1, 1, 0);
	s5 = send_range(IFL_T_BEGIN, "disk", 0, DISK_SIZE + 1, 0);
	run();
	e = expect_error(1, IFL_E_RANGE, s1);
	cr_assert_str_eq(e.msg, "disk: range ends at 3149824 bytes but the target holds 3145728 bytes",
			 "%s", e.msg);
	e = expect_error(2, IFL_E_RANGE, s2);
	cr_assert_str_eq(e.msg, "disk: the range at 0 B is empty; nothing to do");
	expect_error(3, IFL_E_RANGE, s3);
	expect_error(4, IFL_E_RANGE, s4);
	e = expect_error(5, IFL_E_RANGE, s5);
	cr_assert_str_eq(e.msg, "disk: image is 3145729 bytes but the target holds 3145728 bytes");
	disk_is_expected();
}

Test(agent_session, read_only_target)
{
	uint32_t b, e, h;
	struct ifl_error err;

	send_hello();
	b = send_range(IFL_T_BEGIN, "ro", 0, 4096, 0);
	e = send_range(IFL_T_ERASE, "ro", 0, 4096, 0);
	h = send_range(IFL_T_HASH, "ro", 0, 4096, 0);
	run();
	cr_assert_eq(R.nr, 4);
	err = expect_error(1, IFL_E_READONLY, b);
	cr_assert_str_eq(err.msg, "ro: the target is read-only (write-protected or without write "
			 "permission); nothing was written");
	expect_error(2, IFL_E_READONLY, e);
	cr_assert_eq(expect_result(3).length, 4096, "reading a read-only target is fine");
	(void)h;
}

Test(agent_session, bad_chunk_crc_writes_nothing)
{
	uint8_t *data = pattern(8192, 7), fill[8192], *now;
	uint32_t s, c, b2;
	struct ifl_error e;

	send_hello();
	s = send_range(IFL_T_BEGIN, "disk", 0, 3 * 8192, 0);
	send_chunk(0, data, 8192, IFL_ENC_RAW);
	/* Damage the payload of the second chunk after its frame CRC was computed. */
	c = send_chunk(8192, data, 8192, IFL_ENC_ZLIB);
	{
		/* Re-seal with a CRC field that does not match the data. */
		uint8_t *p = fb + IFL_FRAME_HDR;
		uint32_t plen = ifl_get_le32(fb + 12);

		R.bufs[0].len -= IFL_FRAME_HDR + plen;
		ifl_put_le32(p + 16, ifl_get_le32(p + 16) ^ 1);
		cr_assert_eq(ifl_link_send(&R.host.t, fb, IFL_T_CHUNK, c, plen), 0);
	}
	send_chunk(2 * 8192, data, 8192, IFL_ENC_RAW);
	send_end(3, 3 * 8192);
	/* The session goes on: a new BEGIN works. */
	b2 = send_range(IFL_T_BEGIN, "disk", 0, 8192, 0);
	memset(fill, 0xab, sizeof(fill));
	send_chunk(0, fill, 8192, IFL_ENC_FILL);
	send_end(1, 8192);
	run();
	cr_assert_eq(R.nr, 5, "INVENTORY OK ERROR OK RESULT, got %u", R.nr);
	expect_ok(1, s);
	e = expect_error(2, IFL_E_CHUNK, c);
	cr_assert_str_eq(e.msg, "disk: chunk at 8.0 KiB failed its CRC32 check; the data was "
			 "corrupted in transit, send it again");
	expect_ok(3, b2);
	cr_assert_eq(expect_result(4).written, 8192);
	/* The corrupt chunk left nothing; chunks after the failure are dropped. */
	now = read_file(R.disk, 3 * 8192);
	cr_assert_eq(memcmp(now, fill, 8192), 0);
	cr_assert_eq(memcmp(now + 8192, R.expect + 8192, 8192), 0,
		     "nothing of the corrupt chunk was written");
	free(now);
	free(data);
}

/* A chunk of enc whose CRC field is off by one bit is refused, and nothing of it lands. */
static void bad_crc(uint8_t enc)
{
	uint8_t raw[5000];
	uint8_t *p = fb + IFL_FRAME_HDR;
	uint32_t c;
	size_t dlen = enc == IFL_ENC_RAW ? sizeof(raw) : enc == IFL_ENC_FILL ? 4 : 0;

	memset(raw, enc == IFL_ENC_ZERO ? 0 : 0x3c, sizeof(raw));
	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, sizeof(raw), 0);
	memcpy(p + IFL_CHUNK_HDR, raw, dlen);
	ifl_chunk_put_hdr(p, 0, sizeof(raw), enc, (uint32_t)crc32(0, raw, sizeof(raw)) ^ 0x100);
	c = send_frame(IFL_T_CHUNK, IFL_CHUNK_HDR + dlen);
	send_end(1, sizeof(raw));
	run();
	cr_assert_eq(R.nr, 3);
	expect_error(2, IFL_E_CHUNK, c);
	disk_is_expected();
}

Test(agent_session, bad_crc_raw)
{
	bad_crc(IFL_ENC_RAW);
}

Test(agent_session, bad_crc_zero)
{
	bad_crc(IFL_ENC_ZERO);
}

Test(agent_session, bad_crc_fill)
{
	bad_crc(IFL_ENC_FILL);
}

Test(agent_session, chunk_that_does_not_inflate)
{
	uint8_t data[4096];
	uint32_t c;
	uint8_t *p = fb + IFL_FRAME_HDR;
	struct ifl_error e;

	memset(data, 'x', sizeof(data));
	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	/* A zlib stream that expands to 4095 bytes where the header says 4096. */
	{
		uLongf zlen = compressBound(4095);

		cr_assert_eq(compress2(p + IFL_CHUNK_HDR, &zlen, data, 4095, 6), Z_OK);
		ifl_chunk_put_hdr(p, 0, 4096, IFL_ENC_ZLIB, (uint32_t)crc32(0, data, 4096));
		c = send_frame(IFL_T_CHUNK, IFL_CHUNK_HDR + zlen);
	}
	send_end(1, 4096);
	run();
	e = expect_error(2, IFL_E_CHUNK, c);
	cr_assert_str_eq(e.msg, "disk: chunk at 0 B does not inflate to 4.0 KiB; the data was "
			 "corrupted in transit, send it again");
	cr_assert_eq(R.nr, 3, "END of a failed write is ignored");
	disk_is_expected();
}

Test(agent_session, chunk_outside_range)
{
	uint8_t data[100] = {0};
	uint32_t c;
	struct ifl_error e;

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	c = send_chunk(4000, data, 100, IFL_ENC_RAW);
	send_end(1, 100);
	run();
	e = expect_error(2, IFL_E_RANGE, c);
	cr_assert_str_eq(e.msg, "disk: chunk at 3.9 KiB ends at 4100 bytes but the range opened "
			 "by BEGIN holds 4096 bytes", "%s", e.msg);
	cr_assert_eq(R.nr, 3);
	disk_is_expected();
}

Test(agent_session, malformed_chunk)
{
	uint32_t c;

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	ifl_chunk_put_hdr(fb + IFL_FRAME_HDR, 0, 100, 9, 0); /* no encoding 9 */
	c = send_frame(IFL_T_CHUNK, IFL_CHUNK_HDR);
	run();
	expect_error(2, IFL_E_PROTO, c);
	cr_assert_eq(R.rc, 0, "a bad payload in a good frame leaves the stream in step");
}

Test(agent_session, end_mismatch)
{
	uint8_t data[512] = {9};
	uint32_t e;
	struct ifl_error err;

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	send_chunk(0, data, 512, IFL_ENC_RAW);
	e = send_end(2, 1024);
	run();
	err = expect_error(2, IFL_E_INCOMPLETE, e);
	cr_assert_str_eq(err.msg, "disk: END says 2 chunks (1.0 KiB) were sent but 1 chunks "
			 "(512 B) arrived; send the image again");
	cr_assert_eq(R.nr, 3, "no RESULT");
}

Test(agent_session, chunk_and_end_before_begin)
{
	uint8_t data[16] = {0};
	uint32_t c, e;

	send_hello();
	c = send_chunk(0, data, 16, IFL_ENC_RAW);
	e = send_end(1, 16);
	run();
	cr_assert_eq(R.nr, 3);
	expect_error(1, IFL_E_STATE, c);
	expect_error(2, IFL_E_STATE, e);
	disk_is_expected();
}

Test(agent_session, reboot_without_allow_power)
{
	struct ifl_error e;
	uint32_t r, p;

	send_hello();
	r = send_empty(IFL_T_REBOOT);
	p = send_empty(IFL_T_POWEROFF);
	send_range(IFL_T_HASH, "disk", 0, 16, 0);
	run();
	e = expect_error(1, IFL_E_DENIED, r);
	cr_assert_str_eq(e.msg, "reboot refused: the agent was started without --allow-power");
	expect_error(2, IFL_E_DENIED, p);
	expect_result(3); /* and carries on */
	cr_assert_eq(R.powered, 0);
}

Test(agent_session, poweroff_with_allow_power)
{
	uint32_t p;

	start_agent(1);
	send_hello();
	p = send_empty(IFL_T_POWEROFF);
	send_range(IFL_T_HASH, "disk", 0, 16, 0);
	run();
	cr_assert_eq(R.nr, 2, "OK, then nothing: the session is over");
	expect_ok(1, p);
	cr_assert_eq(R.powered, 1);
	cr_assert_eq(R.power_type, IFL_T_POWEROFF);
	cr_assert_eq(R.rc, 0);
}

Test(agent_session, power_request_with_payload)
{
	uint32_t r;

	start_agent(1);
	send_hello();
	fb[IFL_FRAME_HDR] = 0;
	r = send_frame(IFL_T_REBOOT, 1);
	run();
	expect_error(1, IFL_E_PROTO, r);
	cr_assert_eq(R.powered, 0);
}

Test(agent_session, agent_only_frames_refused)
{
	uint32_t s;

	send_hello();
	ifl_put_le32(fb + IFL_FRAME_HDR, 0);
	s = send_frame(IFL_T_OK, 4);
	run();
	expect_error(1, IFL_E_PROTO, s);
	cr_assert_eq(R.rc, 0);
}

Test(agent_session, bye_ends_the_session)
{
	send_hello();
	send_empty(IFL_T_BYE);
	send_range(IFL_T_HASH, "disk", 0, 16, 0);
	run();
	cr_assert_eq(R.rc, 0);
	cr_assert_eq(R.nr, 1, "nothing after BYE is answered");
	cr_assert(R.st.bye);
	cr_assert_str_eq(R.st.end, "the host said BYE");
}

/* ---- faults on the link ---- */

Test(agent_session, flipped_byte_is_a_protocol_error)
{
	size_t at;
	uint32_t s;

	send_hello();
	at = R.bufs[0].len;
	s = send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	R.agent.f.flip_at = at + IFL_FRAME_HDR + 3; /* inside the target name */
	R.agent.f.flip_mask = 0x20;
	run();
	cr_assert_eq(R.rc, -EPROTO);
	cr_assert_eq(R.nr, 2, "the session ends after the ERROR");
	expect_error(1, IFL_E_PROTO, s);
	cr_assert_str_eq(R.st.end, "bad frame from the host");
}

Test(agent_session, flipped_magic_is_a_protocol_error)
{
	size_t at;

	send_hello();
	at = R.bufs[0].len;
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	R.agent.f.flip_at = at;
	R.agent.f.flip_mask = 0xff;
	run();
	cr_assert_eq(R.rc, -EPROTO);
	expect_error(1, IFL_E_PROTO, 0);
}

Test(agent_session, sequence_gap_ends_the_session)
{
	send_hello();
	R.seq++; /* frame 1 is lost */
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	run();
	cr_assert_eq(R.rc, -EPROTO);
	cr_assert_eq(R.nr, 2);
	expect_error(1, IFL_E_PROTO, 2);
}

Test(agent_session, stream_truncated_mid_chunk)
{
	uint8_t *data = pattern(65536, 8);

	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 65536, IFL_RANGE_VERIFY);
	send_chunk(0, data, 32768, IFL_ENC_RAW);
	R.agent.f.truncate_at = R.bufs[0].len + IFL_FRAME_HDR + 1000;
	send_chunk(32768, data + 32768, 32768, IFL_ENC_RAW);
	send_end(2, 65536);
	run();
	cr_assert_eq(R.rc, -EPIPE);
	cr_assert_eq(R.nr, 2, "INVENTORY and OK, no RESULT");
	reply(1, IFL_T_OK);
	cr_assert_str_eq(R.st.end, "the host went away in the middle of a frame");
	free(data);
}

Test(agent_session, failed_send_ends_the_session)
{
	R.agent.f.fail_write = 2; /* the OK after BEGIN */
	R.agent.f.write_err = -ECONNRESET;
	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	run();
	cr_assert_eq(R.rc, -ECONNRESET);
	cr_assert_eq(R.nr, 1);
}

Test(agent_session, failed_read_ends_the_session)
{
	R.agent.f.fail_read = 3;
	R.agent.f.read_err = -ECONNRESET;
	send_hello();
	send_range(IFL_T_HASH, "disk", 0, 4096, 0);
	run();
	cr_assert_eq(R.rc, -ECONNRESET);
}

/* ---- READ, HASH, ERASE ---- */

Test(agent_session, read_returns_the_range_as_data)
{
	const uint64_t off = 1000, len = 2 * (1u << 20) + 12345;
	uint8_t *got = calloc(1, len), *seen = calloc(1, len), *scratch = malloc(IFL_MAX_CHUNK);
	uint8_t sha[32];
	struct ifl_result res;
	uint64_t next = 0;
	unsigned i;

	send_hello();
	send_range(IFL_T_READ, "disk", off, len, 0);
	run();
	for (i = 1; i < R.nr && R.r[i].type == IFL_T_DATA; i++) {
		struct ifl_chunk c;

		cr_assert_eq(ifl_chunk_parse(R.r[i].p, R.r[i].len, IFL_MAX_CHUNK, &c), 0);
		cr_assert_eq(c.offset, next, "DATA comes in order");
		cr_assert_leq(c.offset + c.raw_len, len);
		cr_assert_eq(ifl_chunk_expand(&c, scratch, IFL_MAX_CHUNK), 0);
		memcpy(got + c.offset, scratch, c.raw_len);
		next += c.raw_len;
	}
	cr_assert_geq(i, 4, "a 2 MiB range comes in several DATA frames");
	cr_assert_eq(next, len, "DATA covers the whole range");
	cr_assert_eq(memcmp(got, R.expect + off, len), 0, "DATA reassembles to the file");
	res = expect_result(i);
	cr_assert_eq(i + 1, R.nr);
	sha256(R.expect + off, len, sha);
	cr_assert_eq(res.flags, IFL_RES_HASHED);
	cr_assert_arr_eq(res.sha256, sha, 32);
	cr_assert_eq(res.length, len);
	cr_assert_eq(res.written, 0);
	cr_assert_eq(R.st.read, len);
	free(got);
	free(seen);
	free(scratch);
}

Test(agent_session, hash_of_a_range)
{
	uint8_t sha[32];
	struct ifl_result res;

	send_hello();
	send_range(IFL_T_HASH, "disk", 77, DISK_SIZE - 77, 0);
	run();
	cr_assert_eq(R.nr, 2);
	res = expect_result(1);
	sha256(R.expect + 77, DISK_SIZE - 77, sha);
	cr_assert_eq(res.flags, IFL_RES_HASHED);
	cr_assert_arr_eq(res.sha256, sha, 32);
	cr_assert_eq(res.length, DISK_SIZE - 77);
	cr_assert_eq(res.written, 0);
	disk_is_expected();
}

Test(agent_session, erase_zeroes_the_range)
{
	struct ifl_result res;
	uint32_t e;

	send_hello();
	e = send_range(IFL_T_ERASE, "disk", 5000, 1 << 20, 0);
	send_range(IFL_T_HASH, "disk", 5000, 1 << 20, 0);
	run();
	res = expect_result(1);
	cr_assert_eq(res.written, 1 << 20);
	cr_assert_eq(res.length, 1 << 20);
	cr_assert_eq(res.flags, 0);
	memset(R.expect + 5000, 0, 1 << 20);
	disk_is_expected();
	{
		uint8_t sha[32];

		sha256(R.expect + 5000, 1 << 20, sha);
		cr_assert_arr_eq(expect_result(2).sha256, sha, 32);
	}
	(void)e;
}

Test(agent_session, malformed_range)
{
	uint32_t s;

	send_hello();
	/* A range with trailing bytes. */
	send_range(IFL_T_HASH, "disk", 0, 16, 0);
	R.bufs[0].len -= IFL_FRAME_HDR + ifl_get_le32(fb + 12);
	R.seq--;
	s = send_frame(IFL_T_HASH, ifl_get_le32(fb + 12) + 1);
	send_range(IFL_T_HASH, "disk", 0, 16, 1); /* flags must be 0 outside BEGIN */
	run();
	expect_error(1, IFL_E_PROTO, s);
	expect_error(2, IFL_E_PROTO, s + 1);
	cr_assert_eq(R.rc, 0);
}

Test(agent_session, request_abandons_open_write)
{
	uint8_t data[1000];
	uint8_t sha[32];

	memset(data, 0x5a, sizeof(data));
	send_hello();
	send_range(IFL_T_BEGIN, "disk", 0, 4096, 0);
	send_chunk(0, data, 1000, IFL_ENC_RAW);
	/* HASH before END: the write ends, what was written stays. */
	send_range(IFL_T_HASH, "disk", 0, 1000, 0);
	send_end(1, 1000);
	run();
	cr_assert_eq(R.nr, 4, "INVENTORY OK RESULT ERROR, got %u", R.nr);
	sha256(data, 1000, sha);
	cr_assert_arr_eq(expect_result(2).sha256, sha, 32, "the chunk was on the target");
	expect_error(3, IFL_E_STATE, 4);
}
