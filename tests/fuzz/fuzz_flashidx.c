/* fuzz_flashidx.c - flash.idx parsing, device names and boot splits on arbitrary input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flashidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ifl_flashidx_entry e[16];
	struct ifl_boot_piece p[2];
	char err[200], name[24];
	size_t n = 99;
	char *text = malloc(size ? size : 1);

	CHECK(text);
	memcpy(text, data, size);
	err[0] = '\0';
	int rc = ifl_flashidx_parse(text, size, "f", e, 16, &n, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG || rc == -E2BIG || rc == -ENODATA);
	CHECK(rc == 0 || err[0] != '\0');
	for (size_t i = 0; rc == 0 && i < n; i++) {
		CHECK(e[i].partname[0] && !strchr(e[i].partname, ':'));
		CHECK(e[i].file_size <= e[i].size && e[i].start + e[i].size >= e[i].start);
		CHECK(!e[i].file[0] || e[i].has_sha1);
		const char *d = ifl_flashidx_devname(e[i].devtype, e[i].instance, e[i].partname, name,
						     sizeof(name));
		CHECK(!d || (d == name && strlen(d) < sizeof(name)));
		CHECK(d || !e[i].known_devtype || e[i].devtype == IFL_IDX_EXTERNAL);
		int k = ifl_flashidx_boot_split(e[i].start, e[i].file_size, 4u << 20, p);
		CHECK(k >= 0 && k <= 2);
		uint64_t sum = 0;
		for (int j = 0; j < k; j++)
			sum += p[j].len;
		CHECK(sum == e[i].file_size);
		CHECK(ifl_flashidx_role(&e[i]) <= IFL_IDX_ROLE_NO_FILE);
	}
	free(text);
	return 0;
}
