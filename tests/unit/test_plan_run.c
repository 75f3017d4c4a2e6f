/* test_plan_run.c - TARGET/PARTNAME resolution, and plans checked before anything is written. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "plan_run.h"
#include "source.h"
#include "target.h"
#include "tspec.h"

#define MiB (1ull << 20)

static struct ifl_inventory inv;

static void add_target(const char *name, uint64_t size, uint8_t flags)
{
	struct ifl_target_info *t = &inv.t[inv.ntargets++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->size = size;
	t->block_size = t->write_size = 512;
	t->kind = IFL_KIND_BLOCK;
	t->flags = flags;
}

static void add_part(uint16_t t, const char *name, uint64_t start, uint64_t size)
{
	struct ifl_part_info *p = &inv.part[inv.nparts++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->target = t;
	p->start = start;
	p->size = size;
}

/* disk (64 MiB): boot 8 MiB at 1 MiB, APP 16 MiB at 9 MiB; mmcblk0 (32 MiB): APP at 4 MiB. */
static void setup(void)
{
	memset(&inv, 0, sizeof(inv));
	add_target("disk", 64 * MiB, 0);
	add_target("mmcblk0", 32 * MiB, 0);
	add_target("ro", 8 * MiB, IFL_TF_READONLY);
	add_part(0, "boot", 1 * MiB, 8 * MiB);
	add_part(0, "APP", 9 * MiB, 16 * MiB);
	add_part(1, "APP", 4 * MiB, 8 * MiB);
	add_part(2, "RO", 0, 4 * MiB);
}

TestSuite(plan_run, .init = setup);

static struct ifl_tspec parse(const char *arg, int allow_length)
{
	struct ifl_tspec ts;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_tspec_parse(arg, allow_length, &ts, &d), 0, "%s: %s", arg, d.msg);
	return ts;
}

Test(plan_run, tspec_partition_forms)
{
	struct ifl_tspec ts = parse("disk/APP@1M+2M", 1);

	cr_assert_str_eq(ts.name, "disk");
	cr_assert_str_eq(ts.part, "APP");
	cr_assert_str_eq(ts.label, "disk/APP");
	cr_assert_eq(ts.offset, MiB);
	cr_assert_eq(ts.length, 2 * MiB);
	ts = parse("disk", 0);
	cr_assert_str_eq(ts.part, "");
	cr_assert_str_eq(ts.label, "disk");
	ts = parse("mmcblk0/system_a+4K", 1);
	cr_assert_str_eq(ts.part, "system_a");
	cr_assert_eq(ts.offset, 0);
}

Test(plan_run, tspec_partition_refusals)
{
	struct ifl_tspec ts;
	struct ifl_diag d = {0};
	char arg[300];

	cr_assert_eq(ifl_tspec_parse("disk/", 0, &ts, &d), -EINVAL);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	cr_assert(strstr(d.msg, "no partition name"), "%s", d.msg);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_tspec_parse("disk/@1M", 0, &ts, &d), -EINVAL);
	memset(&d, 0, sizeof(d));
	snprintf(arg, sizeof(arg), "disk/%0*d", IFL_PART_NAME_MAX + 1, 0);
	cr_assert_eq(ifl_tspec_parse(arg, 0, &ts, &d), -EINVAL);
	cr_assert(strstr(d.msg, "partition name is too long"), "%s", d.msg);
	snprintf(arg, sizeof(arg), "disk/%0*d", IFL_PART_NAME_MAX, 0);
	ts = parse(arg, 0);
	cr_assert_eq(strlen(ts.part), IFL_PART_NAME_MAX);
}

Test(plan_run, image_into_a_partition)
{
	struct ifl_tspec ts = parse("disk/APP@1M", 0);
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 15 * MiB, 1, &ti, &d), 0, "%s", d.msg);
	cr_assert_eq(ti, &inv.t[0]);
	cr_assert_eq(ts.offset, 10 * MiB, "partition start + offset");
	cr_assert_str_eq(ts.name, "disk");
	/* A second resolution (flash's precheck after the plan's) leaves it be. */
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 15 * MiB, 1, &ti, &d), 0);
	cr_assert_eq(ts.offset, 10 * MiB);
	/* Same name on another device: its own partition. */
	ts = parse("mmcblk0/APP", 0);
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 8 * MiB, 1, &ti, &d), 0);
	cr_assert_eq(ti, &inv.t[1]);
	cr_assert_eq(ts.offset, 4 * MiB);
}

Test(plan_run, image_too_big_for_the_partition)
{
	struct ifl_tspec ts = parse("disk/boot", 0);
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 9 * MiB, 1, &ti, &d), -ERANGE);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert_str_eq(d.who, "disk/boot");
	cr_assert_str_eq(d.msg, "image is 9.0 MiB but the partition holds 8.0 MiB; use a smaller "
			 "image or a larger partition");
	cr_assert_eq(ts.offset, 0, "unchanged on refusal");
	memset(&d, 0, sizeof(d));
	ts = parse("disk/boot@7M", 0);
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 2 * MiB, 1, &ti, &d), -ERANGE);
	cr_assert(strstr(d.msg, "the partition holds only 1.0 MiB after offset 7.0 MiB"), "%s", d.msg);
	memset(&d, 0, sizeof(d));
	ts = parse("disk/boot@8M", 0);
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 1, 1, &ti, &d), -ERANGE);
	cr_assert(strstr(d.msg, "offset 8.0 MiB is at the end of the partition"), "%s", d.msg);
}

Test(plan_run, unknown_partition_lists_the_known_ones)
{
	struct ifl_tspec ts = parse("disk/nope", 0);
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 1, 1, &ti, &d), -ENOENT);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert_str_eq(d.who, "disk/nope");
	cr_assert_str_eq(d.msg, "no such partition; disk has: boot, APP");
	memset(&d, 0, sizeof(d));
	inv.nparts = 0;
	ts = parse("disk/APP", 0);
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 1, 1, &ti, &d), -ENOENT);
	cr_assert(strstr(d.msg, "disk has no named GPT partitions"), "%s", d.msg);
	memset(&d, 0, sizeof(d));
	ts = parse("sdz/APP", 0);
	cr_assert_eq(ifl_target_resolve_image(&inv, &ts, 1, 1, &ti, &d), -ENOENT);
	cr_assert(strstr(d.msg, "no such target"), "%s", d.msg);
}

Test(plan_run, ranges_in_a_partition)
{
	struct ifl_tspec ts = parse("disk/APP@2M", 1);
	const struct ifl_target_info *ti;
	struct ifl_diag d = {0};

	cr_assert_eq(ifl_target_resolve_range(&inv, &ts, 0, &ti, &d), 0, "%s", d.msg);
	cr_assert_eq(ts.offset, 11 * MiB);
	cr_assert_eq(ts.length, 14 * MiB, "defaults to the rest of the partition");
	ts = parse("disk/APP@15M+2M", 1);
	cr_assert_eq(ifl_target_resolve_range(&inv, &ts, 1, &ti, &d), -ERANGE);
	cr_assert_str_eq(d.who, "disk/APP");
	cr_assert(strstr(d.msg, "passes the end of the partition (16.0 MiB)"), "%s", d.msg);
	memset(&d, 0, sizeof(d));
	ts = parse("ro/RO", 1);
	cr_assert_eq(ifl_target_resolve_range(&inv, &ts, 1, &ti, &d), -EROFS, "erase: read-only");
	memset(&d, 0, sizeof(d));
	ts = parse("ro/RO", 1);
	cr_assert_eq(ifl_target_resolve_range(&inv, &ts, 0, &ti, &d), 0, "read is fine");
}

/* ---- plans ---- */

static char dir[] = "/tmp/test_plan_run.XXXXXX";

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static const char *path_in(const char *name)
{
	static char buf[4][256];
	static unsigned i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Load the plan text; give each job a fake source of the given sizes (bytes). */
static int load(struct ifl_plan_run *pr, const char *text, const uint64_t *sizes,
		struct ifl_diag *d)
{
	static struct ifl_source src[8];
	int rc;

	write_file(path_in("plan.txt"), text, strlen(text));
	rc = ifl_plan_run_load(path_in("plan.txt"), pr, d);
	for (size_t i = 0; rc == 0 && sizes && i < pr->n; i++) {
		memset(&src[i], 0, sizeof(src[i]));
		src[i].size = sizes[i];
		pr->jobs[i].src = &src[i];
	}
	return rc;
}

/* Free pr without closing the fake sources. */
static void unload(struct ifl_plan_run *pr)
{
	for (size_t i = 0; pr->jobs && i < pr->n; i++)
		pr->jobs[i].src = NULL;
	ifl_plan_run_free(pr);
}

static void mkdir_tmp(void)
{
	setup();
	strcpy(dir, "/tmp/test_plan_run.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(plan_run, plan_resolves_in_file_order, .init = mkdir_tmp, .fini = rm_tmp)
{
	static const uint64_t sizes[] = {MiB, 4 * MiB, 16 * MiB, 2 * MiB};
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	cr_assert_eq(load(&pr, "disk gpt.bin\ndisk/boot boot.bin\n# c\ndisk/APP app.img\n"
			  "mmcblk0/APP@1M x\n", sizes, &d), 0, "%s", d.msg);
	cr_assert_eq(pr.n, 4);
	cr_assert_str_eq(pr.jobs[1].spec.label, "disk/boot");
	cr_assert_str_eq(pr.jobs[3].image, "x");
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), 0, "%s", d.msg);
	cr_assert_eq(pr.jobs[0].spec.offset, 0);
	cr_assert_eq(pr.jobs[1].spec.offset, MiB);
	cr_assert_eq(pr.jobs[2].spec.offset, 9 * MiB);
	cr_assert_eq(pr.jobs[3].spec.offset, 5 * MiB);
	cr_assert_str_eq(pr.jobs[3].spec.name, "mmcblk0");
	unload(&pr);
}

Test(plan_run, plan_overlap_names_both_lines, .init = mkdir_tmp, .fini = rm_tmp)
{
	static const uint64_t sizes[] = {4 * MiB, MiB};
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	/* disk/APP is 9..25 MiB; disk@11M lands inside it. */
	cr_assert_eq(load(&pr, "disk/APP a\ndisk@11M b\n", sizes, &d), 0);
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), -EEXIST);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	cr_assert(strstr(d.msg, "line 2 overlaps line 1 on disk"), "%s", d.msg);
	unload(&pr);
}

Test(plan_run, plan_refusal_names_the_line, .init = mkdir_tmp, .fini = rm_tmp)
{
	static const uint64_t sizes[] = {MiB, 9 * MiB};
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	cr_assert_eq(load(&pr, "disk/APP a\ndisk/boot b\n", sizes, &d), 0);
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), -ERANGE);
	cr_assert_str_eq(d.who, "disk/boot");
	cr_assert(strstr(d.msg, "partition holds 8.0 MiB"), "%s", d.msg);
	cr_assert(strstr(d.msg, "plan.txt, line 2)"), "%s", d.msg);
	unload(&pr);
}

Test(plan_run, plan_syntax_error_is_usage, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	cr_assert_eq(load(&pr, "disk a\ndisk/APP\n", NULL, &d), -EINVAL);
	cr_assert_eq(d.exit, IFL_EXIT_USAGE);
	cr_assert(strstr(d.msg, "line 2, column"), "%s", d.msg);
	ifl_plan_run_free(&pr);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(ifl_plan_run_load(path_in("missing.txt"), &pr, &d), -ENOENT);
	cr_assert_eq(d.exit, IFL_EXIT_LOCAL);
	ifl_plan_run_free(&pr);
}

Test(plan_run, plan_sha256_checked, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	struct ifl_sha256 h;
	uint8_t sum[32];
	char hex[65], text[600];

	write_file(path_in("img"), "hello", 5);
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, (const uint8_t *)"hello", 5);
	ifl_sha256_final(&h, sum);
	ifl_hex(sum, 32, hex);
	snprintf(text, sizeof(text), "disk %s sha256=%s\n", path_in("img"), hex);
	cr_assert_eq(load(&pr, text, NULL, &d), 0, "%s", d.msg);
	cr_assert_eq(ifl_plan_run_check_sums(&pr, &d), 0, "%s", d.msg);
	ifl_plan_run_free(&pr);
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "disk/boot %s\ndisk %s sha256=%s\n", path_in("img"),
		 path_in("img"), hex);
	cr_assert_eq(load(&pr, text, NULL, &d), 0);
	cr_assert_eq(ifl_plan_run_check_sums(&pr, &d), -EBADMSG);
	cr_assert_eq(d.exit, IFL_EXIT_LOCAL);
	cr_assert(strstr(d.msg, "plan.txt: line 2: the image's SHA-256 is"), "%s", d.msg);
	ifl_plan_run_free(&pr);
}

/* dir/gpt.img: the first MiB of a 64 MiB disk whose GPT holds APP (8 MiB at 2 MiB) and new (4 MiB at 10 MiB). */
static void make_gpt_image(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cd '%s' && truncate -s 64M full.img && sgdisk -o -n 1:4096:+8M "
		 "-c 1:APP -n 2:0:+4M -c 2:new full.img >/dev/null && head -c 1048576 full.img >gpt.img && "
		 "gzip -c gpt.img >gpt.gz && head -c 1024 gpt.img >short.img && head -c 4096 gpt.img >hdr.img && "
		 "head -c 4096 /dev/urandom >a && head -c 4096 /dev/urandom >b", dir);
	cr_assert_eq(system(cmd), 0, "sgdisk failed: %s", cmd);
}

/* Load plan text ("%1$s" is dir) and open every image for real. */
static int load_real(struct ifl_plan_run *pr, const char *fmt, struct ifl_diag *d)
{
	char text[2000];
	int rc;

	snprintf(text, sizeof(text), fmt, dir);
	rc = load(pr, text, NULL, d);
	for (size_t i = 0; rc == 0 && i < pr->n; i++)
		rc = ifl_source_open(pr->jobs[i].image, &pr->jobs[i].src, d);
	return rc;
}

Test(plan_run, plan_names_resolve_against_a_gpt_it_writes, .init = mkdir_tmp, .fini = rm_tmp)
{
	static const char *const gpts[] = {"gpt.img", "gpt.gz"};
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char fmt[400];

	make_gpt_image();
	for (unsigned k = 0; k < 2; k++) {
		/* Line 1 still sees the disk's table (boot at 1 MiB); lines 3-4 see the image's. */
		snprintf(fmt, sizeof(fmt), "disk/boot %%1$s/a\ndisk %%1$s/%s\ndisk/APP %%1$s/b\n"
			 "disk/new@4K %%1$s/a\n", gpts[k]);
		cr_assert_eq(load_real(&pr, fmt, &d), 0, "%s", d.msg);
		cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), 0, "%s: %s", gpts[k], d.msg);
		cr_assert_eq(pr.jobs[0].spec.offset, MiB);
		cr_assert_eq(pr.jobs[1].spec.offset, 0);
		cr_assert_eq(pr.jobs[2].spec.offset, 2 * MiB, "%s", gpts[k]);
		cr_assert_eq(pr.jobs[3].spec.offset, 10 * MiB + 4096);
		/* The image is read again from its first byte when flashed. */
		cr_assert_eq(pr.jobs[1].src->size, MiB);
		ifl_plan_run_free(&pr);
	}
	/* The source inventory is left alone. */
	cr_assert_eq(inv.nparts, 4);
	cr_assert_str_eq(inv.part[0].name, "boot");
}

Test(plan_run, plan_refuses_old_names_after_a_new_gpt, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};

	make_gpt_image();
	cr_assert_eq(load_real(&pr, "disk %1$s/gpt.img\ndisk/boot %1$s/a\n", &d), 0, "%s", d.msg);
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), -ENOENT);
	cr_assert_eq(d.exit, IFL_EXIT_DEVICE);
	cr_assert(strstr(d.msg, "no such partition; disk has: APP, new"), "%s", d.msg);
	cr_assert(strstr(d.msg, "line 2)"), "%s", d.msg);
	ifl_plan_run_free(&pr);
	/* Other targets keep their tables. */
	memset(&d, 0, sizeof(d));
	cr_assert_eq(load_real(&pr, "disk %1$s/gpt.img\nmmcblk0/APP %1$s/a\n", &d), 0, "%s", d.msg);
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), 0, "%s", d.msg);
	cr_assert_eq(pr.jobs[1].spec.offset, 4 * MiB);
	ifl_plan_run_free(&pr);
}

Test(plan_run, plan_gpt_image_too_short_is_not_usable, .init = mkdir_tmp, .fini = rm_tmp)
{
	static const char *const shorts[] = {"short.img", "hdr.img"};
	struct ifl_plan_run pr;
	struct ifl_diag d = {0};
	char fmt[200];

	make_gpt_image();
	for (unsigned k = 0; k < 2; k++) {
		/* short.img ends after the header, hdr.img inside the entry array. */
		memset(&d, 0, sizeof(d));
		snprintf(fmt, sizeof(fmt), "disk %%1$s/%s\ndisk/APP %%1$s/a\n", shorts[k]);
		cr_assert_eq(load_real(&pr, fmt, &d), 0, "%s", d.msg);
		cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), -EINVAL, "%s", shorts[k]);
		cr_assert_eq(d.exit, IFL_EXIT_USAGE);
		cr_assert(strstr(d.msg, "line 1 writes a GPT to disk that is not usable"), "%s", d.msg);
		cr_assert(strstr(d.msg, "line 2)"), "%s", d.msg);
		ifl_plan_run_free(&pr);
	}
	/* Without partition names after it, such an image is just bytes. */
	memset(&d, 0, sizeof(d));
	cr_assert_eq(load_real(&pr, "disk %1$s/hdr.img\nmmcblk0/APP %1$s/a\n", &d), 0, "%s", d.msg);
	cr_assert_eq(ifl_plan_run_resolve(&pr, &inv, &d), 0, "%s", d.msg);
	ifl_plan_run_free(&pr);
}
