/* units.h - byte counts with K/M/G suffixes, parsed and printed. */
#ifndef IFL_UNITS_H
#define IFL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a decimal (or 0x hex) count with an optional K, M, G or T suffix
 * (binary: K = 1024; "KiB"/"MiB" spellings and a trailing "B" are accepted).
 * Returns 0, -EINVAL for anything else, -ERANGE on overflow.
 */
int ifl_parse_size(const char *s, uint64_t *out);

/* Human size into buf[cap]: "300.0 MiB", "512 B". Returns buf. */
char *ifl_fmt_size(uint64_t bytes, char *buf, size_t cap);

#endif
