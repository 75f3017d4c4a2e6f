/* fuzz_plan.c - plan file parsing and overlap checking on arbitrary text. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ifl_plan_entry e[16];
	struct ifl_plan_span s[16];
	char err[160];
	size_t n = 99, a, b;
	char *text = malloc(size ? size : 1);

	CHECK(text);
	memcpy(text, data, size);
	err[0] = '\0';
	int rc = ifl_plan_parse(text, size, "p", e, 16, &n, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG || rc == -E2BIG || rc == -ENODATA);
	CHECK(rc == 0 || err[0] != '\0');
	CHECK(n <= 16);
	CHECK((rc == 0) == (n > 0) || rc == -EINVAL || rc == -ENAMETOOLONG || rc == -E2BIG);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		CHECK(e[i].target[0] && strlen(e[i].target) < IFL_PLAN_TARGET_MAX);
		CHECK(e[i].image[0] && strlen(e[i].image) < IFL_PLAN_PATH_MAX);
		CHECK(strlen(e[i].partname) < IFL_PLAN_PART_MAX);
		CHECK(e[i].line >= 1 && (i == 0 || e[i].line > e[i - 1].line));
		s[i] = (struct ifl_plan_span){e[i].target, e[i].offset, e[i].has_sha ? 4096 : 1,
					      e[i].line};
	}
	if (rc == 0) {
		rc = ifl_plan_check_overlaps(s, n, "p", &a, &b, err, sizeof(err));
		CHECK(rc == 0 || rc == -EEXIST);
		if (rc == -EEXIST)
			CHECK(a < b && b < n && strcmp(s[a].target, s[b].target) == 0);
	}
	free(text);
	return 0;
}
