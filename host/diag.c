/* diag.c - remember the first failure of a command for main to report. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static void set_who(struct ifl_diag *d, const char *who)
{
	snprintf(d->who, sizeof(d->who), "%s", who ? who : "");
}

int ifl_diag_set(struct ifl_diag *d, int err, int exitcode, const char *who, const char *fmt, ...)
{
	va_list ap;

	if (d->exit)
		return err;
	d->exit = exitcode;
	set_who(d, who);
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return err;
}

int ifl_diag_agent(struct ifl_diag *d, int err, int exitcode, uint32_t code, const char *who,
		   const char *msg)
{
	if (d->exit)
		return err;
	ifl_diag_set(d, err, exitcode, who, "%s", msg);
	d->agent_code = code;
	return err;
}
