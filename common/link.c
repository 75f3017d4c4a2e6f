/* link.c - frame-at-a-time reading and writing over any transport backend. */
#include "link.h"

#include <errno.h>

int ifl_link_read_full(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		long n = t->ops->read(t, buf + got, len - got);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return got ? -EPIPE : -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

int ifl_link_recv(struct ifl_transport *t, uint8_t *buf, size_t cap, struct ifl_frame_hdr *h)
{
	uint32_t max = IFL_MAX_PAYLOAD;
	int rc;

	if (cap < IFL_FRAME_HDR)
		return -ENOBUFS;
	if (cap - IFL_FRAME_HDR < max)
		max = (uint32_t)(cap - IFL_FRAME_HDR);
	rc = ifl_link_read_full(t, buf, IFL_FRAME_HDR);
	if (rc)
		return rc;
	rc = ifl_frame_parse(buf, max, h);
	if (rc)
		return rc;
	rc = ifl_link_read_full(t, buf + IFL_FRAME_HDR, h->len);
	if (rc)
		return rc == -ENODATA ? -EPIPE : rc;
	return ifl_frame_check(buf, h, buf + IFL_FRAME_HDR);
}

int ifl_link_send(struct ifl_transport *t, uint8_t *buf, uint8_t type, uint32_t seq, size_t len)
{
	if (len > IFL_MAX_PAYLOAD)
		return -EMSGSIZE;
	ifl_frame_seal(buf, type, seq, (uint32_t)len);
	return t->ops->write(t, buf, IFL_FRAME_HDR + len);
}
