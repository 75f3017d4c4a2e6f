/* transport_tcp.c - talk to an agent listening on a TCP port. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdio.h"
#include "transports.h"

#define CONNECT_TIMEOUT_MS 10000

struct tcp_priv {
	struct ifl_transport t;
	int fd;
};

static long tcp_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct tcp_priv *p = t->priv;
	return ifl_read_timed(p->fd, buf, len, IFL_READ_IDLE_MS);
}

static int tcp_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct tcp_priv *p = t->priv;
	return ifl_write_timed(p->fd, buf, len, IFL_WRITE_STALL_MS);
}

static void tcp_close(struct ifl_transport *t)
{
	struct tcp_priv *p = t->priv;

	close(p->fd);
	free(p);
}

static const struct ifl_transport_ops tcp_ops = {
	.name = "tcp",
	.read = tcp_read,
	.write = tcp_write,
	.close = tcp_close,
};

/* Split "host:port" or "[v6]:port" into host[hcap] and *port. Returns 0 or -EINVAL. */
static int split_hostport(const char *s, char *host, size_t hcap, const char **port)
{
	const char *colon, *h = s, *hend;

	if (*s == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hend = colon;
	}
	if (hend == h || !colon[1] || (size_t)(hend - h) >= hcap)
		return -EINVAL;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	*port = colon + 1;
	return 0;
}

/*
 * Connect fd to ai within the timeout. The socket stays non-blocking: reads
 * and writes poll with a limit. Returns 0 or a negative errno.
 */
static int connect_timed(int fd, const struct addrinfo *ai)
{
	struct pollfd pfd = {fd, POLLOUT, 0};
	int err = 0;
	socklen_t elen = sizeof(err);

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		int n = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return -errno;
		if (err)
			return -err;
	}
	return 0;
}

/* Try each address in turn; the first that connects wins. Returns an fd or a negative errno. */
static int connect_any(const struct addrinfo *list)
{
	int rc = -EHOSTUNREACH;

	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		int one = 1, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			rc = -errno;
			continue;
		}
		rc = connect_timed(fd, ai);
		if (rc == 0) {
			/* Requests are small and answered at once: do not let Nagle hold them. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
	}
	return rc;
}

static int resolve(const char *host, const char *port, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	return getaddrinfo(host, port, &hints, res);
}

int ifl_tcp_open(const char *hostport, struct ifl_transport **out, struct ifl_diag *d)
{
	char host[256], who[300];
	const char *port;
	struct addrinfo *res;
	struct tcp_priv *p;
	int fd, gai;

	if (split_hostport(hostport, host, sizeof(host), &port))
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, "tcp:", "'%s' is not HOST:PORT; write -c tcp:HOST:PORT",
				    hostport);
	snprintf(who, sizeof(who), "tcp:%s", hostport);
	signal(SIGPIPE, SIG_IGN); /* a reset connection must give -EPIPE, not kill us */
	gai = resolve(host, port, &res);
	if (gai)
		return ifl_diag_set(d, -EHOSTUNREACH, IFL_EXIT_CONN, who,
				    "cannot resolve the address: %s; check the host name and port",
				    gai_strerror(gai));
	fd = connect_any(res);
	freeaddrinfo(res);
	if (fd < 0)
		return ifl_diag_set(d, fd, IFL_EXIT_CONN, who,
				    "cannot connect: %s; check that the agent listens there (--listen tcp:ADDR:PORT)",
				    strerror(-fd));
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_CONN, who, "out of memory");
	}
	p->fd = fd;
	p->t.ops = &tcp_ops;
	p->t.priv = p;
	*out = &p->t;
	return 0;
}
