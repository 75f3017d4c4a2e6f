/* conn.h - turn a connection string (-c, INITFLASH_CONN) into an open transport. */
#ifndef IFL_CONN_H
#define IFL_CONN_H

#include "diag.h"
#include "transport.h"

/*
 * Open the transport that spec names: "tcp:HOST:PORT" or "exec:COMMAND LINE"
 * (more backends register in conn.c's table). Returns 0 and sets *out, or
 * records the failure in d (exit 2 for an unknown or malformed spec, 3 when
 * the connection cannot be made) and returns a negative errno.
 */
int ifl_conn_open(const char *spec, struct ifl_transport **out, struct ifl_diag *d);

/* The prefixes conn.c knows, for usage messages ("tcp:HOST:PORT, exec:COMMAND"). */
const char *ifl_conn_forms(void);

#endif
