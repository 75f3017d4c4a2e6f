/* test_target.c - finding targets in the inventory and the host's refusals before BEGIN. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "progress.h"
#include "report.h"
#include "target.h"

#define MiB (1ull << 20)

static struct ifl_inventory inv;

static void add(const char *name, uint64_t size, uint8_t flags)
{
	struct ifl_target_info *t = &inv.t[inv.ntargets++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->size = size;
	t->block_size = t->write_size = 512;
	t->kind = IFL_KIND_BLOCK;
	t->flags = flags;
}

static void setup(void)
{
	memset(&inv, 0, sizeof(inv));
	add("mmcblk0", 15634268160ull, 0);
	add("disk", 256 * MiB, 0);
	add("mmcblk0boot0", 4 * MiB, IFL_TF_READONLY);
}

TestSuite(target, .init = setup);

static struct ifl_tspec spec(const char *name, uint64_t off)
{
	struct ifl_tspec t = {.offset = off};

	snprintf(t.name, sizeof(t.name), "%s", name);
	return t;
}

static const struct ifl_target_info *get(const char *name)
{
	const struct ifl_target_info *ti = ifl_target_find(&inv, name);

	cr_assert_not_null(ti, "%s", name);
	return ti;
}

/* The refusal is recorded with exit 4 about who, and its message is want exactly. */
static void refused(const struct ifl_diag *d, const char *who, const char *want)
{
	cr_assert_eq(d->exit, IFL_EXIT_DEVICE);
	cr_assert_str_eq(d->who, who);
	cr_assert_str_eq(d->msg, want);
}

Test(target, find)
{
	cr_assert_eq(ifl_target_find(&inv, "disk"), &inv.t[1]);
	cr_assert_eq(ifl_target_find(&inv, "mmcblk0"), &inv.t[0]);
	cr_assert_null(ifl_target_find(&inv, "mmcblk"), "no prefix matches");
	cr_assert_null(ifl_target_find(&inv, "DISK"), "names are case-sensitive");
	cr_assert_null(ifl_target_find(&inv, ""));
}

Test(target, lookup_known)
{
	const struct ifl_target_info *ti = NULL;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_lookup(&inv, "mmcblk0boot0", &ti, &d), 0);
	cr_assert_eq(ti, &inv.t[2]);
	cr_assert_eq(d.exit, 0);
}

Test(target, lookup_unknown_lists_the_known_ones)
{
	const struct ifl_target_info *ti = &inv.t[0];
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_lookup(&inv, "sda", &ti, &d), -ENOENT);
	cr_assert_null(ti);
	refused(&d, "sda", "no such target; the agent offers: mmcblk0, disk, mmcblk0boot0");
}

Test(target, lookup_in_an_empty_inventory)
{
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	inv.ntargets = 0;
	cr_assert_eq(ifl_target_lookup(&inv, "disk", &ti, &d), -ENOENT);
	refused(&d, "disk", "no such target; the agent offers no targets at all");
}

Test(target, lookup_in_a_full_inventory_stays_bounded)
{
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	inv.ntargets = 0;
	for (unsigned i = 0; i < IFL_MAX_TARGETS; i++) {
		char name[IFL_NAME_MAX + 1];

		memset(name, 'a' + i % 26, IFL_NAME_MAX);
		name[IFL_NAME_MAX] = '\0';
		add(name, 1, 0);
	}
	cr_assert_eq(ifl_target_lookup(&inv, "x", &ti, &d), -ENOENT);
	cr_assert_eq(strncmp(d.msg, "no such target; the agent offers: aaaa", 38), 0);
	cr_assert_lt(strlen(d.msg), sizeof(d.msg));
}

Test(target, image_fits)
{
	struct ifl_tspec ts = spec("disk", 0);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, 256 * MiB, 1, &d), 0);
	ts.offset = 255 * MiB;
	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, MiB, 1, &d), 0);
	cr_assert_eq(d.exit, 0);
}

Test(target, image_too_large)
{
	struct ifl_tspec ts = spec("disk", 0);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, 300 * MiB, 1, &d), -ERANGE);
	refused(&d, "disk", "image is 300.0 MiB but the target holds 256.0 MiB; use a smaller image "
		"or a larger target");
}

static void setup_redirect(void)
{
	setup();
	cr_redirect_stderr();
}

Test(target, image_too_large_as_printed, .init = setup_redirect)
{
	struct ifl_tspec ts = spec("disk", 0);
	struct ifl_diag d = {0};
	struct ifl_ui ui;

	ifl_ui_init(&ui, 0, 1);
	ifl_target_check_image(get("disk"), &ts, 300 * MiB, 1, &d);
	ifl_report_error(&ui, &d);
	fflush(stderr);
	cr_assert_stderr_eq_str("initflash: disk: image is 300.0 MiB but the target holds 256.0 MiB; "
				"use a smaller image or a larger target\n");
	ifl_ui_destroy(&ui);
}

Test(target, image_one_byte_too_large_shows_bytes)
{
	struct ifl_tspec ts = spec("disk", 0);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, 256 * MiB + 1, 1, &d), -ERANGE);
	refused(&d, "disk", "image is 256.0 MiB (268435457 bytes) but the target holds 256.0 MiB "
		"(268435456 bytes); use a smaller image or a larger target");
}

Test(target, image_too_large_after_offset)
{
	struct ifl_tspec ts = spec("disk", 100 * MiB);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, 200 * MiB, 1, &d), -ERANGE);
	refused(&d, "disk", "image is 200.0 MiB but the target holds only 156.0 MiB after offset "
		"100.0 MiB (256.0 MiB in all); use a smaller offset or image");
}

Test(target, offset_past_the_end)
{
	struct ifl_tspec ts = spec("disk", 300 * MiB);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, 1, 1, &d), -ERANGE);
	refused(&d, "disk", "offset 300.0 MiB is past the end of the target, which holds 256.0 MiB; "
		"pick a smaller offset");
}

Test(target, offset_at_the_end)
{
	struct ifl_tspec ts = spec("disk", 256 * MiB);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_range(get("disk"), &ts, 0, &d), -ERANGE);
	refused(&d, "disk", "offset 256.0 MiB is at the end of the target, which holds 256.0 MiB; "
		"pick a smaller offset");
}

Test(target, read_only_refuses_writes)
{
	struct ifl_tspec ts = spec("mmcblk0boot0", 0);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("mmcblk0boot0"), &ts, 4096, 1, &d), -EROFS);
	refused(&d, "mmcblk0boot0",
		"the target is read-only; pick a writable target (see initflash info)");
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_target_check_range(get("mmcblk0boot0"), &ts, 1, &d), -EROFS, "erase");
	refused(&d, "mmcblk0boot0",
		"the target is read-only; pick a writable target (see initflash info)");
}

Test(target, read_only_allows_reads_and_verify)
{
	struct ifl_tspec ts = spec("mmcblk0boot0", 0);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_image(get("mmcblk0boot0"), &ts, 4096, 0, &d), 0, "verify");
	cr_assert_eq(ifl_target_check_range(get("mmcblk0boot0"), &ts, 0, &d), 0, "read");
	cr_assert_eq(d.exit, 0);
}

Test(target, range_defaults_to_the_rest)
{
	struct ifl_tspec ts = spec("disk", 56 * MiB);
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_check_range(get("disk"), &ts, 0, &d), 0);
	cr_assert_eq(ts.length, 200 * MiB);
}

Test(target, nand_range_defaults_to_what_the_good_blocks_hold)
{
	struct ifl_tspec ts = spec("nand", 0);
	struct ifl_diag d = {0};

	add("nand", 16 * MiB, 0);
	inv.t[inv.ntargets - 1].kind = IFL_KIND_MTD_NAND;
	inv.t[inv.ntargets - 1].erase_size = 16384;
	inv.t[inv.ntargets - 1].bad_blocks = 2;
	cr_assert_eq(ifl_target_check_range(get("nand"), &ts, 0, &d), 0);
	cr_assert_eq(ts.length, 16 * MiB - 2 * 16384, "the agent reads past the 2 bad blocks");
	/* Past the point where the bad blocks could all be skipped: what is left. */
	ts = spec("nand", 16 * MiB - 16384);
	cr_assert_eq(ifl_target_check_range(get("nand"), &ts, 0, &d), 0);
	cr_assert_eq(ts.length, 16384);
}

Test(target, range_with_length)
{
	struct ifl_tspec ts = spec("disk", 56 * MiB);
	struct ifl_diag d = {0};

	ts.has_length = 1;
	ts.length = 200 * MiB;
	cr_assert_eq(ifl_target_check_range(get("disk"), &ts, 1, &d), 0);
	cr_assert_eq(ts.length, 200 * MiB);
	ts.length = 200 * MiB + 1;
	cr_assert_eq(ifl_target_check_range(get("disk"), &ts, 1, &d), -ERANGE);
	refused(&d, "disk", "200.0 MiB at offset 56.0 MiB passes the end of the target (256.0 MiB); "
		"shorten the +LENGTH");
}

Test(target, huge_length_does_not_wrap)
{
	struct ifl_tspec ts = spec("disk", MiB);
	struct ifl_diag d = {0};

	ts.has_length = 1;
	ts.length = UINT64_MAX;
	cr_assert_eq(ifl_target_check_range(get("disk"), &ts, 0, &d), -ERANGE);
	cr_assert_eq(ifl_target_check_image(get("disk"), &ts, UINT64_MAX, 0, &d), -ERANGE);
}

Test(target, kinds)
{
	cr_assert_str_eq(ifl_target_kind(IFL_KIND_FILE), "file");
	cr_assert_str_eq(ifl_target_kind(IFL_KIND_BLOCK), "block");
	cr_assert_str_eq(ifl_target_kind(IFL_KIND_MTD_NOR), "mtd-nor");
	cr_assert_str_eq(ifl_target_kind(IFL_KIND_MTD_NAND), "mtd-nand");
	cr_assert_str_eq(ifl_target_kind(4), "?");
	cr_assert_str_eq(ifl_target_kind(255), "?");
}
