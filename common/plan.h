/* plan.h - the plan file of `initflash flash --plan`: one write per line. */
#ifndef IFL_PLAN_H
#define IFL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define IFL_PLAN_TARGET_MAX 32 /* device name, with NUL */
#define IFL_PLAN_PART_MAX 112  /* partition name (a GPT name in UTF-8), with NUL */
#define IFL_PLAN_PATH_MAX 1024 /* image path, with NUL */

/* One line: TARGET[/PARTNAME][@OFFSET] IMAGE [sha256=HEX]. See docs/PLAN.md. */
struct ifl_plan_entry {
	char target[IFL_PLAN_TARGET_MAX];
	char partname[IFL_PLAN_PART_MAX]; /* "" when the write addresses the whole target */
	int has_offset;
	uint64_t offset; /* bytes from the start of the target or partition */
	char image[IFL_PLAN_PATH_MAX];
	int has_sha;
	uint8_t sha256[32];
	unsigned line; /* 1-based */
};

/*
 * Parse the plan text[0..len) (the caller read the file; NUL bytes are
 * refused) into out[0..cap); *n gets the number of writes. fname names the file
 * in messages: "plan.txt: line 3, column 14: sha256 must be 64 hex digits".
 * Returns 0, -EINVAL for a syntax error, -ENAMETOOLONG for a field over its
 * limit, -E2BIG for more than cap writes, -ENODATA for a plan without writes.
 */
int ifl_plan_parse(const char *text, size_t len, const char *fname, struct ifl_plan_entry *out,
		   size_t cap, size_t *n, char *err, size_t errcap);

/* A write resolved to absolute bytes on a whole device. */
struct ifl_plan_span {
	const char *target; /* device name, compared exactly */
	uint64_t start, len;
	unsigned line;
};

/*
 * Find two spans on one target whose bytes overlap (zero-length spans never
 * do). On a clash *a and *b get their positions in s (a < b), err names both
 * lines, and -EEXIST is returned; otherwise 0.
 */
int ifl_plan_check_overlaps(const struct ifl_plan_span *s, size_t n, const char *fname,
			    size_t *a, size_t *b, char *err, size_t errcap);

#endif
