/* transport_tcp.c - TCP listener: accepted sockets become fd transports. */
#include "transport_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "transport_fd.h"

struct tcp_priv {
	struct ifl_listener l;
	int fd;
};

/* Split "ADDR:PORT" / "[ADDR]:PORT" into host[cap] and *port; *v6 for brackets. */
static int split_spec(const char *spec, char *host, size_t cap, long *port, int *v6)
{
	const char *colon, *h = spec;
	size_t hl;
	char *end;

	*v6 = spec[0] == '[';
	if (*v6) {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = spec + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - spec);
	}
	*port = strtol(colon + 1, &end, 10);
	if (hl == 0 || hl >= cap || colon[1] == '\0' || *end || *port < 0 || *port > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return 0;
}

/* Turn a listen spec into a socket address (numeric addresses only: no resolver). */
static int parse_spec(const char *spec, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	char host[64];
	long port;
	int v6, rc = split_spec(spec, host, sizeof(host), &port, &v6);

	if (rc)
		return rc;
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*a6);
		return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*sl = sizeof(*a4);
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -EINVAL;
}

/* "1.2.3.4:5" or "[::1]:5" for a socket address. */
static void fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(a4->sin_port));
	}
}

/*
 * Notice a host that vanished without a FIN (cable pulled) within a minute,
 * and one that stopped reading within two: either would otherwise hold the
 * agent in a read or a send forever, and no other host could come in.
 */
static void set_keepalive(int fd)
{
	int on = 1, idle = 20, intvl = 5, cnt = 4;
	struct timeval tv = {.tv_sec = 120};

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_accept(struct ifl_listener *l, struct ifl_transport **out, char *peer, size_t cap)
{
	struct tcp_priv *p = l->priv;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, rc;

	do
		fd = accept4(p->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	set_keepalive(fd);
	fmt_addr(&ss, peer, cap);
	rc = ifl_transport_fd_new(fd, fd, 1, out);
	if (rc)
		close(fd);
	return rc;
}

static void tcp_close(struct ifl_listener *l)
{
	struct tcp_priv *p = l->priv;

	close(p->fd);
	free(p);
}

static const struct ifl_listener_ops tcp_ops = {
	.name = "tcp",
	.accept = tcp_accept,
	.close = tcp_close,
};

/* Create, bind and listen; *fd is the socket. */
static int open_socket(const struct sockaddr_storage *ss, socklen_t sl, int *fd)
{
	int on = 1, off = 0, s = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* [::] also takes IPv4 hosts. */
	if (ss->ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(s, (const struct sockaddr *)ss, sl) < 0 || listen(s, 4) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

int ifl_tcp_listen(const char *spec, struct ifl_listener **out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct tcp_priv *p;
	int rc = parse_spec(spec, &ss, &sl);

	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	rc = open_socket(&ss, sl, &p->fd);
	if (rc) {
		free(p);
		return rc;
	}
	/* Report the port actually bound (port 0 lets the kernel choose). */
	sl = sizeof(ss);
	getsockname(p->fd, (struct sockaddr *)&ss, &sl);
	memcpy(p->l.where, "tcp:", 4);
	fmt_addr(&ss, p->l.where + 4, sizeof(p->l.where) - 4);
	p->l.ops = &tcp_ops;
	p->l.priv = p;
	*out = &p->l;
	return 0;
}
