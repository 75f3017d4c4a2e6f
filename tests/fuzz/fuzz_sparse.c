/*
 * fuzz_sparse.c - arbitrary bytes behind the sparse magic as an image file
 * (a memfd) through ifl_source_open. Nothing may crash; an accepted image
 * has sorted, non-overlapping, non-empty extents inside its size, and its
 * data stream is exactly as long as its DATA extents, twice over.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "source.h"
#include "wire.h"

static int memfd = -1;
static char path[64];
static uint8_t out[4093];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ifl_source *s = NULL;
	struct ifl_diag d = {0};
	uint8_t magic[4];
	uint64_t want = 0, got, end = 0;
	long n;

	if (memfd < 0) {
		memfd = memfd_create("fuzz-sparse", 0);
		CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	/* Always sparse: the magic is ours, the rest is the fuzzer's. */
	ifl_put_le32(magic, IFL_SPARSE_MAGIC);
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, magic, 4, 0) == 4);
	CHECK(pwrite(memfd, data, size, 4) == (ssize_t)size);
	if (ifl_source_open(path, &s, &d) != 0) {
		CHECK(s == NULL);
		CHECK(d.msg[0] != '\0');
		return 0;
	}
	CHECK(strcmp(s->ops->name, "sparse") == 0);
	for (size_t i = 0; i < s->next; i++) {
		CHECK(s->ext[i].len > 0);
		CHECK(s->ext[i].off >= end);
		end = s->ext[i].off + s->ext[i].len;
		CHECK(end <= s->size);
		if (s->ext[i].kind == IFL_EXT_DATA)
			want += s->ext[i].len;
	}
	for (int pass = 0; pass < 2; pass++) {
		got = 0;
		while ((n = s->ops->read(s, out, sizeof(out))) > 0)
			got += (uint64_t)n;
		CHECK(n == 0);
		CHECK(got == want);
		CHECK(s->ops->rewind(s) == 0);
	}
	ifl_source_close(s);
	return 0;
}
