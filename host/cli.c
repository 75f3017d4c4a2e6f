/* cli.c - parse global options, pick the command, report its failure, return the status. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "report.h"

#ifndef IFL_VERSION_STR
#define IFL_VERSION_STR "0.1"
#endif

static const char help_text[] =
	"usage: initflash [-c CONN | -s SERIAL | -p USBPATH] [--wait S] [--json] [-q] COMMAND [ARGS...]\n"
	"\n"
	"Stream partition images to an initflash-agent and manage its targets.\n"
	"\n"
	"Commands:\n"
	"  devices                               list the agents attached over USB and their state\n"
	"  info                                  list the agent's targets and their GPT partitions\n"
	"  flash [--no-verify] [--level N] [--chunk SIZE] TARGET[@OFFSET] IMAGE [TARGET[@OFFSET] IMAGE ...]\n"
	"                                        write raw or gzip images, each read back and\n"
	"                                        compared by SHA-256 unless --no-verify\n"
	"  flash [OPTIONS] --plan FILE           the writes listed in FILE, all checked first\n"
	"  flash [OPTIONS] --l4t DIR [--external-device DEV]\n"
	"                                        an L4T package (flash.idx), sha1s checked first\n"
	"  verify TARGET[@OFFSET] IMAGE          compare the target with an image; writes nothing\n"
	"  read TARGET[@OFFSET][+LENGTH] OUTFILE copy a range into OUTFILE (- for stdout)\n"
	"  erase TARGET[@OFFSET][+LENGTH]        make a range read back as zeros\n"
	"  reboot, poweroff                      restart or power off the device\n"
	"A TARGET may be TARGET/PARTNAME (e.g. mmcblk0/APP): a GPT partition by name; then\n"
	"@OFFSET and +LENGTH count from the partition's start and stay inside it.\n"
	"\n"
	"Options:\n"
	"  -c, --connect CONN  usb, usb:SERIAL, usb:USBPATH, tcp:HOST:PORT or 'exec:COMMAND LINE'\n"
	"                      (default: $INITFLASH_CONN, else usb: the one agent attached)\n"
	"  -s, --serial SERIAL the USB agent with this serial number\n"
	"  -p, --path USBPATH  the USB agent at this port path (BUS-PORT.PORT..., e.g. 1-1.3)\n"
	"      --wait S        wait up to S seconds for the USB agent to appear\n"
	"      --json          JSON lines on stdout: info, progress, result and error events\n"
	"  -q, --quiet         no progress output\n"
	"  -h, --help          this text; `initflash COMMAND --help` for one command\n"
	"      --version       print the version\n"
	"\n"
	"OFFSET, LENGTH and SIZE take K, M, G and T suffixes (powers of 1024).\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  local input/output error: image unreadable, corrupt or truncated gzip,\n"
	"     cannot write OUTFILE\n"
	"  2  usage error; several USB agents attached and none picked with -s or -p\n"
	"  3  connection or protocol failure: no agent found, cannot connect, the agent\n"
	"     vanished, bad frame\n"
	"  4  the device refused or failed: unknown target, image larger than the target,\n"
	"     offset past the end, read-only target, I/O error on the device\n"
	"  5  verify mismatch\n";

struct command {
	const char *name;
	int (*run)(struct ifl_ctx *c, int argc, char **argv);
};

static const struct command commands[] = {
	{"info", ifl_cmd_info},   {"flash", ifl_cmd_flash}, {"verify", ifl_cmd_verify},
	{"read", ifl_cmd_read},   {"erase", ifl_cmd_erase}, {"reboot", ifl_cmd_power},
	{"poweroff", ifl_cmd_power}, {"devices", ifl_cmd_devices},
};

void ifl_cmd_help(const char *usage)
{
	printf("usage: initflash [-c CONN | -s SERIAL | -p USBPATH] [--wait S] [--json] [-q] %s\n",
	       usage);
}

int ifl_cmd_common_opts(struct ifl_ctx *c, int argc, char **argv, const char *usage)
{
	static const struct option longopts[] = {IFL_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
	int opt, rc = 0;

	optind = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, IFL_COMMON_SHORTOPTS, longopts, NULL)) != -1)
		rc = ifl_ctx_option(c, opt, argv);
	if (rc == IFL_OPT_HELP)
		ifl_cmd_help(usage);
	if (rc == 0)
		ifl_ctx_ready(c);
	return rc;
}

enum { OPT_VERSION = 256 };

/* Options before the command. Returns 0, IFL_OPT_HELP, OPT_VERSION or -EINVAL. */
static int global_opts(struct ifl_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		IFL_COMMON_LONGOPTS,
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	optind = 0;
	/* "+": stop at the command; its own options are its business. */
	while (rc == 0 && (opt = getopt_long(argc, argv, "+" IFL_COMMON_SHORTOPTS, longopts, NULL)) != -1)
		rc = opt == OPT_VERSION ? OPT_VERSION : ifl_ctx_option(c, opt, argv);
	return rc;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int dispatch(struct ifl_ctx *c, int argc, char **argv)
{
	const struct command *cmd;
	int rc = global_opts(c, argc, argv);

	if (rc == IFL_OPT_HELP || rc == OPT_VERSION) {
		fputs(rc == OPT_VERSION ? "initflash " IFL_VERSION_STR "\n" : help_text, stdout);
		return IFL_EXIT_OK;
	}
	if (rc)
		return c->diag.exit;
	ifl_ctx_ready(c);
	if (optind >= argc) {
		ifl_ctx_usage(c, NULL, "no command given (devices, info, flash, verify, read, erase, reboot, poweroff)");
		return c->diag.exit;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		ifl_ctx_usage(c, NULL, "unknown command");
		snprintf(c->diag.who, sizeof(c->diag.who), "%s", argv[optind]);
		return c->diag.exit;
	}
	return cmd->run(c, argc - optind, argv + optind);
}

int ifl_cli_main(int argc, char **argv)
{
	struct ifl_ctx c;
	int status;

	memset(&c, 0, sizeof(c));
	opterr = 0; /* ifl_ctx_option words the complaint */
	c.conn = getenv("INITFLASH_CONN");
	ifl_ui_init(&c.ui, 0, 0);
	status = dispatch(&c, argc, argv);
	if (status != IFL_EXIT_OK) {
		if (!c.diag.exit) /* a command that failed without saying why is a bug; still say so */
			ifl_diag_set(&c.diag, -EIO, status, NULL, "failed");
		ifl_report_error(&c.ui, &c.diag);
	}
	ifl_ui_destroy(&c.ui);
	return status;
}
