/* inventory.c - explicit --target entries, name rules and range checks. */
#include "inventory.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bootpart.h"
#include "fmt.h"
#include "frame.h"
#include "mtd.h"
#include "units.h"

int ifl_inv_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > IFL_NAME_MAX)
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

const struct ifl_agent_target *ifl_inv_find(const struct ifl_targets *inv, const char *name)
{
	for (unsigned i = 0; i < inv->n; i++)
		if (strcmp(inv->t[i].info.name, name) == 0)
			return &inv->t[i];
	return NULL;
}

/* 1 when path cannot be opened for writing but can be for reading. */
static int probe_readonly(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES || errno == EPERM || errno == EROFS;
}

/* Size, block size and read-only flag of a block device. */
/* 1 when path is an eMMC boot partition held read-only only by force_ro. */
static int boot_unlockable(const char *path)
{
	char real[PATH_MAX];
	const char *name;

	if (!realpath(path, real))
		return 0;
	name = strrchr(real, '/');
	return ifl_bootpart_unlockable("/sys", name ? name + 1 : real);
}

static int probe_block(const char *path, struct ifl_target_info *t)
{
	uint64_t size = 0;
	int ssz = 512, ro = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (ioctl(fd, BLKSSZGET, &ssz) < 0 || ssz <= 0)
		ssz = 512;
	if (ioctl(fd, BLKROGET, &ro) < 0)
		ro = 0;
	close(fd);
	t->kind = IFL_KIND_BLOCK;
	t->size = size;
	t->block_size = t->write_size = (uint32_t)ssz;
	if (ro && !boot_unlockable(path))
		t->flags |= IFL_TF_READONLY;
	return 0;
}

/* Fill t from what path is: regular file, block device or MTD character device. */
static int probe_path(const char *path, struct ifl_target_info *t, char *err, size_t cap)
{
	struct stat st;
	int rc = 0;

	if (stat(path, &st) < 0) {
		rc = -errno;
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (S_ISREG(st.st_mode)) {
		t->kind = IFL_KIND_FILE;
		t->size = (uint64_t)st.st_size;
		t->block_size = t->write_size = 1;
	} else if (S_ISBLK(st.st_mode)) {
		char sys[64];

		rc = probe_block(path, t);
		if (rc) {
			snprintf(err, cap, "%s: %s", path, strerror(-rc));
			return rc;
		}
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
		ifl_inv_describe(sys, t);
	} else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == IFL_MTD_MAJOR) {
		rc = ifl_mtd_probe(path, minor(st.st_rdev), t);
		if (rc) {
			snprintf(err, cap, "%s: not a usable MTD device: %s", path, strerror(-rc));
			return rc;
		}
	} else {
		snprintf(err, cap, "%s: not a regular file, a block device or an MTD device", path);
		return -EINVAL;
	}
	if (probe_readonly(path))
		t->flags |= IFL_TF_READONLY;
	return 0;
}

int ifl_inv_add(struct ifl_targets *inv, const char *spec, char *err, size_t cap)
{
	const char *eq = strchr(spec, '=');
	struct ifl_agent_target *a;
	size_t nl;
	int rc;

	if (!eq || eq[1] == '\0') {
		snprintf(err, cap, "--target %s: expected NAME=PATH", spec);
		return -EINVAL;
	}
	if (inv->n >= IFL_MAX_TARGETS) {
		snprintf(err, cap, "--target %s: at most %d targets", spec, IFL_MAX_TARGETS);
		return -ENOSPC;
	}
	a = &inv->t[inv->n];
	memset(a, 0, sizeof(*a));
	nl = (size_t)(eq - spec);
	if (nl <= IFL_NAME_MAX)
		memcpy(a->info.name, spec, nl);
	if (nl > IFL_NAME_MAX || !ifl_inv_name_ok(a->info.name)) {
		snprintf(err, cap, "--target %s: a name is 1-63 characters of A-Z a-z 0-9 . _ -", spec);
		return -EINVAL;
	}
	if (ifl_inv_find(inv, a->info.name)) {
		snprintf(err, cap, "--target %s: the name %s is already taken", spec, a->info.name);
		return -EEXIST;
	}
	if (strlen(eq + 1) >= sizeof(a->path)) {
		snprintf(err, cap, "--target %s: path too long", spec);
		return -EINVAL;
	}
	strcpy(a->path, eq + 1);
	rc = probe_path(a->path, &a->info, err, cap);
	if (rc)
		return rc;
	inv->n++;
	return 0;
}

/* The names in the inventory, comma-separated, for "no such target". */
static void list_names(const struct ifl_targets *inv, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < inv->n && off + 1 < cap; i++) {
		int n = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", inv->t[i].info.name);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (inv->n == 0)
		snprintf(buf, cap, "none");
}

static int range_refusal(const struct ifl_agent_target *a, const struct ifl_range *r,
			 int image, char *msg, size_t cap)
{
	char se[40], ss[40], so[24];
	uint64_t end = r->offset + r->length;

	if (r->length == 0) {
		snprintf(msg, cap, "%s: the range at %s is empty; nothing to do", r->target,
			 ifl_fmt_size(r->offset, so, sizeof(so)));
		return IFL_E_RANGE;
	}
	if (end < r->offset || end > a->info.size) {
		ifl_fmt_pair(end, a->info.size, se, ss, sizeof(se));
		if (image && r->offset == 0)
			snprintf(msg, cap, "%s: image is %s but the target holds %s", r->target, se, ss);
		else
			snprintf(msg, cap, "%s: range ends at %s but the target holds %s", r->target,
				 se, ss);
		return IFL_E_RANGE;
	}
	return 0;
}

int ifl_inv_check_range(const struct ifl_targets *inv, const struct ifl_range *r, unsigned how,
			const struct ifl_agent_target **out, char *msg, size_t cap)
{
	const struct ifl_agent_target *a = ifl_inv_find(inv, r->target);
	char names[200];
	int code;

	if (!a) {
		list_names(inv, names, sizeof(names));
		snprintf(msg, cap, "%s: no such target on this device; it has: %s", r->target, names);
		return IFL_E_UNKNOWN_TARGET;
	}
	code = range_refusal(a, r, (how & IFL_CHK_IMAGE) != 0, msg, cap);
	if (code)
		return code;
	if ((how & IFL_CHK_WRITE) && (a->info.flags & IFL_TF_READONLY)) {
		snprintf(msg, cap, "%s: the target is read-only (write-protected or without write "
			 "permission); nothing was written", r->target);
		return IFL_E_READONLY;
	}
	*out = a;
	return 0;
}

void ifl_inv_to_msg(const struct ifl_targets *inv, struct ifl_inventory *m)
{
	m->ntargets = (uint16_t)inv->n;
	for (unsigned i = 0; i < inv->n; i++)
		m->t[i] = inv->t[i].info;
	ifl_inv_scan_parts(inv, m);
}
