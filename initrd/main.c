/* main.c - initflash-agent's command line: gather targets, pick a transport, serve hosts. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "inventory.h"
#include "listener.h"
#include "log.h"
#include "session.h"
#include "session_impl.h"
#include "transport_fd.h"
#include "transport_ffs.h"
#include "transport_tcp.h"
#include "units.h"

struct opts {
	const char *listen; /* NULL with --stdio */
	int stdio, usb, no_scan, allow_power;
	struct ifl_gadget_cfg gadget; /* --usb[=UDC], --vid, --pid, --serial */
};

/* Listener backends by the prefix of --listen; --usb (FunctionFS) opens on its own. */
static const struct {
	const char *prefix;
	int (*open)(const char *spec, struct ifl_listener **out);
} listeners[] = {
	{"tcp:", ifl_tcp_listen},
};

static struct ifl_targets inv;

static void usage(FILE *f)
{
	fputs("usage: initflash-agent [--stdio | --listen tcp:ADDR:PORT | --usb[=UDC]]\n"
	      "                       [--target NAME=PATH]... [--vid HEX] [--pid HEX] [--serial S]\n"
	      "                       [--no-scan] [--allow-power] [--verbose] [--help] [--version]\n"
	      "Serve the initflash protocol (docs/PROTOCOL.md) on a transport.\n"
	      "  --stdio               one session on stdin/stdout, then exit\n"
	      "  --listen tcp:A:P      serve hosts one after another on TCP address A, port P\n"
	      "                        (0.0.0.0, 127.0.0.1, [::]; port 0 picks one)\n"
	      "  --usb[=UDC]           serve hosts on the USB device port (FunctionFS gadget);\n"
	      "                        UDC defaults to the first in /sys/class/udc\n"
	      "  --vid HEX, --pid HEX  USB vendor and product id (default 1d6b:0104)\n"
	      "  --serial S            USB serial number (default: device tree, DMI, or 0)\n"
	      "  --target NAME=PATH    offer a file or block device as target NAME\n"
	      "  --no-scan             do not offer the disks found in /sys/class/block\n"
	      "  --allow-power         honour REBOOT and POWEROFF from the host\n"
	      "  --verbose             log each request and a summary of each session\n", f);
}

/* A USB id in hex ("1d6b" or "0x1d6b") into *id. Returns 0 or -1. */
static int parse_id(const char *s, uint16_t *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);

	if (!*s || *end || v == 0 || v > 0xffff)
		return -1;
	*id = (uint16_t)v;
	return 0;
}

/* Parse argv into o and the targets; returns 0, or the exit status to leave with. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"stdio", no_argument, 0, 's'},       {"listen", required_argument, 0, 'l'},
		{"target", required_argument, 0, 't'}, {"no-scan", no_argument, 0, 'n'},
		{"allow-power", no_argument, 0, 'p'}, {"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},        {"version", no_argument, 0, 'V'},
		{"usb", optional_argument, 0, 'u'},   {"vid", required_argument, 0, 'i'},
		{"pid", required_argument, 0, 'P'},   {"serial", required_argument, 0, 'S'},
		{0, 0, 0, 0},
	};
	char err[IFL_PATH_MAX + 160];
	int c;

	while ((c = getopt_long(argc, argv, "vhV", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->stdio = 1; break;
		case 'l': o->listen = optarg; break;
		case 'n': o->no_scan = 1; break;
		case 'p': o->allow_power = 1; break;
		case 'v': ifl_verbose = 1; break;
		case 'u': o->usb = 1; o->gadget.udc = optarg; break;
		case 'S': o->gadget.serial = optarg; break;
		case 'i':
		case 'P':
			if (parse_id(optarg, c == 'i' ? &o->gadget.vid : &o->gadget.pid)) {
				ifl_log("--%s wants a hex id from 0001 to ffff, not %s",
					c == 'i' ? "vid" : "pid", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return -1;
		case 'V': puts("initflash-agent " IFL_VERSION_STR); return -1;
		case 't':
			if (ifl_inv_add(&inv, optarg, err, sizeof(err))) {
				ifl_log("%s", err);
				return 2;
			}
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || o->stdio + !!o->listen + o->usb != 1) {
		ifl_log(optind < argc ? "unexpected argument %s" : "choose one of --stdio, "
			"--listen and --usb", optind < argc ? argv[optind] : "");
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Add the disks the kernel knows about, and say what is offered. */
static void gather_targets(const struct opts *o)
{
	char sz[24];

	if (!o->no_scan) {
		int n = ifl_inv_scan(&inv, "/sys", "/dev");

		if (n < 0)
			ifl_log("cannot scan /sys/class/block: %s", strerror(-n));
	}
	if (inv.n == 0)
		ifl_log("no targets: every request naming a target will be refused");
	for (unsigned i = 0; i < inv.n; i++) {
		const struct ifl_target_info *t = &inv.t[i].info;

		ifl_vlog("target %s: %s, %s, block %u%s%s%s%s", t->name, inv.t[i].path,
			 ifl_fmt_size(t->size, sz, sizeof(sz)), t->block_size,
			 (t->flags & IFL_TF_READONLY) ? ", read-only" : "",
			 (t->flags & IFL_TF_REMOVABLE) ? ", removable" : "", t->model[0] ? ", " : "",
			 t->model);
	}
}

/* One session, and the log lines about it. */
static int run_session(struct ifl_agent *a, struct ifl_transport *t, const char *peer)
{
	struct ifl_session_stats st;
	char w[24], r[24];
	uint64_t t0 = ifl_now_ms();
	int rc = ifl_session_run(a, t, &st);

	if (rc)
		ifl_log("session from %s failed: %s", peer, st.end[0] ? st.end : strerror(-rc));
	else if (ifl_verbose || strcmp(peer, "stdio"))
		ifl_log("session from %s ended: %s", peer, st.end);
	ifl_vlog("session from %s: %llu requests, %llu chunks, wrote %s, read %s, %llu errors, "
		 "%.1f s", peer, (unsigned long long)st.requests, (unsigned long long)st.chunks,
		 ifl_fmt_size(st.written, w, sizeof(w)), ifl_fmt_size(st.read, r, sizeof(r)),
		 (unsigned long long)st.errors, (double)(ifl_now_ms() - t0) / 1000.0);
	return rc;
}

static int open_listener(const char *spec, struct ifl_listener **l)
{
	for (size_t i = 0; i < sizeof(listeners) / sizeof(listeners[0]); i++) {
		size_t n = strlen(listeners[i].prefix);

		if (strncmp(spec, listeners[i].prefix, n) == 0)
			return listeners[i].open(spec + n, l);
	}
	return -EPROTONOSUPPORT;
}

/*
 * Serve hosts one after another until the listener says stop (-ESHUTDOWN,
 * after SIGTERM or SIGINT with --usb); a failed session ends only itself.
 */
static int serve_forever(struct ifl_agent *a, struct ifl_listener *l)
{
	struct ifl_transport *t;
	char peer[96];
	int rc;

	ifl_log("ready on %s", l->where);
	for (;;) {
		rc = l->ops->accept(l, &t, peer, sizeof(peer));
		if (rc == -ESHUTDOWN) {
			l->ops->close(l);
			ifl_agent_free(a);
			ifl_log("stopped");
			return 0;
		}
		if (rc) {
			ifl_log("accept on %s failed: %s", l->where, strerror(-rc));
			sleep(1);
			continue;
		}
		ifl_vlog("session from %s", peer);
		run_session(a, t, peer);
		t->ops->close(t);
	}
}

/* Open the listener --listen or --usb asks for and serve on it. Returns the exit status. */
static int open_and_serve(struct ifl_agent *a, const struct opts *o)
{
	struct ifl_listener *l;
	char err[256];
	int rc;

	if (o->usb) {
		rc = ifl_ffs_listen(&o->gadget, &l, err, sizeof(err));
		if (rc) {
			ifl_log("cannot serve on USB: %s", err);
			return 1;
		}
		return serve_forever(a, l);
	}
	rc = open_listener(o->listen, &l);
	if (rc) {
		ifl_log("cannot listen on %s: %s", o->listen, rc == -EPROTONOSUPPORT ||
			rc == -EINVAL ? "expected tcp:ADDR:PORT with a numeric address (0.0.0.0, "
			"127.0.0.1, [::]) and a port from 0 to 65535" : strerror(-rc));
		return 1;
	}
	return serve_forever(a, l);
}

int main(int argc, char **argv)
{
	struct ifl_agent_cfg cfg = {0};
	struct ifl_agent *a;
	struct ifl_transport *t;
	struct opts o = {0};
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	/* A vanished host must end its session with EPIPE, not kill the agent. */
	signal(SIGPIPE, SIG_IGN);
	gather_targets(&o);
	cfg.allow_power = o.allow_power;
	rc = ifl_agent_new(&cfg, &inv, &a);
	if (rc) {
		ifl_log("cannot start: %s", strerror(-rc));
		return 1;
	}
	ifl_vlog("%u chunk workers, %llu MiB of transfer buffers", ifl_agent_workers(a),
		 (unsigned long long)(ifl_agent_buffer_bytes(a) >> 20));
	if (o.listen || o.usb)
		return open_and_serve(a, &o);
	if (ifl_transport_fd_new(0, 1, 0, &t)) {
		ifl_log("out of memory");
		return 1;
	}
	ifl_log("ready on stdio");
	rc = run_session(a, t, "stdio");
	t->ops->close(t);
	ifl_agent_free(a);
	return rc ? 1 : 0;
}
