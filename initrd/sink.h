/* sink.h - where bytes end up: one backend per kind of target (file, block, MTD). */
#ifndef IFL_SINK_H
#define IFL_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "bootpart.h"
#include "inventory.h"

struct ifl_sink;

/*
 * What differs between kinds of target. All return 0 or a negative errno;
 * offsets are bytes from the start of the target. write and read move the
 * whole buffer; zero makes the range read back as zeros; drop_cache makes
 * the next read come from the medium where the kernel allows it. prepare
 * (may be NULL) is called once for the range a request will cover (s->use
 * says which kind), before anything is read or written; it refuses with
 * -EINVAL or -ENOSPC (a sentence for the user in msg[cap]) when the range
 * does not suit the medium. synced (may be NULL) runs after each successful
 * fsync of a written target.
 */
struct ifl_sink_ops {
	const char *name;
	int (*write)(struct ifl_sink *s, const uint8_t *buf, size_t len, uint64_t off);
	int (*read)(struct ifl_sink *s, uint8_t *buf, size_t len, uint64_t off);
	int (*zero)(struct ifl_sink *s, uint64_t off, uint64_t len);
	void (*drop_cache)(struct ifl_sink *s, uint64_t off, uint64_t len);
	int (*prepare)(struct ifl_sink *s, uint64_t off, uint64_t len, char *msg, size_t cap);
	void (*synced)(struct ifl_sink *s);
};

/*
 * What a sink serves. A NAND READ, HASH or ERASE goes through the same
 * bad-block map a write of that range built, so it sees what the write put
 * there; only a write may end inside an erase block (ERASE would lose the
 * bytes after its range). ifl_sink_open leaves IFL_USE_WRITE.
 */
enum ifl_sink_use { IFL_USE_WRITE, IFL_USE_READ, IFL_USE_HASH, IFL_USE_ERASE };

struct ifl_sink {
	const struct ifl_sink_ops *ops;
	const struct ifl_agent_target *t;
	int fd;
	int writable;
	enum ifl_sink_use use;
	/* MTD: logical erase block k of the range at map_off is physical block map[k]. */
	uint32_t *map, nmap;
	uint64_t map_off;
	/* MTD: what the write did, added to by the workers with atomics. */
	uint64_t skipped;          /* bytes already on the chip, not written */
	uint64_t wblocks, sblocks; /* erase blocks written, skipped */
	/* Block: set (with atomics, by the workers) when a write reached a partition table. */
	int pt_touched;
	/* An eMMC boot partition whose force_ro was lifted for this write. */
	struct ifl_bootpart bp;
};

extern const struct ifl_sink_ops ifl_sink_file_ops;
extern const struct ifl_sink_ops ifl_sink_block_ops;
extern const struct ifl_sink_ops ifl_sink_mtd_ops;

/*
 * Open the target at its inventory path (never a path from the wire); for
 * writing, block devices are opened exclusively so a mounted disk is
 * refused, and an eMMC boot partition gets its force_ro cleared first
 * (ifl_sink_close sets it back). On failure a sentence for the user lands in
 * msg[cap]. Returns 0, -ENOTSUP for a kind without a backend, or the errno
 * of writing force_ro or of open.
 */
int ifl_sink_open(struct ifl_sink *s, const struct ifl_agent_target *t, int writable, char *msg,
		  size_t cap);

/* Where ifl_sink_open finds force_ro: "/sys" unless a test points it at a fake tree. */
void ifl_sink_set_sysroot(const char *sysroot);

/*
 * Set s->use and run the backend's prepare (when it has one) for len bytes
 * at off, before the request touches the target. Returns 0, or -EINVAL or
 * -ENOSPC with a sentence for the user in msg[cap] when the range does not
 * suit the medium, -ENOMEM, or the errno of probing the medium.
 */
int ifl_sink_prepare(struct ifl_sink *s, enum ifl_sink_use use, uint64_t off, uint64_t len,
		     char *msg, size_t cap);

/*
 * fsync the target (an MTD device has nothing to flush), then run the
 * backend's synced hook (a block device rereads its partition table when a
 * write reached it). Returns 0 or a negative errno.
 */
int ifl_sink_sync(struct ifl_sink *s);

/*
 * Close the target, free the MTD block map and set back a force_ro that
 * ifl_sink_open cleared; a failing close is an error (a failing force_ro is
 * only logged). Safe to call again. Returns 0 or a negative errno.
 */
int ifl_sink_close(struct ifl_sink *s);

/* Write zeros over the range with pwrite: the fallback for every backend. */
int ifl_sink_write_zeros(struct ifl_sink *s, uint64_t off, uint64_t len);

/* pwrite / pread the whole buffer: the plain backends' write and read. */
int ifl_sink_pwrite(struct ifl_sink *s, const uint8_t *buf, size_t len, uint64_t off);
int ifl_sink_pread(struct ifl_sink *s, uint8_t *buf, size_t len, uint64_t off);

#endif
