/* rereadpt.h - tell the kernel to reread a disk's partition table after a write changed it. */
#ifndef IFL_REREADPT_H
#define IFL_REREADPT_H

#include <stdint.h>

/* LBAs at each end of a disk that hold a partition table: MBR + GPT header + 32 of entries. */
#define IFL_PT_HEAD_LBAS 34
#define IFL_PT_TAIL_LBAS 33

/*
 * Whether the bytes [off, off + len) of a disk of disk_bytes bytes with
 * lba-byte blocks (0 means 512) overlap where a partition table lives: the
 * first 34 LBAs (protective MBR or MBR, primary GPT) or the last 33 (backup
 * GPT). With disk_bytes 0 (unknown) only the head counts. Returns 1 or 0.
 */
int ifl_pt_touches(uint64_t off, uint64_t len, uint32_t lba, uint64_t disk_bytes);

/*
 * ioctl(fd, BLKRRPART) on the whole disk fd (call it after fsync), logging
 * what happened under name. EBUSY (a partition is in use) and EINVAL (a
 * device without partitions) are expected and only logged. Returns 0 or the
 * negative errno of the ioctl.
 */
int ifl_pt_reread(int fd, const char *name);

#endif
