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

/*
 * Re-targeting to another disk size. sgdisk makes the original image and is
 * the oracle for the result: the outputs go into a fresh image of the new
 * size (with the original's protective MBR) for sgdisk -v and -i to read.
 */
#define MiB_LBAS (1 << 20) / LBA
#define TBL_LEN (33 * LBA) /* header block + 128 entries of 128 bytes, as in flash.idx */

static char rdir[64];
static uint8_t head[34 * LBA + 2 * 64 * LBA]; /* LBA 0 .. first usable - 1 of the original */
static uint8_t tail[TBL_LEN];                 /* the original's last 33 blocks */
static uint8_t outp[sizeof(head)], outb[TBL_LEN + 8];
static size_t head_len;
static char out[4096];

static void rsetup(void)
{
	strcpy(rdir, "/tmp/ifl-gptr-XXXXXX");
	cr_assert(mkdtemp(rdir));
}

static void rteardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", rdir);
	(void)system(cmd);
}

/* Output of a shell command (run in rdir), which must succeed. */
static const char *run(const char *cmd)
{
	char full[1024];
	size_t n;
	FILE *p;

	snprintf(full, sizeof(full), "cd %s && %s 2>&1", rdir, cmd);
	p = popen(full, "r");
	cr_assert(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s:\n%s", cmd, out);
	return out;
}

/* rdir/src.img of mib MiB made by sgdisk args; keeps its first blocks and its last 33. */
static void make_src(int mib, const char *args, size_t keep_lbas)
{
	char cmd[512], path[128];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "truncate -s %dM src.img && sgdisk %s src.img", mib, args);
	run(cmd);
	snprintf(path, sizeof(path), "%s/src.img", rdir);
	f = fopen(path, "rb");
	cr_assert(f);
	head_len = keep_lbas * LBA;
	cr_assert_leq(head_len, sizeof(head));
	cr_assert_eq(fread(head, 1, head_len, f), head_len);
	cr_assert_eq(fseek(f, -(long)TBL_LEN, SEEK_END), 0);
	cr_assert_eq(fread(tail, 1, TBL_LEN, f), TBL_LEN);
	fclose(f);
}

/* Retarget the original's table; on success g holds the new primary, parsed against the disk. */
static int retarget(uint64_t disk_lbas, uint32_t slot)
{
	size_t elen = head_len - LBA - (ifl_get_le64(head + LBA + 72) - 1) * LBA;
	int rc;

	memset(outp, 0xa5, sizeof(outp));
	memset(outb, 0xa5, sizeof(outb));
	memset(&g, 0, sizeof(g));
	err[0] = '\0';
	rc = ifl_gpt_retarget(head + LBA, head_len - LBA, LBA, disk_lbas, slot, outp, sizeof(outp),
			      outb, sizeof(outb), err, sizeof(err));
	if (rc == 0)
		cr_assert_eq(ifl_gpt_parse(outp, LBA, outp + head_len - LBA - elen, elen, LBA,
					   disk_lbas, &g, err, sizeof(err)),
			     0, "%s", err);
	return rc;
}

/* rdir/dst.img of disk_lbas blocks: the original's MBR, then what retarget wrote. */
static void write_dst(uint64_t disk_lbas)
{
	size_t plen, blen;
	char path[128];
	FILE *f;

	cr_assert_eq(ifl_gpt_retarget_lens(head + LBA, head_len - LBA, LBA, &plen, &blen), 0);
	cr_assert_eq(plen, head_len - LBA);
	cr_assert_eq(blen, TBL_LEN);
	snprintf(path, sizeof(path), "%s/dst.img", rdir);
	f = fopen(path, "wb");
	cr_assert(f);
	cr_assert_eq(ftruncate(fileno(f), (off_t)(disk_lbas * LBA)), 0);
	cr_assert_eq(fwrite(head, 1, LBA, f), LBA);
	cr_assert_eq(fwrite(outp, 1, plen, f), plen);
	cr_assert_eq(fseek(f, (long)(disk_lbas * LBA - blen), SEEK_SET), 0);
	cr_assert_eq(fwrite(outb, 1, blen, f), blen);
	cr_assert_eq(fclose(f), 0);
}

/* The line of text starting with key, without its newline. */
static const char *line(const char *text, const char *key, char *buf, size_t cap)
{
	const char *p = strstr(text, key);
	size_t n;

	cr_assert(p, "no \"%s\" in:\n%s", key, text);
	n = strcspn(p, "\n");
	cr_assert_lt(n, cap);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static const char *two = "-o -n 1:2048:+16M -c 1:one -n 2:0:0 -c 2:APP";

/* sgdisk -v finds no problems in dst.img, and partition 1 reads as in src.img. */
static void check_dst(void)
{
	static char before[4096];

	cr_assert(strstr(run("sgdisk -v dst.img"), "No problems found"), "%s", out);
	strcpy(before, run("sgdisk -i 1 src.img"));
	cr_assert_str_eq(run("sgdisk -i 1 dst.img"), before);
}

Test(gpt_retarget, grow_to_128m_expands_app, .init = rsetup, .fini = rteardown)
{
	uint64_t lbas = 128 * MiB_LBAS;
	char a[128], b[128];
	static char before[4096];

	make_src(64, two, 34);
	cr_assert_eq(retarget(lbas, 2), 0, "%s", err);
	write_dst(lbas);
	check_dst();
	strcpy(before, run("sgdisk -i 2 src.img"));
	run("sgdisk -i 2 dst.img");
	cr_assert(strstr(out, "Last sector: 262110 "), "%s", out); /* 128 MiB / 512 - 34 */
	cr_assert_str_eq(line(out, "First sector:", a, sizeof(a)),
			 line(before, "First sector:", b, sizeof(b)));
	cr_assert_str_eq(line(out, "Partition unique GUID:", a, sizeof(a)),
			 line(before, "Partition unique GUID:", b, sizeof(b)));
	cr_assert_str_eq(line(out, "Partition name:", a, sizeof(a)), "Partition name: 'APP'");
	strcpy(before, run("sgdisk -p src.img"));
	cr_assert_str_eq(line(run("sgdisk -p dst.img"), "Disk identifier", a, sizeof(a)),
			 line(before, "Disk identifier", b, sizeof(b)));
	/* what g reports is what was written */
	cr_assert_eq(g.nparts, 2);
	cr_assert_eq(g.part[1].last_lba, lbas - 34);
	cr_assert_eq(g.hdr.alt_lba, lbas - 1);
	cr_assert_eq(g.hdr.disk_lbas, lbas);
}

Test(gpt_retarget, grow_without_expand_keeps_partitions, .init = rsetup, .fini = rteardown)
{
	static char before[4096];

	make_src(64, two, 34);
	cr_assert_eq(retarget(128 * MiB_LBAS, 0), 0, "%s", err);
	write_dst(128 * MiB_LBAS);
	check_dst();
	strcpy(before, run("sgdisk -i 2 src.img"));
	cr_assert_str_eq(run("sgdisk -i 2 dst.img"), before);
	run("sgdisk -p dst.img");
	cr_assert(strstr(out, "Total free space is 133086 sectors"), "%s", out);
}

Test(gpt_retarget, same_size_is_byte_identical, .init = rsetup, .fini = rteardown)
{
	for (uint32_t slot = 0; slot <= 2; slot += 2) {
		make_src(64, two, 34);
		cr_assert_eq(retarget(64 * MiB_LBAS, slot), 0, "slot %u: %s", slot, err);
		cr_assert_eq(memcmp(outp, head + LBA, TBL_LEN), 0, "slot %u: primary differs",
			     slot);
		cr_assert_eq(memcmp(outb, tail, TBL_LEN), 0, "slot %u: backup differs", slot);
		cr_assert_eq(outb[TBL_LEN], 0xa5, "wrote past the backup");
		cr_assert_eq(outp[TBL_LEN], 0xa5, "wrote past the primary");
		run("rm src.img");
	}
}

Test(gpt_retarget, shrink_to_smallest_disk_that_fits, .init = rsetup, .fini = rteardown)
{
	uint64_t lbas = 2048 + 2 * 16 * MiB_LBAS - 1 + 34; /* APP ends at the last usable LBA */

	make_src(64, "-o -n 1:2048:+16M -c 1:one -n 2:0:+16M -c 2:APP", 34);
	cr_assert_eq(retarget(lbas, 0), 0, "%s", err);
	write_dst(lbas);
	check_dst();
	cr_assert(strstr(run("sgdisk -i 2 dst.img"), "Last sector: 67583 "), "%s", out);
	cr_assert_eq(g.hdr.last_usable, 67583);
	/* one block less and APP no longer fits, grown or not */
	cr_assert_eq(retarget(lbas - 1, 0), -ENOSPC);
	cr_assert(strstr(err, "partition 2 (APP) ends at LBA 67583, past the last usable LBA 67582"),
		  "%s", err);
	cr_assert_eq(retarget(lbas - 1, 2), -ENOSPC);
	cr_assert(strstr(err, "disk is too small"), "%s", err);
}

Test(gpt_retarget, entry_array_away_from_lba2, .init = rsetup, .fini = rteardown)
{
	/* -j 64 puts the primary entries at LBA 64, so the first usable LBA is 96 */
	make_src(64, "-o -j 64 -n 1:2048:+16M -c 1:one -n 2:0:0 -c 2:APP", 96);
	cr_assert_eq(retarget(128 * MiB_LBAS, 2), 0, "%s", err);
	write_dst(128 * MiB_LBAS);
	check_dst();
	cr_assert(strstr(run("sgdisk -i 2 dst.img"), "Last sector: 262110 "), "%s", out);
	cr_assert_eq(g.hdr.entries_lba, 64);
}

Test(gpt_retarget, refuses_disk_too_small, .init = rsetup, .fini = rteardown)
{
	make_src(64, two, 34);
	cr_assert_eq(retarget(64 * MiB_LBAS - 1, 0), -ENOSPC);
	cr_assert(strstr(err, "partition 2 (APP) ends at LBA 131038"), "%s", err);
	cr_assert_eq(retarget(64 * MiB_LBAS - 1, 2), -ENOSPC);
	cr_assert(strstr(err, "partition 2 (APP) ends at LBA 131038"), "%s", err);
	cr_assert_eq(retarget(34 + 33, 0), -ENOSPC);
	cr_assert(strstr(err, "cannot hold the table"), "%s", err);
	cr_assert_eq(retarget(34 + 33 + 1, 0), -ENOSPC); /* the table fits, the partitions do not */
	cr_assert(strstr(err, "partition 1 (one)"), "%s", err);
	cr_assert_eq(retarget(UINT64_MAX / 256, 0), -EINVAL);
	cr_assert(strstr(err, "too large"), "%s", err);
}

Test(gpt_retarget, refuses_expand_slot_not_last, .init = rsetup, .fini = rteardown)
{
	make_src(64, two, 34);
	cr_assert_eq(retarget(128 * MiB_LBAS, 1), -EINVAL);
	cr_assert(strstr(err, "partition 1 (one) to expand is not the last one: 2 (APP)"), "%s",
		  err);
}

Test(gpt_retarget, refuses_unused_slot, .init = rsetup, .fini = rteardown)
{
	make_src(64, two, 34);
	cr_assert_eq(retarget(128 * MiB_LBAS, 3), -EINVAL);
	cr_assert(strstr(err, "partition 3 to expand is not a used entry (2 of 128"), "%s", err);
	cr_assert_eq(retarget(128 * MiB_LBAS, 129), -EINVAL);
	cr_assert(strstr(err, "not a used entry"), "%s", err);
}

Test(gpt_retarget, refuses_corrupt_input, .init = rsetup, .fini = rteardown)
{
	make_src(64, two, 34);
	head[2 * LBA + 128 + 60] ^= 1; /* a letter of APP's name */
	cr_assert_eq(retarget(128 * MiB_LBAS, 2), -EBADMSG);
	cr_assert(strstr(err, "entries: CRC mismatch"), "%s", err);
	head[2 * LBA + 128 + 60] ^= 1;
	head[LBA + 40] ^= 1; /* first usable LBA */
	cr_assert_eq(retarget(128 * MiB_LBAS, 2), -EBADMSG);
	cr_assert(strstr(err, "header: CRC mismatch"), "%s", err);
	head[LBA + 40] ^= 1;
	cr_assert_eq(retarget(128 * MiB_LBAS, 2), 0, "%s", err);
}

Test(gpt_retarget, short_buffers, .init = rsetup, .fini = rteardown)
{
	size_t plen, blen;

	make_src(64, two, 34);
	cr_assert_eq(ifl_gpt_retarget_lens(head + LBA, 91, LBA, &plen, &blen), -EPROTO);
	cr_assert_eq(plen, 0);
	/* the header says how far the table runs; len must get there */
	cr_assert_eq(ifl_gpt_retarget_lens(head + LBA, TBL_LEN - 1, LBA, &plen, &blen), -EPROTO);
	cr_assert_eq(plen, 0);
	cr_assert_eq(blen, 0);
	cr_assert_eq(ifl_gpt_retarget_lens(head + LBA, TBL_LEN, LBA, &plen, &blen), 0);
	cr_assert_eq(plen, TBL_LEN);
	cr_assert_eq(blen, TBL_LEN);
	/* read as a 4Kn disk: a header block and 4 blocks of entries */
	cr_assert_eq(ifl_gpt_retarget_lens(head + LBA, 5 * 4096, 4096, &plen, &blen), 0);
	cr_assert_eq(plen, 5 * 4096);
	cr_assert_eq(blen, 5 * 4096);
	cr_assert_eq(ifl_gpt_retarget(head + LBA, TBL_LEN - 1, LBA, 128 * MiB_LBAS, 2, outp,
				      TBL_LEN, outb, TBL_LEN, err, sizeof(err)),
		     -EPROTO);
	cr_assert(strstr(err, "short read, 16895 of 16896"), "%s", err);
	cr_assert_eq(ifl_gpt_retarget(head + LBA, TBL_LEN, LBA, 128 * MiB_LBAS, 2, outp,
				      TBL_LEN, outb, TBL_LEN - 1, err, sizeof(err)),
		     -ENOBUFS);
	cr_assert(strstr(err, "output buffers"), "%s", err);
	cr_assert_eq(ifl_gpt_retarget(head + LBA, TBL_LEN, LBA, 128 * MiB_LBAS, 2, outp,
				      TBL_LEN, outb, TBL_LEN, err, sizeof(err)),
		     0, "%s", err);
}
