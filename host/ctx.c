/* ctx.c - option handling and connecting, shared by all commands. */
#include "ctx.h"

#include <errno.h>
#include <stdio.h>

#include "conn.h"

int ifl_ctx_option(struct ifl_ctx *c, int opt, char **argv)
{
	char what[160];

	switch (opt) {
	case 'c':
		c->conn = optarg;
		return 0;
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

int ifl_ctx_connect(struct ifl_ctx *c, struct ifl_session *s)
{
	struct ifl_transport *t;
	int rc;

	if (!c->conn || !*c->conn)
		return ifl_diag_set(&c->diag, -EINVAL, IFL_EXIT_USAGE, NULL,
				    "no connection to the agent given; pass -c %s, or set INITFLASH_CONN",
				    ifl_conn_forms());
	rc = ifl_conn_open(c->conn, &t, &c->diag);
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
