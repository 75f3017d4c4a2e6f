/* report.h - the final line of each operation and of each failure, as text or JSON. */
#ifndef IFL_REPORT_H
#define IFL_REPORT_H

#include <stdint.h>

#include "diag.h"
#include "progress.h"

struct ifl_outcome {
	const char *op;         /* "flash", "verify", "read", "erase" */
	const char *target;
	const char *label;      /* "disk/APP", "mtd0 (BCT)" for the summary line, or NULL */
	const char *file;       /* image or OUTFILE, or NULL */
	uint64_t offset;        /* first byte on the target */
	uint64_t bytes;         /* bytes in the range */
	uint64_t written;       /* bytes the agent wrote (flash, erase) */
	uint64_t skipped;       /* bytes the agent found already right */
	uint64_t wire_bytes;    /* frame bytes that crossed the transport, both ways */
	double seconds;
	const uint8_t *sha256;  /* 32 bytes, or NULL */
	int verified;           /* 1 checked and equal, 0 not checked */
	int has_blocks;         /* MTD: the erase-block counts below are the agent's */
	uint32_t blocks_written, blocks_skipped;
};

/*
 * One summary per operation: a line on stdout ("disk: wrote 1.0 GiB (...) in
 * 12.1 s, 88.7 MB/s, 310.2 MiB on the wire, sha256 ..., verified") or, with
 * --json, a "result" event.
 */
void ifl_report_result(struct ifl_ui *u, const struct ifl_outcome *o);

/* "initflash: WHO: MESSAGE" on stderr, and with --json an "error" event on stdout. */
void ifl_report_error(struct ifl_ui *u, const struct ifl_diag *d);

#endif
