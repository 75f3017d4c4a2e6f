/* conn.c - the connection factory: a table of transport backends keyed by prefix. */
#include "conn.h"

#include <errno.h>
#include <string.h>

#include "transports.h"

struct backend {
	const char *prefix; /* including the colon, or a whole word such as "usb" */
	int (*open)(const char *rest, struct ifl_transport **out, struct ifl_diag *d);
};

static const struct backend backends[] = {
	{"tcp:", ifl_tcp_open},
	{"exec:", ifl_exec_open},
	{"usb", ifl_usb_open}, /* "usb" or "usb:ID"; it refuses anything else */
};

const char *ifl_conn_forms(void)
{
	return "usb[:SERIAL|:USBPATH], tcp:HOST:PORT or 'exec:COMMAND LINE'";
}

int ifl_conn_open(const char *spec, struct ifl_transport **out, struct ifl_diag *d)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		size_t n = strlen(backends[i].prefix);

		if (strncmp(spec, backends[i].prefix, n) == 0)
			return backends[i].open(spec + n, out, d);
	}
	return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, NULL,
			    "unknown connection '%s'; use -c %s", spec, ifl_conn_forms());
}
