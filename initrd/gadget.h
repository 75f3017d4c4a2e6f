/* gadget.h - the USB gadget: a configfs device with one FunctionFS interface. */
#ifndef IFL_GADGET_H
#define IFL_GADGET_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the host matches on. The interface is vendor specific (class 0xff),
 * subclass 0x49 ('I' for initflash), protocol 0x01 (protocol version 1 of
 * docs/PROTOCOL.md), interface string "initflash"; it has one bulk OUT
 * endpoint (host to agent: frames) and one bulk IN endpoint (agent to host),
 * max packet 64 / 512 / 1024 bytes at full / high / super speed. The
 * endpoint numbers are chosen by the UDC: hosts find them by direction.
 */
#define IFL_USB_VID 0x1d6b /* Linux Foundation */
#define IFL_USB_PID 0x0104 /* Multifunction Composite Gadget */
#define IFL_USB_CLASS 0xff
#define IFL_USB_SUBCLASS 0x49
#define IFL_USB_PROTOCOL 0x01
#define IFL_USB_IFACE_STR "initflash"

struct ifl_gadget;

struct ifl_gadget_cfg {
	const char *udc;    /* NULL: the first entry of /sys/class/udc */
	uint16_t vid, pid;  /* 0: IFL_USB_VID, IFL_USB_PID */
	const char *serial; /* NULL: see ifl_serial_pick */
};

/* FunctionFS events read from ep0 (enum usb_functionfs_event_type). */
enum { IFL_FFS_BIND, IFL_FFS_UNBIND, IFL_FFS_ENABLE, IFL_FFS_DISABLE, IFL_FFS_SETUP,
       IFL_FFS_SUSPEND, IFL_FFS_RESUME };

/* One event; for SETUP, the control request's fields. */
struct ifl_ffs_event {
	uint8_t type;
	uint8_t req_type, req;
	uint16_t value, index, length;
};

/*
 * Build the gadget (mounting configfs at /sys/kernel/config if needed):
 * device descriptor, strings, one configuration, one FunctionFS instance
 * mounted at /dev/ffs-<name>, its descriptors and strings written to ep0,
 * the bulk endpoints opened. The UDC is not bound yet: ifl_gadget_bind.
 * A stale gadget of the same name (an agent that was killed) is removed
 * first. On failure writes a sentence for a person into err[cap] and
 * returns a negative errno (-ENODEV: no UDC or no gadget support in the
 * kernel; -EIO: configfs refused something).
 */
int ifl_gadget_open(const struct ifl_gadget_cfg *cfg, struct ifl_gadget **out, char *err,
		    size_t cap);

/* Bind to the UDC (the host sees the device). Returns 0 or -EBUSY, -ENODEV, -EIO. */
int ifl_gadget_bind(struct ifl_gadget *g);

/* Unbind from the UDC (the host sees a disconnect). Safe from any thread, at any time. */
void ifl_gadget_unbind(struct ifl_gadget *g);

/* Unbind, close the endpoints, unmount, remove the gadget from configfs, free g. */
void ifl_gadget_close(struct ifl_gadget *g);

/*
 * Read up to max (at most 4) events from ep0, blocking until there is one
 * (poll ifl_gadget_ep0 first to wait elsewhere). Returns the number read
 * (0 when the host withdrew a SETUP), or a negative errno. A SETUP must be
 * answered with ifl_gadget_stall before the next read.
 */
int ifl_gadget_events(struct ifl_gadget *g, struct ifl_ffs_event *ev, int max);

/* Refuse the pending control request (STALL on ep0). */
void ifl_gadget_stall(struct ifl_gadget *g, const struct ifl_ffs_event *ev);

/* File descriptors: ep0, bulk OUT (opened O_RDONLY|O_NONBLOCK), bulk IN (O_WRONLY|O_NONBLOCK). */
int ifl_gadget_ep0(const struct ifl_gadget *g);
int ifl_gadget_ep_out(const struct ifl_gadget *g);
int ifl_gadget_ep_in(const struct ifl_gadget *g);

/* The UDC name ("dummy_udc.0") and the serial number offered. */
const char *ifl_gadget_udc(const struct ifl_gadget *g);
const char *ifl_gadget_serial(const struct ifl_gadget *g);

/* The link speed the UDC reports ("high-speed"), into buf[cap]; "unknown" if none. */
void ifl_gadget_speed(const struct ifl_gadget *g, char *buf, size_t cap);

/*
 * Max packet size of the bulk IN endpoint at the current speed (from the
 * kernel's FUNCTIONFS_ENDPOINT_DESC), or 0 when the endpoint is not enabled.
 */
unsigned ifl_gadget_in_maxpacket(const struct ifl_gadget *g);

#endif
