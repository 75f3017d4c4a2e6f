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

#endif
