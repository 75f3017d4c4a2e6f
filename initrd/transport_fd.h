/* transport_fd.h - a transport over file descriptors (stdio, accepted sockets). */
#ifndef IFL_TRANSPORT_FD_H
#define IFL_TRANSPORT_FD_H

#include "transport.h"

/*
 * Wrap rfd (read side) and wfd (write side; may equal rfd) as a transport.
 * When owned, close() closes them. Returns 0 and sets *out, or -ENOMEM.
 */
int ifl_transport_fd_new(int rfd, int wfd, int owned, struct ifl_transport **out);

#endif
