/* tspec.h - the TARGET[@OFFSET][+LENGTH] argument of the commands. */
#ifndef IFL_TSPEC_H
#define IFL_TSPEC_H

#include <stdint.h>

#include "diag.h"
#include "msg.h"

struct ifl_tspec {
	char name[IFL_NAME_MAX + 1];
	uint64_t offset;  /* 0 when not given */
	uint64_t length;  /* valid when has_length */
	int has_length;
};

/*
 * Parse arg as TARGET[@OFFSET][+LENGTH]; sizes take K/M/G/T suffixes. When
 * allow_length is 0 a +LENGTH is refused. Returns 0, or -EINVAL with a usage
 * error (exit 2) recorded in d.
 */
int ifl_tspec_parse(const char *arg, int allow_length, struct ifl_tspec *t, struct ifl_diag *d);

#endif
