/* target.h - the inventory's targets as the host sees them: lookup and pre-checks. */
#ifndef IFL_TARGET_H
#define IFL_TARGET_H

#include <stdint.h>

#include "diag.h"
#include "msg.h"
#include "tspec.h"

/* The entry called name, or NULL. */
const struct ifl_target_info *ifl_target_find(const struct ifl_inventory *inv, const char *name);

/*
 * Find name or record "no such target" (exit 4) listing the targets the agent
 * offers. Returns 0 with *out set, or -ENOENT.
 */
int ifl_target_lookup(const struct ifl_inventory *inv, const char *name,
		      const struct ifl_target_info **out, struct ifl_diag *d);

/*
 * Check that an image of len bytes fits at ts->offset, and, when write is
 * set, that the target is writable. Returns 0, or -ERANGE / -EROFS with the
 * refusal (exit 4) recorded in d.
 */
int ifl_target_check_image(const struct ifl_target_info *ti, const struct ifl_tspec *ts,
			   uint64_t len, int write, struct ifl_diag *d);

/*
 * For read and erase: default ts->length to the rest of the target, then
 * check the range (and writability when write is set). Same returns.
 */
int ifl_target_check_range(const struct ifl_target_info *ti, struct ifl_tspec *ts, int write,
			   struct ifl_diag *d);

/* The partition of ti (an entry of inv->t) called name, or NULL. */
const struct ifl_part_info *ifl_target_find_part(const struct ifl_inventory *inv,
						 const struct ifl_target_info *ti, const char *name);

/*
 * Resolve ts (TARGET or TARGET/PARTNAME) against inv and check that an
 * image of len bytes fits at ts->offset inside the target or partition
 * (and, when write is set, that the target is writable). On success *out is
 * the device, ts->offset is made absolute on it (partition start added) and
 * ts->resolved set. Returns 0, or -ENOENT / -ERANGE / -EROFS with the refusal
 * (exit 4) in d: "disk/APP: image is 300.0 MiB but the partition holds 256.0 MiB".
 */
int ifl_target_resolve_image(const struct ifl_inventory *inv, struct ifl_tspec *ts, uint64_t len,
			     int write, const struct ifl_target_info **out, struct ifl_diag *d);

/*
 * The same for read, erase and hash ranges: ts->length defaults to the rest
 * of the target or partition, then offset and length are checked and the
 * offset made absolute. Same returns.
 */
int ifl_target_resolve_range(const struct ifl_inventory *inv, struct ifl_tspec *ts, int write,
			     const struct ifl_target_info **out, struct ifl_diag *d);

/* "file", "block", "mtd-nor", "mtd-nand" or "?". */
const char *ifl_target_kind(uint8_t kind);

#endif
