/* test_agent_scan.c - the agent's inventory scan on a fake sysfs tree made in a temp dir. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory.h"

static char root[64];

/* Write root/rel with text, creating the directories on the way. */
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

/*
 * A board with an eMMC (with boot partitions, a partition and an RPMB), an
 * NVMe drive, a USB stick, an empty card reader, a loop device and a virtio disk.
 */
static void make_tree(void)
{
	cr_assert_not_null(freopen("/dev/null", "w", stderr)); /* the scan's log lines */
	strcpy(root, "/tmp/ifl-scan-XXXXXX");
	cr_assert_not_null(mkdtemp(root));

	put("class/block/mmcblk0/size", "30535680\n");
	put("class/block/mmcblk0/ro", "0\n");
	put("class/block/mmcblk0/removable", "0\n");
	put("class/block/mmcblk0/device/name", "DG4016\n");
	put("class/block/mmcblk0/device/serial", "0x1a2b3c4d\n");
	put("class/block/mmcblk0/device/type", "MMC\n");

	put("class/block/mmcblk0boot0/size", "8192\n");
	put("class/block/mmcblk0boot0/ro", "1\n");
	put("class/block/mmcblk0boot0/device/name", "DG4016\n");
	put("class/block/mmcblk0boot0/device/type", "MMC\n");
	/* boot1: read-only only through force_ro, which the agent clears to write. */
	put("class/block/mmcblk0boot1/size", "8192\n");
	put("class/block/mmcblk0boot1/ro", "1\n");
	put("class/block/mmcblk0boot1/force_ro", "1\n");

	put("class/block/mmcblk0p1/size", "1048576\n");
	put("class/block/mmcblk0rpmb/size", "8192\n");

	put("class/block/nvme0n1/size", "1953525168\n");
	put("class/block/nvme0n1/queue/logical_block_size", "4096\n");
	put("class/block/nvme0n1/device/model", "Samsung SSD 980 1TB                     \n");
	put("class/block/nvme0n1/device/serial", "  S64DNX0R123456K     \n");
	put("class/block/nvme0n1p1/size", "1000\n");

	put("class/block/sda/size", "60437492\n");
	put("class/block/sda/removable", "1\n");
	put("class/block/sda/device/model", "Flash\tDisk\x01" "2.0   \n");
	put("class/block/sda1/size", "60000000\n");

	put("class/block/sdb/size", "0\n"); /* a card reader without a card */
	put("class/block/sdb/removable", "1\n");

	put("class/block/loop0/size", "2048\n");

	put("class/block/vda/size", "20971520\n");
	put("class/block/vda/serial", "virtio-disk-7\n");
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(agent_scan, .init = make_tree, .fini = cleanup);

static const struct ifl_agent_target *find(const struct ifl_targets *inv, const char *name)
{
	const struct ifl_agent_target *t = ifl_inv_find(inv, name);

	cr_assert_not_null(t, "%s is in the inventory", name);
	return t;
}

Test(agent_scan, finds_whole_disks_only)
{
	static struct ifl_targets inv;
	const char *want[] = {"mmcblk0", "mmcblk0boot0", "mmcblk0boot1", "nvme0n1", "sda", "vda"};

	cr_assert_eq(ifl_inv_scan(&inv, root, "/dev"), 6);
	cr_assert_eq(inv.n, 6);
	/* scandir sorts by name. */
	for (unsigned i = 0; i < 6; i++)
		cr_assert_str_eq(inv.t[i].info.name, want[i]);
	cr_assert_null(ifl_inv_find(&inv, "mmcblk0p1"), "partitions are skipped");
	cr_assert_null(ifl_inv_find(&inv, "mmcblk0rpmb"), "RPMB is not a disk");
	cr_assert_null(ifl_inv_find(&inv, "nvme0n1p1"));
	cr_assert_null(ifl_inv_find(&inv, "sda1"));
	cr_assert_null(ifl_inv_find(&inv, "sdb"), "an empty drive is skipped");
	cr_assert_null(ifl_inv_find(&inv, "loop0"), "loop devices are skipped");
}

Test(agent_scan, emmc_name_and_serial)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "mmcblk0");
	cr_assert_str_eq(t->path, "/dev/mmcblk0");
	cr_assert_eq(t->info.kind, IFL_KIND_BLOCK);
	cr_assert_eq(t->info.size, 30535680ull * 512);
	cr_assert_eq(t->info.block_size, 512, "logical_block_size missing: 512");
	cr_assert_eq(t->info.write_size, 512);
	cr_assert_str_eq(t->info.model, "DG4016", "device/name when there is no model");
	cr_assert_str_eq(t->info.serial, "0x1a2b3c4d");
	cr_assert_eq(t->info.flags, IFL_TF_EMMC, "card type MMC: eMMC, writable, fixed");
	cr_assert_eq(find(&inv, "mmcblk0boot0")->info.flags & IFL_TF_EMMC, IFL_TF_EMMC);
	cr_assert_eq(find(&inv, "nvme0n1")->info.flags & (IFL_TF_EMMC | IFL_TF_SD), 0);
}

Test(agent_scan, sd_card_is_told_from_emmc)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	put("class/block/mmcblk1/size", "62333952\n");
	put("class/block/mmcblk1/device/name", "SN64G\n");
	put("class/block/mmcblk1/device/type", "SD\n");
	put("class/block/mmcblk2/size", "2048\n");
	put("class/block/mmcblk2/device/type", "SDIO\n");
	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "mmcblk1");
	cr_assert_eq(t->info.flags & (IFL_TF_SD | IFL_TF_EMMC), IFL_TF_SD);
	cr_assert_eq(find(&inv, "mmcblk0")->info.flags & (IFL_TF_SD | IFL_TF_EMMC), IFL_TF_EMMC);
	cr_assert_eq(find(&inv, "mmcblk2")->info.flags & (IFL_TF_SD | IFL_TF_EMMC), 0,
		     "an unknown card type is neither");
}

Test(agent_scan, boot_partition_is_read_only)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "mmcblk0boot0");
	cr_assert_eq(t->info.size, 8192ull * 512);
	cr_assert_eq(t->info.flags, IFL_TF_READONLY | IFL_TF_EMMC);
	cr_assert_str_eq(t->info.model, "DG4016");
	cr_assert_str_eq(t->info.serial, "");
}

Test(agent_scan, boot_partition_held_by_force_ro_is_writable)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "mmcblk0boot1");
	cr_assert_not_null(t);
	cr_assert_eq(t->info.flags & IFL_TF_READONLY, 0, "force_ro alone must not make it read-only");
}

Test(agent_scan, nvme_model_serial_block_size)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "nvme0n1");
	/* sysfs counts 512-byte sectors whatever the logical block size. */
	cr_assert_eq(t->info.size, 1953525168ull * 512);
	cr_assert_eq(t->info.block_size, 4096);
	cr_assert_eq(t->info.write_size, 4096);
	cr_assert_str_eq(t->info.model, "Samsung SSD 980 1TB", "trailing blanks trimmed");
	cr_assert_str_eq(t->info.serial, "S64DNX0R123456K", "blanks trimmed on both sides");
	cr_assert_eq(t->info.flags, 0);
}

Test(agent_scan, usb_stick_is_removable)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "sda");
	cr_assert_eq(t->info.flags, IFL_TF_REMOVABLE);
	cr_assert_str_eq(t->info.model, "Flash?Disk?2.0", "control bytes replaced");
	cr_assert_str_eq(t->info.serial, "");
}

Test(agent_scan, virtio_serial_at_top_level)
{
	static struct ifl_targets inv;
	const struct ifl_agent_target *t;

	ifl_inv_scan(&inv, root, "/dev");
	t = find(&inv, "vda");
	cr_assert_eq(t->info.size, 20971520ull * 512);
	cr_assert_str_eq(t->info.serial, "virtio-disk-7");
	cr_assert_str_eq(t->info.model, "");
}

Test(agent_scan, names_already_present_are_kept)
{
	static struct ifl_targets inv;
	char err[256];
	char img[128];
	int fd;

	snprintf(img, sizeof(img), "%s/vda.img", root);
	fd = open(img, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	close(fd);
	snprintf(err, sizeof(err), "vda=%s", img);
	cr_assert_eq(ifl_inv_add(&inv, err, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ifl_inv_scan(&inv, root, "/dev"), 5);
	cr_assert_eq(inv.n, 6);
	cr_assert_eq(find(&inv, "vda")->info.kind, IFL_KIND_FILE, "the --target entry wins");
	cr_assert_str_eq(find(&inv, "vda")->path, img);
}

Test(agent_scan, devdir_prefixes_paths)
{
	static struct ifl_targets inv;

	ifl_inv_scan(&inv, root, "/tmp/dev");
	cr_assert_str_eq(find(&inv, "nvme0n1")->path, "/tmp/dev/nvme0n1");
}

Test(agent_scan, full_inventory_stops_adding)
{
	static struct ifl_targets inv;

	inv.n = IFL_MAX_TARGETS - 2;
	for (unsigned i = 0; i < inv.n; i++)
		snprintf(inv.t[i].info.name, sizeof(inv.t[i].info.name), "t%u", i);
	cr_assert_eq(ifl_inv_scan(&inv, root, "/dev"), 2);
	cr_assert_eq(inv.n, IFL_MAX_TARGETS);
}

Test(agent_scan, missing_sysfs_is_an_error)
{
	static struct ifl_targets inv;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/nonexistent", root);
	cr_assert_eq(ifl_inv_scan(&inv, dir, "/dev"), -ENOENT);
	cr_assert_eq(inv.n, 0);
}
