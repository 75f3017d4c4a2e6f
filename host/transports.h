/* transports.h - the host's transport backends; conn.c picks one from the -c string. */
#ifndef IFL_TRANSPORTS_H
#define IFL_TRANSPORTS_H

#include "diag.h"
#include "transport.h"

/*
 * Every host backend gives up on a peer that stays silent: the agent sends
 * PROGRESS at least every 250 ms while it works, so a read that sees no byte
 * for IFL_READ_IDLE_MS means it hangs or the link is gone. Writes may stall
 * far longer (a NOR target takes seconds per chunk while the agent's buffers
 * are full), so they only give up after IFL_WRITE_STALL_MS. Both fail with
 * -ETIMEDOUT.
 */
#define IFL_READ_IDLE_MS 15000
#define IFL_WRITE_STALL_MS 120000

/*
 * Each opener takes the part of the connection string after its prefix,
 * sets *out to a transport that ops->close releases, and returns 0; or
 * records the failure in d (exit 2 for a malformed address, 3 when the
 * connection cannot be made) and returns a negative errno.
 */

/* "exec:COMMAND LINE": run it with /bin/sh -c, talk to its stdin and stdout. */
int ifl_exec_open(const char *cmdline, struct ifl_transport **out, struct ifl_diag *d);

/* "tcp:HOST:PORT" (HOST may be a [bracketed] IPv6 address). */
int ifl_tcp_open(const char *hostport, struct ifl_transport **out, struct ifl_diag *d);

/*
 * "usb" or "usb:ID": the one initflash agent on the USB buses (ID, when
 * given, is its serial number or its USB path such as 1-1.3). rest is the
 * text after "usb". Several agents and no ID is a usage error (exit 2) that
 * names them; none is exit 3.
 */
int ifl_usb_open(const char *rest, struct ifl_transport **out, struct ifl_diag *d);

/*
 * The same, the agent also matching serial (-s) and path (-p) where they
 * are not NULL; waits up to wait_ms for a matching agent to appear.
 */
int ifl_usb_open_sel(const char *rest, const char *serial, const char *path, int wait_ms,
		     struct ifl_transport **out, struct ifl_diag *d);

#endif
