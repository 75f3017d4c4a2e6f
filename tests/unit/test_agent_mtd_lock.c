/* test_agent_mtd_lock.c - locked NOR: the sink unlocks just the blocks it erases (a fake chip). */
#include <criterion/criterion.h>
#include <errno.h>
#include <mtd/mtd-abi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mtd.h"
#include "sink.h"

/* The agent spells out the kernel's ioctls (musl has no uapi headers): they must match. */
_Static_assert(IFL_MEMUNLOCK == MEMUNLOCK, "MEMUNLOCK");
_Static_assert(IFL_MEMERASE64 == MEMERASE64, "MEMERASE64");
_Static_assert(IFL_MEMGETBADBLOCK == MEMGETBADBLOCK, "MEMGETBADBLOCK");
_Static_assert(sizeof(struct ifl_mtd_erase32) == sizeof(struct erase_info_user), "erase32");
_Static_assert(sizeof(struct ifl_mtd_erase64) == sizeof(struct erase_info_user64), "erase64");

#define EB 4096
#define NBLK 8

/*
 * A NOR chip that powers up locked, as SPI NOR with block protection does:
 * a regular file plus a lock bit per erase block. It speaks the kernel's
 * ABI (mtd-abi.h), so a wrong request number or layout in the agent shows.
 */
static struct {
	dev_t dev;
	ino_t ino;
	uint32_t locked, bad; /* bit b: erase block b */
	int unlock_errno;     /* MEMUNLOCK fails with this when nonzero */
	int nev;
	struct {
		unsigned long req;
		uint64_t start, length;
	} ev[32];
} chip;

static void note(unsigned long req, uint64_t start, uint64_t length)
{
	cr_assert_lt(chip.nev, 32);
	chip.ev[chip.nev].req = req;
	chip.ev[chip.nev].start = start;
	chip.ev[chip.nev].length = length;
	chip.nev++;
}

/* Bits of the erase blocks in [start, start + length). */
static uint32_t blocks(uint64_t start, uint64_t length)
{
	uint32_t m = 0;

	for (uint64_t b = start / EB; b < (start + length + EB - 1) / EB && b < NBLK; b++)
		m |= 1u << b;
	return m;
}

static int chip_erase(int fd, const struct erase_info_user64 *e)
{
	static uint8_t ff[EB];

	note(MEMERASE64, e->start, e->length);
	/* A locked SPI NOR refuses the erase (-EIO or -EPERM, by driver). */
	if (chip.locked & blocks(e->start, e->length)) {
		errno = EPERM;
		return -1;
	}
	memset(ff, 0xff, sizeof(ff));
	for (uint64_t at = e->start; at < e->start + e->length; at += EB)
		if (pwrite(fd, ff, EB, (off_t)at) != EB)
			return -1;
	return 0;
}

/* Stands in for libc's ioctl in the agent objects linked into this suite. */
int ioctl(int fd, unsigned long req, ...)
{
	struct stat st;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!chip.ino || fstat(fd, &st) || st.st_ino != chip.ino || st.st_dev != chip.dev)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	if (req == MEMUNLOCK) {
		const struct erase_info_user *e = arg;

		note(req, e->start, e->length);
		if (chip.unlock_errno) {
			errno = chip.unlock_errno;
			return -1;
		}
		chip.locked &= ~blocks(e->start, e->length);
		return 0;
	}
	if (req == MEMERASE64)
		return chip_erase(fd, arg);
	if (req == MEMGETBADBLOCK)
		return (int)((chip.bad >> (*(const int64_t *)arg / EB)) & 1);
	errno = ENOTTY;
	return -1;
}

static struct ifl_agent_target tgt;

/* Open the fake chip holding content (NBLK blocks) as NOR target mtd0. */
static void open_chip(struct ifl_sink *s, const uint8_t *content)
{
	char path[] = "/tmp/ifl-mtd-lock-XXXXXX", msg[200];
	int fd = mkstemp(path);
	struct stat st;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, NBLK * EB), NBLK * EB);
	cr_assert_eq(fstat(fd, &st), 0);
	chip.dev = st.st_dev;
	chip.ino = st.st_ino;
	close(fd);
	memset(&tgt, 0, sizeof(tgt));
	strcpy(tgt.info.name, "mtd0");
	strcpy(tgt.path, path);
	tgt.info.kind = IFL_KIND_MTD_NOR;
	tgt.info.size = NBLK * EB;
	tgt.info.erase_size = EB;
	tgt.info.write_size = 1;
	cr_assert_eq(ifl_sink_open(s, &tgt, 1, msg, sizeof(msg)), 0, "%s", msg);
	unlink(path);
	cr_assert_eq(ifl_sink_prepare(s, IFL_USE_WRITE, EB, 4 * EB, msg, sizeof(msg)), 0, "%s", msg);
}

/* A 4-block image for blocks 1-4, and a chip of 0xff whose block 2 already holds its block 1. */
static uint8_t img[4 * EB], mem[NBLK * EB];

static void setup(void)
{
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 31 + 3);
	memset(mem, 0xff, sizeof(mem));
	memcpy(mem + 2 * EB, img + EB, EB);
	memset(&chip, 0, sizeof(chip));
	/* The agent's log lines are expected here. */
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
}

TestSuite(mtd_lock, .init = setup);

Test(mtd_lock, locked_blocks_are_unlocked_then_erased)
{
	static const uint32_t want[] = {1, 3, 4};
	static uint8_t back[4 * EB];
	struct ifl_sink s;

	chip.locked = blocks(0, NBLK * EB);
	open_chip(&s, mem);
	cr_assert_eq(s.ops->write(&s, img, sizeof(img), EB), 0);
	cr_assert_eq(pread(s.fd, back, sizeof(back), EB), (ssize_t)sizeof(back));
	cr_assert_eq(memcmp(back, img, sizeof(img)), 0, "the chip does not hold the image");
	cr_assert_eq(s.wblocks, 3);
	cr_assert_eq(s.sblocks, 1);
	/* Each written block: MEMUNLOCK of exactly that block, then its MEMERASE. Block 2 neither. */
	cr_assert_eq(chip.nev, 6, "%d ioctls on the chip, not 6", chip.nev);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(chip.ev[2 * i].req, MEMUNLOCK, "ioctl %d is not MEMUNLOCK", 2 * i);
		cr_assert_eq(chip.ev[2 * i].start, want[i] * EB);
		cr_assert_eq(chip.ev[2 * i].length, EB);
		cr_assert_eq(chip.ev[2 * i + 1].req, MEMERASE64, "ioctl %d is not MEMERASE64", 2 * i + 1);
		cr_assert_eq(chip.ev[2 * i + 1].start, want[i] * EB);
		cr_assert_eq(chip.ev[2 * i + 1].length, EB);
	}
	/* Blocks outside the image, and the one skipped, stay locked. */
	cr_assert_eq(chip.locked, blocks(0, NBLK * EB) & ~((1u << 1) | (1u << 3) | (1u << 4)),
		     "locks 0x%x", chip.locked);
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd_lock, unlock_failing_fails_the_write)
{
	static uint8_t back[NBLK * EB];
	char log[] = "/tmp/ifl-mtd-log-XXXXXX", line[300] = "";
	struct ifl_sink s;
	FILE *f;

	close(mkstemp(log));
	cr_assert_not_null(freopen(log, "w", stderr));
	chip.locked = blocks(0, NBLK * EB);
	chip.unlock_errno = EIO;
	open_chip(&s, mem);
	cr_assert_eq(s.ops->write(&s, img, sizeof(img), EB), -ENOLCK, "its own code for the writer");
	/* The agent's log names the cause, not only a failed write. */
	fflush(stderr);
	f = fopen(log, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(log);
	cr_assert(strstr(line, "mtd0: unlocking the erase block at 4.0 KiB failed: Input/output "
			       "error; is the chip write-protected?"), "%s", line);
	cr_assert_eq(s.wblocks, 0);
	/* It stopped at the first unlock: no erase was tried, the chip is as it was. */
	cr_assert_eq(chip.nev, 1);
	cr_assert_eq(chip.ev[0].req, MEMUNLOCK);
	cr_assert_eq(pread(s.fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	cr_assert_eq(memcmp(back, mem, sizeof(mem)), 0);
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd_lock, chip_without_locking_is_written)
{
	static uint8_t back[4 * EB];
	struct ifl_sink s;

	chip.unlock_errno = EOPNOTSUPP;
	open_chip(&s, mem);
	cr_assert_eq(s.ops->write(&s, img, sizeof(img), EB), 0);
	cr_assert_eq(pread(s.fd, back, sizeof(back), EB), (ssize_t)sizeof(back));
	cr_assert_eq(memcmp(back, img, sizeof(img)), 0);
	cr_assert_eq(s.wblocks, 3);
	cr_assert_eq(chip.nev, 6);
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(mtd_lock, locked_chip_without_unlock_fails)
{
	struct ifl_sink s;

	/* What the unlock prevents: a locked block whose erase is refused fails the write. */
	chip.locked = blocks(0, NBLK * EB);
	chip.unlock_errno = EOPNOTSUPP;
	open_chip(&s, mem);
	cr_assert_eq(s.ops->write(&s, img, sizeof(img), EB), -EPERM);
	cr_assert_eq(chip.nev, 2);
	cr_assert_eq(chip.ev[1].req, MEMERASE64);
	cr_assert_eq(ifl_sink_close(&s), 0);
}
