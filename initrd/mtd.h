/* mtd.h - MTD flash (/dev/mtdN): kernel ABI, inventory probing and the erase-block map. */
#ifndef IFL_MTD_H
#define IFL_MTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "inventory.h"

/*
 * The few parts of <mtd/mtd-abi.h> the agent uses; musl-gcc builds without
 * the kernel's uapi headers, so they are spelled out with their sizes checked.
 */
struct ifl_mtd_info_user {
	uint8_t type;
	uint32_t flags;
	uint32_t size;
	uint32_t erasesize;
	uint32_t writesize;
	uint32_t oobsize;
	uint64_t padding;
};
_Static_assert(sizeof(struct ifl_mtd_info_user) == 32, "struct mtd_info_user is 32 bytes");

struct ifl_mtd_erase32 {
	uint32_t start, length;
};
struct ifl_mtd_erase64 {
	uint64_t start, length;
};

#define IFL_MEMGETINFO _IOR('M', 1, struct ifl_mtd_info_user)
#define IFL_MEMUNLOCK _IOW('M', 6, struct ifl_mtd_erase32)
#define IFL_MEMGETBADBLOCK _IOW('M', 11, int64_t)
#define IFL_MEMERASE64 _IOW('M', 20, struct ifl_mtd_erase64)
#define IFL_MTD_MAJOR 90

enum { IFL_MTD_TYPE_RAM = 1, IFL_MTD_TYPE_ROM = 2, IFL_MTD_TYPE_NOR = 3, IFL_MTD_TYPE_NAND = 4,
       IFL_MTD_TYPE_DATAFLASH = 6, IFL_MTD_TYPE_MLC_NAND = 8 };

/*
 * The target kind for an MTD type: as a number from MEMGETINFO (name NULL)
 * or as the sysfs `type` word. NAND and MLC NAND are IFL_KIND_MTD_NAND,
 * NOR, RAM, ROM and DataFlash IFL_KIND_MTD_NOR. Returns -1 for other types
 * (UBI volumes, absent devices), which are not targets.
 */
int ifl_mtd_kind(int type, const char *name);

/*
 * Refuse a write of len bytes at off on an MTD target whose erase block is
 * eb bytes: off must be a multiple of eb (the length need not be; the last
 * block is padded). Writes a sentence naming the sizes to msg[cap].
 * Returns 0 or -EINVAL.
 */
int ifl_mtd_check_align(const char *name, uint64_t off, uint32_t eb, char *msg, size_t cap);

/*
 * Refuse an erase of len bytes at off on an MTD target whose erase block is
 * eb bytes unless it covers whole blocks: a partial block would lose the
 * bytes of it outside the range. Writes a sentence naming the sizes to
 * msg[cap]. Returns 0 or -EINVAL.
 */
int ifl_mtd_check_whole(const char *name, uint64_t off, uint64_t len, uint32_t eb, char *msg,
			size_t cap);

/*
 * Build the erase-block map of a range: logical block k of the range
 * (k < nblk) lands on physical block map[k], taking good blocks in order
 * from first and skipping those for which bad(arg, block) is nonzero, up to
 * block end (exclusive), as nandwrite does. *nbad counts the bad blocks passed.
 * Returns 0, -ENOSPC when fewer than nblk good blocks remain (map then holds
 * the *ngood found), or the negative errno bad returned.
 */
int ifl_mtd_build_map(uint32_t *map, uint32_t nblk, uint32_t first, uint32_t end,
		      int (*bad)(void *arg, uint32_t block), void *arg, uint32_t *ngood,
		      uint32_t *nbad);

/*
 * Fill t for the MTD character device at path (major 90): kind, size,
 * erase and write size from MEMGETINFO, model from sysfs (`name`, with the
 * bad-block count). Returns 0, -EINVAL when it is not an MTD device of a
 * known type, or the errno of open/ioctl.
 */
int ifl_mtd_probe(const char *path, unsigned minor, struct ifl_target_info *t);

/*
 * Add /sys/class/mtd/mtdN (never the mtdNro twins) under sysroot as targets
 * devdir/mtdN. Names already present are skipped. Returns the number added
 * (0 when the class is absent).
 */
int ifl_inv_scan_mtd(struct ifl_targets *inv, const char *sysroot, const char *devdir);

#endif
