/* gpt.h - GUID partition table parsing over bytes the caller has read. */
#ifndef IFL_GPT_H
#define IFL_GPT_H

#include <stddef.h>
#include <stdint.h>

#define IFL_GPT_HDR_MIN 92
#define IFL_GPT_MAX_ENTRIES 1024   /* entry slots we accept in a header */
#define IFL_GPT_MAX_ENTRY_SIZE 4096 /* so the entry array stays under 4 MiB */
#define IFL_GPT_MAX_PARTS 128      /* used entries we report */
#define IFL_GPT_NAME_UNITS 36      /* UTF-16 code units in an entry name */
#define IFL_GPT_NAME_MAX (IFL_GPT_NAME_UNITS * 3 + 1) /* as UTF-8, with NUL */

/* The primary header (LBA 1), as validated by ifl_gpt_parse_header. */
struct ifl_gpt_hdr {
	uint32_t revision, hdr_size, lba_size;
	uint64_t disk_lbas;
	uint64_t my_lba, alt_lba, first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t num_entries, entry_size, entries_crc;
};

struct ifl_gpt_part {
	char name[IFL_GPT_NAME_MAX]; /* UTF-8; unpaired surrogates become '?' */
	uint8_t type_guid[16], uniq_guid[16]; /* on-disk byte order */
	uint64_t first_lba, last_lba, attrs;
	uint64_t start, size; /* bytes */
	uint32_t index; /* 1-based entry slot: the N in /dev/mmcblk0pN */
};

struct ifl_gpt {
	struct ifl_gpt_hdr hdr;
	unsigned nparts; /* used entries, in slot order */
	struct ifl_gpt_part part[IFL_GPT_MAX_PARTS];
};

/*
 * Step 1: parse and check the primary header in lba1[0..len) (len is what was
 * read from LBA 1, normally lba_size bytes). lba_size is the logical block
 * size (a power of two, 512..65536); disk_lbas the device size in blocks (0 when
 * unknown: no check against the end of the disk). Checks the signature,
 * revision 1.0, header size (92..lba_size), header CRC32, MyLBA == 1, usable
 * range inside the disk, entry size (a multiple of 128, at most 4096), entry
 * count (1..1024) and the entry array lying between LBA 2 and the first usable
 * LBA. On failure err (errcap bytes) says why. Returns 0, -EPROTO for a short
 * read, -EINVAL for a bad field, -EBADMSG for a bad CRC.
 */
int ifl_gpt_parse_header(const uint8_t *lba1, size_t len, uint32_t lba_size, uint64_t disk_lbas,
			 struct ifl_gpt_hdr *h, char *err, size_t errcap);

/* Where the entry array lies: byte offset on the disk, and its length. */
uint64_t ifl_gpt_entries_offset(const struct ifl_gpt_hdr *h);
size_t ifl_gpt_entries_len(const struct ifl_gpt_hdr *h);

/*
 * Step 2: check the entry array (ifl_gpt_entries_len(h) bytes, read from
 * ifl_gpt_entries_offset(h)) against the header's CRC and fill out (which
 * gets a copy of *h). Each used entry must have first <= last inside the usable
 * range, and no two may overlap. Returns 0, -EPROTO for a short read,
 * -EBADMSG for a bad CRC, -EINVAL for a bad entry, -E2BIG for more than
 * IFL_GPT_MAX_PARTS used entries.
 */
int ifl_gpt_parse_entries(const struct ifl_gpt_hdr *h, const uint8_t *entries, size_t len,
			  struct ifl_gpt *out, char *err, size_t errcap);

/* Both steps at once, for callers that hold the bytes already. Returns as they do. */
int ifl_gpt_parse(const uint8_t *lba1, size_t hdr_len, const uint8_t *entries, size_t entries_len,
		  uint32_t lba_size, uint64_t disk_lbas, struct ifl_gpt *out, char *err,
		  size_t errcap);

/* Position in g->part of the partition named name (exact match), or -ENOENT. */
int ifl_gpt_find(const struct ifl_gpt *g, const char *name);

#define IFL_GPT_TOUCH_PRIMARY 1 /* LBA 0 .. first usable - 1: MBR, header, entries */
#define IFL_GPT_TOUCH_BACKUP 2  /* last usable + 1 .. end of disk */

/*
 * Whether the bytes [off, off + len) of the disk described by h overlap the
 * primary or the backup GPT area: a mask of IFL_GPT_TOUCH_*, 0 when neither.
 * A write that touches either changes the partition table, so the agent
 * rereads it afterwards. With disk_lbas unknown (0) the backup area runs from
 * last usable + 1 to the end of the address space.
 */
int ifl_gpt_touches(const struct ifl_gpt_hdr *h, uint64_t off, uint64_t len);

/*
 * Bytes ifl_gpt_retarget reads and writes for the GPT whose header block
 * starts primary[0..len) (LBA 1 of a disk of lba_size blocks): *primary_len
 * covers LBA 1 to the end of the entry array (the header block, any blocks
 * before the array, the array rounded up to whole blocks), *backup_len the
 * backup entry array and header block, which belong at byte
 * disk_lbas * lba_size - *backup_len. Only the header is read. Returns 0,
 * what ifl_gpt_parse_header returns, -EPROTO when len does not reach the end
 * of the entry array, or -EFBIG when a length does not fit in a size_t; the
 * lengths are 0 then.
 */
int ifl_gpt_retarget_lens(const uint8_t *primary, size_t len, uint32_t lba_size,
			  size_t *primary_len, size_t *backup_len);

/*
 * Re-target a GPT made for one disk to a disk of disk_lbas blocks of lba_size
 * bytes, as NVIDIA's flash script does when the real disk is larger than the
 * one in the board's XML. primary holds the bytes from LBA 1 on (the header
 * block, then the entry array); len must reach the end of the array. Writes
 * out_primary (the primary length from ifl_gpt_retarget_lens: the updated
 * header block, then the entries) and out_backup (the backup length: the
 * entry array, then the backup header block). The primary header gets
 * alt_lba = disk_lbas - 1 and last_usable = disk_lbas - 2 - (entry array
 * blocks); the backup header the same, with my_lba = disk_lbas - 1,
 * alt_lba = 1 and its entries right before it. Disk and partition GUIDs,
 * names, attributes and first_usable are kept; bytes of a header block past
 * hdr_size are zero, other bytes are copied. The outputs must not overlap the
 * input. Uses about 25 KiB of stack (a struct ifl_gpt).
 *
 * expand_slot (1-based entry slot, 0 for none) names the partition to grow to
 * the new last usable LBA; it must be the used entry with the highest
 * first_lba.
 *
 * Returns 0; what the parser returns when primary is not a valid GPT
 * (-EPROTO, -EINVAL, -EBADMSG, -E2BIG); -EINVAL for an expand slot that is
 * not used or not the last partition, or a disk too large to address;
 * -ENOSPC when a partition (the expanded one included) ends past the new last
 * usable LBA or the table itself does not fit; -ENOBUFS when an output buffer
 * is shorter than ifl_gpt_retarget_lens says; -EFBIG as that does. err
 * (errcap bytes) says why.
 */
int ifl_gpt_retarget(const uint8_t *primary, size_t len, uint32_t lba_size, uint64_t disk_lbas,
		     uint32_t expand_slot, uint8_t *out_primary, size_t out_primary_len,
		     uint8_t *out_backup, size_t out_backup_len, char *err, size_t errcap);

#endif
