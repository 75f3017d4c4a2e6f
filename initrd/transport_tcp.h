/* transport_tcp.h - listen for hosts on a TCP port. */
#ifndef IFL_TRANSPORT_TCP_H
#define IFL_TRANSPORT_TCP_H

#include "listener.h"

/*
 * Listen on spec, "ADDR:PORT" where ADDR is an IPv4 address (0.0.0.0,
 * 127.0.0.1) or a bracketed IPv6 one ([::], [::1]); port 0 picks a free
 * port, shown in (*out)->where. Returns 0, -EINVAL for a bad spec, -ENOMEM,
 * or the socket call's negative errno.
 */
int ifl_tcp_listen(const char *spec, struct ifl_listener **out);

#endif
