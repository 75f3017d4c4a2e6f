/* log.c - one-line messages on stderr (stdout may be the protocol stream). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

int ifl_verbose;

static void vlog(const char *fmt, va_list ap)
{
	char line[1024];

	/* One fputs per line, so lines from several threads do not mix. */
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "initflash-agent: %s\n", line);
}

void ifl_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void ifl_vlog(const char *fmt, ...)
{
	va_list ap;

	if (!ifl_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
