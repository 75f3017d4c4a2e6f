/* mtd.c - MTD rules that need no device: kinds, alignment and the bad-block map. */
#include "mtd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

int ifl_mtd_kind(int type, const char *name)
{
	if (name) {
		if (strcmp(name, "nand") == 0 || strcmp(name, "mlc-nand") == 0)
			return IFL_KIND_MTD_NAND;
		if (strcmp(name, "nor") == 0 || strcmp(name, "ram") == 0 ||
		    strcmp(name, "rom") == 0 || strcmp(name, "dataflash") == 0)
			return IFL_KIND_MTD_NOR;
		return -1;
	}
	switch (type) {
	case IFL_MTD_TYPE_NAND:
	case IFL_MTD_TYPE_MLC_NAND:
		return IFL_KIND_MTD_NAND;
	case IFL_MTD_TYPE_RAM:
	case IFL_MTD_TYPE_ROM:
	case IFL_MTD_TYPE_NOR:
	case IFL_MTD_TYPE_DATAFLASH:
		return IFL_KIND_MTD_NOR;
	default:
		return -1;
	}
}

int ifl_mtd_check_align(const char *name, uint64_t off, uint32_t eb, char *msg, size_t cap)
{
	char at[24], blk[24];

	if (eb == 0 || off % eb == 0)
		return 0;
	snprintf(msg, cap, "%s: offset %s is not a multiple of the %s erase block; flash "
		 "at a multiple of %s", name, ifl_fmt_size(off, at, sizeof(at)),
		 ifl_fmt_size(eb, blk, sizeof(blk)), blk);
	return -EINVAL;
}

int ifl_mtd_check_whole(const char *name, uint64_t off, uint64_t len, uint32_t eb, char *msg,
			size_t cap)
{
	char at[24], blk[24];

	if (eb == 0 || (off % eb == 0 && len % eb == 0))
		return 0;
	ifl_fmt_size(eb, blk, sizeof(blk));
	if (off % eb)
		snprintf(msg, cap, "%s: offset %s is not a multiple of the %s erase block; erase "
			 "from a multiple of %s", name, ifl_fmt_size(off, at, sizeof(at)), blk, blk);
	else
		snprintf(msg, cap, "%s: an erase of %llu bytes at %s ends inside a %s erase block "
			 "and would lose the rest of it; erase a multiple of %s", name,
			 (unsigned long long)len, ifl_fmt_size(off, at, sizeof(at)), blk, blk);
	return -EINVAL;
}

int ifl_mtd_build_map(uint32_t *map, uint32_t nblk, uint32_t first, uint32_t end,
		      int (*bad)(void *arg, uint32_t block), void *arg, uint32_t *ngood,
		      uint32_t *nbad)
{
	uint32_t k = 0;

	*nbad = 0;
	for (uint32_t b = first; b < end && k < nblk; b++) {
		int rc = bad ? bad(arg, b) : 0;

		if (rc < 0) {
			*ngood = k;
			return rc;
		}
		if (rc) {
			(*nbad)++;
			continue;
		}
		map[k++] = b;
	}
	*ngood = k;
	return k < nblk ? -ENOSPC : 0;
}
