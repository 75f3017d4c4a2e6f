/* link.h - whole frames over a transport: read one, write one. */
#ifndef IFL_LINK_H
#define IFL_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "transport.h"

/*
 * Read one frame into buf[cap]: the header lands at buf, the payload at
 * buf + IFL_FRAME_HDR. cap bounds the payload (cap - IFL_FRAME_HDR) together
 * with IFL_MAX_PAYLOAD. Returns 0; -ENODATA when the stream ended cleanly
 * before a header; -EPIPE when it ended inside a frame; -EPROTO, -EMSGSIZE
 * or -EBADMSG for a bad header, an oversize length or a CRC mismatch (the
 * stream is then out of step and should be dropped); or the transport's error.
 */
int ifl_link_recv(struct ifl_transport *t, uint8_t *buf, size_t cap, struct ifl_frame_hdr *h);

/*
 * Seal and write the frame whose payload (len bytes) already sits at
 * buf + IFL_FRAME_HDR. Returns 0 or the transport's error.
 */
int ifl_link_send(struct ifl_transport *t, uint8_t *buf, uint8_t type, uint32_t seq, size_t len);

/* Read exactly len bytes. Returns 0, -ENODATA (EOF at once), -EPIPE (EOF later). */
int ifl_link_read_full(struct ifl_transport *t, uint8_t *buf, size_t len);

#endif
