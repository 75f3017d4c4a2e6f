/*
 * mkseeds.c - write a small seed corpus for each fuzz target: valid frames,
 * messages, chunks, frame streams and GPTs, so the fuzzers start past the CRCs.
 * Usage: mkseeds DIR   (writes DIR/corpus-fuzz_NAME/seed-N, as `make fuzz` reads them)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "chunk.h"
#include "frame.h"
#include "msg.h"
#include "wire.h"

static const char *dir;
static unsigned nseed;

static int put(const char *target, uint8_t lead, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/corpus-%s", dir, target);
	if (mkdir(path, 0777) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/corpus-%s/seed-%u", dir, target, nseed++);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (lead != 0xff)
		fputc(lead, f);
	fwrite(p, 1, n, f);
	return fclose(f);
}

static uint8_t buf[1 << 16], tmp[1 << 16];

static int frames(void)
{
	int rc = 0;

	for (unsigned t = 1; t <= IFL_T_MAX; t++) {
		size_t len = t * 13 % 40;
		for (size_t i = 0; i < len; i++)
			buf[IFL_FRAME_HDR + i] = (uint8_t)(i * t);
		ifl_frame_seal(buf, (uint8_t)t, t, (uint32_t)len);
		rc |= put("fuzz_frame", 0xff, buf, IFL_FRAME_HDR + len);
		/* fuzz_link: control bytes, then a few frames back to back. */
		memcpy(tmp + 4, buf, IFL_FRAME_HDR + len);
		ifl_frame_seal(buf, IFL_T_OK, t + 1, 4);
		memcpy(tmp + 4 + IFL_FRAME_HDR + len, buf, IFL_FRAME_HDR + 4);
		tmp[0] = (uint8_t)(t & 0x1e);
		tmp[1] = (uint8_t)t;
		tmp[2] = (uint8_t)(t % 3);
		tmp[3] = (uint8_t)(t * 11);
		rc |= put("fuzz_link", 0xff, tmp, 4 + 2 * IFL_FRAME_HDR + len + 4);
	}
	return rc;
}

static int messages(void)
{
	static struct ifl_inventory inv;
	struct ifl_hello hello = {1, 0};
	struct ifl_range range = {"mmcblk0", 4096, 1 << 20, IFL_RANGE_VERIFY};
	struct ifl_end end = {3, 12288};
	struct ifl_result res = {IFL_RES_HASHED, 1000, 24, 1024, {1, 2, 3}};
	struct ifl_progress prog = {IFL_PH_VERIFY, 10, 20, 30, 40};
	struct ifl_error err = {IFL_E_RANGE, 7, "mmcblk0: range ends past the target"};
	size_t n;
	int rc = 0;

	inv.max_payload = IFL_MAX_PAYLOAD;
	inv.max_chunk = IFL_MAX_CHUNK;
	strcpy(inv.agent_version, "0.1");
	inv.ntargets = 2;
	strcpy(inv.t[0].name, "mmcblk0");
	inv.t[0].size = 8ull << 30;
	inv.t[0].kind = IFL_KIND_BLOCK;
	strcpy(inv.t[0].model, "eMMC");
	strcpy(inv.t[1].name, "mtd0");
	inv.t[1].kind = IFL_KIND_MTD_NOR;
	strcpy(inv.t[1].serial, "123");

	rc |= ifl_enc_hello(&hello, buf, sizeof(buf), &n) || put("fuzz_msg", 0, buf, n);
	rc |= ifl_enc_inventory(&inv, buf, sizeof(buf), &n) || put("fuzz_msg", 1, buf, n);
	rc |= ifl_enc_range(&range, buf, sizeof(buf), &n) || put("fuzz_msg", 2, buf, n);
	rc |= ifl_enc_end(&end, buf, sizeof(buf), &n) || put("fuzz_msg", 3, buf, n);
	rc |= ifl_enc_result(&res, buf, sizeof(buf), &n) || put("fuzz_msg", 4, buf, n);
	rc |= ifl_enc_progress(&prog, buf, sizeof(buf), &n) || put("fuzz_msg", 5, buf, n);
	rc |= ifl_enc_error(&err, buf, sizeof(buf), &n) || put("fuzz_msg", 6, buf, n);
	rc |= ifl_enc_ok(42, buf, sizeof(buf), &n) || put("fuzz_msg", 7, buf, n);
	return rc;
}

static int chunks(void)
{
	static const char text[] = "initflash writes images to eMMC, NAND and NOR. ";
	uint8_t raw[4096];
	size_t n;
	int rc = 0;

	for (int kind = 0; kind < 4; kind++) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = kind == 0 ? 0 : kind == 1 ? (uint8_t)(i % 4 + 1) :
				 kind == 2 ? (uint8_t)text[i % (sizeof(text) - 1)] : (uint8_t)(i * 2654435761u >> 13);
		rc |= ifl_chunk_encode(raw, sizeof(raw), 8192, 6, buf, sizeof(buf), &n, NULL) ||
		      put("fuzz_chunk", 0x46, buf, n);
		rc |= put("fuzz_chunk", 0x80 | 6, raw, 300);
	}
	/* A fill whose length is not a multiple of 4. */
	ifl_chunk_put_hdr(buf, 0, 7, IFL_ENC_FILL, 0);
	memcpy(buf + IFL_CHUNK_HDR, "abcd", 4);
	rc |= put("fuzz_chunk", 0x40, buf, IFL_CHUNK_HDR + 4);
	return rc;
}

static int tspecs(void)
{
	static const char *const specs[] = {"mmcblk0", "disk@1M", "disk@1M+4M", "disk+0x1000",
					    "nvme0n1@2GiB+512KiB", "a@0+1T", "disk@", "@1M+"};
	int rc = 0;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		rc |= put("fuzz_tspec", (uint8_t)(i & 1), (const uint8_t *)specs[i], strlen(specs[i]));
	return rc;
}

/* One gzip member of p[n] at out + *len. */
static int gzip_member(const uint8_t *p, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	z.next_out = out + *len;
	z.avail_out = (uInt)(cap - *len);
	rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
	*len += z.total_out;
	deflateEnd(&z);
	return rc;
}

static int gzips(void)
{
	static const char text[] = "initflash writes images to eMMC, NAND and NOR. ";
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < 3000; i++)
		tmp[i] = (uint8_t)text[i % (sizeof(text) - 1)] ^ (uint8_t)(i >> 7);
	rc |= gzip_member(tmp, 3000, buf, sizeof(buf), &n) || put("fuzz_gzip_source", 0xff, buf, n);
	rc |= gzip_member(tmp, 100, buf, sizeof(buf), &n) || put("fuzz_gzip_source", 0xff, buf, n);
	rc |= put("fuzz_gzip_source", 0xff, buf, n - 5);
	memcpy(buf + n, "garbage", 7);
	rc |= put("fuzz_gzip_source", 0xff, buf, n + 7);
	return rc;
}

/*
 * fuzz_agent_session records (see its header): HELLO, then a verified
 * write of every encoding, READ, HASH, ERASE, refusals, REBOOT and BYE.
 */
static size_t rec_range(uint8_t *p, uint8_t kind, uint8_t tgt, uint16_t off, uint16_t len,
			uint8_t flags)
{
	p[0] = 0x81;
	p[1] = kind;
	p[2] = tgt;
	p[3] = (uint8_t)off;
	p[4] = (uint8_t)(off >> 8);
	p[5] = (uint8_t)len;
	p[6] = (uint8_t)(len >> 8);
	p[7] = flags;
	return 8;
}

static size_t rec_chunk(uint8_t *p, uint8_t enc, uint16_t off, uint16_t len)
{
	size_t n = 6;

	p[0] = 0x80;
	p[1] = enc;
	p[2] = (uint8_t)off;
	p[3] = (uint8_t)(off >> 8);
	p[4] = (uint8_t)len;
	p[5] = (uint8_t)(len >> 8);
	if (enc != 2) {
		for (size_t i = 0; i < len; i++)
			p[n + i] = (uint8_t)(enc == 1 ? i % 7 : i * 31);
		n += len;
	}
	return n;
}

static int agent_sessions(void)
{
	size_t n = 0;
	int rc = 0;

	buf[n++] = 0x83;
	n += rec_range(buf + n, 0, 0, 100, 4000, 1);
	n += rec_chunk(buf + n, 0, 0, 1000);
	n += rec_chunk(buf + n, 1, 1000, 1000);
	n += rec_chunk(buf + n, 2, 2000, 1000);
	n += rec_chunk(buf + n, 3, 3000, 1000);
	buf[n++] = 0x82;
	buf[n++] = 128;
	rc |= put("fuzz_agent_session", 0, buf, n);
	n += rec_range(buf + n, 1, 0, 0, 20000, 0);
	n += rec_range(buf + n, 3, 0, 7, 9000, 0);
	n += rec_range(buf + n, 2, 0, 4096, 4096, 0);
	rc |= put("fuzz_agent_session", 0x02, buf, n);
	n = 1;
	n += rec_range(buf + n, 0, 1, 0, 100, 0);
	n += rec_range(buf + n, 0, 2, 0, 100, 0);
	n += rec_range(buf + n, 0, 0, 65000, 1000, 0);
	n += rec_range(buf + n, 0, 0, 0, 100, 0);
	n += rec_chunk(buf + n, 0, 50, 100);
	buf[n++] = 0x82;
	buf[n++] = 129;
	/* A CHUNK frame whose chunk CRC is wrong (the frame's own CRC is right). */
	n += rec_range(buf + n, 0, 0, 0, 100, 0);
	buf[n++] = IFL_T_CHUNK;
	buf[n++] = IFL_CHUNK_HDR + 10;
	buf[n++] = 0;
	ifl_chunk_put_hdr(buf + n, 0, 10, IFL_ENC_RAW, 0x12345678);
	memset(buf + n + IFL_CHUNK_HDR, 'x', 10);
	n += IFL_CHUNK_HDR + 10;
	buf[n++] = 0x82;
	buf[n++] = 128;
	buf[n++] = IFL_T_REBOOT;
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = IFL_T_BYE;
	buf[n++] = 0;
	buf[n++] = 0;
	rc |= put("fuzz_agent_session", 0x06, buf, n);
	return rc;
}

/*
 * The bytes from LBA 1 on of a GPT for a disk of disk_lbas blocks of bs bytes:
 * three partitions, the last one ending end_gap blocks before the last usable LBA.
 */
static size_t gpt_table(uint8_t *p, uint32_t bs, uint64_t disk_lbas, uint64_t end_gap)
{
	static const char *const names[] = {"one", "two", "APP"};
	uint64_t eb = 128 * 128 / bs, first = 2 + eb, last = disk_lbas - 2 - eb;
	size_t n = (size_t)(1 + eb) * bs;

	memset(p, 0, n);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *e = p + bs + 128 * i;

		memset(e, 0x21 + i, 16);      /* type GUID */
		memset(e + 16, 0x41 + i, 16); /* unique GUID */
		ifl_put_le64(e + 32, first + 64 * i);
		ifl_put_le64(e + 40, i < 2 ? first + 64 * i + 63 : last - end_gap);
		for (unsigned k = 0; names[i][k]; k++)
			ifl_put_le16(e + 56 + 2 * k, (uint16_t)names[i][k]);
	}
	memcpy(p, "EFI PART", 8);
	ifl_put_le32(p + 8, 0x00010000);
	ifl_put_le32(p + 12, 92);
	ifl_put_le64(p + 24, 1);
	ifl_put_le64(p + 32, disk_lbas - 1);
	ifl_put_le64(p + 40, first);
	ifl_put_le64(p + 48, last);
	memset(p + 56, 0x5a, 16); /* disk GUID */
	ifl_put_le64(p + 72, 2);
	ifl_put_le32(p + 80, 128);
	ifl_put_le32(p + 84, 128);
	ifl_put_le32(p + 88, (uint32_t)crc32(0L, p + bs, 128 * 128));
	ifl_put_le32(p + 16, (uint32_t)crc32(0L, p, 92));
	return n;
}

/* fuzz_gpt_relocate: flags, disk blocks (le32), expand slot (le16), then the table. */
static int gpts(void)
{
	static const struct {
		uint8_t flags;
		uint32_t bs, made, disk;
		uint16_t slot;
		uint64_t gap;
	} s[] = {
		{0, 512, 4096, 8192, 3, 0},   {0, 512, 4096, 4096, 0, 0},
		{0, 512, 4096, 3200, 0, 1000}, {1, 512, 4096, 8192, 1, 0},
		{2, 4096, 1024, 4096, 3, 0},  {0x12, 4096, 1024, 64, 3, 0},
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t n = gpt_table(tmp, s[i].bs, s[i].made, s[i].gap);

		ifl_put_le32(buf, s[i].disk);
		ifl_put_le16(buf + 4, s[i].slot);
		memcpy(buf + 6, tmp, n);
		rc |= put("fuzz_gpt_relocate", s[i].flags, buf, 6 + n);
	}
	/* fuzz_gpt: disk size in 4 KiB steps (le16), then the same bytes of a valid table. */
	{
		size_t n = gpt_table(tmp, 512, 4096, 0);

		ifl_put_le16(buf, 4096 / 8);
		memcpy(buf + 2, tmp, n);
		rc |= put("fuzz_gpt", 0xff, buf, 2 + n);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0777) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	if (frames() || messages() || chunks() || tspecs() || gzips() || agent_sessions() ||
	    gpts()) {
		fprintf(stderr, "mkseeds: cannot write the corpus under %s\n", dir);
		return 1;
	}
	printf("mkseeds: %u seeds under %s\n", nseed, dir);
	return 0;
}
