/* test_agent_mtd.c - MTD rules (kinds, alignment, bad-block map), the sysfs scan and the sink's skip path. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtd.h"
#include "sink.h"

Test(mtd, kinds)
{
	cr_assert_eq(ifl_mtd_kind(0, "nor"), IFL_KIND_MTD_NOR);
	cr_assert_eq(ifl_mtd_kind(0, "ram"), IFL_KIND_MTD_NOR);
	cr_assert_eq(ifl_mtd_kind(0, "nand"), IFL_KIND_MTD_NAND);
	cr_assert_eq(ifl_mtd_kind(0, "mlc-nand"), IFL_KIND_MTD_NAND);
	cr_assert_eq(ifl_mtd_kind(0, "ubi"), -1);
	cr_assert_eq(ifl_mtd_kind(IFL_MTD_TYPE_NAND, NULL), IFL_KIND_MTD_NAND);
	cr_assert_eq(ifl_mtd_kind(IFL_MTD_TYPE_NOR, NULL), IFL_KIND_MTD_NOR);
	cr_assert_eq(ifl_mtd_kind(7, NULL), -1);
}

Test(mtd, alignment_names_the_sizes)
{
	char msg[200] = "";

	cr_assert_eq(ifl_mtd_check_align("mtd0", 128 << 10, 64 << 10, msg, sizeof(msg)), 0);
	cr_assert_eq(ifl_mtd_check_align("mtd0", 4096, 64 << 10, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "mtd0: offset 4.0 KiB is not a multiple of the 64.0 KiB erase block"),
		  "%s", msg);
}

/* Blocks 3 and 5 are bad. */
static int bad35(void *arg, uint32_t b)
{
	(void)arg;
	return b == 3 || b == 5;
}

static int bad_fails(void *arg, uint32_t b)
{
	(void)arg;
	return b == 2 ? -EIO : 0;
}

Test(mtd, map_skips_bad_blocks)
{
	uint32_t map[6], ngood, nbad;

	cr_assert_eq(ifl_mtd_build_map(map, 5, 2, 16, bad35, NULL, &ngood, &nbad), 0);
	cr_assert_eq(nbad, 2);
	cr_assert_eq(map[0], 2);
	cr_assert_eq(map[1], 4);
	cr_assert_eq(map[2], 6);
	cr_assert_eq(map[4], 8);
	/* NOR: no bad-block check, the identity. */
	cr_assert_eq(ifl_mtd_build_map(map, 3, 7, 16, NULL, NULL, &ngood, &nbad), 0);
	cr_assert(map[0] == 7 && map[2] == 9 && nbad == 0);
}

Test(mtd, map_refuses_too_few_good_blocks)
{
	uint32_t map[8], ngood, nbad;

	/* Blocks 0..7 with 3 and 5 bad hold 6 good blocks, not 7. */
	cr_assert_eq(ifl_mtd_build_map(map, 7, 0, 8, bad35, NULL, &ngood, &nbad), -ENOSPC);
	cr_assert_eq(ngood, 6);
	cr_assert_eq(nbad, 2);
	cr_assert_eq(ifl_mtd_build_map(map, 6, 0, 8, bad35, NULL, &ngood, &nbad), 0);
	cr_assert_eq(ifl_mtd_build_map(map, 4, 0, 8, bad_fails, NULL, &ngood, &nbad), -EIO);
	cr_assert_eq(ngood, 2);
}

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
		*p = '/';
	}
	f = fopen(path, "w");
	cr_assert_not_null(f, "create %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

Test(mtd, scan_sysfs)
{
	struct ifl_targets inv = {0};
	const struct ifl_agent_target *a;

	cr_assert_not_null(freopen("/dev/null", "w", stderr));
	strcpy(root, "/tmp/ifl-mtd-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	put("class/block/.keep", "");
	put("class/mtd/mtd0/type", "nor\n");
	put("class/mtd/mtd0/size", "4194304\n");
	put("class/mtd/mtd0/erasesize", "65536\n");
	put("class/mtd/mtd0/writesize", "1\n");
	put("class/mtd/mtd0/flags", "0xc00\n");
	put("class/mtd/mtd0/name", "mtdram test device\n");
	put("class/mtd/mtd0ro/type", "nor\n");
	put("class/mtd/mtd0ro/size", "4194304\n");
	put("class/mtd/mtd1/type", "nand\n");
	put("class/mtd/mtd1/size", "134217728\n");
	put("class/mtd/mtd1/erasesize", "131072\n");
	put("class/mtd/mtd1/writesize", "2048\n");
	put("class/mtd/mtd1/flags", "0x400\n");
	put("class/mtd/mtd1/name", "NAND simulator partition 0\n");
	put("class/mtd/mtd1/bad_blocks", "2\n");
	put("class/mtd/mtd2/type", "nor\n");
	put("class/mtd/mtd2/size", "65536\n");
	put("class/mtd/mtd2/erasesize", "65536\n");
	put("class/mtd/mtd2/flags", "0x800\n");
	put("class/mtd/mtd2/name", "boot rom\n");
	put("class/mtd/mtd3/type", "ubi\n");
	put("class/mtd/mtd3/size", "65536\n");

	cr_assert_eq(ifl_inv_scan(&inv, root, "/dev"), 3);
	a = ifl_inv_find(&inv, "mtd0");
	cr_assert_not_null(a);
	cr_assert_eq(a->info.kind, IFL_KIND_MTD_NOR);
	cr_assert_eq(a->info.size, 4194304);
	cr_assert_eq(a->info.erase_size, 65536);
	cr_assert_eq(a->info.write_size, 1);
	cr_assert_str_eq(a->info.model, "mtdram test device");
	cr_assert_str_eq(a->path, "/dev/mtd0");
	cr_assert_eq(a->info.flags & IFL_TF_READONLY, 0);
	a = ifl_inv_find(&inv, "mtd1");
	cr_assert_not_null(a);
	cr_assert_eq(a->info.kind, IFL_KIND_MTD_NAND);
	cr_assert_eq(a->info.write_size, 2048);
	cr_assert_str_eq(a->info.model, "NAND simulator partition 0 (2 bad blocks)");
	a = ifl_inv_find(&inv, "mtd2");
	cr_assert_not_null(a);
	cr_assert(a->info.flags & IFL_TF_READONLY);
	cr_assert_null(ifl_inv_find(&inv, "mtd0ro"));
	cr_assert_null(ifl_inv_find(&inv, "mtd3"));
}

/* A regular file dressed as NOR with 4 KiB erase blocks: enough for the paths without ioctls. */
static struct ifl_agent_target tgt;

static int fake_mtd(struct ifl_sink *s, const uint8_t *content, size_t len)
{
	char path[] = "/tmp/ifl-mtd-sink-XXXXXX", msg[200];
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	memset(&tgt, 0, sizeof(tgt));
	strcpy(tgt.info.name, "mtd0");
	strcpy(tgt.path, path);
	tgt.info.kind = IFL_KIND_MTD_NOR;
	tgt.info.size = len;
	tgt.info.erase_size = 4096;
	tgt.info.write_size = 1;
	cr_assert_eq(ifl_sink_open(s, &tgt, 1, msg, sizeof(msg)), 0, "%s", msg);
	unlink(path);
	cr_assert_eq(s->ops, &ifl_sink_mtd_ops);
	return 0;
}

Test(mtd, sink_skips_blocks_that_hold_the_image)
{
	static uint8_t chip[8 * 4096], img[3 * 4096 + 100];
	struct ifl_sink s;
	char msg[200];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + 1);
	memset(chip, 0xff, sizeof(chip));
	memcpy(chip + 4096, img, sizeof(img)); /* the image is there, padded with 0xff */
	fake_mtd(&s, chip, sizeof(chip));
	cr_assert_eq(s.ops->prepare(&s, 100, sizeof(img), msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "mtd0: offset 100 B is not a multiple of the 4.0 KiB erase block"),
		  "%s", msg);
	cr_assert_eq(s.ops->prepare(&s, 4096, sizeof(img), msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.nmap, 4);
	/* Two chunks: two blocks, then the rest; nothing needs an erase. */
	cr_assert_eq(s.ops->write(&s, img, 2 * 4096, 4096), 0);
	cr_assert_eq(s.ops->write(&s, img + 2 * 4096, sizeof(img) - 2 * 4096, 3 * 4096), 0);
	cr_assert_eq(s.skipped, sizeof(img));
	cr_assert_eq(s.sblocks, 4);
	cr_assert_eq(s.wblocks, 0);
	/* A chunk that starts inside an erase block is refused. */
	cr_assert_eq(s.ops->write(&s, img, 512, 4096 + 512), -EINVAL);
	cr_assert_eq(ifl_sink_close(&s), 0);
	cr_assert_null(s.map);
}

Test(mtd, sink_reads_through_the_map)
{
	static uint8_t chip[6 * 4096], back[3 * 4096];
	struct ifl_sink s;

	for (int b = 0; b < 6; b++)
		memset(chip + b * 4096, 'a' + b, 4096);
	fake_mtd(&s, chip, sizeof(chip));
	/* As if block 2 were bad: logical blocks 1, 2, 3 are physical 1, 3, 4. */
	s.map = malloc(3 * sizeof(*s.map));
	s.map[0] = 1;
	s.map[1] = 3;
	s.map[2] = 4;
	s.nmap = 3;
	s.map_off = 4096;
	cr_assert_eq(s.ops->read(&s, back, sizeof(back), 4096), 0);
	cr_assert_eq(back[0], 'b');
	cr_assert_eq(back[4096], 'd');
	cr_assert_eq(back[2 * 4096 + 4095], 'e');
	/* A read that straddles blocks. */
	cr_assert_eq(s.ops->read(&s, back, 200, 2 * 4096 - 100), 0);
	cr_assert_eq(back[99], 'b');
	cr_assert_eq(back[100], 'd');
	cr_assert_eq(ifl_sink_close(&s), 0);
}
