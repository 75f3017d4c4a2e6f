/* ctx.c - option handling and connecting, shared by all commands. */
#include "ctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "transports.h"

/* --wait SECONDS (a decimal, at most a day) into *ms. Returns 0 or -1. */
static int parse_wait(const char *s, int *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0 && v <= 86400))
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

int ifl_ctx_option(struct ifl_ctx *c, int opt, char **argv)
{
	char what[160];

	switch (opt) {
	case 'c':
		c->conn = optarg;
		return 0;
	case 's':
		c->serial = optarg;
		return 0;
	case 'p':
		c->usbpath = optarg;
		return 0;
	case 'W':
		if (parse_wait(optarg, &c->wait_ms) == 0)
			return 0;
		snprintf(what, sizeof(what), "--wait wants seconds (0 to 86400), not '%s'", optarg);
		return ifl_ctx_usage(c, argv[0], what);
	case 'J':
		c->json = 1;
		return 0;
	case 'q':
		c->quiet = 1;
		return 0;
	case 'h':
		return IFL_OPT_HELP;
	}
	if (optopt)
		snprintf(what, sizeof(what), "option -%c is unknown or lacks its argument", optopt);
	else
		snprintf(what, sizeof(what), "option %s is unknown or lacks its argument",
			 argv[optind - 1]);
	return ifl_ctx_usage(c, argv[0], what);
}

void ifl_ctx_ready(struct ifl_ctx *c)
{
	ifl_ui_mode(&c->ui, c->json, c->quiet);
}

int ifl_ctx_usage(struct ifl_ctx *c, const char *cmd, const char *what)
{
	const char *sep = cmd ? ": " : "", *sp = cmd ? " " : "";

	if (!cmd)
		cmd = "";
	return ifl_diag_set(&c->diag, -EINVAL, IFL_EXIT_USAGE, NULL, "%s%s%s; see initflash %s%s--help",
			    cmd, sep, what, cmd, sp);
}

/* The transport c->conn names; with none, the agent on USB. */
static int open_transport(struct ifl_ctx *c, struct ifl_transport **t)
{
	const char *conn = c->conn && *c->conn ? c->conn : "usb";

	/* -s, -p and --wait refine a USB selection, so USB is opened here rather than by conn.c. */
	if (strncmp(conn, "usb", 3) == 0)
		return ifl_usb_open_sel(conn + 3, c->serial, c->usbpath, c->wait_ms, t, &c->diag);
	if (c->serial || c->usbpath)
		return ifl_diag_set(&c->diag, -EINVAL, IFL_EXIT_USAGE, NULL,
				    "-s and -p pick a USB device; they do not go with -c %s", conn);
	return ifl_conn_open(conn, t, &c->diag);
}

int ifl_ctx_connect(struct ifl_ctx *c, struct ifl_session *s)
{
	struct ifl_transport *t = NULL;
	int rc = open_transport(c, &t);

	if (rc)
		return rc;
	rc = ifl_session_open(s, t);
	if (rc) {
		ifl_session_fail(s, &c->diag, rc, NULL);
		ifl_session_close(s, 0);
		return rc;
	}
	s->on_progress = ifl_ui_agent;
	s->progress_arg = &c->ui;
	return 0;
}
