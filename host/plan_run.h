/* plan_run.h - a plan file turned into flash jobs, every check done before the first write. */
#ifndef IFL_PLAN_RUN_H
#define IFL_PLAN_RUN_H

#include <stddef.h>

#include "diag.h"
#include "flash.h"
#include "msg.h"
#include "plan.h"

#define IFL_PLAN_MAX_WRITES 256
#define IFL_PLAN_MAX_BYTES (1u << 20) /* plan files larger than this are refused */

struct ifl_plan_run {
	const char *fname;          /* the plan's path, for messages */
	struct ifl_plan_entry *e;   /* n lines with a write */
	struct ifl_flash_job *jobs; /* one per entry: spec filled, image path; src opened by the caller */
	const char **fnames;        /* per entry, the file its line is in; NULL: all in fname */
	size_t n;
};

/*
 * Read and parse the plan at path into pr (freed with ifl_plan_run_free) and
 * fill each job's spec and image. Returns 0, or a negative errno with exit 1
 * (unreadable) or 2 (syntax error with line and column, no writes, a field over
 * its limit) recorded in d.
 */
int ifl_plan_run_load(const char *path, struct ifl_plan_run *pr, struct ifl_diag *d);

/*
 * For every line with sha256=HEX, hash the image file (as `sha256sum IMAGE`
 * would) and compare. Returns 0, or -EBADMSG naming the line (exit 1), or the
 * read error (exit 1).
 */
int ifl_plan_run_check_sums(const struct ifl_plan_run *pr, struct ifl_diag *d);

/*
 * Resolve every job against inv (targets, partitions, images fitting, writable;
 * offsets made absolute), then refuse two writes whose bytes overlap on one
 * device, naming both lines (exit 2). A line writing a whole target at
 * offset 0 with a raw/gzip image that holds a GPT makes later TARGET/PARTNAME
 * lines resolve against that GPT (docs/PLAN.md); an image whose LBA 1 says
 * "EFI PART" but holds no usable GPT makes them a refusal (exit 2). Each job's
 * src must be open (it is rewound after being read). Returns 0, or the first
 * refusal in d (its message ends with the plan line).
 */
int ifl_plan_run_resolve(struct ifl_plan_run *pr, const struct ifl_inventory *inv,
			 struct ifl_diag *d);

/* Close the jobs' sources and free pr's arrays. */
void ifl_plan_run_free(struct ifl_plan_run *pr);

#endif
