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

/* "file", "block", "mtd-nor", "mtd-nand" or "?". */
const char *ifl_target_kind(uint8_t kind);

#endif
