/* cmd_devices.c - `initflash devices`: the agents attached over USB, and whether we may use them. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "usbdev.h"

static const char usage[] =
	"devices\n"
	"  List the initflash agents attached over USB: path, serial, VID:PID, speed and state\n"
	"  (ready; busy: another program uses it; no access: install the udev rule).\n"
	"  -s and -p narrow the list; --wait S waits for one to appear.";

static void device_json(struct ifl_ctx *c, const struct ifl_usbdev *u, int state)
{
	struct ifl_json j;
	char vid[8], pid[8];
	double mbps;
	const char *speed = ifl_usb_speed_name(u->speed, &mbps);

	snprintf(vid, sizeof(vid), "%04x", u->vid);
	snprintf(pid, sizeof(pid), "%04x", u->pid);
	ifl_json_begin(&j, c->ui.out, "device");
	ifl_json_str(&j, "path", u->path);
	ifl_json_str(&j, "serial", u->serial);
	ifl_json_str(&j, "vid", vid);
	ifl_json_str(&j, "pid", pid);
	ifl_json_str(&j, "speed", speed);
	ifl_json_num(&j, "mbps", mbps);
	ifl_json_str(&j, "state", ifl_usb_state_name(state));
	ifl_json_end(&j);
}

static int width(const struct ifl_usbdev *v, int n, size_t off, int min)
{
	int w = min;

	for (int i = 0; i < n; i++) {
		int k = (int)strlen((const char *)&v[i] + off);
		w = k > w ? k : w;
	}
	return w;
}

static void devices_table(struct ifl_ctx *c, const struct ifl_usbdev *v, const int *state, int n)
{
	FILE *f = c->ui.out;
	int wp = width(v, n, offsetof(struct ifl_usbdev, path), 4);
	int ws = width(v, n, offsetof(struct ifl_usbdev, serial), 6);

	fprintf(f, "%-*s  %-*s  %-9s  %-20s  %s\n", wp, "PATH", ws, "SERIAL", "VID:PID", "SPEED",
		"STATE");
	for (int i = 0; i < n; i++) {
		char speed[32];
		double mbps;
		const char *name = ifl_usb_speed_name(v[i].speed, &mbps);

		if (mbps > 0)
			snprintf(speed, sizeof(speed), "%s (%g Mbit/s)", name, mbps);
		else
			snprintf(speed, sizeof(speed), "%s", name);
		fprintf(f, "%-*s  %-*s  %04x:%04x  %-20s  %s\n", wp, v[i].path, ws,
			v[i].serial[0] ? v[i].serial : "-", v[i].vid, v[i].pid, speed,
			ifl_usb_state_name(state[i]));
	}
	fflush(f);
}

/* Tell the user what to do about devices they may not use. */
static void hints(const struct ifl_usbdev *v, const int *state, int n)
{
	for (int i = 0; i < n; i++) {
		if (state[i] == IFL_USB_NOACCESS) {
			fprintf(stderr, "initflash: %s: no permission to use the device; install "
				"tools/udev/70-initflash.rules (see FILES in initflash(1)) or run as root\n",
				v[i].path);
		}
	}
}

int ifl_cmd_devices(struct ifl_ctx *c, int argc, char **argv)
{
	struct ifl_usb_sel sel;
	struct ifl_usbdev v[IFL_USBDEV_MAX];
	int state[IFL_USBDEV_MAX];
	libusb_context *ctx = NULL;
	int n, rc = ifl_cmd_common_opts(c, argc, argv, usage);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (optind != argc)
		return ifl_ctx_usage(c, "devices", "takes no arguments"), c->diag.exit;
	memset(&sel, 0, sizeof(sel));
	sel.serial = c->serial;
	sel.path = c->usbpath;
	n = ifl_usbdev_find(&sel, c->wait_ms, &ctx, v);
	if (n < 0)
		return ifl_diag_set(&c->diag, ifl_usb_errno(n), IFL_EXIT_CONN, "usb",
				    "cannot list the USB devices: %s", libusb_strerror(n)),
		       c->diag.exit;
	for (int i = 0; i < n; i++)
		state[i] = ifl_usbdev_probe(&v[i]);
	if (c->json) {
		for (int i = 0; i < n; i++)
			device_json(c, &v[i], state[i]);
	} else if (n == 0) {
		fputs("no devices\n", c->ui.out);
		fflush(c->ui.out);
	} else {
		devices_table(c, v, state, n);
	}
	hints(v, state, n);
	ifl_usbdev_free(v, n);
	if (ctx)
		libusb_exit(ctx);
	return IFL_EXIT_OK;
}
