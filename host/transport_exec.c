/* transport_exec.c - talk to an agent run as a child process over its stdin/stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "transports.h"

struct exec_priv {
	struct ifl_transport t;
	int rfd, wfd; /* the child's stdout, the child's stdin */
	pid_t pid;
};

static long exec_read(struct ifl_transport *t, uint8_t *buf, size_t len)
{
	struct exec_priv *p = t->priv;
	return ifl_read_timed(p->rfd, buf, len, IFL_READ_IDLE_MS);
}

static int exec_write(struct ifl_transport *t, const uint8_t *buf, size_t len)
{
	struct exec_priv *p = t->priv;
	return ifl_write_timed(p->wfd, buf, len, IFL_WRITE_STALL_MS);
}

/* Wait up to ms milliseconds for the child; 1 when it has been reaped. */
static int reap_within(pid_t pid, int ms)
{
	struct timespec tick = {0, 10 * 1000 * 1000};

	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return 1;
		if (waited >= ms)
			return 0;
		nanosleep(&tick, NULL);
	}
}

static void exec_close(struct ifl_transport *t)
{
	struct exec_priv *p = t->priv;

	/* EOF on its stdin ends the session; an agent that lingers is asked, then told, to go. */
	close(p->wfd);
	close(p->rfd);
	if (!reap_within(p->pid, 5000)) {
		kill(p->pid, SIGTERM);
		if (!reap_within(p->pid, 2000)) {
			kill(p->pid, SIGKILL);
			while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	free(p);
}

static const struct ifl_transport_ops exec_ops = {
	.name = "exec",
	.read = exec_read,
	.write = exec_write,
	.close = exec_close,
};

/* In the child: pipes onto stdin/stdout, default SIGPIPE, then the shell. */
static void exec_child(int in_fd, int out_fd, const char *cmdline)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL); /* ignored dispositions survive exec */
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmdline, (char *)NULL);
	_exit(127);
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* Two close-on-exec pipes; returns 0 or a negative errno. */
static int open_pipes(int to_child[2], int from_child[2])
{
	if (pipe2(to_child, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(from_child, O_CLOEXEC) < 0) {
		int rc = -errno;

		close_pair(to_child);
		return rc;
	}
	return 0;
}

int ifl_exec_open(const char *cmdline, struct ifl_transport **out, struct ifl_diag *d)
{
	int to_child[2], from_child[2], rc;
	struct exec_priv *p;

	if (!*cmdline)
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, "exec:",
				    "no command given; write -c 'exec:COMMAND LINE'");
	p = calloc(1, sizeof(*p));
	rc = p ? open_pipes(to_child, from_child) : -ENOMEM;
	if (rc)
		goto fail;
	signal(SIGPIPE, SIG_IGN); /* a dead agent must give -EPIPE, not kill us */
	p->pid = fork();
	if (p->pid < 0) {
		rc = -errno;
		close_pair(to_child);
		close_pair(from_child);
		goto fail;
	}
	if (p->pid == 0)
		exec_child(to_child[0], from_child[1], cmdline);
	close(to_child[0]);
	close(from_child[1]);
	p->wfd = to_child[1];
	/* Our end only (the child's is another open file): writes that can time out. */
	fcntl(p->wfd, F_SETFL, fcntl(p->wfd, F_GETFL) | O_NONBLOCK);
	p->rfd = from_child[0];
	p->t.ops = &exec_ops;
	p->t.priv = p;
	*out = &p->t;
	return 0;
fail:
	free(p);
	return ifl_diag_set(d, rc, IFL_EXIT_CONN, "exec", "cannot start '%s': %s; check the command",
			    cmdline, strerror(-rc));
}
