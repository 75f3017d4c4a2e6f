/* test_agent_mtd.c - MTD rules and bad-block map, the sysfs scan, the sink's map and skip paths. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
	cr_assert_str_eq(a->info.model, "NAND simulator partition 0");
	cr_assert_eq(a->info.bad_blocks, 2);
	a = ifl_inv_find(&inv, "mtd2");
	cr_assert_not_null(a);
	cr_assert(a->info.flags & IFL_TF_READONLY);
	cr_assert_null(ifl_inv_find(&inv, "mtd0ro"));
	cr_assert_null(ifl_inv_find(&inv, "mtd3"));
}

/*
 * A regular file dressed as MTD with 4 KiB erase blocks. This ioctl stands
 * in for libc's in the agent objects linked here: on the fake's file it
 * answers MEMGETBADBLOCK from fake_bad (bit b: block b is bad) and erases
 * with 0xff, noting the block in fake_erased; other ioctls fail with ENOTTY
 * as they do on a regular file, and other files go to the kernel.
 */
#define EB 4096
static struct ifl_agent_target tgt;
static dev_t fake_dev;
static ino_t fake_ino;
static uint32_t fake_bad, fake_erased;

int ioctl(int fd, unsigned long req, ...)
{
	struct stat st;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fake_ino || fstat(fd, &st) || st.st_ino != fake_ino || st.st_dev != fake_dev)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	if (req == IFL_MEMGETBADBLOCK)
		return (fake_bad >> (*(int64_t *)arg / EB)) & 1;
	if (req == IFL_MEMERASE64) {
		const struct ifl_mtd_erase64 *e = arg;
		static uint8_t ff[EB];

		memset(ff, 0xff, sizeof(ff));
		cr_assert(e->start % EB == 0 && e->length == EB, "erase %llu+%llu",
			  (unsigned long long)e->start, (unsigned long long)e->length);
		fake_erased |= 1u << (e->start / EB);
		return pwrite(fd, ff, EB, (off_t)e->start) == EB ? 0 : -1;
	}
	errno = ENOTTY;
	return -1;
}

static void fake_kind(struct ifl_sink *s, const uint8_t *content, size_t len, int kind)
{
	char path[] = "/tmp/ifl-mtd-sink-XXXXXX", msg[200];
	int fd = mkstemp(path);
	struct stat st;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	cr_assert_eq(fstat(fd, &st), 0);
	fake_ino = st.st_ino;
	fake_dev = st.st_dev;
	close(fd);
	memset(&tgt, 0, sizeof(tgt));
	strcpy(tgt.info.name, "mtd0");
	strcpy(tgt.path, path);
	tgt.info.kind = kind;
	tgt.info.size = len;
	tgt.info.erase_size = EB;
	tgt.info.write_size = 1;
	cr_assert_eq(ifl_sink_open(s, &tgt, 1, msg, sizeof(msg)), 0, "%s", msg);
	unlink(path);
	cr_assert_eq(s->ops, &ifl_sink_mtd_ops);
}

static int fake_mtd(struct ifl_sink *s, const uint8_t *content, size_t len)
{
	fake_kind(s, content, len, IFL_KIND_MTD_NOR);
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

/* Eight NAND blocks holding 'a'..'h', with the bad ones in fake_bad. */
static void fake_nand(struct ifl_sink *s, uint8_t chip[8 * EB])
{
	/* The bad-block log lines are expected here. */
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
	for (int b = 0; b < 8; b++)
		memset(chip + b * EB, 'a' + b, EB);
	fake_kind(s, chip, 8 * EB, IFL_KIND_MTD_NAND);
}

Test(mtd, read_goes_through_a_map_built_for_the_read)
{
	static uint8_t chip[8 * EB], back[2 * EB];
	struct ifl_sink s;
	char msg[300];

	fake_bad = 1u << 2;
	fake_nand(&s, chip);
	/* From inside block 1: the map starts at block 1 and skips block 2, as a write there would. */
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_READ, EB + 100, 2 * EB, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(s.nmap, 3);
	cr_assert_eq(s.map_off, EB);
	cr_assert(s.map[0] == 1 && s.map[1] == 3 && s.map[2] == 4);
	cr_assert_eq(s.ops->read(&s, back, sizeof(back), EB + 100), 0);
	cr_assert_eq(back[0], 'b');
	cr_assert_eq(back[EB - 101], 'b');
	cr_assert_eq(back[EB - 100], 'd');
	cr_assert_eq(back[2 * EB - 100], 'e');
	cr_assert_eq(back[2 * EB - 1], 'e');
	cr_assert_eq(fake_erased, 0);
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd, read_returns_what_a_write_put_past_a_bad_block)
{
	static uint8_t chip[8 * EB], img[3 * EB + 100], back[sizeof(img)];
	struct ifl_sink s;
	char msg[300];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 13 + 5);
	fake_bad = 1u << 3;
	fake_nand(&s, chip);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_WRITE, EB, sizeof(img), msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(s.ops->write(&s, img, sizeof(img), EB), 0);
	cr_assert_eq(fake_erased, 0x36, "erased 0x%x, not blocks 1, 2, 4, 5", fake_erased);
	/* A new request on the same open file: its own map, from the same offset. */
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_HASH, EB, sizeof(img), msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(s.ops->read(&s, back, sizeof(back), EB), 0);
	cr_assert_eq(memcmp(back, img, sizeof(img)), 0);
	/* Block 3 still holds what it held: a bad block is never written. */
	cr_assert_eq(pread(s.fd, back, EB, 3 * EB), EB);
	cr_assert_eq(back[0], 'd');
	cr_assert_eq(back[EB - 1], 'd');
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd, erase_goes_through_the_map_past_a_bad_block)
{
	static uint8_t chip[8 * EB], blk[EB], zero[EB];
	struct ifl_sink s;
	char msg[300];

	fake_bad = 1u << 2;
	fake_nand(&s, chip);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, EB, 2 * EB, msg, sizeof(msg)), 0, "%s",
		     msg);
	cr_assert_eq(s.ops->zero(&s, EB, 2 * EB), 0);
	cr_assert_eq(fake_erased, (1u << 1) | (1u << 3), "erased 0x%x, not blocks 1 and 3",
		     fake_erased);
	for (int b = 0; b < 8; b++) {
		cr_assert_eq(pread(s.fd, blk, EB, b * EB), EB);
		if (b == 1 || b == 3)
			cr_assert_eq(memcmp(blk, zero, EB), 0, "block %d is not zeros", b);
		else
			cr_assert(blk[0] == 'a' + b && blk[EB - 1] == 'a' + b, "block %d changed", b);
	}
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd, erase_refuses_a_partial_block)
{
	static uint8_t chip[8 * EB];
	struct ifl_sink s;
	char msg[300] = "";

	fake_bad = 1u << 2;
	fake_nand(&s, chip);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, EB, EB + 100, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "mtd0: an erase of 4196 bytes at 4.0 KiB ends inside a 4.0 KiB erase "
			      "block and would lose the rest of it"), "%s", msg);
	cr_assert_null(s.map);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, 100, EB, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "mtd0: offset 100 B is not a multiple of the 4.0 KiB erase block; "
			      "erase from a multiple of 4.0 KiB"), "%s", msg);
	/* Even with a map, the sink itself refuses an erase that ends inside a block... */
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, EB, 2 * EB, msg, sizeof(msg)), 0, "%s",
		     msg);
	cr_assert_eq(s.ops->zero(&s, EB, EB + 100), -EINVAL);
	cr_assert_eq(fake_erased, 0);
	/* ...while a write pads its last block. */
	s.use = IFL_USE_WRITE;
	cr_assert_eq(s.ops->zero(&s, EB, EB + 100), 0);
	cr_assert_eq(ifl_sink_close(&s), 0);
	/* NOR has no map, and the same refusal. */
	fake_kind(&s, chip, sizeof(chip), IFL_KIND_MTD_NOR);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, 0, 100, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "ends inside a 4.0 KiB erase block"), "%s", msg);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, 0, EB, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_null(s.map);
	cr_assert_eq(s.ops->zero(&s, 0, 100), -EINVAL);
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd, read_refuses_too_few_good_blocks)
{
	static uint8_t chip[8 * EB];
	struct ifl_sink s;
	char msg[300] = "";

	fake_bad = (1u << 3) | (1u << 5);
	fake_nand(&s, chip);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_READ, 0, 8 * EB, msg, sizeof(msg)), -ENOSPC);
	cr_assert_str_eq(msg, "mtd0: reading 32.0 KiB from 0 B skips bad blocks as a flash does "
			      "and needs 8 erase blocks of 4.0 KiB, but only 6 good blocks remain "
			      "there (2 bad); nothing was read: at most 24576 bytes fit from 0 B");
	cr_assert_null(s.map);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_HASH, 100, 6 * EB, msg, sizeof(msg)), -ENOSPC);
	cr_assert(strstr(msg, "hashing 24.0 KiB from 100 B"), "%s", msg);
	cr_assert(strstr(msg, "nothing was hashed: at most 24476 bytes fit from 100 B"), "%s", msg);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_ERASE, 2 * EB, 5 * EB, msg, sizeof(msg)), -ENOSPC);
	cr_assert(strstr(msg, "erasing 20.0 KiB from 8.0 KiB"), "%s", msg);
	cr_assert(strstr(msg, "nothing was erased: at most 16384 bytes fit"), "%s", msg);
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_WRITE, 0, 7 * EB, msg, sizeof(msg)), -ENOSPC);
	cr_assert_str_eq(msg, "mtd0: the image needs 7 erase blocks of 4.0 KiB from 0 B but only 6 "
			      "good blocks remain there (2 bad); nothing was erased");
	/* Exactly the good blocks fit. */
	cr_assert_eq(ifl_sink_prepare(&s, IFL_USE_READ, 0, 6 * EB, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(s.map[2] == 2 && s.map[3] == 4 && s.map[4] == 6 && s.map[5] == 7);
	cr_assert_eq(fake_erased, 0);
	cr_assert_eq(ifl_sink_close(&s), 0);
}
