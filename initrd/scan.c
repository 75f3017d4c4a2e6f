/* scan.c - find whole disks in sysfs (/sys/class/block) for the inventory. */
#include "inventory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootpart.h"
#include "log.h"
#include "mtd.h"

/* Past one or more digits at s, or NULL. */
static const char *skip_digits(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	return p == s ? NULL : p;
}

/* Past one or more lower-case letters at s, or NULL. */
static const char *skip_letters(const char *s)
{
	const char *p = s;

	while (*p >= 'a' && *p <= 'z')
		p++;
	return p == s ? NULL : p;
}

/* mmcblkN, mmcblkNbootM, nvmeNnM, sdX, vdX: whole disks, never partitions. */
static int is_whole_disk(const char *n)
{
	const char *p;

	if (strncmp(n, "mmcblk", 6) == 0 && (p = skip_digits(n + 6))) {
		if (*p == '\0')
			return 1;
		return strncmp(p, "boot", 4) == 0 && (p = skip_digits(p + 4)) && *p == '\0';
	}
	if (strncmp(n, "nvme", 4) == 0 && (p = skip_digits(n + 4)) && *p == 'n')
		return (p = skip_digits(p + 1)) && *p == '\0';
	if (strncmp(n, "sd", 2) == 0 || strncmp(n, "vd", 2) == 0)
		return (p = skip_letters(n + 2)) && *p == '\0';
	return 0;
}

/*
 * Read the sysfs file dir/rel into buf[cap], trimmed of surrounding blanks,
 * with control bytes replaced. Returns 0, or -errno (buf is then "").
 */
int ifl_sysfs_attr(const char *dir, const char *rel, char *buf, size_t cap)
{
	char path[IFL_PATH_MAX + 64];
	size_t b = 0, e;
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -EIO;
	e = (size_t)n;
	while (e > 0 && (unsigned char)buf[e - 1] <= ' ')
		e--;
	while (b < e && (unsigned char)buf[b] <= ' ')
		b++;
	memmove(buf, buf + b, e - b);
	buf[e - b] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return 0;
}

/* A decimal sysfs attribute, or def when it is missing or not a number. */
uint64_t ifl_sysfs_num(const char *dir, const char *rel, uint64_t def)
{
	char buf[32], *end;
	unsigned long long v;

	if (ifl_sysfs_attr(dir, rel, buf, sizeof(buf)) || buf[0] == '\0')
		return def;
	v = strtoull(buf, &end, 10);
	return *end ? def : (uint64_t)v;
}

void ifl_inv_describe(const char *sysdir, struct ifl_target_info *t)
{
	if (ifl_sysfs_attr(sysdir, "device/model", t->model, sizeof(t->model)) || !t->model[0])
		ifl_sysfs_attr(sysdir, "device/name", t->model, sizeof(t->model));
	if (ifl_sysfs_attr(sysdir, "device/serial", t->serial, sizeof(t->serial)) || !t->serial[0])
		if (ifl_sysfs_attr(sysdir, "device/wwid", t->serial, sizeof(t->serial)) || !t->serial[0])
			if (ifl_sysfs_attr(sysdir, "wwid", t->serial, sizeof(t->serial)) || !t->serial[0])
				ifl_sysfs_attr(sysdir, "serial", t->serial, sizeof(t->serial));
	char type[8];

	if (ifl_sysfs_num(sysdir, "removable", 0))
		t->flags |= IFL_TF_REMOVABLE;
	/* The MMC core's card type: an SD card, or eMMC (its boot partitions share the card). */
	if (ifl_sysfs_attr(sysdir, "device/type", type, sizeof(type)) == 0) {
		if (strcmp(type, "SD") == 0)
			t->flags |= IFL_TF_SD;
		else if (strcmp(type, "MMC") == 0)
			t->flags |= IFL_TF_EMMC;
	}
}

/* Describe the disk sysdir as target name; 0, or -ENODEV for an empty drive. */
static int scan_one(const char *sysroot, const char *sysdir, const char *name, const char *devdir,
		    struct ifl_agent_target *a)
{
	uint64_t sectors = ifl_sysfs_num(sysdir, "size", 0);
	uint64_t lbs = ifl_sysfs_num(sysdir, "queue/logical_block_size", 512);

	if (sectors == 0)
		return -ENODEV;
	memset(a, 0, sizeof(*a));
	if (snprintf(a->path, sizeof(a->path), "%s/%s", devdir, name) >= (int)sizeof(a->path))
		return -ENAMETOOLONG;
	/* want_entry let only names of at most IFL_NAME_MAX bytes through. */
	memcpy(a->info.name, name, strnlen(name, IFL_NAME_MAX));
	a->info.kind = IFL_KIND_BLOCK;
	/* sysfs counts 512-byte sectors whatever the device's block size. */
	a->info.size = sectors * 512;
	a->info.block_size = a->info.write_size = lbs ? (uint32_t)lbs : 512;
	/*
	 * An eMMC boot partition reads ro=1 while only force_ro holds it; the
	 * agent clears that for a write and restores it, so it is writable.
	 */
	if (ifl_sysfs_num(sysdir, "ro", 0) && !ifl_bootpart_unlockable(sysroot, name))
		a->info.flags |= IFL_TF_READONLY;
	ifl_inv_describe(sysdir, &a->info);
	return 0;
}

static int want_entry(const struct dirent *d)
{
	return strlen(d->d_name) <= IFL_NAME_MAX && is_whole_disk(d->d_name);
}

int ifl_inv_walk(struct ifl_targets *inv, const char *sysroot, const char *cls,
		 int (*want)(const struct dirent *), ifl_scan_one_fn one, const char *devdir)
{
	char dir[IFL_PATH_MAX], sysdir[IFL_PATH_MAX + 72];
	struct dirent **list;
	int n, added = 0;

	snprintf(dir, sizeof(dir), "%s/class/%s", sysroot, cls);
	n = scandir(dir, &list, want, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (snprintf(sysdir, sizeof(sysdir), "%s/%s", dir, name) >= (int)sizeof(sysdir))
			ifl_log("scan: %s/%s: path too long; skipped", dir, name);
		else if (ifl_inv_find(inv, name))
			ifl_vlog("scan: %s is already a target; skipped", name);
		else if (inv->n >= IFL_MAX_TARGETS)
			ifl_log("scan: more than %d targets; %s skipped", IFL_MAX_TARGETS, name);
		else if (one(sysroot, sysdir, name, devdir, &inv->t[inv->n]) == 0) {
			inv->n++;
			added++;
		}
		free(list[i]);
	}
	free(list);
	return added;
}

int ifl_inv_scan(struct ifl_targets *inv, const char *sysroot, const char *devdir)
{
	int added = ifl_inv_walk(inv, sysroot, "block", want_entry, scan_one, devdir);

	return added < 0 ? added : added + ifl_inv_scan_mtd(inv, sysroot, devdir);
}
