/* fmt.h - sizes in messages for people, told apart when they look alike. */
#ifndef IFL_FMT_H
#define IFL_FMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Format a and b as "300.0 MiB" into sa[cap] and sb[cap]; when the two
 * short forms are equal but the numbers are not, write exact byte counts
 * ("268435457 bytes") so the message still shows the difference.
 */
void ifl_fmt_pair(uint64_t a, uint64_t b, char *sa, char *sb, size_t cap);

#endif
