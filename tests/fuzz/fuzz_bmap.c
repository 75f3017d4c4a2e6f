/*
 * fuzz_bmap.c - arbitrary text through ifl_bmap_parse. Nothing may crash;
 * a refusal says why with a line number; accepted extents are sorted,
 * non-overlapping, non-empty and inside the image size, and the checksum
 * length is one bmaptool writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The image size comes from the first 4 bytes, so it can match an ImageSize. */
	uint64_t image = size >= 4 ? (uint64_t)data[0] | (uint64_t)data[1] << 8 |
					     (uint64_t)data[2] << 16 | (uint64_t)data[3] << 24
				   : 0;
	const char *text = size >= 4 ? (const char *)data + 4 : "";
	struct ifl_extent *ext = NULL;
	uint8_t *sums = NULL;
	unsigned sum_len = 99;
	size_t n = 0;
	uint64_t end = 0;
	char why[256] = "";
	int rc = ifl_bmap_parse("img", text, size >= 4 ? size - 4 : 0, image, &ext, &n, &sums,
				&sum_len, why);

	if (rc) {
		CHECK(strncmp(why, "line ", 5) == 0);
		CHECK(memchr(why, '\0', sizeof(why)) != NULL);
		return 0;
	}
	CHECK(sum_len == 0 || sum_len == 20 || sum_len == 32);
	for (size_t i = 0; i < n; i++) {
		CHECK(ext[i].len > 0);
		CHECK(ext[i].off >= end);
		end = ext[i].off + ext[i].len;
		CHECK(end <= image);
		CHECK(ext[i].kind == IFL_EXT_DATA);
	}
	free(ext);
	free(sums);
	return 0;
}
