/* test_plan.c - plan file parsing, its error messages, and overlap detection. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static struct ifl_plan_entry e[8];
static size_t n;
static char err[256];

static int parse(const char *text)
{
	memset(err, 0, sizeof(err));
	return ifl_plan_parse(text, strlen(text), "plan.txt", e, 8, &n, err, sizeof(err));
}

static void bad(const char *text, int want, const char *msg)
{
	int rc = parse(text);

	cr_assert_eq(rc, want, "\"%s\": rc %d (%s), want %d", text, rc, err, want);
	cr_assert_str_eq(err, msg, "\"%s\"", text);
}

Test(plan, full_example)
{
	const char *text = "# flash a Jetson\n"
			   "\n"
			   "mtd0 qspi.bin\n"
			   "mmcblk0@0x400 gpt.bin   # primary GPT\n"
			   "mmcblk0/APP \"system image.img\" sha256="
			   "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
			   "\tnvme0n1/kernel@4K  k.img\r\n"
			   "sda/a_b@0 \"q\\\"uote\\\\d\"";
	cr_assert_eq(parse(text), 0, "%s", err);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(e[0].target, "mtd0");
	cr_assert_str_eq(e[0].partname, "");
	cr_assert_eq(e[0].has_offset, 0);
	cr_assert_eq(e[0].has_sha, 0);
	cr_assert_eq(e[0].line, 3);
	cr_assert_str_eq(e[1].target, "mmcblk0");
	cr_assert_eq(e[1].has_offset, 1);
	cr_assert_eq(e[1].offset, 0x400);
	cr_assert_str_eq(e[1].image, "gpt.bin");
	cr_assert_str_eq(e[2].partname, "APP");
	cr_assert_str_eq(e[2].image, "system image.img");
	cr_assert_eq(e[2].has_sha, 1);
	cr_assert_eq(e[2].sha256[0], 0x00);
	cr_assert_eq(e[2].sha256[1], 0x11);
	cr_assert_eq(e[2].sha256[31], 0xff);
	cr_assert_eq(e[2].line, 5);
	cr_assert_str_eq(e[3].target, "nvme0n1");
	cr_assert_str_eq(e[3].partname, "kernel");
	cr_assert_eq(e[3].offset, 4096);
	cr_assert_str_eq(e[3].image, "k.img");
	cr_assert_str_eq(e[4].partname, "a_b");
	cr_assert_eq(e[4].has_offset, 1);
	cr_assert_eq(e[4].offset, 0);
	cr_assert_str_eq(e[4].image, "q\"uote\\d");
	cr_assert_eq(e[4].line, 7);
}

Test(plan, errors_name_line_and_column)
{
	bad("mmcblk0 a.img\nmmcblk0 b.img sha256=abc\n", -EINVAL,
	    "plan.txt: line 2, column 22: sha256 must be 64 hex digits");
	bad("mmcblk0 a.img sha256="
	    "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	    -EINVAL, "plan.txt: line 1, column 22: sha256 must be 64 hex digits");
	bad("mmcblk0\n", -EINVAL, "plan.txt: line 1, column 8: expected an image after the target");
	bad("mmcblk0 a.img extra\n", -EINVAL,
	    "plan.txt: line 1, column 15: expected sha256=HEX or the end of the line");
	bad("mmc$blk a.img\n", -EINVAL, "plan.txt: line 1, column 4: unexpected '$' in target name");
	bad("mmcblk0@4X a.img\n", -EINVAL,
	    "plan.txt: line 1, column 9: offset must be a size such as 4096, 0x1000 or 4M");
	bad("mmcblk0@ a.img\n", -EINVAL,
	    "plan.txt: line 1, column 9: offset must be a size such as 4096, 0x1000 or 4M");
	bad("mmcblk0/ a.img\n", -EINVAL, "plan.txt: line 1, column 9: partition name is empty");
	bad("mmcblk0/a/b a.img\n", -EINVAL, "plan.txt: line 1, column 8: target has more than one '/'");
	bad("/APP a.img\n", -EINVAL, "plan.txt: line 1, column 1: target is empty");
	bad("mmcblk0 \"a b\n", -EINVAL, "plan.txt: line 1, column 9: image has no closing '\"'");
	bad("mmcblk0 \"\"\n", -EINVAL, "plan.txt: line 1, column 9: image is empty");
	bad("mmcblk0 \"a\"b\n", -EINVAL,
	    "plan.txt: line 1, column 12: expected a blank after the closing '\"'");
	bad("# only comments\n\n   \n", -ENODATA, "plan.txt: the plan has no writes");
	bad("", -ENODATA, "plan.txt: the plan has no writes");
}

Test(plan, sha_given_twice_and_limits)
{
	char big[2048];

	bad("d a sha256=0000000000000000000000000000000000000000000000000000000000000000 "
	    "sha256=0000000000000000000000000000000000000000000000000000000000000000",
	    -EINVAL, "plan.txt: line 1, column 77: sha256 given twice");
	memset(big, 'x', sizeof(big));
	memcpy(big, "d ", 2);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(parse(big), -ENAMETOOLONG);
	cr_assert(strstr(err, "image is longer than 1023 bytes"), "%s", err);
	memset(big, 'x', 40);
	memcpy(big + 40, " a", 3);
	cr_assert_eq(parse(big), -ENAMETOOLONG);
	cr_assert(strstr(err, "target is longer"), "%s", err);
}

Test(plan, too_many_writes_and_nul)
{
	cr_assert_eq(parse("a 1\na 2\na 3\na 4\na 5\na 6\na 7\na 8\na 9\n"), -E2BIG);
	cr_assert_str_eq(err, "plan.txt: line 9, column 1: more than 8 writes");
	const char nul[] = "a b\0c\n";
	cr_assert_eq(ifl_plan_parse(nul, sizeof(nul) - 1, "p", e, 8, &n, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "p: line 1, column 4: NUL byte in the plan");
}

Test(plan, truncated_at_every_length)
{
	const char *text = "mmcblk0/APP@1M \"sys img\" sha256="
			   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
	for (size_t len = 0; len <= strlen(text); len++) {
		char *copy = malloc(len ? len : 1);
		memcpy(copy, text, len);
		int rc = ifl_plan_parse(copy, len, "p", e, 8, &n, err, sizeof(err));
		cr_assert(rc == 0 || rc == -EINVAL || rc == -ENODATA, "len %zu: %d", len, rc);
		cr_assert_eq(rc == 0, len >= strlen(text) - 1 || (len >= 24 && len <= 25),
			     "len %zu: rc %d %s", len, rc, err);
		free(copy);
	}
}

Test(plan, overlaps)
{
	struct ifl_plan_span s[] = {
		{"mmcblk0", 0, 4096, 1},     {"mmcblk0", 4096, 4096, 2}, {"mtd0", 0, 8192, 3},
		{"mmcblk0", 8192, 0, 4},     {"mmcblk0", 100, 0, 5},
	};
	size_t a = 99, b = 99;

	cr_assert_eq(ifl_plan_check_overlaps(s, 5, "plan.txt", &a, &b, err, sizeof(err)), 0);
	cr_assert_eq(a, 99);
	s[2].target = "mmcblk0";
	cr_assert_eq(ifl_plan_check_overlaps(s, 5, "plan.txt", &a, &b, err, sizeof(err)), -EEXIST);
	cr_assert_eq(a, 0);
	cr_assert_eq(b, 2);
	cr_assert_str_eq(err, "plan.txt: line 3 overlaps line 1 on mmcblk0 "
			      "(bytes 0..8191 and 0..4095)");
	struct ifl_plan_span t[] = {{"d", UINT64_MAX - 10, 100, 1}, {"d", UINT64_MAX - 1, 1, 2}};
	cr_assert_eq(ifl_plan_check_overlaps(t, 2, "p", &a, &b, err, sizeof(err)), -EEXIST);
	cr_assert_eq(ifl_plan_check_overlaps(t, 1, "p", &a, &b, err, sizeof(err)), 0);
	cr_assert_eq(ifl_plan_check_overlaps(t, 0, "p", &a, &b, err, sizeof(err)), 0);
}
