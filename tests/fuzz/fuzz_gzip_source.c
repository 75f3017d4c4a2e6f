/*
 * fuzz_gzip_source.c - arbitrary bytes as an image file (a memfd) through
 * ifl_source_open and a full read. Nothing may crash; a file starting with
 * the gzip magic is accepted exactly when zlib's own gunzip of all members
 * accepts it, with the same size and the same bytes; anything else is raw.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "source.h"

static int memfd = -1;
static char path[64];
static uint8_t out[1u << 16];

/*
 * The reference: inflate every member back to back, as gunzip does without
 * its lenience for trailing garbage. Returns 0 with the size and CRC-32 of
 * the output, or -1 for anything short of whole members up to the last byte.
 */
static int gunzip(const uint8_t *p, size_t n, uint64_t *size, uint32_t *crc)
{
	z_stream z;
	int in_member = 0, rc = 0;

	memset(&z, 0, sizeof(z));
	CHECK(inflateInit2(&z, 16 + 15) == Z_OK);
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	*size = 0;
	*crc = (uint32_t)crc32(0L, Z_NULL, 0);
	for (;;) {
		int zr;

		if (!in_member) {
			if (z.avail_in == 0)
				break;
			inflateReset(&z);
			in_member = 1;
		}
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = inflate(&z, Z_NO_FLUSH);
		*size += sizeof(out) - z.avail_out;
		*crc = (uint32_t)crc32(*crc, out, (uInt)(sizeof(out) - z.avail_out));
		if (zr == Z_STREAM_END)
			in_member = 0;
		else if (zr != Z_OK) {
			rc = -1;
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

/* Read the opened source to its end. Returns 0 or the read's error. */
static long read_all(struct ifl_source *s, uint64_t *size, uint32_t *crc)
{
	long n;

	*size = 0;
	*crc = (uint32_t)crc32(0L, Z_NULL, 0);
	while ((n = s->ops->read(s, out, 4093)) > 0) {
		*size += (uint64_t)n;
		*crc = (uint32_t)crc32(*crc, out, (uInt)n);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ifl_source *s = NULL;
	struct ifl_diag d = {0};
	uint64_t want = 0, got;
	uint32_t want_crc = 0, got_crc;
	int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b, ok, rc;
	/* Android sparse images have their own target (fuzz_sparse.c). */
	static const uint8_t sparse_magic[4] = {0x3a, 0xff, 0x26, 0xed};

	if (size >= 4 && memcmp(data, sparse_magic, 4) == 0)
		return 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz-image", 0);
		CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);

	ok = gz ? gunzip(data, size, &want, &want_crc) == 0 : 1;
	if (!gz)
		want = size;
	rc = ifl_source_open(path, &s, &d);
	if (ok && want > 0) {
		CHECK(rc == 0);
		CHECK(strcmp(s->ops->name, gz ? "gzip" : "raw") == 0);
		CHECK(s->size == want);
		/* The second pass yields what the check saw; so does a third after rewind. */
		for (int pass = 0; pass < 2; pass++) {
			CHECK(read_all(s, &got, &got_crc) == 0);
			CHECK(got == want);
			if (gz)
				CHECK(got_crc == want_crc);
			CHECK(s->ops->rewind(s) == 0);
		}
		ifl_source_close(s);
		return 0;
	}
	CHECK(rc < 0);
	CHECK(s == NULL);
	CHECK(d.msg[0] != '\0');
	CHECK(strcmp(d.who, path) == 0);
	if (ok)
		CHECK(d.exit == IFL_EXIT_USAGE); /* empty */
	else
		CHECK(d.exit == IFL_EXIT_LOCAL && strstr(d.msg, "gzip data is "));
	return 0;
}
