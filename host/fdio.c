/* fdio.c - EINTR- and short-count-safe read/write helpers, and a monotonic clock. */
#include "fdio.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

int ifl_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

long ifl_read_some(int fd, uint8_t *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : (long)n;
	}
}

/* Wait until fd is ready for events. Returns 0, -ETIMEDOUT or a negative errno. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {fd, events, 0};

	for (;;) {
		int n = poll(&p, 1, ms);

		if (n > 0)
			return 0; /* readable, writable, or an error the next call reports */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

long ifl_read_timed(int fd, uint8_t *buf, size_t len, int ms)
{
	int rc = wait_fd(fd, POLLIN, ms);

	return rc ? rc : ifl_read_some(fd, buf, len);
}

int ifl_write_timed(int fd, const uint8_t *buf, size_t len, int ms)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (n < 0) {
			rc = wait_fd(fd, POLLOUT, ms);
			if (rc)
				return rc;
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

double ifl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
