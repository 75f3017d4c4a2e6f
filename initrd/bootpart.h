/* bootpart.h - eMMC boot partitions: lift the kernel's force_ro for a write, then put it back. */
#ifndef IFL_BOOTPART_H
#define IFL_BOOTPART_H

#include <stddef.h>

/* What ifl_bootpart_unlock changed, for ifl_bootpart_restore. Zeroed: nothing to restore. */
struct ifl_bootpart {
	char attr[320]; /* sysroot/class/block/NAME/force_ro */
	char name[64];  /* the kernel's name, mmcblkNbootM */
	int cleared;    /* 1 when force_ro was 1 and we wrote 0 */
};

/* 1 when name is an eMMC boot partition (mmcblkNbootM), else 0. */
int ifl_bootpart_name(const char *name);

/*
 * 1 when the eMMC boot partition name (under sysroot/class/block) is held
 * read-only only by force_ro, which ifl_bootpart_unlock lifts for a write:
 * force_ro reads 1, the card itself (mmcblkN/ro) is writable, and the boot
 * area is not locked until the next power-on (ro_lock_until_next_power_on,
 * where the kernel has it, does not read 1). 0 otherwise. The inventory
 * lists such a partition as writable even though its ro attribute says 1.
 */
int ifl_bootpart_unlockable(const char *sysroot, const char *name);

/*
 * Before opening the device at path (its last component, after symlinks,
 * is the kernel's name) for writing: when it is an eMMC boot partition
 * whose sysroot/class/block/NAME/force_ro reads 1, write 0 there and note
 * it in bp so ifl_bootpart_restore can put the 1 back. A device that is not
 * a boot partition, has no force_ro, or whose force_ro is already 0 is left
 * alone (bp->cleared stays 0). On failure a sentence for the user lands in
 * msg[cap] ("mmcblk0boot0: cannot clear force_ro (...)"). Returns 0 or the
 * negative errno of opening or writing force_ro.
 */
int ifl_bootpart_unlock(struct ifl_bootpart *bp, const char *sysroot, const char *path, char *msg,
			size_t cap);

/*
 * Write 1 back to force_ro when ifl_bootpart_unlock cleared it, and forget
 * it (a second call does nothing). A failure is logged: the partition then
 * stays writable until the next boot. Returns 0 or a negative errno.
 */
int ifl_bootpart_restore(struct ifl_bootpart *bp);

#endif
