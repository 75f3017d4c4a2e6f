/* transport_fd.c - the byte stream backend for pipes, stdio and sockets. */
#include "transport_fd.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fdio.h"

struct fd_priv {
	struct ifl_transport t;
	int rfd, wfd, owned;
};

static long fd_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct fd_priv *p = t->priv;
	long n = ifl_read_some(p->rfd, buf, len);

	/* A reset connection is the host going away, like an EOF inside a frame. */
	return n == -ECONNRESET ? -EPIPE : n;
}

static int fd_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct fd_priv *p = t->priv;
	int rc = ifl_write_all(p->wfd, buf, len);

	return rc == -ECONNRESET ? -EPIPE : rc;
}

static void fd_close(struct ifl_transport *t)
{
	struct fd_priv *p = t->priv;

	if (p->owned) {
		close(p->rfd);
		if (p->wfd != p->rfd)
			close(p->wfd);
	}
	free(p);
}

static const struct ifl_transport_ops fd_ops = {
	.name = "fd",
	.read = fd_read,
	.write = fd_write,
	.close = fd_close,
};

int ifl_transport_fd_new(int rfd, int wfd, int owned, struct ifl_transport **out)
{
	struct fd_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->rfd = rfd;
	p->wfd = wfd;
	p->owned = owned;
	p->t.ops = &fd_ops;
	p->t.priv = p;
	*out = &p->t;
	return 0;
}
