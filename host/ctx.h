/* ctx.h - what every command gets: the connection string, output mode, failure record. */
#ifndef IFL_CTX_H
#define IFL_CTX_H

#include <getopt.h>

#include "diag.h"
#include "progress.h"
#include "session.h"

struct ifl_ctx {
	const char *conn;     /* -c CONN, else $INITFLASH_CONN, else NULL (USB) */
	const char *serial;   /* -s SERIAL: the USB device with this serial number, or NULL */
	const char *usbpath;  /* -p USBPATH: the USB device at this port path, or NULL */
	int wait_ms;          /* --wait SECONDS: how long to wait for a USB device to appear */
	int json, quiet;
	struct ifl_diag diag; /* the first failure; its exit status is the command's */
	struct ifl_ui ui;
};

/* Long options every command accepts besides its own (put them in each table). */
#define IFL_COMMON_LONGOPTS                                  \
	{"connect", required_argument, NULL, 'c'},           \
	{"serial", required_argument, NULL, 's'},            \
	{"path", required_argument, NULL, 'p'},              \
	{"wait", required_argument, NULL, 'W'},              \
	{"json", no_argument, NULL, 'J'},                    \
	{"quiet", no_argument, NULL, 'q'},                   \
	{"help", no_argument, NULL, 'h'}
#define IFL_COMMON_SHORTOPTS "c:s:p:qh"

enum { IFL_OPT_HELP = 1 };

/*
 * Handle a getopt result that is not the command's own: -c, -s, -p, --wait,
 * --json, -q, --help (returns IFL_OPT_HELP), or an unknown option or a bad
 * --wait (records a usage error, returns -EINVAL). Returns 0 when handled.
 */
int ifl_ctx_option(struct ifl_ctx *c, int opt, char **argv);

/* Options are parsed: fix the output mode. */
void ifl_ctx_ready(struct ifl_ctx *c);

/* Record a usage error (exit 2) about cmd. Returns -EINVAL. */
int ifl_ctx_usage(struct ifl_ctx *c, const char *cmd, const char *what);

/*
 * Open the connection (c->conn, or the one agent on USB when there is none)
 * and say HELLO; progress of the session goes to c->ui. Returns 0, or a
 * negative errno with the failure recorded (nothing to close).
 */
int ifl_ctx_connect(struct ifl_ctx *c, struct ifl_session *s);

#endif
