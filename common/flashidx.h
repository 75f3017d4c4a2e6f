/* flashidx.h - NVIDIA L4T flash.idx: the partition writes of an initrd flash package. */
#ifndef IFL_FLASHIDX_H
#define IFL_FLASHIDX_H

#include <stddef.h>
#include <stdint.h>

/* Device types of field 2 (DEVTYPE:INSTANCE:PARTNAME), as the L4T scripts use them. */
enum ifl_idx_devtype {
	IFL_IDX_BOOT = 0,     /* eMMC boot0 + boot1, addressed as one region */
	IFL_IDX_USER = 1,     /* eMMC user area */
	IFL_IDX_SPI = 3,      /* QSPI NOR */
	IFL_IDX_SD = 6,       /* SD card */
	IFL_IDX_UFS = 8,      /* UFS */
	IFL_IDX_EXTERNAL = 9, /* the external device named at flash time */
	IFL_IDX_NVME = 12,    /* internal NVMe */
};

#define IFL_IDX_PART_MAX 64
#define IFL_IDX_FILE_MAX 256
#define IFL_IDX_ATTR_MAX 64

struct ifl_flashidx_entry {
	unsigned index;
	unsigned devtype, instance;
	int known_devtype; /* devtype is one of enum ifl_idx_devtype */
	char partname[IFL_IDX_PART_MAX];
	uint64_t start, size; /* bytes on the device */
	char file[IFL_IDX_FILE_MAX]; /* "" when the partition gets no image */
	uint64_t file_size;
	char attrs[IFL_IDX_ATTR_MAX]; /* e.g. "fixed-<reserved>-1": '-'-separated, 3rd = GPT slot */
	int has_sha1;
	uint8_t sha1[20];
	unsigned line; /* 1-based */
};

/*
 * Parse flash.idx text[0..len) into out[0..cap); *n gets the count. Each line
 * has 8 comma-separated fields (blanks around them ignored): index,
 * DEVTYPE:INSTANCE:PARTNAME, start, size, file, file size, attributes, sha1.
 * Numbers are decimal (0x hex accepted). A line with a file needs a 40-digit
 * sha1 and file_size <= size; start + size must not overflow. Blank lines are
 * skipped. Errors name file, line and field:
 * "flash.idx: line 4, field 8 (sha1): expected 40 hex digits".
 * Returns 0, -EINVAL, -ENAMETOOLONG, -E2BIG (more than cap lines), -ENODATA
 * (no lines).
 */
int ifl_flashidx_parse(const char *text, size_t len, const char *fname,
		       struct ifl_flashidx_entry *out, size_t cap, size_t *n, char *err,
		       size_t errcap);

/*
 * The agent's device name for a devtype: 0 mmcblk0boot0 (offsets at or past the
 * boot0 size continue in mmcblk0boot1, see ifl_flashidx_boot_split), 1 and 6
 * mmcblk0 (the L4T scripts map both to it), 3 mtd0, 8 sda, 12 nvme0n1, 9 the
 * whole disk of external_dev ("nvme0n1p1" gives "nvme0n1", "sda1" gives
 * "sda"). The instance (the SDMMC controller number, e.g. 3 in 1:3:APP) does
 * not pick the device. Returns buf, or NULL for an unknown devtype, a missing
 * external_dev, or a name that does not fit cap.
 */
const char *ifl_flashidx_devname(unsigned devtype, unsigned instance, const char *external_dev,
				 char *buf, size_t cap);

/* A piece of a boot-region write: bytes [src, src + len) of the file go to dev_off of part. */
struct ifl_boot_piece {
	int part; /* 0 = mmcblk0boot0, 1 = mmcblk0boot1 */
	uint64_t dev_off, src, len;
};

/*
 * Split a devtype-0 write of len bytes at start into pieces on boot0 and boot1,
 * given the size of boot0 in bytes. Returns the number of pieces (0..2), or
 * -ERANGE when start + len overflows.
 */
int ifl_flashidx_boot_split(uint64_t start, uint64_t len, uint64_t boot0_size,
			    struct ifl_boot_piece out[2]);

/* What a line does in the flash order (see docs/PLAN.md). */
enum ifl_idx_role {
	IFL_IDX_ROLE_PRIMARY_GPT,   /* "primary_gpt": written first on its device */
	IFL_IDX_ROLE_SECONDARY_GPT, /* "secondary_gpt": written right after primary_gpt */
	IFL_IDX_ROLE_MBR,           /* "master_boot_record": skipped on GPT devices */
	IFL_IDX_ROLE_DATA,          /* a partition with an image */
	IFL_IDX_ROLE_NO_FILE,       /* nothing to write */
};

enum ifl_idx_role ifl_flashidx_role(const struct ifl_flashidx_entry *e);

#endif
