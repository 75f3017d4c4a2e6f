/* cmd_power.c - `initflash reboot` and `initflash poweroff`. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"

static const char usage_reboot[] =
	"reboot\n"
	"  Ask the agent to sync and restart the device (the agent needs --allow-power).";
static const char usage_poweroff[] =
	"poweroff\n"
	"  Ask the agent to sync and power the device off (the agent needs --allow-power).";

static void say_done(struct ifl_ctx *c, const char *op)
{
	struct ifl_json j;

	if (!c->json) {
		fprintf(c->ui.out, "agent: %s\n", strcmp(op, "reboot") ? "powering off" : "rebooting");
		fflush(c->ui.out);
		return;
	}
	ifl_json_begin(&j, c->ui.out, "result");
	ifl_json_str(&j, "op", op);
	ifl_json_end(&j);
}

int ifl_cmd_power(struct ifl_ctx *c, int argc, char **argv)
{
	int reboot = strcmp(argv[0], "reboot") == 0;
	struct ifl_session s;
	struct ifl_reply r;
	int rc = ifl_cmd_common_opts(c, argc, argv, reboot ? usage_reboot : usage_poweroff);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (optind != argc)
		return ifl_ctx_usage(c, argv[0], "takes no arguments"), c->diag.exit;
	if (ifl_ctx_connect(c, &s))
		return c->diag.exit;
	rc = ifl_session_send_empty(&s, reboot ? IFL_T_REBOOT : IFL_T_POWEROFF);
	if (rc == 0)
		rc = ifl_session_expect(&s, IFL_T_OK, &r);
	if (rc)
		ifl_session_fail(&s, &c->diag, rc, "agent");
	else
		say_done(c, argv[0]);
	/* After OK the device is going down: no BYE, just close. */
	ifl_session_close(&s, rc != 0);
	return c->diag.exit;
}
