/* bootpart.c - eMMC boot partitions: lift the kernel's force_ro for a write, then put it back. */
#include "bootpart.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"

static const char *skip_digits(const char *p)
{
	const char *q = p;

	while (*q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}

int ifl_bootpart_name(const char *name)
{
	const char *p;

	if (strncmp(name, "mmcblk", 6) || !(p = skip_digits(name + 6)) || strncmp(p, "boot", 4))
		return 0;
	p = skip_digits(p + 4);
	return p && *p == '\0';
}

/* The kernel name of the device at path: its last component once symlinks are followed, or "". */
static void kernel_name(const char *path, char *out, size_t cap)
{
	char real[PATH_MAX];
	const char *p = realpath(path, real) ? real : path;
	const char *slash = strrchr(p, '/');
	size_t n;

	p = slash ? slash + 1 : p;
	n = strlen(p);
	out[0] = '\0';
	if (n < cap)
		memcpy(out, p, n + 1);
}

/* Read the first byte of attr into *c. Returns 0 or a negative errno (-ENOENT: no such file). */
static int read_flag(const char *attr, char *c)
{
	int fd = open(attr, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -errno;
	n = ifl_read_some(fd, c, 1);
	close(fd);
	if (n == 0)
		return -ENODATA;
	return n < 0 ? (int)n : 0;
}

/* Write "0\n" or "1\n" to attr; a failing close counts (sysfs stores on write). */
static int write_flag(const char *attr, int v)
{
	uint8_t text[2] = {v ? '1' : '0', '\n'};
	int fd = open(attr, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = ifl_write_all(fd, text, sizeof(text));
	if (close(fd) < 0 && rc == 0 && errno != EINTR)
		rc = -errno;
	return rc;
}

/* The first byte of sysroot/class/block/name/rel, or 0 when it cannot be read. */
static char attr_flag(const char *sysroot, const char *name, size_t namelen, const char *rel)
{
	char path[512], c;

	if (snprintf(path, sizeof(path), "%s/class/block/%.*s/%s", sysroot, (int)namelen, name,
		     rel) >= (int)sizeof(path))
		return 0;
	return read_flag(path, &c) ? 0 : c;
}

int ifl_bootpart_unlockable(const char *sysroot, const char *name)
{
	size_t n = strlen(name), disk;

	if (!ifl_bootpart_name(name))
		return 0;
	/* mmcblkNbootM: the card is mmcblkN. */
	disk = (size_t)(strstr(name + 6, "boot") - name);
	return attr_flag(sysroot, name, n, "force_ro") == '1' &&
	       attr_flag(sysroot, name, n, "ro_lock_until_next_power_on") != '1' &&
	       attr_flag(sysroot, name, disk, "ro") == '0';
}

int ifl_bootpart_unlock(struct ifl_bootpart *bp, const char *sysroot, const char *path, char *msg,
			size_t cap)
{
	char c;
	int rc;

	memset(bp, 0, sizeof(*bp));
	kernel_name(path, bp->name, sizeof(bp->name));
	if (!ifl_bootpart_name(bp->name))
		return 0;
	if (snprintf(bp->attr, sizeof(bp->attr), "%s/class/block/%s/force_ro", sysroot,
		     bp->name) >= (int)sizeof(bp->attr))
		return 0;
	rc = read_flag(bp->attr, &c);
	/* A kernel without force_ro leaves the partition as it is; the open will tell. */
	if (rc == -ENOENT || (rc == 0 && c != '1'))
		return 0;
	if (rc == 0)
		rc = write_flag(bp->attr, 0);
	if (rc) {
		snprintf(msg, cap, "%s: cannot clear force_ro (%s: %s); the eMMC boot partition "
			 "stays read-only; run the agent as root", bp->name, bp->attr, strerror(-rc));
		return rc;
	}
	bp->cleared = 1;
	ifl_vlog("%s: cleared force_ro for the write; it is set again afterwards", bp->name);
	return 0;
}

int ifl_bootpart_restore(struct ifl_bootpart *bp)
{
	int rc;

	if (!bp->cleared)
		return 0;
	bp->cleared = 0;
	rc = write_flag(bp->attr, 1);
	if (rc)
		ifl_log("%s: cannot set force_ro back to 1 (%s: %s); the boot partition stays "
			"writable until the next boot", bp->name, bp->attr, strerror(-rc));
	else
		ifl_vlog("%s: force_ro set back to 1", bp->name);
	return rc;
}
