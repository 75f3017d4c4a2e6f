/*
 * fuzz_tspec.c - arbitrary strings into ifl_tspec_parse: a spec it accepts
 * (TARGET[/PARTNAME][@OFFSET][+LENGTH])
 * names a target the way the argument does and prints back to itself; a
 * refusal is always a usage error about the argument.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char arg[512], again[600];
	struct ifl_tspec t, u;
	struct ifl_diag d = {0};
	int allow, rc;

	if (size < 1 || size > sizeof(arg))
		return 0;
	allow = data[0] & 1;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';

	rc = ifl_tspec_parse(arg, allow, &t, &d);
	if (rc) {
		CHECK(rc == -EINVAL);
		CHECK(d.exit == IFL_EXIT_USAGE);
		CHECK(strncmp(d.who, arg, sizeof(d.who) - 1) == 0);
		CHECK(d.msg[0] != '\0');
		return 0;
	}
	CHECK(d.exit == 0);
	/* The name is the argument up to the first /, @ or +, 1..63 bytes. */
	CHECK(t.name[0] != '\0' && strlen(t.name) <= IFL_NAME_MAX);
	CHECK(strncmp(t.name, arg, strlen(t.name)) == 0);
	CHECK(strpbrk(t.name, "/@+") == NULL);
	CHECK(arg[strlen(t.name)] == '\0' || arg[strlen(t.name)] == '@' ||
	      arg[strlen(t.name)] == '+' || arg[strlen(t.name)] == '/');
	/* After a / comes the partition name, 1..IFL_PART_NAME_MAX bytes up to @ or +. */
	CHECK((arg[strlen(t.name)] == '/') == (t.part[0] != '\0'));
	CHECK(strlen(t.part) <= IFL_PART_NAME_MAX && strpbrk(t.part, "@+") == NULL);
	if (t.part[0])
		CHECK(strncmp(arg + strlen(t.name) + 1, t.part, strlen(t.part)) == 0);
	CHECK(t.has_length == 0 || t.has_length == 1);
	if (t.has_length)
		CHECK(allow && t.length > 0 && strchr(arg, '+'));
	else
		CHECK(t.length == 0 && !strchr(arg, '+'));
	if (!strchr(arg, '@'))
		CHECK(t.offset == 0);

	/* What was understood, written out plainly, means the same. */
	if (t.has_length)
		snprintf(again, sizeof(again), "%s@%" PRIu64 "+%" PRIu64, t.label, t.offset, t.length);
	else
		snprintf(again, sizeof(again), "%s@%" PRIu64, t.label, t.offset);
	CHECK(ifl_tspec_parse(again, allow, &u, &d) == 0);
	CHECK(strcmp(u.name, t.name) == 0 && strcmp(u.part, t.part) == 0 && u.offset == t.offset &&
	      u.length == t.length && u.has_length == t.has_length);
	return 0;
}
