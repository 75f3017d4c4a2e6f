/* gadget.c - build and tear down the configfs gadget and its FunctionFS interface. */
#include "gadget.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <usbg/usbg.h>

#include "fdio.h"
#include "log.h"
#include "serial.h"
#include "wire.h"

#define CONFIGFS "/sys/kernel/config"
#define UDC_CLASS "/sys/class/udc"

/*
 * The FunctionFS ABI (linux/usb/functionfs.h, linux/usb/ch9.h). musl-gcc
 * sees no kernel headers, so the few values used are spelled out here;
 * they are part of the kernel's user ABI and never change.
 */
#define FFS_DESCS_MAGIC_V2 3
#define FFS_STRINGS_MAGIC 2
#define FFS_HAS_FS_DESC 1
#define FFS_HAS_HS_DESC 2
#define FFS_HAS_SS_DESC 4
#define FFS_EVENT_SIZE 12 /* struct usb_functionfs_event */
/* FUNCTIONFS_ENDPOINT_DESC = _IOR('g', 130, struct usb_endpoint_descriptor), 9 bytes */
#define FFS_ENDPOINT_DESC _IOR('g', 130, uint8_t[9])

#define DT_INTERFACE 0x04
#define DT_ENDPOINT 0x05
#define DT_SS_EP_COMP 0x30
#define EP_BULK 0x02
#define DIR_IN 0x80

struct intf_desc {
	uint8_t bLength, bDescriptorType, bInterfaceNumber, bAlternateSetting, bNumEndpoints;
	uint8_t bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, iInterface;
} __attribute__((packed));

/* The 7-byte form FunctionFS wants (no audio fields). */
struct ep_desc {
	uint8_t bLength, bDescriptorType, bEndpointAddress, bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval;
} __attribute__((packed));

struct ss_comp_desc {
	uint8_t bLength, bDescriptorType, bMaxBurst, bmAttributes;
	uint16_t wBytesPerInterval;
} __attribute__((packed));

struct ep_pair {
	struct intf_desc intf;
	struct ep_desc out, in;
} __attribute__((packed));

struct ffs_descs {
	uint32_t magic, length, flags, fs_count, hs_count, ss_count;
	struct ep_pair fs, hs;
	struct {
		struct intf_desc intf;
		struct ep_desc out;
		struct ss_comp_desc out_comp;
		struct ep_desc in;
		struct ss_comp_desc in_comp;
	} __attribute__((packed)) ss;
} __attribute__((packed));

struct ffs_strings {
	uint32_t magic, length, str_count, lang_count;
	uint16_t lang;
	char iface[sizeof(IFL_USB_IFACE_STR)];
} __attribute__((packed));

_Static_assert(sizeof(struct intf_desc) == 9, "interface descriptor is 9 bytes");
_Static_assert(sizeof(struct ep_desc) == 7, "FunctionFS endpoint descriptor is 7 bytes");
_Static_assert(sizeof(struct ss_comp_desc) == 6, "SS companion descriptor is 6 bytes");
_Static_assert(sizeof(struct ffs_descs) == 24 + 2 * 23 + 35, "descriptor blob layout");
_Static_assert(sizeof(struct ffs_strings) == 16 + 2 + 10, "strings blob layout");

struct ifl_gadget {
	usbg_state *s;
	usbg_gadget *g;
	int ep0, out, in;
	int mounted;
	char udc[64];
	char name[48];  /* gadget directory and FunctionFS instance */
	char mnt[80];   /* /dev/ffs-<name> */
	char serial[64];
};

static struct intf_desc intf(void)
{
	return (struct intf_desc){
		.bLength = sizeof(struct intf_desc), .bDescriptorType = DT_INTERFACE,
		.bNumEndpoints = 2, .bInterfaceClass = IFL_USB_CLASS,
		.bInterfaceSubClass = IFL_USB_SUBCLASS, .bInterfaceProtocol = IFL_USB_PROTOCOL,
		.iInterface = 1,
	};
}

/* Endpoint 1 OUT or 2 IN; FunctionFS lets the UDC pick the real numbers. */
static struct ep_desc bulk(int in, unsigned mps)
{
	return (struct ep_desc){
		.bLength = sizeof(struct ep_desc), .bDescriptorType = DT_ENDPOINT,
		.bEndpointAddress = in ? (DIR_IN | 2) : 1, .bmAttributes = EP_BULK,
		.wMaxPacketSize = htole16((uint16_t)mps),
	};
}

static void fill_descs(struct ffs_descs *d)
{
	/* Bursts of 16 packets keep a SuperSpeed link busy; ignored below SuperSpeed. */
	struct ss_comp_desc comp = {.bLength = sizeof(comp), .bDescriptorType = DT_SS_EP_COMP,
				    .bMaxBurst = 15};

	memset(d, 0, sizeof(*d));
	d->magic = htole32(FFS_DESCS_MAGIC_V2);
	d->length = htole32(sizeof(*d));
	d->flags = htole32(FFS_HAS_FS_DESC | FFS_HAS_HS_DESC | FFS_HAS_SS_DESC);
	d->fs_count = htole32(3);
	d->hs_count = htole32(3);
	d->ss_count = htole32(5);
	d->fs = (struct ep_pair){intf(), bulk(0, 64), bulk(1, 64)};
	d->hs = (struct ep_pair){intf(), bulk(0, 512), bulk(1, 512)};
	d->ss.intf = intf();
	d->ss.out = bulk(0, 1024);
	d->ss.out_comp = comp;
	d->ss.in = bulk(1, 1024);
	d->ss.in_comp = comp;
}

static void fill_strings(struct ffs_strings *s)
{
	memset(s, 0, sizeof(*s));
	s->magic = htole32(FFS_STRINGS_MAGIC);
	s->length = htole32(sizeof(*s));
	s->str_count = htole32(1);
	s->lang_count = htole32(1);
	s->lang = htole16(0x0409);
	memcpy(s->iface, IFL_USB_IFACE_STR, sizeof(IFL_USB_IFACE_STR));
}

static int usbg_errno(int e)
{
	switch (e) {
	case USBG_SUCCESS: return 0;
	case USBG_ERROR_NO_MEM: return -ENOMEM;
	case USBG_ERROR_NO_ACCESS: return -EACCES;
	case USBG_ERROR_NOT_FOUND: return -ENOENT;
	case USBG_ERROR_EXIST: return -EEXIST;
	case USBG_ERROR_NO_DEV: return -ENODEV;
	case USBG_ERROR_BUSY: return -EBUSY;
	default: return -EIO;
	}
}

/* Mount configfs unless it is there; -ENODEV when the kernel has no gadget support. */
static int need_configfs(char *err, size_t cap)
{
	struct stat st;

	if (stat(CONFIGFS "/usb_gadget", &st) == 0)
		return 0;
	if (mount("configfs", CONFIGFS, "configfs", 0, NULL) < 0 && errno != EBUSY) {
		snprintf(err, cap, "cannot mount configfs on " CONFIGFS ": %s", strerror(errno));
		return -errno;
	}
	if (stat(CONFIGFS "/usb_gadget", &st) == 0)
		return 0;
	snprintf(err, cap, "no " CONFIGFS "/usb_gadget: load libcomposite and usb_f_fs "
		 "(modprobe usb_f_fs)");
	return -ENODEV;
}

/* The UDC asked for, checked, or the first one by name in /sys/class/udc. */
static int pick_udc(const char *want, char *udc, size_t cap, char *err, size_t ecap)
{
	char path[128];
	struct dirent *e;
	DIR *d;

	if (want) {
		snprintf(path, sizeof(path), UDC_CLASS "/%s", want);
		if (strlen(want) >= cap || strchr(want, '/') || access(path, F_OK) < 0) {
			snprintf(err, ecap, "no USB device controller %s in " UDC_CLASS, want);
			return -ENODEV;
		}
		snprintf(udc, cap, "%s", want);
		return 0;
	}
	udc[0] = '\0';
	d = opendir(UDC_CLASS);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] != '.' && n < cap && (!udc[0] || strcmp(e->d_name, udc) < 0))
			memcpy(udc, e->d_name, n + 1);
	}
	if (d)
		closedir(d);
	if (udc[0])
		return 0;
	snprintf(err, ecap, "no USB device controller in " UDC_CLASS ": load the board's UDC "
		 "driver (dummy_hcd in a virtual DUT)");
	return -ENODEV;
}

/* Our configfs and FunctionFS names, one set per UDC so agents on several UDCs coexist. */
static void make_names(struct ifl_gadget *g)
{
	size_t n = (size_t)snprintf(g->name, sizeof(g->name), "initflash-%s", g->udc);

	for (size_t i = 0; i < n && i < sizeof(g->name); i++)
		if (!((g->name[i] >= 'a' && g->name[i] <= 'z') ||
		      (g->name[i] >= 'A' && g->name[i] <= 'Z') ||
		      (g->name[i] >= '0' && g->name[i] <= '9') || g->name[i] == '-'))
			g->name[i] = '_';
	/* FunctionFS instance names are at most 40 bytes. */
	g->name[40] = '\0';
	snprintf(g->mnt, sizeof(g->mnt), "/dev/ffs-%s", g->name);
}

/* Remove what a killed agent left behind: its mount and its gadget. */
static void remove_stale(struct ifl_gadget *g)
{
	usbg_gadget *old = usbg_get_gadget(g->s, g->name);

	umount2(g->mnt, MNT_DETACH);
	if (!old)
		return;
	ifl_log("removing a stale gadget %s left by an earlier agent", g->name);
	usbg_disable_gadget(old);
	usbg_rm_gadget(old, USBG_RM_RECURSE);
}

/* Device, configuration and FunctionFS function in configfs. */
static int build(struct ifl_gadget *g, const struct ifl_gadget_cfg *cfg, char *err, size_t cap)
{
	struct usbg_gadget_attrs ga = {
		.bcdUSB = 0x0200, .idVendor = cfg->vid ? cfg->vid : IFL_USB_VID,
		.idProduct = cfg->pid ? cfg->pid : IFL_USB_PID, .bcdDevice = 0x0100,
	};
	char manuf[] = "initflash", product[] = "initflash agent", label[] = "initflash";
	struct usbg_gadget_strs gs = {.manufacturer = manuf, .product = product,
				      .serial = g->serial};
	struct usbg_config_attrs ca = {.bmAttributes = 0x80, .bMaxPower = 50}; /* 100 mA */
	struct usbg_config_strs cs = {.configuration = label};
	usbg_function *f;
	usbg_config *c;
	const char *step = "usbg_init";
	int rc = usbg_init(CONFIGFS, &g->s);

	if (rc == USBG_SUCCESS) {
		remove_stale(g);
		step = "create the gadget";
		rc = usbg_create_gadget(g->s, g->name, &ga, &gs, &g->g);
	}
	if (rc == USBG_SUCCESS) {
		step = "create the FunctionFS function (is usb_f_fs loaded?)";
		rc = usbg_create_function(g->g, USBG_F_FFS, g->name, NULL, &f);
	}
	if (rc == USBG_SUCCESS) {
		step = "create the configuration";
		rc = usbg_create_config(g->g, 1, "c", &ca, &cs, &c);
	}
	if (rc == USBG_SUCCESS) {
		step = "add the function to the configuration";
		rc = usbg_add_config_function(c, "initflash", f);
	}
	if (rc != USBG_SUCCESS)
		snprintf(err, cap, "configfs: cannot %s: %s", step, usbg_strerror(rc));
	return usbg_errno(rc);
}

/* Mount FunctionFS, describe the interface on ep0, open the bulk endpoints. */
static int start_ffs(struct ifl_gadget *g, char *err, size_t cap)
{
	struct ffs_descs d;
	struct ffs_strings s;
	char path[sizeof(g->mnt) + 8];
	int rc = 0;

	mkdir(g->mnt, 0700);
	if (mount(g->name, g->mnt, "functionfs", 0, NULL) < 0) {
		rc = -errno;
		snprintf(err, cap, "cannot mount functionfs %s on %s: %s", g->name, g->mnt,
			 strerror(errno));
		return rc;
	}
	g->mounted = 1;
	snprintf(path, sizeof(path), "%s/ep0", g->mnt);
	g->ep0 = open(path, O_RDWR | O_CLOEXEC);
	fill_descs(&d);
	fill_strings(&s);
	if (g->ep0 < 0 || (rc = ifl_write_all(g->ep0, &d, sizeof(d))) ||
	    (rc = ifl_write_all(g->ep0, &s, sizeof(s)))) {
		rc = g->ep0 < 0 ? -errno : rc;
		snprintf(err, cap, "%s/ep0: the kernel refused the interface descriptors: %s",
			 g->mnt, strerror(-rc));
		return rc;
	}
	/* The endpoint files appear once descriptors and strings are in, in descriptor order. */
	snprintf(path, sizeof(path), "%s/ep1", g->mnt);
	g->out = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/ep2", g->mnt);
	g->in = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (g->out < 0 || g->in < 0) {
		rc = -errno;
		snprintf(err, cap, "cannot open the bulk endpoints in %s: %s", g->mnt,
			 strerror(errno));
		return rc;
	}
	return 0;
}

int ifl_gadget_open(const struct ifl_gadget_cfg *cfg, struct ifl_gadget **out, char *err,
		    size_t cap)
{
	struct ifl_gadget *g = calloc(1, sizeof(*g));
	int rc;

	if (!g) {
		snprintf(err, cap, "out of memory");
		return -ENOMEM;
	}
	g->ep0 = g->out = g->in = -1;
	ifl_serial_pick(cfg->serial, g->serial, sizeof(g->serial));
	rc = need_configfs(err, cap);
	if (!rc)
		rc = pick_udc(cfg->udc, g->udc, sizeof(g->udc), err, cap);
	if (!rc) {
		make_names(g);
		rc = build(g, cfg, err, cap);
	}
	if (!rc)
		rc = start_ffs(g, err, cap);
	if (rc) {
		ifl_gadget_close(g);
		return rc;
	}
	*out = g;
	return 0;
}

int ifl_gadget_bind(struct ifl_gadget *g)
{
	usbg_udc *u = usbg_get_udc(g->s, g->udc);

	return u ? usbg_errno(usbg_enable_gadget(g->g, u)) : -ENODEV;
}

void ifl_gadget_unbind(struct ifl_gadget *g)
{
	char path[160];
	int fd;

	/* Written directly (not via libusbgx) so any thread may call it. */
	snprintf(path, sizeof(path), CONFIGFS "/usb_gadget/%s/UDC", g->name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "\n", 1) < 0 && errno != ENODEV)
			ifl_log("cannot unbind %s from %s: %s", g->name, g->udc, strerror(errno));
		close(fd);
	}
}

void ifl_gadget_close(struct ifl_gadget *g)
{
	if (!g)
		return;
	if (g->g)
		ifl_gadget_unbind(g);
	/* Endpoint files first: an open file keeps the mount busy. */
	if (g->in >= 0)
		close(g->in);
	if (g->out >= 0)
		close(g->out);
	if (g->ep0 >= 0)
		close(g->ep0);
	if (g->mounted && umount(g->mnt) < 0)
		umount2(g->mnt, MNT_DETACH);
	rmdir(g->mnt);
	if (g->g) {
		int rc = usbg_rm_gadget(g->g, USBG_RM_RECURSE);

		if (rc != USBG_SUCCESS)
			ifl_log("cannot remove gadget %s from configfs: %s", g->name,
				usbg_strerror(rc));
	}
	if (g->s)
		usbg_cleanup(g->s);
	free(g);
}

int ifl_gadget_events(struct ifl_gadget *g, struct ifl_ffs_event *ev, int max)
{
	/* The kernel queues at most four events. */
	uint8_t raw[4 * FFS_EVENT_SIZE];
	long n;
	int k = 0;

	if (max > 4)
		max = 4;
	n = ifl_read_some(g->ep0, raw, (size_t)max * FFS_EVENT_SIZE);
	if (n < 0)
		return n == -EIDRM ? 0 : (int)n; /* EIDRM: a SETUP the host gave up on */
	for (long off = 0; off + FFS_EVENT_SIZE <= n; off += FFS_EVENT_SIZE, k++) {
		const uint8_t *p = raw + off;

		ev[k] = (struct ifl_ffs_event){
			.type = p[8], .req_type = p[0], .req = p[1], .value = ifl_get_le16(p + 2),
			.index = ifl_get_le16(p + 4), .length = ifl_get_le16(p + 6),
		};
	}
	return k;
}

void ifl_gadget_stall(struct ifl_gadget *g, const struct ifl_ffs_event *ev)
{
	char dummy = 0;

	/*
	 * FunctionFS stalls ep0 when the data stage goes the wrong way: a read
	 * for an IN (device-to-host) request, a write for an OUT one. The call
	 * fails with EL2HLT by design.
	 */
	if (ev->req_type & DIR_IN) {
		if (read(g->ep0, &dummy, 0) < 0 && errno != EL2HLT)
			ifl_vlog("usb: stall failed: %s", strerror(errno));
	} else if (write(g->ep0, &dummy, 0) < 0 && errno != EL2HLT) {
		ifl_vlog("usb: stall failed: %s", strerror(errno));
	}
}

int ifl_gadget_ep0(const struct ifl_gadget *g) { return g->ep0; }
int ifl_gadget_ep_out(const struct ifl_gadget *g) { return g->out; }
int ifl_gadget_ep_in(const struct ifl_gadget *g) { return g->in; }
const char *ifl_gadget_udc(const struct ifl_gadget *g) { return g->udc; }
const char *ifl_gadget_serial(const struct ifl_gadget *g) { return g->serial; }

void ifl_gadget_speed(const struct ifl_gadget *g, char *buf, size_t cap)
{
	char path[128];
	long n = -1;
	int fd;

	snprintf(path, sizeof(path), UDC_CLASS "/%s/current_speed", g->udc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = ifl_read_some(fd, buf, cap - 1);
		close(fd);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0)
		snprintf(buf, cap, "unknown");
	else
		buf[n] = '\0';
}

unsigned ifl_gadget_in_maxpacket(const struct ifl_gadget *g)
{
	uint8_t d[9];

	if (ioctl(g->in, FFS_ENDPOINT_DESC, d) < 0 || d[0] < 7)
		return 0;
	return ifl_get_le16(d + 4) & 0x7ff;
}
