/* test_gpt.c - GPT parsing: tables made by sgdisk, and hand-made corruptions. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gpt.h"
#include "wire.h"

#define LBA 512
#define DISK_LBAS 65536 /* a 32 MiB image */

static uint8_t disk[3 * 16384 + 2 * LBA]; /* LBA 0..33 plus slack: only the head is kept */
static struct ifl_gpt g;
static char err[256];

/* Build a 32 MiB image with sgdisk and keep its first 34 blocks in disk[]. */
static void make_disk(const char *sgdisk_args)
{
	char dir[] = "/tmp/ifl-gpt-XXXXXX", cmd[1024], path[300];
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/disk.img", dir);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s %d %s && sgdisk %s %s >/dev/null 2>&1", DISK_LBAS * LBA, path,
		 sgdisk_args, path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	f = fopen(path, "rb");
	cr_assert(f);
	memset(disk, 0, sizeof(disk));
	cr_assert_eq(fread(disk, 1, 34 * LBA, f), 34 * LBA);
	fclose(f);
	unlink(path);
	rmdir(dir);
}

static int parse(void)
{
	return ifl_gpt_parse(disk + LBA, LBA, disk + 2 * LBA, 32 * LBA, LBA, DISK_LBAS, &g, err,
			     sizeof(err));
}

/* After editing the header, make its CRC right again. */
static void seal_header(void)
{
	uint8_t *h = disk + LBA;

	ifl_put_le32(h + 16, 0);
	ifl_put_le32(h + 16, (uint32_t)crc32(0L, h, ifl_get_le32(h + 12)));
}

/* After editing the entries (128 of 128 bytes), make both CRCs right again. */
static void reseal(void)
{
	ifl_put_le32(disk + LBA + 88, (uint32_t)crc32(0L, disk + 2 * LBA, 128 * 128));
	seal_header();
}

static const char *three = "-n 1:2048:+1M -c 1:boot -n 2:0:+4M -c 2:APP -t 2:8300 "
			   "-n 3:0:0 -c 3:\"user data\"";

Test(gpt, sgdisk_three_partitions)
{
	make_disk(three);
	cr_assert_eq(parse(), 0, "%s", err);
	cr_assert_eq(g.nparts, 3);
	cr_assert_str_eq(g.part[0].name, "boot");
	cr_assert_eq(g.part[0].first_lba, 2048);
	cr_assert_eq(g.part[0].last_lba, 2048 + 2047);
	cr_assert_eq(g.part[0].start, 2048 * LBA);
	cr_assert_eq(g.part[0].size, 1 << 20);
	cr_assert_eq(g.part[0].index, 1);
	cr_assert_str_eq(g.part[1].name, "APP");
	cr_assert_eq(g.part[1].size, 4 << 20);
	/* 8300 = Linux filesystem 0FC63DAF-8483-4772-8E79-3D69D8477DE4, mixed endian */
	static const uint8_t linux_fs[16] = {0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
					     0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4};
	cr_assert_eq(memcmp(g.part[1].type_guid, linux_fs, 16), 0);
	cr_assert_str_eq(g.part[2].name, "user data");
	cr_assert_eq(g.part[2].last_lba, g.hdr.last_usable);
	cr_assert_eq(g.hdr.num_entries, 128);
	cr_assert_eq(g.hdr.entry_size, 128);
	cr_assert_eq(g.hdr.alt_lba, DISK_LBAS - 1);
	cr_assert_eq(ifl_gpt_find(&g, "APP"), 1);
	cr_assert_eq(ifl_gpt_find(&g, "user data"), 2);
	cr_assert_eq(ifl_gpt_find(&g, "app"), -ENOENT);
}

Test(gpt, two_step_api)
{
	struct ifl_gpt_hdr h;

	make_disk(three);
	cr_assert_eq(ifl_gpt_parse_header(disk + LBA, LBA, LBA, DISK_LBAS, &h, err, sizeof(err)), 0);
	cr_assert_eq(ifl_gpt_entries_offset(&h), 2 * LBA);
	cr_assert_eq(ifl_gpt_entries_len(&h), 128 * 128);
	cr_assert_eq(ifl_gpt_parse_entries(&h, disk + 2 * LBA, 16384, &g, err, sizeof(err)), 0);
	cr_assert_eq(g.nparts, 3);
	cr_assert_eq(g.hdr.first_usable, h.first_usable);
}

Test(gpt, sparse_slots_keep_their_index)
{
	make_disk("-n 5:2048:+1M -c 5:five -n 2:0:+1M -c 2:two");
	cr_assert_eq(parse(), 0, "%s", err);
	cr_assert_eq(g.nparts, 2);
	cr_assert_eq(g.part[0].index, 2);
	cr_assert_eq(g.part[1].index, 5);
	cr_assert_str_eq(g.part[1].name, "five");
}

Test(gpt, unicode_name)
{
	make_disk("-n 1:2048:+1M");
	/* name "é€😀" plus a lone surrogate: UTF-16LE, then reseal */
	uint8_t *name = disk + 2 * LBA + 56;
	const uint16_t units[] = {0x00e9, 0x20ac, 0xd83d, 0xde00, 0xdc00, 'x', 0};
	memset(name, 0, 72);
	for (size_t i = 0; i < sizeof(units) / 2; i++)
		ifl_put_le16(name + 2 * i, units[i]);
	reseal();
	cr_assert_eq(parse(), 0, "%s", err);
	cr_assert_str_eq(g.part[0].name, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80?x");
}

Test(gpt, full_length_name)
{
	make_disk("-n 1:2048:+1M -c 1:abcdefghijklmnopqrstuvwxyz0123456789");
	cr_assert_eq(parse(), 0, "%s", err);
	cr_assert_str_eq(g.part[0].name, "abcdefghijklmnopqrstuvwxyz0123456789");
}

static void expect(int want, const char *needle)
{
	int rc = parse();

	cr_assert_eq(rc, want, "rc %d (%s), want %d", rc, err, want);
	cr_assert(strstr(err, needle), "\"%s\" lacks \"%s\"", err, needle);
}

Test(gpt, bad_header_crc)
{
	make_disk(three);
	disk[LBA + 16] ^= 1;
	expect(-EBADMSG, "CRC");
}

Test(gpt, bad_entries_crc)
{
	make_disk(three);
	disk[2 * LBA + 130] ^= 1;
	expect(-EBADMSG, "entries: CRC");
}

Test(gpt, bad_signature_and_revision)
{
	make_disk(three);
	disk[LBA] = 'X';
	seal_header();
	expect(-EINVAL, "signature");
	make_disk(three);
	ifl_put_le32(disk + LBA + 8, 0x00020000);
	seal_header();
	expect(-EINVAL, "revision");
}

Test(gpt, bad_header_size)
{
	make_disk(three);
	ifl_put_le32(disk + LBA + 12, 91);
	expect(-EINVAL, "header size");
	ifl_put_le32(disk + LBA + 12, LBA + 1);
	expect(-EINVAL, "header size");
}

Test(gpt, overlapping_entries)
{
	make_disk(three);
	/* entry 2 starts inside entry 1 */
	ifl_put_le64(disk + 2 * LBA + 128 + 32, 3000);
	reseal();
	expect(-EINVAL, "overlap");
}

Test(gpt, entry_outside_usable_range)
{
	make_disk(three);
	ifl_put_le64(disk + 2 * LBA + 40, DISK_LBAS);
	reseal();
	expect(-EINVAL, "usable");
	make_disk(three);
	ifl_put_le64(disk + 2 * LBA + 32, 5000); /* first > last */
	reseal();
	expect(-EINVAL, "usable");
}

Test(gpt, entry_count_and_size_bounds)
{
	make_disk(three);
	ifl_put_le32(disk + LBA + 80, 1025);
	seal_header();
	expect(-EINVAL, "entries");
	make_disk(three);
	ifl_put_le32(disk + LBA + 84, 100);
	ifl_put_le32(disk + LBA + 80, 1);
	seal_header();
	expect(-EINVAL, "entry size");
	make_disk(three);
	/* 256 entries do not fit in the 32 blocks before first usable LBA 34 */
	ifl_put_le32(disk + LBA + 80, 256);
	seal_header();
	expect(-EINVAL, "runs into");
}

Test(gpt, geometry_against_disk)
{
	make_disk(three);
	cr_assert_eq(ifl_gpt_parse(disk + LBA, LBA, disk + 2 * LBA, 16384, LBA, DISK_LBAS / 2, &g,
				   err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "past the disk end"), "%s", err);
	/* unknown disk size: accepted */
	cr_assert_eq(ifl_gpt_parse(disk + LBA, LBA, disk + 2 * LBA, 16384, LBA, 0, &g, err,
				   sizeof(err)),
		     0, "%s", err);
	ifl_put_le64(disk + LBA + 24, 2);
	seal_header();
	expect(-EINVAL, "MyLBA");
	cr_assert_eq(ifl_gpt_parse(disk + LBA, LBA, disk + 2 * LBA, 16384, 500, DISK_LBAS, &g, err,
				   sizeof(err)),
		     -EINVAL);
}

Test(gpt, truncated_at_every_length)
{
	struct ifl_gpt_hdr h;

	make_disk(three);
	for (size_t n = 0; n < 92; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exact size so ASan/valgrind see overreads */
		memcpy(copy, disk + LBA, n);
		cr_assert_eq(ifl_gpt_parse_header(copy, n, LBA, DISK_LBAS, &h, err, sizeof(err)),
			     -EPROTO, "header of %zu bytes", n);
		cr_assert(strstr(err, "short read"), "%s", err);
		free(copy);
	}
	cr_assert_eq(ifl_gpt_parse_header(disk + LBA, 92, LBA, DISK_LBAS, &h, err, sizeof(err)), 0);
	for (size_t n = 0; n < 16384; n += 97) {
		cr_assert_eq(ifl_gpt_parse_entries(&h, disk + 2 * LBA, n, &g, err, sizeof(err)),
			     -EPROTO, "entries of %zu bytes", n);
		cr_assert_eq(g.nparts, 0);
	}
	cr_assert_eq(ifl_gpt_parse_entries(&h, disk + 2 * LBA, 16383, &g, err, sizeof(err)), -EPROTO);
}

Test(gpt, touches_primary_and_backup)
{
	make_disk(three);
	cr_assert_eq(parse(), 0);
	const struct ifl_gpt_hdr *h = &g.hdr;
	uint64_t back = (h->last_usable + 1) * LBA;

	cr_assert_eq(ifl_gpt_touches(h, 0, 512), IFL_GPT_TOUCH_PRIMARY);
	cr_assert_eq(ifl_gpt_touches(h, 33 * LBA, 1), IFL_GPT_TOUCH_PRIMARY);
	cr_assert_eq(ifl_gpt_touches(h, 34 * LBA, 1 << 20), 0);
	cr_assert_eq(ifl_gpt_touches(h, 0, 0), 0);
	cr_assert_eq(ifl_gpt_touches(h, back - 1, 1), 0);
	cr_assert_eq(ifl_gpt_touches(h, back - 1, 2), IFL_GPT_TOUCH_BACKUP);
	cr_assert_eq(ifl_gpt_touches(h, (uint64_t)DISK_LBAS * LBA, 512), 0);
	cr_assert_eq(ifl_gpt_touches(h, 0, (uint64_t)DISK_LBAS * LBA),
		     IFL_GPT_TOUCH_PRIMARY | IFL_GPT_TOUCH_BACKUP);
	cr_assert_eq(ifl_gpt_touches(h, 1 << 20, UINT64_MAX), IFL_GPT_TOUCH_BACKUP);
}
