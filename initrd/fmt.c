/* fmt.c - pairs of sizes for error messages. */
#include "fmt.h"

#include <stdio.h>
#include <string.h>

#include "units.h"

void ifl_fmt_pair(uint64_t a, uint64_t b, char *sa, char *sb, size_t cap)
{
	ifl_fmt_size(a, sa, cap);
	ifl_fmt_size(b, sb, cap);
	if (a != b && strcmp(sa, sb) == 0) {
		snprintf(sa, cap, "%llu bytes", (unsigned long long)a);
		snprintf(sb, cap, "%llu bytes", (unsigned long long)b);
	}
}
