/* cmd.h - the commands of initflash; each returns the process exit status. */
#ifndef IFL_CMD_H
#define IFL_CMD_H

#include "ctx.h"

/*
 * Each takes its own argv (argv[0] is the command name), records any
 * failure in c->diag and returns its exit status (enum ifl_exit); the caller
 * prints c->diag when the status is not 0.
 */
int ifl_cmd_info(struct ifl_ctx *c, int argc, char **argv);
int ifl_cmd_flash(struct ifl_ctx *c, int argc, char **argv);
int ifl_cmd_verify(struct ifl_ctx *c, int argc, char **argv);
int ifl_cmd_read(struct ifl_ctx *c, int argc, char **argv);
int ifl_cmd_erase(struct ifl_ctx *c, int argc, char **argv);
int ifl_cmd_power(struct ifl_ctx *c, int argc, char **argv); /* reboot, poweroff */
int ifl_cmd_devices(struct ifl_ctx *c, int argc, char **argv); /* the agents on USB */

/*
 * Parse argv with only the common options. Returns 0, IFL_OPT_HELP after
 * printing usage, or -EINVAL (usage error recorded). Leaves optind at the
 * first operand.
 */
int ifl_cmd_common_opts(struct ifl_ctx *c, int argc, char **argv, const char *usage);

/* Print "usage: initflash CMD ..." for --help on one command. */
void ifl_cmd_help(const char *usage);

#endif
