/* usbdev.c - find initflash agents on the USB buses and say whether this process may use them. */
#include "usbdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"

#define SYSFS_USB "/sys/bus/usb/devices"
#define CLASS_HUB 0x09

int ifl_usb_errno(int err)
{
	switch (err) {
	case LIBUSB_SUCCESS: return 0;
	case LIBUSB_ERROR_INVALID_PARAM: return -EINVAL;
	case LIBUSB_ERROR_ACCESS: return -EACCES;
	case LIBUSB_ERROR_NO_DEVICE: return -ENODEV;
	case LIBUSB_ERROR_NOT_FOUND: return -ENOENT;
	case LIBUSB_ERROR_BUSY: return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT: return -ETIMEDOUT;
	case LIBUSB_ERROR_OVERFLOW: return -EOVERFLOW;
	case LIBUSB_ERROR_PIPE: return -EPIPE;
	case LIBUSB_ERROR_INTERRUPTED: return -EINTR;
	case LIBUSB_ERROR_NO_MEM: return -ENOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

const char *ifl_usb_speed_name(int speed, double *mbps)
{
	static const struct {
		int speed;
		const char *name;
		double mbps;
	} tab[] = {
		{LIBUSB_SPEED_LOW, "low", 1.5},        {LIBUSB_SPEED_FULL, "full", 12},
		{LIBUSB_SPEED_HIGH, "high", 480},      {LIBUSB_SPEED_SUPER, "super", 5000},
		{LIBUSB_SPEED_SUPER_PLUS, "super+", 10000},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].speed == speed) {
			*mbps = tab[i].mbps;
			return tab[i].name;
		}
	}
	*mbps = 0;
	return "unknown";
}

const char *ifl_usb_state_name(int state)
{
	static const char *const names[] = {"ready", "busy", "no access", "gone", "error"};

	return state >= 0 && state <= IFL_USB_ERROR ? names[state] : "error";
}

/* A small sysfs attribute without its newline into buf[cap]. Returns 0 or -1. */
static int read_attr(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return 0;
}

/* "BUS-PORT.PORT..." from the bus number and the chain of hub ports. Returns 0 or -1 (a root hub). */
static int make_path(libusb_device *dev, char *buf, size_t cap)
{
	uint8_t ports[7];
	int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	size_t k;

	if (n <= 0)
		return -1;
	k = (size_t)snprintf(buf, cap, "%u-%u", libusb_get_bus_number(dev), ports[0]);
	for (int i = 1; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, ".%u", ports[i]);
	return k < cap ? 0 : -1;
}

/* Record the bulk endpoints of alt; 0 when it has one IN and one OUT. */
static int bulk_pair(const struct libusb_interface_descriptor *alt, struct ifl_usbdev *u)
{
	u->ep_in = u->ep_out = 0;
	for (int e = 0; e < alt->bNumEndpoints; e++) {
		const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

		if ((ep->bmAttributes & 0x3) != LIBUSB_TRANSFER_TYPE_BULK)
			continue;
		if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
			u->ep_in = ep->bEndpointAddress;
			u->mps_in = ep->wMaxPacketSize & 0x7ff;
		} else {
			u->ep_out = ep->bEndpointAddress;
			u->mps_out = ep->wMaxPacketSize & 0x7ff;
		}
	}
	return u->ep_in && u->ep_out && u->mps_in && u->mps_out ? 0 : -1;
}

/*
 * Find our interface (alternate setting 0) in the active configuration,
 * which libusb reads from the kernel's cache without opening the device.
 * Returns the iInterface string index (0 when none), or -1 when absent.
 */
static int find_iface(libusb_device *dev, struct ifl_usbdev *u)
{
	struct libusb_config_descriptor *cfg;
	int found = -1;

	if (libusb_get_active_config_descriptor(dev, &cfg) != LIBUSB_SUCCESS)
		return -1;
	for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++) {
		const struct libusb_interface_descriptor *alt;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		alt = &cfg->interface[i].altsetting[0];
		if (alt->bInterfaceClass != IFL_USB_CLASS || alt->bInterfaceSubClass != IFL_USB_SUBCLASS ||
		    alt->bInterfaceProtocol != IFL_USB_PROTOCOL || bulk_pair(alt, u))
			continue;
		u->config = cfg->bConfigurationValue;
		u->iface = alt->bInterfaceNumber;
		found = alt->iInterface;
	}
	libusb_free_config_descriptor(cfg);
	return found;
}

/*
 * The interface name and the serial number: over USB when we may open the
 * device, else from the copies the kernel keeps in sysfs. Returns 1 when the
 * interface is named "initflash" (or its name cannot be read by anyone), 0
 * when it is some other vendor's interface.
 */
static int read_strings(libusb_device *dev, const struct libusb_device_descriptor *dd, int istr,
			struct ifl_usbdev *u)
{
	char name[128] = "", attr[160];
	libusb_device_handle *h;
	int known = 0;

	u->open_err = libusb_open(dev, &h);
	if (u->open_err == LIBUSB_SUCCESS) {
		if (istr && libusb_get_string_descriptor_ascii(h, (uint8_t)istr, (unsigned char *)name,
								 sizeof(name)) >= 0)
			known = 1;
		if (dd->iSerialNumber &&
		    libusb_get_string_descriptor_ascii(h, dd->iSerialNumber, (unsigned char *)u->serial,
						       sizeof(u->serial)) < 0)
			u->serial[0] = '\0';
		libusb_close(h);
	} else {
		snprintf(attr, sizeof(attr), SYSFS_USB "/%s:%u.%u/interface", u->path, u->config, u->iface);
		known = istr && read_attr(attr, name, sizeof(name)) == 0;
		snprintf(attr, sizeof(attr), SYSFS_USB "/%s/serial", u->path);
		if (read_attr(attr, u->serial, sizeof(u->serial)))
			u->serial[0] = '\0';
	}
	if (!istr)
		return 0; /* an unnamed interface is not ours, whatever its class */
	return !known || strcmp(name, IFL_USB_IFACE_STR) == 0;
}

/* Fill u when dev carries our interface. Returns 0, or -1 for any other device. */
static int examine(libusb_device *dev, struct ifl_usbdev *u)
{
	struct libusb_device_descriptor dd;
	int istr;

	memset(u, 0, sizeof(*u));
	if (libusb_get_device_descriptor(dev, &dd) != LIBUSB_SUCCESS || dd.bDeviceClass == CLASS_HUB)
		return -1;
	istr = find_iface(dev, u);
	if (istr < 0 || make_path(dev, u->path, sizeof(u->path)))
		return -1;
	u->vid = dd.idVendor;
	u->pid = dd.idProduct;
	u->speed = libusb_get_device_speed(dev);
	return read_strings(dev, &dd, istr, u) ? 0 : -1;
}

static int selected(const struct ifl_usbdev *u, const struct ifl_usb_sel *sel)
{
	if (!sel)
		return 1;
	if (sel->serial && strcmp(u->serial, sel->serial) != 0)
		return 0;
	if (sel->path && strcmp(u->path, sel->path) != 0)
		return 0;
	return !sel->id || strcmp(u->serial, sel->id) == 0 || strcmp(u->path, sel->id) == 0;
}

/* Order paths as numbers: 1-2 < 1-10 < 1-10.1 < 2-1. */
static int by_path(const void *a, const void *b)
{
	const char *p = ((const struct ifl_usbdev *)a)->path, *q = ((const struct ifl_usbdev *)b)->path;

	while (*p && *q) {
		char *pe, *qe;
		unsigned long x = strtoul(p, &pe, 10), y = strtoul(q, &qe, 10);

		if (x != y)
			return x < y ? -1 : 1;
		p = *pe ? pe + 1 : pe;
		q = *qe ? qe + 1 : qe;
	}
	return (*p != 0) - (*q != 0);
}

int ifl_usbdev_scan(libusb_context *ctx, const struct ifl_usb_sel *sel, struct ifl_usbdev *v)
{
	libusb_device **list;
	ssize_t n = libusb_get_device_list(ctx, &list);
	int k = 0;

	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n && k < IFL_USBDEV_MAX; i++) {
		if (examine(list[i], &v[k]) == 0 && selected(&v[k], sel))
			v[k++].dev = libusb_ref_device(list[i]);
	}
	libusb_free_device_list(list, 1);
	qsort(v, (size_t)k, sizeof(*v), by_path);
	return k;
}

void ifl_usbdev_free(struct ifl_usbdev *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i].dev)
			libusb_unref_device(v[i].dev);
		v[i].dev = NULL;
	}
}

static int state_of(int err)
{
	switch (err) {
	case LIBUSB_SUCCESS: return IFL_USB_READY;
	case LIBUSB_ERROR_BUSY: return IFL_USB_BUSY;
	case LIBUSB_ERROR_ACCESS: return IFL_USB_NOACCESS;
	case LIBUSB_ERROR_NO_DEVICE: return IFL_USB_GONE;
	default: return IFL_USB_ERROR;
	}
}

int ifl_usbdev_probe(const struct ifl_usbdev *u)
{
	libusb_device_handle *h;
	int rc = libusb_open(u->dev, &h);

	if (rc != LIBUSB_SUCCESS)
		return state_of(rc);
	/*
	 * A kernel driver bound to the interface would be detached when a
	 * session starts; detaching it here would change the system just to
	 * list it, so it counts as ready without a trial claim.
	 */
	if (libusb_kernel_driver_active(h, u->iface) != 1) {
		rc = libusb_claim_interface(h, u->iface);
		if (rc == LIBUSB_SUCCESS)
			libusb_release_interface(h, u->iface);
	}
	libusb_close(h);
	return state_of(rc);
}

int ifl_usbdev_find(const struct ifl_usb_sel *sel, int wait_ms, libusb_context **ctx,
		    struct ifl_usbdev *v)
{
	struct timespec pause = {0, 250 * 1000 * 1000};
	double until = ifl_now() + wait_ms / 1000.0;

	for (;;) {
		int n = libusb_init(ctx);

		if (n != LIBUSB_SUCCESS)
			return n;
		n = ifl_usbdev_scan(*ctx, sel, v);
		if (n > 0)
			return n;
		libusb_exit(*ctx);
		*ctx = NULL;
		if (n < 0 || ifl_now() >= until)
			return n;
		nanosleep(&pause, NULL);
	}
}
