/* mtd_scan.c - find MTD flash (/sys/class/mtd, --target NAME=/dev/mtdN) for the inventory. */
#include "mtd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MTD_WRITEABLE 0x400 /* mtd-abi.h: the device takes writes */

/* model = the MTD's `name`; a NAND also reports its bad-block count. */
static void describe(const char *sysdir, struct ifl_target_info *t)
{
	ifl_sysfs_attr(sysdir, "name", t->model, sizeof(t->model));
	if (t->kind == IFL_KIND_MTD_NAND)
		t->bad_blocks = (uint32_t)ifl_sysfs_num(sysdir, "bad_blocks", 0);
}

int ifl_mtd_probe(const char *path, unsigned minor, struct ifl_target_info *t)
{
	struct ifl_mtd_info_user mi;
	char sys[64];
	int kind, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, IFL_MEMGETINFO, &mi) < 0) {
		int err = errno == ENOTTY ? -EINVAL : -errno;

		close(fd);
		return err;
	}
	close(fd);
	kind = ifl_mtd_kind(mi.type, NULL);
	if (kind < 0 || mi.erasesize == 0)
		return -EINVAL;
	t->kind = (uint8_t)kind;
	t->size = mi.size;
	t->erase_size = mi.erasesize;
	t->write_size = t->block_size = mi.writesize ? mi.writesize : 1;
	if (!(mi.flags & MTD_WRITEABLE))
		t->flags |= IFL_TF_READONLY;
	/* Minor 2N is mtdN, 2N+1 its read-only twin mtdNro. */
	snprintf(sys, sizeof(sys), "/sys/class/mtd/mtd%u", minor / 2);
	describe(sys, t);
	return 0;
}

/* mtdN: digits to the end, so mtdNro is left out. */
static int want_mtd(const struct dirent *d)
{
	const char *p = d->d_name;

	if (strncmp(p, "mtd", 3) != 0 || !p[3] || strlen(p) > IFL_NAME_MAX)
		return 0;
	return strspn(p + 3, "0123456789") == strlen(p + 3);
}

/* Describe sysfs MTD directory sysdir as target name; 0 or -ENODEV to skip it. */
static int scan_one(const char *sysroot, const char *sysdir, const char *name,
		    const char *devdir, struct ifl_agent_target *a)
{
	char type[32], flags[32];
	int kind;

	(void)sysroot; /* MTD has no force_ro to look up */

	ifl_sysfs_attr(sysdir, "type", type, sizeof(type));
	kind = ifl_mtd_kind(0, type);
	if (kind < 0 || ifl_sysfs_num(sysdir, "size", 0) == 0)
		return -ENODEV;
	memset(a, 0, sizeof(*a));
	if (snprintf(a->path, sizeof(a->path), "%s/%s", devdir, name) >= (int)sizeof(a->path))
		return -ENAMETOOLONG;
	memcpy(a->info.name, name, strnlen(name, IFL_NAME_MAX));
	a->info.kind = (uint8_t)kind;
	a->info.size = ifl_sysfs_num(sysdir, "size", 0);
	a->info.erase_size = (uint32_t)ifl_sysfs_num(sysdir, "erasesize", 0);
	a->info.write_size = a->info.block_size = (uint32_t)ifl_sysfs_num(sysdir, "writesize", 1);
	if (a->info.erase_size == 0)
		return -ENODEV;
	/* flags is hex ("0x800"); without MTD_WRITEABLE the chip is read-only. */
	if (ifl_sysfs_attr(sysdir, "flags", flags, sizeof(flags)) == 0 && flags[0] &&
	    !(strtoull(flags, NULL, 0) & MTD_WRITEABLE))
		a->info.flags |= IFL_TF_READONLY;
	describe(sysdir, &a->info);
	return 0;
}

int ifl_inv_scan_mtd(struct ifl_targets *inv, const char *sysroot, const char *devdir)
{
	int added = ifl_inv_walk(inv, sysroot, "mtd", want_mtd, scan_one, devdir);

	/* A kernel without MTD has no class/mtd: nothing to add. */
	return added < 0 ? 0 : added;
}
