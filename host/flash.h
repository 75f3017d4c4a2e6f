/* flash.h - write one image to one target over an open session, and check it. */
#ifndef IFL_FLASH_H
#define IFL_FLASH_H

#include <stdint.h>

#include "ctx.h"
#include "pipeline.h"
#include "session.h"
#include "source.h"
#include "tspec.h"

struct ifl_flash_opts {
	int verify;     /* ask the agent to read back, compare SHA-256 */
	int level;      /* zlib level 0..9 */
	uint32_t chunk; /* raw bytes per chunk wanted (see ifl_flash_chunk) */
};

struct ifl_flash_job {
	struct ifl_tspec spec;   /* target and offset */
	const char *image;       /* path as given */
	struct ifl_source *src;  /* opened and checked */
};

/*
 * The chunk size for writing to ti: want (or the agent's limits, if lower),
 * made a multiple of the target's largest unit (block, erase or write size),
 * or raised to one unit when want is smaller, so no chunk splits an erase block.
 */
uint32_t ifl_flash_chunk(uint32_t want, const struct ifl_inventory *inv,
			 const struct ifl_target_info *ti);

/*
 * BEGIN, stream the image through p, END, wait for RESULT and, when
 * verifying, compare the agent's SHA-256 of the range with the image's.
 * Prints the summary through c->ui. Returns 0, or a negative errno with the
 * failure in c->diag: exit 1 (image read), 3 (link), 4 (agent ERROR),
 * 5 (verify mismatch).
 */
int ifl_flash_image(struct ifl_ctx *c, struct ifl_session *s, struct ifl_pipeline *p,
		    const struct ifl_flash_job *job, const struct ifl_flash_opts *o);

#endif
