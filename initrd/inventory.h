/* inventory.h - the targets this agent may touch, and the paths behind their names. */
#ifndef IFL_INVENTORY_H
#define IFL_INVENTORY_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define IFL_PATH_MAX 256

/* One target: what the host sees, and the path only the agent knows. */
struct ifl_agent_target {
	struct ifl_target_info info;
	char path[IFL_PATH_MAX];
};

struct ifl_targets {
	unsigned n;
	struct ifl_agent_target t[IFL_MAX_TARGETS];
};

/* 1 when name is 1-63 bytes of [A-Za-z0-9._-], else 0. */
int ifl_inv_name_ok(const char *name);

/*
 * Add the target "NAME=PATH" (from --target): a regular file (kind FILE,
 * block size 1), a block device (kind BLOCK, size and logical block size
 * from the kernel) or an MTD character device (kind MTD_NOR or MTD_NAND,
 * from MEMGETINFO). A target that cannot be opened for writing is marked
 * read-only. On failure a sentence for the user lands in err[cap]. Returns
 * 0, -EINVAL (bad spec or name, or not a file, block or MTD device), -EEXIST
 * (name taken), -ENOSPC (64 targets already), or the errno of stat/open.
 */
int ifl_inv_add(struct ifl_targets *inv, const char *spec, char *err, size_t cap);

/*
 * Add the whole disks listed under sysroot/class/block (mmcblkN, mmcblkNbootM,
 * nvmeNnM, sdX, vdX; partitions and empty drives skipped) as devdir/NAME,
 * reading size, logical block size, ro, removable, model and serial from
 * sysfs, then the MTD devices under sysroot/class/mtd (see
 * ifl_inv_scan_mtd). Names already present are skipped. Returns the number added, or a
 * negative errno when the directory cannot be read.
 */
int ifl_inv_scan(struct ifl_targets *inv, const char *sysroot, const char *devdir);

/*
 * Read the sysfs file dir/rel into buf[cap], trimmed of surrounding blanks,
 * with control bytes replaced. Returns 0, or -errno (buf is then "").
 */
int ifl_sysfs_attr(const char *dir, const char *rel, char *buf, size_t cap);

/* Describe one sysfs entry sysdir (named name) as a target; 0, or nonzero to skip it. */
typedef int (*ifl_scan_one_fn)(const char *sysroot, const char *sysdir, const char *name,
			       const char *devdir, struct ifl_agent_target *a);

/*
 * Add the entries of sysroot/class/cls that want accepts, in name order,
 * each described by one; names already present are skipped. Returns the
 * number added, or -errno when the class directory cannot be read.
 */
int ifl_inv_walk(struct ifl_targets *inv, const char *sysroot, const char *cls,
		 int (*want)(const struct dirent *), ifl_scan_one_fn one, const char *devdir);

/* A decimal sysfs attribute, or def when it is missing or not a number. */
uint64_t ifl_sysfs_num(const char *dir, const char *rel, uint64_t def);

/*
 * Fill model, serial and the removable flag of t from the sysfs directory
 * of a block device (sysroot/dev/block/MAJ:MIN). Missing files are skipped.
 */
void ifl_inv_describe(const char *sysdir, struct ifl_target_info *t);

/* The target called name, or NULL. */
const struct ifl_agent_target *ifl_inv_find(const struct ifl_targets *inv, const char *name);

#define IFL_CHK_WRITE 0x1u /* the request writes: refuse a read-only target */
#define IFL_CHK_IMAGE 0x2u /* the range receives an image (BEGIN): word messages so */

/*
 * Check a requested range: known target, non-zero length inside the target,
 * writable when how has IFL_CHK_WRITE. Sets *out to the target. On refusal writes a
 * sentence naming the target and the numbers to msg[cap]. Returns 0 or the
 * wire error code (IFL_E_UNKNOWN_TARGET, IFL_E_RANGE, IFL_E_READONLY).
 */
int ifl_inv_check_range(const struct ifl_targets *inv, const struct ifl_range *r, unsigned how,
			const struct ifl_agent_target **out, char *msg, size_t cap);

/*
 * Copy the targets into an INVENTORY message (the caller fills the rest),
 * with the partitions of their GPTs as they are now (ifl_inv_scan_parts).
 */
void ifl_inv_to_msg(const struct ifl_targets *inv, struct ifl_inventory *m);

/*
 * Fill m->part with the partitions of every file and block target that holds
 * a valid GPT (read from LBA 1 and the entry array now; at most
 * IFL_MAX_PARTS in all). Targets without one report none.
 */
void ifl_inv_scan_parts(const struct ifl_targets *inv, struct ifl_inventory *m);

#endif
