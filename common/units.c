/* units.c - parse "4M"-style sizes and print sizes for people. */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int suffix_shift(const char *s, unsigned *shift)
{
	static const char units[] = "KMGT";
	const char *u;

	if (*s == '\0') {
		*shift = 0;
		return 0;
	}
	if (*s == 'B' || *s == 'b') {
		*shift = 0;
		return s[1] == '\0' ? 0 : -EINVAL;
	}
	u = strchr(units, *s >= 'a' ? *s - 32 : *s);
	if (!u || *s == '\0')
		return -EINVAL;
	*shift = 10u * (unsigned)(u - units + 1);
	s++;
	if (strcmp(s, "") == 0 || strcmp(s, "B") == 0 || strcmp(s, "iB") == 0)
		return 0;
	return -EINVAL;
}

int ifl_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, shift;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (!digits || suffix_shift(s, &shift))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

char *ifl_fmt_size(uint64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	/* 1023.95 would print as "1024.0": step up a unit instead. */
	while (v >= 1023.95 && i < 4) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, cap, "%.1f %s", v, units[i]);
	return buf;
}
