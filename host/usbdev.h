/* usbdev.h - find initflash agents on the USB buses: by their interface, never by VID:PID alone. */
#ifndef IFL_USBDEV_H
#define IFL_USBDEV_H

#include <libusb-1.0/libusb.h>
#include <stdint.h>

/*
 * What the agent's gadget offers (initrd/gadget.h): a vendor-specific
 * interface, subclass 'I', protocol 1, named "initflash", with one bulk OUT
 * and one bulk IN endpoint. The VID:PID is configurable on the agent, so it
 * only feeds the udev rule, never the match.
 */
#define IFL_USB_CLASS 0xff
#define IFL_USB_SUBCLASS 0x49
#define IFL_USB_PROTOCOL 0x01
#define IFL_USB_IFACE_STR "initflash"

/* How many agents one scan reports at most (a big hub holds fewer). */
#define IFL_USBDEV_MAX 64

/* Whether this process could claim the interface now (ifl_usbdev_probe). */
enum ifl_usb_state { IFL_USB_READY, IFL_USB_BUSY, IFL_USB_NOACCESS, IFL_USB_GONE, IFL_USB_ERROR };

struct ifl_usbdev {
	libusb_device *dev;     /* referenced until ifl_usbdev_free */
	char path[32];          /* "BUS-PORT.PORT...", e.g. "1-1.3" (the sysfs name) */
	char serial[128];       /* iSerialNumber, "" when the device has none */
	uint16_t vid, pid;
	int speed;              /* enum libusb_speed */
	uint8_t config;         /* bConfigurationValue holding the interface */
	uint8_t iface;          /* bInterfaceNumber */
	uint8_t ep_in, ep_out;  /* bulk endpoint addresses */
	uint16_t mps_in, mps_out;
	int open_err;           /* libusb error of opening it during the scan (0: opened) */
};

/* A selection: each non-NULL field must match exactly. */
struct ifl_usb_sel {
	const char *id;     /* from "-c usb:ID": a serial number or a USB path */
	const char *serial; /* -s SERIAL */
	const char *path;   /* -p USBPATH */
};

/*
 * List the agents on ctx's buses that sel selects (NULL: all), in bus and
 * port order, into v[IFL_USBDEV_MAX]. A device counts when one interface of
 * its active configuration has the class, subclass and protocol above, a
 * bulk IN and a bulk OUT endpoint, and the string "initflash"; the string
 * is read over USB, or from sysfs when this user may not open the device
 * (those get open_err LIBUSB_ERROR_ACCESS). Returns the count, or a
 * negative libusb error.
 */
int ifl_usbdev_scan(libusb_context *ctx, const struct ifl_usb_sel *sel, struct ifl_usbdev *v);

/* Drop the references a scan took on v[0..n-1]. */
void ifl_usbdev_free(struct ifl_usbdev *v, int n);

/*
 * Try to open and claim the interface, then let go: IFL_USB_READY,
 * IFL_USB_BUSY (another process holds it), IFL_USB_NOACCESS (permissions),
 * IFL_USB_GONE (unplugged meanwhile) or IFL_USB_ERROR. Nothing is sent to
 * the device, so a session that runs elsewhere is not disturbed.
 */
int ifl_usbdev_probe(const struct ifl_usbdev *u);

/* "ready", "busy", "no access", "gone", "error". */
const char *ifl_usb_state_name(int state);

/* "low", "full", "high", "super", "super+" or "unknown", and the bit rate in Mbit/s (0 if unknown). */
const char *ifl_usb_speed_name(int speed, double *mbps);

/* A libusb error as a negative errno: -EACCES, -EBUSY, -ENODEV, -ETIMEDOUT, -EPIPE (stall), -EIO... */
int ifl_usb_errno(int err);

/*
 * Scan with a fresh libusb context until sel selects at least one agent or
 * wait_ms pass (0: scan once). A fresh context per try, because without a
 * udev daemon (an initramfs, a container) a context never hears of devices
 * that appear after it was made. Returns the count (the agents in
 * v[IFL_USBDEV_MAX], *ctx live: free v, then libusb_exit), 0 when none
 * appeared (no context left open), or a negative libusb error.
 */
int ifl_usbdev_find(const struct ifl_usb_sel *sel, int wait_ms, libusb_context **ctx,
		    struct ifl_usbdev *v);

#endif
