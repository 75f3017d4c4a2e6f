/* test_l4t.c - flash.idx packages: device mapping, write order, boot split, sha1 refusal. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpt.h"
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

/* A package made by mkl4t in tmp/sub, loaded (it must load) with external device ext. */
static void load_ok(const char *sub, const char *args, const char *ext, struct ifl_l4t *t)
{
	struct ifl_diag d = {0};
	char dir[128];

	mkl4t(sub, args);
	snprintf(dir, sizeof(dir), "%s/%s", tmp, sub);
	cr_assert_eq(ifl_l4t_load(dir, ext, t, NULL, &d), 0, "%s", d.msg);
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
					   "primary_gpt", "secondary_gpt", "kernel", "APP"};
	struct ifl_l4t t;
	size_t order[IFL_L4T_MAX_LINES], n;

	load_ok("internal", "", NULL, &t);
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

	load_ok("internal", "", NULL, &t);
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	cr_assert_eq(pr.n, 11);
	/* mb2: 100 KiB at boot0 size - 64 KiB: 64 KiB at the end of boot0, the rest at boot1's start */
	cr_assert_str_eq(pr.jobs[4].spec.name, "mmcblk0boot0");
	cr_assert_eq(pr.jobs[4].spec.offset, 4 * MiB - 65536);
	cr_assert_eq(pr.jobs[4].src->size, 65536);
	cr_assert_str_eq(pr.jobs[5].spec.name, "mmcblk0boot1");
	cr_assert_eq(pr.jobs[5].spec.offset, 0);
	cr_assert_eq(pr.jobs[5].src->size, 100 * 1024 - 65536);
	cr_assert_str_eq(pr.jobs[6].spec.name, "mmcblk0");
	cr_assert_eq(pr.jobs[6].spec.offset, 0); /* a protective MBR, as a fresh label has */
	cr_assert_eq(pr.jobs[6].src->size, 512);
	cr_assert_eq(pr.jobs[7].spec.offset, 512); /* primary_gpt */
	cr_assert_eq(pr.jobs[8].spec.offset, 64 * MiB - 33 * 512); /* secondary_gpt */
	cr_assert_eq(pr.jobs[9].spec.offset, 1 * MiB); /* kernel */
	cr_assert_eq(pr.jobs[10].spec.offset, 3 * MiB); /* APP, last */
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

	load_ok("internal", "", NULL, &t);
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
	cr_assert_str_eq(pr.jobs[7].spec.name, "nvme0n1");
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

/* Set the MMC card type flags of target name. */
static void set_flags(const char *name, uint8_t flags)
{
	for (unsigned i = 0; i < inv.ntargets; i++)
		if (strcmp(inv.t[i].name, name) == 0) {
			inv.t[i].flags = flags;
			return;
		}
	cr_assert_fail("no target %s", name);
}

/* The target of the job that writes partition part (the first such job). */
static const char *job_dev(const struct ifl_plan_run *pr, const char *part)
{
	char want[80];

	snprintf(want, sizeof(want), "(%s)", part);
	for (size_t i = 0; i < pr->n; i++)
		if (strstr(pr->jobs[i].spec.label, want))
			return pr->jobs[i].spec.name;
	cr_assert_fail("no job for %s", part);
	return NULL;
}

Test(l4t, sd_package_goes_to_the_sd_card)
{
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	/* A module with eMMC (mmcblk0) and an SD card slot (mmcblk1). */
	add_target("mmcblk1", 64 * MiB);
	set_flags("mmcblk0", IFL_TF_EMMC);
	set_flags("mmcblk0boot0", IFL_TF_EMMC);
	set_flags("mmcblk0boot1", IFL_TF_EMMC);
	set_flags("mmcblk1", IFL_TF_SD | IFL_TF_REMOVABLE);
	load_ok("sd", "--gpt-on sd", NULL, &t);
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	cr_assert_str_eq(job_dev(&pr, "APP"), "mmcblk1");
	cr_assert_str_eq(job_dev(&pr, "primary_gpt"), "mmcblk1");
	cr_assert_str_eq(job_dev(&pr, "boot_bct"), "mmcblk0boot0");
	cr_assert_str_eq(job_dev(&pr, "BCT"), "mtd0");
	ifl_plan_run_free(&pr);

	/* The same package, the card removed: refused, naming the device type. */
	set_flags("mmcblk1", 0);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), -ENODEV);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert(strstr(d.msg, "SD card (device type 6) but the device lists none"), "%s", d.msg);
	ifl_plan_run_free(&pr);

	/* Two cards: which one is not guessed. */
	set_flags("mmcblk1", IFL_TF_SD);
	set_flags("nvme0n1", IFL_TF_SD);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), -ENODEV);
	cr_assert(strstr(d.msg, "has 2: nvme0n1, mmcblk1"), "%s", d.msg);
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}

Test(l4t, emmc_package_refused_on_an_sd_card)
{
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	/* A module without eMMC: mmcblk0 is the SD card. */
	set_flags("mmcblk0", IFL_TF_SD);
	load_ok("emmc", "", NULL, &t);
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), -ENODEV);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert(strstr(d.msg, "mmcblk0 is an SD card"), "%s", d.msg);
	ifl_plan_run_free(&pr);

	/* An eMMC that is not mmcblk0 gets the user area and the boot region. */
	set_flags("mmcblk0", IFL_TF_SD);
	add_target("mmcblk2", 64 * MiB);
	add_target("mmcblk2boot0", 4 * MiB);
	add_target("mmcblk2boot1", 4 * MiB);
	set_flags("mmcblk2", IFL_TF_EMMC);
	set_flags("mmcblk2boot0", IFL_TF_EMMC);
	set_flags("mmcblk2boot1", IFL_TF_EMMC);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	cr_assert_str_eq(job_dev(&pr, "APP"), "mmcblk2");
	cr_assert_str_eq(job_dev(&pr, "boot_bct"), "mmcblk2boot0");
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}

/* The bytes of job k's source (at most cap). */
static size_t job_bytes(const struct ifl_plan_run *pr, size_t k, uint8_t *buf, size_t cap)
{
	struct ifl_source *s = pr->jobs[k].src;

	cr_assert_leq(s->size, cap);
	cr_assert_eq(s->ops->rewind(s), 0);
	cr_assert_eq(ifl_source_fill(s, buf, (size_t)s->size), 0);
	return (size_t)s->size;
}

/* Position in pr of the job whose label contains what. */
static size_t job_with(const struct ifl_plan_run *pr, const char *what)
{
	for (size_t i = 0; i < pr->n; i++)
		if (strstr(pr->jobs[i].spec.label, what))
			return i;
	cr_assert_fail("no job labelled %s", what);
	return 0;
}

Test(l4t, larger_disk_gets_the_gpt_moved_and_app_grown)
{
	static uint8_t prim[33 * 512], back[33 * 512], mbr[512];
	static struct ifl_gpt g;
	const uint64_t lbas = 96 * MiB / 512;
	struct ifl_l4t t;
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char err[200];
	size_t k;

	inv.t[4].size = 96 * MiB; /* nvme0n1, for a package made for 64 MiB */
	load_ok("ext", "--external", "nvme0n1", &t);
	cr_assert_eq(ifl_l4t_plan(&t, &inv, &pr, &d), 0, "%s", d.msg);
	/* A protective MBR for the whole disk first. */
	k = job_with(&pr, "protective MBR");
	cr_assert_eq(pr.jobs[k].spec.offset, 0);
	cr_assert_eq(job_bytes(&pr, k, mbr, sizeof(mbr)), 512);
	cr_assert_eq(mbr[450], 0xee);
	cr_assert_eq(mbr[454], 1, "from LBA 1");
	cr_assert_eq(mbr[458] | mbr[459] << 8 | mbr[460] << 16 | (uint32_t)mbr[461] << 24, lbas - 1);
	cr_assert(mbr[510] == 0x55 && mbr[511] == 0xaa);
	/* The primary at LBA 1, the backup at the real end; both parse for 96 MiB. */
	k = job_with(&pr, "primary_gpt for 96.0 MiB");
	cr_assert_eq(pr.jobs[k].spec.offset, 512);
	cr_assert_eq(job_bytes(&pr, k, prim, sizeof(prim)), sizeof(prim));
	k = job_with(&pr, "secondary_gpt at the end");
	cr_assert_eq(job_bytes(&pr, k, back, sizeof(back)), sizeof(back));
	cr_assert_eq(pr.jobs[k].spec.offset, 96 * MiB - sizeof(back));
	cr_assert_eq(ifl_gpt_parse(prim, 512, prim + 512, 32 * 512, 512, lbas, &g, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(g.hdr.alt_lba, lbas - 1);
	cr_assert_str_eq(g.part[1].name, "APP");
	cr_assert_eq(g.part[1].last_lba, lbas - 34, "APP (expand, last) grows to the end");
	cr_assert_eq(g.part[0].last_lba, (3 * MiB) / 512 - 1, "kernel keeps its size");
	{
		const uint8_t *h = back + 32 * 512;
		uint64_t my = 0, alt = 0, ent = 0;

		for (int i = 7; i >= 0; i--) {
			my = my << 8 | h[24 + i];
			alt = alt << 8 | h[32 + i];
			ent = ent << 8 | h[72 + i];
		}
		cr_assert_eq(memcmp(h, "EFI PART", 8), 0);
		cr_assert_eq(my, lbas - 1, "the backup header is the last block");
		cr_assert_eq(alt, 1);
		cr_assert_eq(ent, lbas - 33, "its entries right before it");
		cr_assert_eq(memcmp(back, prim + 512, 32 * 512), 0, "the same entries as the primary");
	}
	ifl_plan_run_free(&pr);

	/* A disk too small for the partitions: refused before anything is sent. */
	inv.t[4].size = 8 * MiB;
	memset(&d, 0, sizeof(d));
	cr_assert_neq(ifl_l4t_plan(&t, &inv, &pr, &d), 0);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert(strstr(d.msg, "made for a disk of 64.0 MiB cannot be fitted to nvme0n1 (8.0 MiB)"),
		  "%s", d.msg);
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
}
