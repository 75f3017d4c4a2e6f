/* tspec.h - the TARGET[/PARTNAME][@OFFSET][+LENGTH] argument of the commands. */
#ifndef IFL_TSPEC_H
#define IFL_TSPEC_H

#include <stdint.h>

#include "diag.h"
#include "msg.h"

struct ifl_tspec {
	char name[IFL_NAME_MAX + 1];      /* the device */
	char part[IFL_PART_NAME_MAX + 1]; /* GPT partition name, "" for the whole device */
	char label[IFL_NAME_MAX + IFL_PART_NAME_MAX + 2]; /* "disk" or "disk/APP", for messages */
	uint64_t offset;  /* 0 when not given; from the partition's start until resolved */
	uint64_t length;  /* valid when has_length */
	int has_length;
	int resolved;     /* ifl_target_resolve_*: offset is now from the device's start */
};

/*
 * Parse arg as TARGET[/PARTNAME][@OFFSET][+LENGTH]; sizes take K/M/G/T
 * suffixes. A partition is resolved later, against the inventory. When
 * allow_length is 0 a +LENGTH is refused. Returns 0, or -EINVAL with a usage
 * error (exit 2) recorded in d.
 */
int ifl_tspec_parse(const char *arg, int allow_length, struct ifl_tspec *t, struct ifl_diag *d);

#endif
