/* test_l4t.c - flash.idx packages: device mapping, write order, boot split, sha1 refusal. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l4t.h"
#include "plan_run.h"
#include "source.h"

#define MiB (1ull << 20)

static char tmp[64];
static struct ifl_inventory inv;

static void add_target(const char *name, uint64_t size)
{
	struct ifl_target_info *t = &inv.t[inv.ntargets++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->size = size;
	t->block_size = t->write_size = 512;
	t->kind = IFL_KIND_BLOCK;
}

/* A package from tools/mkl4t.py in tmp/sub with extra arguments. */
static void mkl4t(const char *sub, const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "python3 tools/mkl4t.py %s/%s %s >/dev/null", tmp, sub, args);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_l4t.XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	memset(&inv, 0, sizeof(inv));
	add_target("mmcblk0boot0", 4 * MiB);
	add_target("mmcblk0boot1", 4 * MiB);
	add_target("mmcblk0", 64 * MiB);
	add_target("mtd0", 1 * MiB);
	add_target("nvme0n1", 64 * MiB);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	cr_assert_eq(system(cmd), 0);
}

static const struct ifl_l4t_line *line(const struct ifl_l4t *t, const char *part)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->l[i].e.partname, part) == 0)
			return &t->l[i];
	cr_assert_fail("no line %s", part);
	return NULL;
}

TestSuite(l4t, .init = setup, .fini = teardown);

Test(l4t, maps_devices_from_images_dir)
{
	struct ifl_l4t t;
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t("images/internal", "");
	snprintf(dir, sizeof(dir), "%s/images", tmp);
	cr_assert_eq(ifl_l4t_load(dir, NULL, &t, NULL, &d), 0, "%s", d.msg);
	cr_assert_eq(t.nidx, 1);
	cr_assert_eq(t.n, 11);
	cr_assert_str_eq(line(&t, "BCT")->dev, "mtd0");
	cr_assert_str_eq(line(&t, "mb2")->dev, "mmcblk0boot0");
	cr_assert_str_eq(line(&t, "APP")->dev, "mmcblk0");
	cr_assert_str_eq(line(&t, "A_reserved")->path, "");
	cr_assert(strstr(line(&t, "APP")->path, "/images/internal/APP.bin"));
	ifl_l4t_free(&t);
}

Test(l4t, order_gpt_first_mbr_and_empty_skipped)
{
	static const char *const want[] = {"BCT", "A_mb1", "A_MB1_BCT", "boot_bct", "mb2",
					   "primary_gpt", "secondary_gpt", "APP", "kernel"};
	struct ifl_l4t t;
	struct ifl_diag d = {0};
	size_t order[IFL_L4T_MAX_LINES], n;
	char dir[128];

	mkl4t("internal", "");
	snprintf(dir, sizeof(dir), "%s/internal", tmp);
	cr_assert_eq(ifl_l4t_load(dir, NULL, &t, NULL, &d), 0, "%s", d.msg);
	n = ifl_l4t_order(&t, order);
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(t.l[order[i]].e.partname, want[i], "write %zu", i);
	ifl_l4t_free(&t);
}

Test(l4t, plan_splits_boot_region_at_boot0_end)
{
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t("internal", "");
	snprintf(dir, sizeof(dir), "%s/internal", tmp);
	cr_assert_eq(ifl_l4t_load(dir, NULL, &t, NULL, &d), 0, "%s", d.msg);
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	cr_assert_eq(pr.n, 10);
	/* mb2: 100 KiB at boot0 size - 64 KiB: 64 KiB at the end of boot0, the rest at boot1's start */
	cr_assert_str_eq(pr.jobs[4].spec.name, "mmcblk0boot0");
	cr_assert_eq(pr.jobs[4].spec.offset, 4 * MiB - 65536);
	cr_assert_eq(pr.jobs[4].src->size, 65536);
	cr_assert_str_eq(pr.jobs[5].spec.name, "mmcblk0boot1");
	cr_assert_eq(pr.jobs[5].spec.offset, 0);
	cr_assert_eq(pr.jobs[5].src->size, 100 * 1024 - 65536);
	cr_assert_str_eq(pr.jobs[6].spec.name, "mmcblk0");
	cr_assert_eq(pr.jobs[6].spec.offset, 512); /* primary_gpt */
	cr_assert_eq(pr.jobs[7].spec.offset, 64 * MiB - 33 * 512); /* secondary_gpt */
	cr_assert_eq(pr.jobs[8].spec.offset, 1 * MiB); /* APP */
	/* the second half reads the file from 64 KiB on */
	{
		uint8_t a[16], b[16];
		FILE *f;
		char p[160];

		snprintf(p, sizeof(p), "%s/internal/mb2.bin", tmp);
		f = fopen(p, "rb");
		cr_assert_not_null(f);
		cr_assert_eq(fseek(f, 65536, SEEK_SET), 0);
		cr_assert_eq(fread(a, 1, sizeof(a), f), sizeof(a));
		fclose(f);
		cr_assert_eq(pr.jobs[5].src->ops->rewind(pr.jobs[5].src), 0);
		cr_assert_eq(ifl_source_fill(pr.jobs[5].src, b, sizeof(b)), 0);
		cr_assert_arr_eq(a, b, sizeof(a));
	}
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}

Test(l4t, missing_target_refused_before_writing)
{
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t("internal", "");
	snprintf(dir, sizeof(dir), "%s/internal", tmp);
	cr_assert_eq(ifl_l4t_load(dir, NULL, &t, NULL, &d), 0, "%s", d.msg);
	inv.ntargets = 3; /* no mtd0, no nvme0n1 */
	cr_assert_neq(ifl_l4t_plan(&t, &inv, &pr, &d), 0);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert_str_eq(d.who, "mtd0");
	cr_assert(strstr(d.msg, "line 1"), "%s", d.msg);
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}

Test(l4t, sha1_mismatch_refuses_whole_package)
{
	struct ifl_l4t t;
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t("bad", "--corrupt-sha1 APP");
	snprintf(dir, sizeof(dir), "%s/bad", tmp);
	cr_assert_eq(ifl_l4t_load(dir, NULL, &t, NULL, &d), -EBADMSG);
	cr_assert_eq(d.exit, IFL_EXIT_LOCAL);
	cr_assert(strstr(d.msg, "APP: the sha1 of APP.bin"), "%s", d.msg);
	cr_assert(strstr(d.msg, "nothing was written"), "%s", d.msg);
	ifl_l4t_free(&t);
}

Test(l4t, external_needs_the_flag)
{
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t("images/external", "--external");
	snprintf(dir, sizeof(dir), "%s/images", tmp);
	cr_assert_neq(ifl_l4t_load(dir, NULL, &t, NULL, &d), 0);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	cr_assert(strstr(d.msg, "--external-device"), "%s", d.msg);
	ifl_l4t_free(&t);

	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_l4t_load(dir, "nvme0n1p1", &t, NULL, &d), 0, "%s", d.msg);
	cr_assert_str_eq(line(&t, "APP")->dev, "nvme0n1");
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	cr_assert_str_eq(pr.jobs[6].spec.name, "nvme0n1");
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}

Test(l4t, no_flash_idx)
{
	struct ifl_l4t t;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_l4t_load(tmp, NULL, &t, NULL, &d), -ENOENT);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	ifl_l4t_free(&t);
}
