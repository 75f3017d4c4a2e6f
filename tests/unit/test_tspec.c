/* test_tspec.c - the TARGET[@OFFSET][+LENGTH] argument: what parses, and how refusals read. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tspec.h"

static struct ifl_tspec ok(const char *arg, int allow_length)
{
	struct ifl_diag d = {0};
	struct ifl_tspec t;

	cr_assert_eq(ifl_tspec_parse(arg, allow_length, &t, &d), 0, "\"%s\" parses: %s", arg,
		     d.msg);
	cr_assert_eq(d.exit, 0, "\"%s\": nothing recorded", arg);
	return t;
}

/* Refused as a usage error about arg, with a message starting with want. */
static void bad(const char *arg, int allow_length, const char *want)
{
	struct ifl_diag d = {0};
	struct ifl_tspec t;

	cr_assert_eq(ifl_tspec_parse(arg, allow_length, &t, &d), -EINVAL, "\"%s\" is refused", arg);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	cr_assert_str_eq(d.who, arg);
	cr_assert_eq(strncmp(d.msg, want, strlen(want)), 0, "\"%s\": message \"%s\", want \"%s...\"",
		     arg, d.msg, want);
}

Test(tspec, name_only)
{
	struct ifl_tspec t = ok("mmcblk0", 1);

	cr_assert_str_eq(t.name, "mmcblk0");
	cr_assert_eq(t.offset, 0);
	cr_assert_eq(t.has_length, 0);
	cr_assert_eq(t.length, 0);
}

Test(tspec, offset)
{
	struct ifl_tspec t = ok("disk@1M", 0);

	cr_assert_str_eq(t.name, "disk");
	cr_assert_eq(t.offset, 1u << 20);
	cr_assert_eq(t.has_length, 0);
	cr_assert_eq(ok("disk@0x1000", 0).offset, 4096);
	cr_assert_eq(ok("disk@0", 0).offset, 0);
	cr_assert_eq(ok("disk@512", 0).offset, 512);
	cr_assert_eq(ok("disk@2GiB", 0).offset, 2ull << 30);
}

Test(tspec, offset_and_length)
{
	struct ifl_tspec t = ok("disk@1M+4M", 1);

	cr_assert_str_eq(t.name, "disk");
	cr_assert_eq(t.offset, 1u << 20);
	cr_assert_eq(t.length, 4u << 20);
	cr_assert_eq(t.has_length, 1);
}

Test(tspec, length_only)
{
	struct ifl_tspec t = ok("mmcblk0boot0+4K", 1);

	cr_assert_str_eq(t.name, "mmcblk0boot0");
	cr_assert_eq(t.offset, 0);
	cr_assert_eq(t.length, 4096);
	cr_assert_eq(t.has_length, 1);
}

Test(tspec, name_characters_are_the_agents_business)
{
	cr_assert_str_eq(ok("nvme0n1.part-2_x", 1).name, "nvme0n1.part-2_x");
}

Test(tspec, longest_name)
{
	char name[IFL_NAME_MAX + 8];

	memset(name, 'a', IFL_NAME_MAX);
	strcpy(name + IFL_NAME_MAX, "@1K");
	cr_assert_eq(strlen(ok(name, 0).name), IFL_NAME_MAX);
	memset(name, 'a', IFL_NAME_MAX + 1);
	name[IFL_NAME_MAX + 1] = '\0';
	bad(name, 0, "the target name is too long");
}

Test(tspec, missing_name)
{
	bad("", 1, "no target name; write TARGET[/PARTNAME][@OFFSET][+LENGTH], e.g. disk@1M+4M");
	bad("@1M", 1, "no target name");
	bad("+1M", 1, "no target name");
}

Test(tspec, bad_offsets)
{
	bad("disk@", 0, "the offset is not a size; write TARGET[/PARTNAME][@OFFSET][+LENGTH]");
	bad("disk@+4M", 1, "the offset is not a size");
	bad("disk@1X", 0, "the offset is not a size");
	bad("disk@-1", 0, "the offset is not a size");
	bad("disk@1M@2M", 0, "the offset is not a size");
	bad("disk@99999999999999999999", 0, "the offset is not a size");
	bad("disk@16777216T", 0, "the offset is not a size");
	bad("disk@ 1M", 0, "the offset is not a size");
	bad("disk@000000000000000000000000000000000000000000000000000000000000000001", 0,
	    "the offset is not a size");
}

Test(tspec, bad_lengths)
{
	bad("disk+", 1, "the length is not a size");
	bad("disk@1M+", 1, "the length is not a size");
	bad("disk+4Q", 1, "the length is not a size");
	bad("disk+1M+1M", 1, "the length is not a size");
	bad("disk+1M@2M", 1, "the length is not a size");
	bad("disk+0", 1, "the length is zero");
	bad("disk@1M+0K", 1, "the length is zero");
}

Test(tspec, length_not_allowed)
{
	bad("disk+4M", 0, "a +LENGTH makes no sense here (the image gives the length); write "
	    "TARGET[@OFFSET]");
	bad("disk@1M+4M", 0, "a +LENGTH makes no sense here");
}

Test(tspec, first_failure_wins)
{
	struct ifl_diag d = {.exit = IFL_EXIT_CONN};
	struct ifl_tspec t;

	strcpy(d.msg, "earlier");
	cr_assert_eq(ifl_tspec_parse("disk@x", 0, &t, &d), -EINVAL);
	cr_assert_eq(d.exit, IFL_EXIT_CONN);
	cr_assert_str_eq(d.msg, "earlier");
}
