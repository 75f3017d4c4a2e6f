/* l4t.h - an NVIDIA L4T initrd flash package (flash.idx) turned into one checked write list. */
#ifndef IFL_L4T_H
#define IFL_L4T_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "flashidx.h"
#include "msg.h"
#include "plan.h"
#include "plan_run.h"

#define IFL_L4T_MAX_LINES 128 /* lines over all flash.idx files of a package */

/* One flash.idx line with the device it maps to and its file's path. */
struct ifl_l4t_line {
	struct ifl_flashidx_entry e;
	const char *idx;               /* the flash.idx it came from, for messages */
	char dev[IFL_PLAN_TARGET_MAX]; /* agent device; "mmcblk0boot0" for the whole boot region */
	char path[IFL_PLAN_PATH_MAX];  /* DIR/file, "" when the line has no file */
};

struct ifl_l4t {
	char idx[2][IFL_PLAN_PATH_MAX]; /* internal/flash.idx, external/flash.idx: nidx of them */
	size_t nidx;
	struct ifl_l4t_line *l;
	size_t n;
};

/*
 * Find flash.idx under dir (dir itself, or its internal/ and external/
 * subdirectories), parse every one, map each line to its device (devtype 9 to
 * the whole disk of external_dev, which must then be given) and check every
 * file's sha1 against the sha1 column. Skipped lines are told on log (NULL:
 * silent). Nothing is sent anywhere. Returns 0, or a negative errno with the
 * refusal in d: exit 1 (unreadable file, sha1 mismatch naming partition and
 * file), 2 (no flash.idx, syntax error, unknown device type, devtype 9
 * without --external-device). Free t with ifl_l4t_free either way.
 */
int ifl_l4t_load(const char *dir, const char *external_dev, struct ifl_l4t *t, FILE *log,
		 struct ifl_diag *d);

/*
 * The lines of t to write, in flash order, as indexes into t->l: devices in
 * the order they first appear; on a GPT device (types 1, 6, 8, 9, 12)
 * primary_gpt, then secondary_gpt, then the other lines with a file in file
 * order, master_boot_record never (docs/PLAN.md); elsewhere every line with a
 * file in file order. Lines without a file are left out. Returns the count
 * (at most t->n) written to order[].
 */
size_t ifl_l4t_order(const struct ifl_l4t *t, size_t *order);

/*
 * Turn t into pr (freed with ifl_plan_run_free): one job per write in
 * ifl_l4t_order's order, its source open, offsets absolute on the device;
 * a boot-region write is split between mmcblk0boot0 and mmcblk0boot1 at the
 * size inv gives mmcblk0boot0. Every file must fit its partition's size
 * field. Then run ifl_plan_run_resolve on it. Returns 0, or a negative errno
 * with the refusal in d (exit 1 unreadable file, 2 file larger than its
 * partition, 4 missing target or no room; see ifl_plan_run_resolve).
 */
int ifl_l4t_plan(const struct ifl_l4t *t, const struct ifl_inventory *inv,
		 struct ifl_plan_run *pr, struct ifl_diag *d);

void ifl_l4t_free(struct ifl_l4t *t);

#endif
